/**
 * How the rest of the node reads (issue 12): limits and their warning state,
 * allocators, supervisors' children, ETS tables, ports, and what a kill will
 * do. Pure functions, DOM- and vscode-free, unit-tested; the views turn them
 * into tree items and dialogs.
 */
import type {
  AllocatorFamily,
  CountAndLimit,
  EtsTable,
  PortRow,
  ProcessKill,
  RunningApplication,
  SupervisorChild,
} from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatName } from './format';

/** A count at or above this share of its limit is shown as a warning. */
export const LIMIT_WARNING_RATIO = 0.8;

export interface Line {
  label: string;
  description: string;
  tooltip?: string;
  warning?: boolean;
}

/** "312 of 262,144 (0.1%)", a warning from 80% of an enforced limit. */
export function limitLine(label: string, limit: CountAndLimit): Line {
  const percent = limit.ratio * 100;
  const share = percent > 0 && percent < 0.1 ? '<0.1' : percent < 1 ? percent.toFixed(1).replace(/\.0$/, '') : String(Math.round(percent));
  const warning = limit.enforced && limit.ratio >= LIMIT_WARNING_RATIO;
  return {
    label,
    description: `${limit.count.toLocaleString('en-US')} of ${limit.limit.toLocaleString('en-US')} (${share}%)`,
    tooltip:
      (warning ? `Near the limit: the node fails to create more ${label.toLowerCase()} at ${limit.limit.toLocaleString('en-US')}. ` : '') +
      (limit.enforced ? '' : 'Not enforced since OTP 20: tables are limited by memory only.'),
    warning,
  };
}

/** An allocator family: what its carriers hold from the OS, and how much of it is in use. */
export function allocatorLine(family: AllocatorFamily): Line {
  const usage = family.usage === null ? '' : ` · ${Math.round(family.usage * 100)}% used`;
  return {
    label: family.name,
    description: `${formatBytes(family.carriersBytes)} in carriers, ${formatBytes(family.blocksBytes)} in blocks${usage}`,
    tooltip:
      `${family.instances} instance(s). Multiblock carriers ${formatBytes(family.multiblockCarriersBytes)}, ` +
      `single-block carriers ${formatBytes(family.singleblockCarriersBytes)}. ` +
      'A low share in use means memory held from the OS but free inside the carriers (fragmentation).',
  };
}

/** 3 d 4 h, 5 h 12 min, 42 s. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export function applicationLine(app: RunningApplication): Line {
  return {
    label: app.name,
    description: `${app.version}${app.supervisor ? '' : ' · library'}`,
    tooltip: `${app.name} ${app.version}: ${app.description}`,
  };
}

/** A supervisor's child: its registered name, else its id, else its module (a dynamic child), else its pid. */
export function childLabel(child: SupervisorChild): string {
  if (child.name) return formatName(child.name);
  if (child.id !== null) return child.id;
  // A dynamic child (DynamicSupervisor, simple_one_for_one) by its module's last name: "Session".
  if (Array.isArray(child.modules) && child.modules.length > 0) return formatName(child.modules[0]).split('.').pop()!;
  return child.pid ?? '(not running)';
}

export function childDescription(child: SupervisorChild): string {
  const where = child.pid ?? child.status;
  const restart = child.restart ? ` · ${child.restart}` : '';
  return `${child.type}${restart} · ${where}`;
}

export function childTooltip(child: SupervisorChild): string {
  const modules = child.modules === 'dynamic' ? 'dynamic' : child.modules.map(formatName).join(', ') || '—';
  return [
    `${childLabel(child)} ${child.pid ?? `(${child.status})`}`,
    `id: ${child.id ?? '— (a dynamic child)'}`,
    `type: ${child.type}, restart: ${child.restart ?? 'unknown'}`,
    `modules: ${modules}`,
  ].join('\n');
}

export function tableLabel(table: EtsTable): string {
  return table.named ? table.name : `${table.name} ${table.id}`;
}

