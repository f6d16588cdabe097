/**
 * The process tree "as of" a recorded moment or over a range (issue 14), as
 * plain data: the rows, which of them have exited, the banner, and what an
 * exited (or recorded-only) process shows when expanded. processTree.ts turns
 * it into TreeItems; views/rewind.ts decides what is shown.
 */
import type { ProcessRow, RecordedMoment, SortKey } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa, formatName } from '../shared/format';
import { type AsOf, asOfLabel, clockTime, coveredMs, rankedOver, type RecordedRow } from '../shared/rewind';
import type { DetailLine } from './processDetails';

export interface AsOfView {
  asOf: AsOf;
  /** The moments shown: the one covering the instant, or those overlapping the range. */
  moments: RecordedMoment[];
  /** The node the moments were recorded in. */
  node: string;
  /** A recording opened from a file (no node attached): no process can be asked anything. */
  recording: string | undefined;
}

export interface AsOfRows {
  rows: ProcessRow[];
  /** By pid: the record each row comes from. */
  records: Map<string, RecordedRow>;
  /** The reductions window the figures cover, ms. */
  windowMs: number;
}

/** The rows of the view, highest first by `sortBy`, at most `limit`. */
export function asOfRows(view: AsOfView, sortBy: SortKey, limit: number): AsOfRows {
  const ranked = rankedOver(view.moments, sortBy).slice(0, limit);
  return {
    rows: ranked.map((r) => r.row),
    records: new Map(ranked.map((r) => [r.row.pid, r])),
    windowMs: coveredMs(view.moments),
  };
}

/** What the tree's title says, e.g. "demo@host · as of 10:42:13 · by Reductions". */
export function asOfTitle(view: AsOfView): string {
  return `${view.node} · ${asOfLabel(view.asOf)}`;
}

/** The banner above the tree. */
export function asOfBanner(view: AsOfView): string {
  const moments = view.moments;
  const span =
    moments.length === 0
      ? 'nothing was recorded then'
      : moments.length === 1
        ? `the moment recorded at ${clockTime(moments[0].timestamp)}, over ${seconds(moments[0].intervalMs)}`
        : `${moments.length} moments recorded from ${clockTime(moments[0].timestamp - moments[0].intervalMs)} to ` +
          `${clockTime(moments[moments.length - 1].timestamp)}, ranked by their sum`;
  const where = view.recording ? `recording ${view.recording}` : view.node;
  const time = asOfLabel(view.asOf);
  return `${time[0].toUpperCase()}${time.slice(1)}: ${span} (${where}).`;
}

/** What an exited process (or one of a recording) shows when expanded: its record. */
export function recordLines(record: RecordedRow, windowMs: number): DetailLine[] {
  const row = record.row;
  const lines: DetailLine[] = [
    { label: 'Initial call', description: formatMfa(row.initialCall) || '—' },
    { label: 'Running then', description: formatMfa(row.currentFunction) || '—' },
    { label: 'Recorded at', description: `${clockTime(record.recordedAt)}${record.moments > 1 ? ` (in ${record.moments} moments)` : ''}` },
    { label: 'Status then', description: row.status },
    {
      label: 'Reductions',
      description:
        `${formatCount(row.reductions)} over ${seconds(windowMs)}` +
        (windowMs > 0 ? ` (${formatCount((row.reductions * 1000) / windowMs)}/s)` : ''),
    },
    { label: 'Memory', description: formatBytes(row.memory) },
    { label: 'Message queue', description: formatCount(row.messageQueueLen) },
  ];
  if (row.name) lines.unshift({ label: 'Registered name', description: formatName(row.name) });
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
