/**
 * What a process shows when expanded in the tree, as plain data: built from
 * the agent's answers by pure functions (unit-tested), turned into
 * TreeItems by processTree.ts.
 */
import type { DebuggerHold, ProcessInfo, ProcessRow, SortKey, StackFrame } from '../protocol/agentProtocol';
import { escapeMarkdown, formatBytes, formatCount, formatMfa, formatName } from '../shared/format';
import { rowFigure, rowLabel, SORT_LABELS } from './format';

export interface DetailLine {
  label: string;
  description: string;
}

/** The "Info" lines of an expanded process. */
export function infoLines(info: ProcessInfo): DetailLine[] {
  const lines: DetailLine[] = [
    { label: 'Status', description: info.status },
    { label: 'Current function', description: formatMfa(info.currentFunction) || '—' },
    { label: 'Initial call', description: formatMfa(info.initialCall) || '—' },
    { label: 'Behaviour', description: info.otp.behaviour ?? (info.otp.isOtp ? 'proc_lib' : 'none (plain process)') },
    { label: 'Memory', description: formatBytes(info.memory) },
    {
      label: 'Heap',
      description: `${formatBytes(info.heapSize * info.wordSize)} (total ${formatBytes(info.totalHeapSize * info.wordSize)})`,
    },
    { label: 'Stack', description: formatBytes(info.stackSize * info.wordSize) },
    { label: 'Message queue', description: formatCount(info.messageQueueLen) },
    { label: 'Reductions', description: formatCount(info.reductions) },
    { label: 'Trap exit', description: String(info.trapExit) },
    { label: 'Group leader', description: info.groupLeader },
  ];
  if (info.name) lines.unshift({ label: 'Registered name', description: formatName(info.name) });
  return lines;
}

/** A stack frame's label, e.g. "MyApp.Worker.handle_call/3  worker.ex:42". */
export function frameLabel(frame: StackFrame): DetailLine {
  const where = frame.file ? `${frame.file}${frame.line ? `:${frame.line}` : ''}` : '';
  return { label: formatMfa(frame), description: where };
}

/** A row's tooltip: who it is and all its figures (Markdown). */
export function rowTooltip(row: ProcessRow, windowMs: number | null): string {
  const perSecond = windowMs ? ` (${formatCount((row.reductions * 1000) / windowMs)}/s)` : '';
  return [
    `**${escapeMarkdown(rowLabel(row))}** \`${row.pid}\`${row.agent ? ' — BEAM Observer agent' : row.debugger ? " — the debugger's" : ''}`,
    '',
    ...(row.heldByDebugger
      ? [`$(debug-pause) ${escapeMarkdown(holdLabel(row.heldByDebugger))}: its state can be read once the debugger lets it go.`, '']
      : []),
    `| | |`,
    `|---|---|`,
    `| Status | ${row.status} |`,
    `| Current function | ${escapeMarkdown(formatMfa(row.currentFunction) || '—')} |`,
    `| Initial call | ${escapeMarkdown(formatMfa(row.initialCall) || '—')} |`,
    `| Reductions | ${formatCount(row.reductions)} in window${perSecond}, ${formatCount(row.reductionsTotal)} total |`,
    `| Memory | ${formatBytes(row.memory)} |`,
    `| Message queue | ${formatCount(row.messageQueueLen)} |`,
  ].join('\n');
}

/** Whose own processes a row is: they are ranked with the node's but grouped under one row each. */
export type ProcessOwner = 'agent' | 'debugger';

export function ownerOf(row: Pick<ProcessRow, 'agent' | 'debugger'>): ProcessOwner | undefined {
  return row.agent ? 'agent' : row.debugger ? 'debugger' : undefined;
}