export function tableDescription(table: EtsTable): string {
  return `${formatCount(table.size)} rows · ${formatBytes(table.memory)} · ${table.type} · ${table.protection}`;
}

export function portLabel(port: PortRow): string {
  if (port.protocol && (port.local || port.peer)) {
    return `${port.protocol} ${port.local ?? '?'}${port.peer ? ` → ${port.peer}` : ''}`;
  }
  return port.name;
}

export function portDescription(port: PortRow): string {
  const queue = port.queueSize ? ` · ${formatBytes(port.queueSize)} queued` : '';
  const state = port.state ? `${port.state} · ` : '';
  const agent = port.agent ? ' · BEAM Observer agent' : '';
  return `${state}in ${formatBytes(port.input)} · out ${formatBytes(port.output)}${queue}${agent} · ${port.id}`;
}

/** What the Kill Process confirmation says, from the agent's dry run. */
export function killConfirmation(preview: ProcessKill, label: string): { message: string; detail: string } {
  const who = label === preview.pid ? preview.pid : `${label} (${preview.pid})`;
  const message = `Kill ${who}?`;
  const sup = preview.supervisor;
  if (!sup && preview.restartedBy === 'unknown') {
    return {
      message,
      detail: `Whether anyone restarts it is not known: ${preview.unsupervisedBecause ?? 'its supervisor did not answer'}.`,
    };
  }
  if (!sup) {
    return {
      message,
      detail: `Nobody will restart it: ${preview.unsupervisedBecause ?? 'no supervisor lists it'}. The exit reaches the processes linked to it.`,
    };
  }
  const supName = sup.name ? `${formatName(sup.name)} (${sup.pid})` : sup.pid;
  const child = `a ${sup.restart ?? 'unknown-restart'} ${sup.type}${sup.childId ? `, child id ${sup.childId}` : ''}`;
  const outcome =
    preview.restartedBy === 'supervisor'
      ? `Its supervisor ${supName} will restart it (${child}).`
      : preview.restartedBy === 'nobody'
        ? `Its supervisor ${supName} will not restart it (${child}).`
        : `Its supervisor is ${supName} (${child}).`;
  return { message, detail: `${outcome}${preview.application ? ` Application: ${preview.application}.` : ''}` };
}

/** What happened, after the kill. */
export function killOutcome(result: ProcessKill, label: string): string {
  const who = label === result.pid ? result.pid : `${label} (${result.pid})`;
  if (result.exited === false) return `${who} was sent ${result.reason} but has not exited (it may trap exits).`;
  const sup = result.supervisor;
  if (result.restartedAs && sup) {
    return `killed ${who}; ${sup.name ? formatName(sup.name) : sup.pid} restarted it as ${result.restartedAs}.`;
  }
  if (sup && result.restartedBy === 'supervisor') return `killed ${who}; its supervisor restarts it.`;
  return `killed ${who}; nobody restarts it.`;
}

/** The rows of an ETS table read so far, as its document shows them. */
export interface TableText {
  nodeName: string;
  table: string;
  language: 'elixir' | 'erlang';
  rows: string[];
  size: number;
  continuation: string | null;
  /** Why no more rows can be read; undefined while they can. */
  ended: string | undefined;
  pageSize: number;
}

/** A table's document: a header comment, one row after another, and what is left to read. */
export function tableDocumentText(t: TableText): string {
  const c = t.language === 'elixir' ? '#' : '%';
  const shown = t.rows.length.toLocaleString('en-US');
  const header = `${c} ETS table ${t.table} on ${t.nodeName}: ${shown} of ${t.size.toLocaleString('en-US')} rows (read-only, a page at a time)`;
  const footer = t.ended
    ? `${c} No more rows: ${t.ended}`
    : t.continuation
      ? `${c} ${shown} rows shown; "Load More Rows" reads the next ${t.pageSize}.`
      : `${c} End of table.`;
  return [header, '', ...t.rows, '', footer, ''].join('\n');
}
