/**
 * What a node was doing at a recorded time, or over a recorded range, as a
 * model reads it: the load then (utilisation, run queue against the overload
 * rule, memory), the top processes then by reductions, memory or queue (those
 * that have exited since marked), and the recorder's window. Which moment
 * covers an instant and how processes rank over a range are shared/rewind.ts's
 * (the tree and the charts read history the same way). Pure and unit-tested.
 */
import type { HistoryResult, LoadSample, RecordedMoment, SortKey } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa, formatPercent, formatQueue } from '../shared/format';
import { formatUptime } from '../shared/nodeFormat';
import { queueAboveGuide, queueGuide, queueLoad } from '../shared/overload';
import { clockTime, coveredMs, momentAt, momentsIn, rankedOver, type AsOf, type RecordedRow } from '../shared/rewind';
import { processIdentity } from './processesText';
import { boundedLines, grouped, plural } from './toolText';

export interface HistoryQuery {
  asOf: AsOf;
  sortBy: SortKey;
  limit: number;
  /** The present, for "N s ago". */
  now: number;
}

const SORT_WORDS: Record<SortKey, string> = {
  reductions: 'reductions',
  memory: 'memory',
  messageQueueLen: 'message queue length',
};

/** "10:42:13 (42 s ago)", local time. */
export function when(ms: number, now: number): string {
  const ago = now - ms;
  return `${clockTime(ms)} (${ago < 0 ? 'in the future' : `${formatUptime(ago)} ago`})`;
}

/** The recorder: what it holds and how it records. */
export function windowLine(history: HistoryResult, now: number): string {
  const held = history.oldest === null ? 'no moment yet' : `moments from ${when(history.oldest, now)} to now`;
  return (
    `Recorder of ${history.node}: holds ${held}; keeps the last ${grouped(history.windowS)} s, one moment every ` +
    `${(history.plannedMs / 1000).toFixed(1)} s now (at least ${(history.intervalMs / 1000).toFixed(1)} s; longer when a moment costs more, ` +
    `to stay within 1% of a scheduler), the top ${history.topN} processes by each figure; ${formatBytes(history.bytes)} of ` +
    `${formatBytes(history.maxBytes)} kept; recording since ${when(history.recordingSince, now)}.`
  );
}

/** One process then: the figure ranked by first; "exited since" when only its record is left. */
export function recordedLine(rank: number, r: RecordedRow, sortBy: SortKey, windowMs: number, range: boolean): string {
  const { row } = r;
  const reductions = `${formatCount(windowMs > 0 ? (row.reductions * 1000) / windowMs : row.reductions)} reductions/s`;
  const figures: Record<SortKey, string> = {
    reductions: range ? `${reductions} over the range` : reductions,
    memory: `${formatBytes(row.memory)} memory${range ? ' at its highest' : ''}`,
    messageQueueLen: `${grouped(row.messageQueueLen)} queued messages${range ? ' at the most' : ''}`,
  };
  const others = (Object.keys(figures) as SortKey[]).filter((k) => k !== sortBy).map((k) => figures[k]);
  const now = row.currentFunction ? `, in ${formatMfa(row.currentFunction)}` : '';
  const seen = range ? `; ranked in ${plural(r.moments, 'moment')}, last at ${clockTime(r.recordedAt)}` : '';
  const exited = r.exited ? ' [exited since]' : '';
  return `${rank}. ${row.pid} ${processIdentity(row)}${exited}: ${figures[sortBy]}; ${others.join(', ')}; ${row.status}${now}${seen}`;
}

function loadOfMoment(moment: RecordedMoment, before: readonly RecordedMoment[]): string {
  const s = moment.sample;
  const verdict = queueLoad([...before, moment].map((m) => m.sample));
  const words =
    verdict === 'overloaded'
      ? 'OVERLOADED (the run queue above its guide for 3 moments in a row)'
      : verdict === 'above-guide'
        ? 'the run queue above its guide (not for 3 moments in a row: a burst)'
        : 'the run queue within its guide';
  return (
    `Load then: ${words}; normal schedulers ${formatPercent(s.utilisation.normalAvg)} busy (${s.schedulers.online} online), ` +
    `dirty CPU ${formatPercent(s.utilisation.dirtyCpuAvg)}; run queue ${formatQueue(s.runQueue.totalAvg)} on average, max ` +
    `${s.runQueue.totalMax}, guide ${formatQueue(queueGuide(s.schedulers.online))}; memory ${formatBytes(s.memory.total)} ` +
    `(processes ${formatBytes(s.memory.processes)}, binary ${formatBytes(s.memory.binary)}, ETS ${formatBytes(s.memory.ets)}); ` +
    `${grouped(s.processes.count)} processes; ${formatCount((s.reductions * 1000) / Math.max(1, s.intervalMs))} reductions/s.`
  );
}

function highest(samples: readonly LoadSample[], figure: (s: LoadSample) => number): LoadSample {
  return samples.reduce((best, s) => (figure(s) > figure(best) ? s : best));
}