const GROUPS: Record<ProcessOwner, { label: string; tooltip: (count: string, sortBy: string) => string }> = {
  agent: {
    label: 'BEAM Observer agent',
    tooltip: (count, sortBy) =>
      `This view's own agent: its ${count} in this list (by ${sortBy}) are ranked with the node's and grouped here. ` +
      "Its work is counted, never hidden: the status bar's tooltip shows what it cost the node in the last sample.",
  },
  debugger: {
    label: 'Debugger',
    tooltip: (count, sortBy) =>
      `The debugger's own ${count} in this list (by ${sortBy}): OTP's interpreter (dbg_iserver, and one ` +
      "process per interpreted process, which evaluates the interpreted code for it) and the debug adapter's processes " +
      "(ElixirLS.DebugAdapter.*). They are ranked with the node's and grouped here: while the project's modules are " +
      "interpreted they often outrank the application. The status bar's tooltip says what share of the node's reductions they ran.",
  },
};

/**
 * The one row that stands for the agent's (or a debugger's) own processes. They are
 * ranked with the node's (their cost is real and shown), but kept under one row at the
 * end: on a quiet node the agent's sweep, in a debug session the interpreter, would
 * otherwise fill the top of the list.
 */
export function ownerGroupItem(
  owner: ProcessOwner,
  rows: readonly ProcessRow[],
  sortBy: SortKey,
  windowMs: number | null,
): { label: string; description: string; tooltip: string } {
  const total: ProcessRow = {
    pid: '',
    name: null,
    initialCall: null,
    currentFunction: null,
    status: 'waiting',
    agent: owner === 'agent',
    debugger: owner === 'debugger',
    heldByDebugger: null,
    reductions: 0,
    reductionsTotal: 0,
    memory: 0,
    messageQueueLen: 0,
  };
  for (const row of rows) {
    total.reductions += row.reductions;
    total.reductionsTotal += row.reductionsTotal;
    total.memory += row.memory;
    total.messageQueueLen += row.messageQueueLen;
  }
  const count = `${rows.length} process${rows.length === 1 ? '' : 'es'}`;
  return {
    label: GROUPS[owner].label,
    description: `${count} · ${rowFigure(total, sortBy, windowMs)}`,
    tooltip: GROUPS[owner].tooltip(count, SORT_LABELS[sortBy].toLowerCase()),
  };
}

/** What a debugger is doing with a process, in a few words ("paused at a breakpoint (cache.ex:12)"). */
export function holdLabel(hold: DebuggerHold): string {
  const file = hold.source ? hold.source.slice(hold.source.lastIndexOf('/') + 1) : hold.module ? formatName(hold.module) : '';
  switch (hold.status) {
    case 'break':
      return `paused at a breakpoint${file && hold.line ? ` (${file}:${hold.line})` : ''}`;
    case 'waiting':
      return `waiting in interpreted code${hold.callback ? ` (${hold.callback})` : ''}`;
    default:
      return hold.callback ? `in ${hold.callback}, interpreted by the debugger` : 'running interpreted code';
  }
}

export function rowDescription(row: ProcessRow, sortBy: SortKey, windowMs: number | null): string {
  const figure = rowFigure(row, sortBy, windowMs);
  if (row.heldByDebugger) return `${figure} · ${holdLabel(row.heldByDebugger)}`;
  const owner = ownerOf(row);
  return owner ? `${figure} · ${owner}` : figure;
}

/** Split a state dump into tree lines, capped: the rest opens in an editor. */
export function stateLines(text: string, max = 200): { lines: string[]; more: number } {
  const all = text.split('\n');
  return all.length <= max ? { lines: all, more: 0 } : { lines: all.slice(0, max), more: all.length - max };
}

/** The codicon for a row. */
export function rowIcon(row: ProcessRow): string {
  if (row.heldByDebugger) return row.heldByDebugger.status === 'break' ? 'debug-breakpoint' : 'debug-alt';
  if (row.agent) return 'eye';
  if (row.debugger) return 'bug';
  return statusIcon(row.status, row.messageQueueLen);
}

/** The codicon for a process status. */
export function statusIcon(status: string, queue: number): string {
  if (queue > 1000) return 'warning';
  switch (status) {
    case 'running':
      return 'play-circle';
    case 'runnable':
      return 'debug-pause';
    case 'garbage_collecting':
      return 'trash';
    case 'suspended':
      return 'debug-stop';
    case 'exiting':
      return 'close';
    default:
      return 'circle-outline';
  }
}
