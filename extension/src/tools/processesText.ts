/**
 * The top processes of a node, as a model reads them: one line per process
 * with its pid, its registered name and its real initial call (proc_lib's
 * `$initial_call`, not proc_lib:init_p/5), the figure sorted by and the
 * others, and where it is now. Pure and unit-tested.
 */
import type { ProcessRow, ProcessesListResult, SortKey } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa, formatName } from '../shared/format';
import { holdLabel } from '../views/processDetails';
import { boundedLines, grouped } from './toolText';

const SORT_WORDS: Record<SortKey, string> = {
  reductions: 'reductions',
  memory: 'memory',
  messageQueueLen: 'message queue length',
};

function reductionsFigure(row: ProcessRow, windowMs: number | null): string {
  if (windowMs && windowMs > 0) return `${formatCount((row.reductions * 1000) / windowMs)} reductions/s`;
  return `${formatCount(row.reductionsTotal)} reductions in total`;
}

/** Who a process is: its registered name, then its initial call (both when it has both). */
export function processIdentity(row: Pick<ProcessRow, 'name' | 'initialCall'>): string {
  const call = formatMfa(row.initialCall);
  if (row.name) return call ? `${formatName(row.name)} (initial call ${call})` : formatName(row.name);
  return call ? `initial call ${call}` : 'no name, no initial call';
}

function owner(row: ProcessRow): string {
  if (row.agent) return ' [BEAM Observer agent itself]';
  if (row.debugger) return " [the debugger's own]";
  if (row.heldByDebugger) return ` [${holdLabel(row.heldByDebugger)}]`;
  return '';
}

/** One process: the sorted figure first, then the others. */
export function processLine(rank: number, row: ProcessRow, sortBy: SortKey, windowMs: number | null): string {
  const figures: Record<SortKey, string> = {
    reductions: reductionsFigure(row, windowMs),
    memory: `${formatBytes(row.memory)} memory`,
    messageQueueLen: `${grouped(row.messageQueueLen)} queued messages`,
  };
  const others = (Object.keys(figures) as SortKey[]).filter((k) => k !== sortBy).map((k) => figures[k]);
  const now = row.currentFunction ? `, in ${formatMfa(row.currentFunction)}` : '';
  return `${rank}. ${row.pid} ${processIdentity(row)}${owner(row)}: ${figures[sortBy]}; ${others.join(', ')}; ${row.status}${now}`;
}

/** The heading: what was ranked, over what window, among how many processes. */
export function processesHeading(result: ProcessesListResult, filter: string | undefined): string {
  const window =
    result.sortBy !== 'reductions'
      ? ''
      : result.windowMs
        ? ` over the last ${(result.windowMs / 1000).toFixed(2)} s`
        : ' (no earlier sweep, so totals since each process started)';
  const among = filter ? `${grouped(result.scanned)} processes scanned, those matching "${filter}"` : `${grouped(result.total)} processes`;
  return `Top ${result.rows.length} processes of ${result.node} by ${SORT_WORDS[result.sortBy]}${window} (${among}; the sweep took ${result.sweepMs.toFixed(1)} ms):`;
}

export function processesText(result: ProcessesListResult, filter?: string): string {
  const lines = [processesHeading(result, filter), ...result.rows.map((row, i) => processLine(i + 1, row, result.sortBy, result.windowMs))];
  if (result.rows.length === 0) lines.push(filter ? `No process matches "${filter}".` : 'No process.');
  return boundedLines(
    lines,
    (cut) =>
      `[cut: ${grouped(cut.shownLines - 1)} of ${grouped(result.rows.length)} processes shown, ${grouped(cut.omittedBytes)} bytes left out ` +
      'to keep this answer short; ask for a smaller limit or a filter]',
  );
}