/** The longest run of consecutive samples above the run-queue guide. */
function longestAbove(samples: readonly LoadSample[]): number {
  let run = 0;
  let longest = 0;
  for (const s of samples) {
    run = queueAboveGuide(s.runQueue.totalAvg, s.schedulers.online) ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** "15 MB", or "15 MB to 40 MB" when it changed. */
function memoryRange(samples: readonly LoadSample[]): string {
  const [low, high] = [Math.min(...samples.map((s) => s.memory.total)), Math.max(...samples.map((s) => s.memory.total))];
  return formatBytes(low) === formatBytes(high) ? formatBytes(low) : `${formatBytes(low)} to ${formatBytes(high)}`;
}

function loadOverRange(moments: readonly RecordedMoment[]): string {
  const samples = moments.map((m) => m.sample);
  const average = (f: (s: LoadSample) => number) => samples.reduce((sum, s) => sum + f(s), 0) / samples.length;
  const busiest = highest(samples, (s) => s.utilisation.normalAvg);
  const longestQueue = highest(samples, (s) => s.runQueue.totalAvg);
  const above = samples.filter((s) => queueAboveGuide(s.runQueue.totalAvg, s.schedulers.online)).length;
  const run = longestAbove(samples);
  const verdict =
    run >= 3
      ? `OVERLOADED for ${run} moments in a row at the longest`
      : above > 0
        ? 'bursts above the guide, never 3 in a row'
        : 'never above the guide';
  return (
    `Load over the range: normal schedulers ${formatPercent(average((s) => s.utilisation.normalAvg))} busy on average ` +
    `(highest ${formatPercent(busiest.utilisation.normalAvg)} at ${clockTime(busiest.timestamp)}); run queue ` +
    `${formatQueue(average((s) => s.runQueue.totalAvg))} on average (highest ${formatQueue(longestQueue.runQueue.totalAvg)} at ` +
    `${clockTime(longestQueue.timestamp)}; guide ${formatQueue(queueGuide(busiest.schedulers.online))}), above its guide in ` +
    `${above} of ${samples.length} moments: ${verdict}; memory ${memoryRange(samples)}; ` +
    `${formatCount((samples.reduce((sum, s) => sum + s.reductions, 0) * 1000) / Math.max(1, coveredMs(moments)))} reductions/s.`
  );
}

/** The top rows by `sortBy`: those that ran (reductions) or had a queue (queue), without the agent's own. */
function topRows(moments: readonly RecordedMoment[], sortBy: SortKey): { rows: RecordedRow[]; agent: number } {
  const ranked = rankedOver(moments, sortBy).filter(
    (r) => sortBy === 'memory' || (sortBy === 'reductions' ? r.row.reductions > 0 : r.row.messageQueueLen > 0),
  );
  return { rows: ranked.filter((r) => !r.row.agent), agent: ranked.filter((r) => r.row.agent).length };
}

function processLines(moments: readonly RecordedMoment[], query: HistoryQuery, range: boolean): string[] {
  const { rows, agent } = topRows(moments, query.sortBy);
  if (rows.length === 0) {
    return [query.sortBy === 'messageQueueLen' ? 'No process had a message queue then.' : 'No process the recorder kept ran then.'];
  }
  const shown = rows.slice(0, query.limit);
  const lines = [
    `Top ${shown.length} processes by ${SORT_WORDS[query.sortBy]}${range ? ' over the range' : ' then'} (of the ${grouped(rows.length)} ` +
      `the recorder kept${agent ? `; ${grouped(agent)} of BEAM Observer agent's own not listed` : ''}):`,
    ...shown.map((r, i) => recordedLine(i + 1, r, query.sortBy, coveredMs(moments), range)),
  ];
  return lines;
}

function gapLine(history: HistoryResult): string[] {
  if (history.gaps.length === 0) return [];
  const gaps = history.gaps.map((g) => `${clockTime(g.from)} to ${clockTime(g.to)}`).join(', ');
  return [`Not recorded (the recorder started afresh after a failed moment): ${gaps}.`];
}

/** The answer for one instant: the moment that covers it, or why there is none. */
function atText(history: HistoryResult, at: number, query: HistoryQuery): string[] {
  const moment = momentAt(history.moments, at);
  if (!moment) {
    const before = history.oldest !== null && at < history.oldest ? ' (it is before the oldest moment held)' : '';
    return [`No recorded moment covers ${when(at, query.now)} on ${history.node}${before}.`];
  }
  const index = history.moments.indexOf(moment);
  const earlier = history.moments.slice(Math.max(0, index - 2), index);
  return [
    `${history.node} at ${when(at, query.now)}: the moment recorded at ${clockTime(moment.timestamp)} over ` +
      `${(moment.intervalMs / 1000).toFixed(1)} s (${grouped(moment.processCount)} processes swept).`,
    loadOfMoment(moment, earlier),
    ...processLines([moment], query, false),
  ];
}

function rangeText(history: HistoryResult, from: number, to: number, query: HistoryQuery): string[] {
  const moments = momentsIn(history.moments, from, to);
  const span = `${history.node} from ${when(from, query.now)} to ${when(to, query.now)}`;
  if (moments.length === 0) return [`No recorded moment overlaps ${span}.`];
  return [
    `${span}: ${plural(moments.length, 'moment')} covering ${(coveredMs(moments) / 1000).toFixed(1)} s.`,
    loadOverRange(moments),
    ...processLines(moments, query, true),
  ];
}

export function historyText(history: HistoryResult, query: HistoryQuery): string {
  const { asOf } = query;
  const body = asOf.kind === 'moment' ? atText(history, asOf.at, query) : rangeText(history, asOf.from, asOf.to, query);
  return boundedLines(
    [...body, ...gapLine(history), windowLine(history, query.now)],
    (cut) => `[cut: ${grouped(cut.omittedBytes)} bytes left out to keep this answer short; ask for a smaller "limit"]`,
  );
}
