/**
 * What a process shows when expanded in the tree, as plain data: built from
 * the agent's answers by pure functions (unit-tested), turned into
 * TreeItems by processTree.ts.
 */
import type { ProcessInfo, ProcessRow, SortKey, StackFrame } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa, formatName, rowFigure, rowLabel, SORT_LABELS } from './format';

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
    { label: 'Heap', description: `${formatBytes(info.heapSize * info.wordSize)} (total ${formatBytes(info.totalHeapSize * info.wordSize)})` },
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

/** The figure shown beside each row, and a tooltip with all figures (Markdown). */
export function rowTooltip(row: ProcessRow, windowMs: number | null): string {
  const perSecond = windowMs ? ` (${formatCount((row.reductions * 1000) / windowMs)}/s)` : '';
  return [
    `**${escapeMarkdown(rowLabel(row))}** \`${row.pid}\`${row.agent ? ' — BEAM Observer agent' : ''}`,
    '',
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

/**
 * The one row that stands for the agent's own processes. They are ranked with the
 * node's (their cost is real and shown), but kept under one row at the end: on a
 * quiet node the agent's sweep would otherwise fill the top of the list.
 */
export function agentGroupItem(rows: readonly ProcessRow[], sortBy: SortKey, windowMs: number | null): { label: string; description: string; tooltip: string } {
  const total: ProcessRow = {
    pid: '', name: null, initialCall: null, currentFunction: null, status: 'waiting', agent: true,
    reductions: 0, reductionsTotal: 0, memory: 0, messageQueueLen: 0,
  };
  for (const row of rows) {
    total.reductions += row.reductions;
    total.reductionsTotal += row.reductionsTotal;
    total.memory += row.memory;
    total.messageQueueLen += row.messageQueueLen;
  }
  const count = `${rows.length} process${rows.length === 1 ? '' : 'es'}`;
  return {
    label: 'BEAM Observer agent',
    description: `${count} · ${rowFigure(total, sortBy, windowMs)}`,
    tooltip: `This view's own agent: its ${count} in this list (by ${SORT_LABELS[sortBy].toLowerCase()}) are ranked with the node's and grouped here. ` +
      'Its work is counted, never hidden: the status bar\'s tooltip shows what it cost the node in the last sample.',
  };
}

export function rowDescription(row: ProcessRow, sortBy: SortKey, windowMs: number | null): string {
  const figure = rowFigure(row, sortBy, windowMs);
  return row.agent ? `${figure} · agent` : figure;
}

/** Split a state dump into tree lines, capped: the rest opens in an editor. */
export function stateLines(text: string, max = 200): { lines: string[]; more: number } {
  const all = text.split('\n');
  return all.length <= max ? { lines: all, more: 0 } : { lines: all.slice(0, max), more: all.length - max };
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
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
