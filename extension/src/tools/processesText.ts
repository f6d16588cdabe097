/**
 * The top processes of a node, as a model reads them: one line per process
 * with its pid, its registered name and its real initial call (proc_lib's
 * `$initial_call`, not proc_lib:init_p/5), the figure sorted by and the
 * others, and where it is now. Pure and unit-tested.
 */
import type { ProcessRow, ProcessesListResult, RefreshInfo, SortKey } from '../protocol/agentProtocol';
import { formatDuration, formatShare } from '../shared/budget';
import { formatBytes, formatCount, formatMfa, formatName } from '../shared/format';
import { holdLabel } from '../views/processDetails';
import { boundedLines, grouped } from './toolText';

const SORT_WORDS: Record<SortKey, string> = {
  reductions: 'reductions',
  memory: 'memory',
  messageQueueLen: 'message queue length',
};

/** Rows asked for beyond the limit, to make up for the agent's own processes, which are left out of the ranking. */
export const AGENT_ROWS = 10;

/** Reductions per second over the window when the rows are ranked by them; otherwise the total, a window of another sort being arbitrary. */
function reductionsFigure(row: ProcessRow, sortBy: SortKey, windowMs: number | null): string {
  if (sortBy === 'reductions' && windowMs && windowMs > 0) return `${formatCount((row.reductions * 1000) / windowMs)} reductions/s`;
  return `${formatCount(row.reductionsTotal)} reductions in total`;
}

/** Who a process is: its registered name, then its initial call (both when it has both). */
export function processIdentity(row: Pick<ProcessRow, 'name' | 'initialCall'>): string {
  const call = formatMfa(row.initialCall);
  if (row.name) return call ? `${formatName(row.name)} (initial call ${call})` : formatName(row.name);
  return call ? `initial call ${call}` : 'no name, no initial call';
}

function owner(row: ProcessRow): string {
  if (row.debugger) return " [the debugger's own]";
  if (row.heldByDebugger) return ` [${holdLabel(row.heldByDebugger)}]`;
  return '';
}

/** One process: the sorted figure first, then the others. */
export function processLine(rank: number, row: ProcessRow, sortBy: SortKey, windowMs: number | null): string {
  const figures: Record<SortKey, string> = {
    reductions: reductionsFigure(row, sortBy, windowMs),
    memory: `${formatBytes(row.memory)} memory`,
    messageQueueLen: `${grouped(row.messageQueueLen)} queued messages`,
  };
  const others = (Object.keys(figures) as SortKey[]).filter((k) => k !== sortBy).map((k) => figures[k]);
  const now = row.currentFunction ? `, in ${formatMfa(row.currentFunction)}` : '';
  return `${rank}. ${row.pid} ${processIdentity(row)}${owner(row)}: ${figures[sortBy]}; ${others.join(', ')}; ${row.status}${now}`;
}

/** The heading: what was ranked, over what window, among how many processes. */
export function processesHeading(result: ProcessesListResult, shown: number, filter: string | undefined): string {
  const window =
    result.sortBy !== 'reductions'
      ? ''
      : result.windowMs
        ? ` over the last ${(result.windowMs / 1000).toFixed(2)} s`
        : ' (no earlier sweep, so totals since each process started)';
  const among = filter ? `${grouped(result.scanned)} processes scanned, those matching "${filter}"` : `${grouped(result.total)} processes`;
  const stale = result.refresh && !result.refresh.fresh ? ` ${staleNote(result.refresh)}` : '';
  return `Top ${shown} processes of ${result.node} by ${SORT_WORDS[result.sortBy]}${window} (${among}; the sweep took ${result.sweepMs.toFixed(1)} ms)${stale}:`;
}

/** Rows answered from an earlier sweep: how old they are, and why (the node's budget for observing). */
function staleNote(refresh: RefreshInfo): string {
  return (
    `— as of the agent's last sweep, ${formatDuration(refresh.ageMs)} ago: the node's budget for observing ` +
    `(${formatShare(refresh.budgetShare)} of a scheduler) allows the next sweep in ${formatDuration(refresh.nextSweepInMs)}`
  );
}

/**
 * The agent's own processes that ranked among the rows shown, in one line: they are
 * ranked with the node's (their cost is real) but not listed, or a quiet node's top
 * would be the agent answering this very question.
 */
function agentLine(rows: readonly ProcessRow[], sortBy: SortKey, windowMs: number | null): string | undefined {
  if (rows.length === 0) return undefined;
  const sum = (key: 'reductions' | 'memory' | 'messageQueueLen') => rows.reduce((total, row) => total + row[key], 0);
  const figure =
    sortBy === 'reductions' && windowMs
      ? `${formatCount((sum('reductions') * 1000) / windowMs)} reductions/s`
      : sortBy === 'messageQueueLen'
        ? `${grouped(sum('messageQueueLen'))} queued messages`
        : `${formatBytes(sum('memory'))} memory`;
  return `Not listed: ${rows.length} of BEAM Observer agent's own processes ranked among these (${figure} together; its sweeps and this request).`;
}

/**
 * The first `limit` rows that are not the agent's own (the tool asks for AGENT_ROWS
 * more than `limit`), one line each, then the agent's share, within the size rule.
 */
export function processesText(result: ProcessesListResult, limit: number, filter?: string): string {
  const shown: ProcessRow[] = [];
  const agent: ProcessRow[] = [];
  for (const row of result.rows) {
    if (shown.length === limit) break;
    (row.agent ? agent : shown).push(row);
  }
  const lines = [
    processesHeading(result, shown.length, filter),
    ...shown.map((row, i) => processLine(i + 1, row, result.sortBy, result.windowMs)),
  ];
  if (shown.length === 0) lines.push(filter ? `No process matches "${filter}".` : 'No process.');
  const share = agentLine(agent, result.sortBy, result.windowMs);
  // The agent's line goes before the rows when they must be cut, so it is never the part cut.
  return boundedLines(
    share ? [lines[0], share, ...lines.slice(1)] : lines,
    (cut) =>
      `[cut: ${grouped(cut.shownLines - (share ? 2 : 1))} of ${grouped(shown.length)} processes shown, ${grouped(cut.omittedBytes)} bytes left out ` +
      'to keep this answer short; ask for a smaller limit or a filter]',
  );
}
