/**
 * Going back in time (issue 14): which recorded moment covers an instant,
 * which processes ranked highest over a range, and the instant a log line was
 * written. DOM-free and vscode-free: the tree, the hovers, the charts' host
 * and the unit tests share it; the moments come from the agent's recorder
 * (history/get) or from a recording file.
 */
import type { ProcessRow, RecordedMoment, RecordedProcess, SortKey } from '../protocol/agentProtocol';
import type { RecordedTime } from '../protocol/recordingFormat';

/** What the views show instead of the present: one instant, or a range. */
export type AsOf = RecordedTime;

/**
 * The moment that covers `at` (recorded at or after it, its interval starting
 * at or before it); else the nearest one within its own interval of `at`
 * (a click between two moments, or on the edge of the history); undefined
 * when no moment is that close.
 */
export function momentAt(moments: readonly RecordedMoment[], at: number): RecordedMoment | undefined {
  let nearest: RecordedMoment | undefined;
  let distance = Infinity;
  for (const m of moments) {
    const start = m.timestamp - m.intervalMs;
    if (at > start && at <= m.timestamp) return m;
    const d = at <= start ? start - at : at - m.timestamp;
    if (d <= m.intervalMs && d < distance) {
      nearest = m;
      distance = d;
    }
  }
  return nearest;
}

/** The moments whose interval overlaps [from, to], oldest first. */
export function momentsIn(moments: readonly RecordedMoment[], from: number, to: number): RecordedMoment[] {
  return moments.filter((m) => m.timestamp > from && m.timestamp - m.intervalMs < to);
}

/** A recorded process as a tree row, with what the as-of view adds. */
export interface RecordedRow {
  row: ProcessRow;
  /** It has exited since (the record is all that is left). */
  exited: boolean;
  /** When the record shown was taken (over a range: its latest). */
  recordedAt: number;
  /** In how many of the moments it ranked. */
  moments: number;
}

/** A recorded process in the shape the tree's row formatting reads. */
export function recordedRow(p: RecordedProcess): ProcessRow {
  return {
    pid: p.pid,
    name: p.name,
    initialCall: p.initialCall,
    currentFunction: p.currentFunction,
    reductions: p.reductions,
    reductionsTotal: p.reductions,
    memory: p.memory,
    messageQueueLen: p.messageQueueLen,
    status: p.status,
    agent: p.agent,
    debugger: p.debugger,
    heldByDebugger: null,
  };
}

const KEY_OF: Record<SortKey, (r: ProcessRow) => number> = {
  reductions: (r) => r.reductions,
  memory: (r) => r.memory,
  messageQueueLen: (r) => r.messageQueueLen,
};

/**
 * The processes recorded in `moments`, highest first by `sortBy`: over one
 * moment, its figures then; over several, the processes that ranked highest
 * over them: reductions summed, memory and queue at their highest, the name
 * and what it ran from its latest record.
 */
export function rankedOver(moments: readonly RecordedMoment[], sortBy: SortKey): RecordedRow[] {
  const byPid = new Map<string, RecordedRow>();
  for (const moment of moments) {
    for (const p of moment.processes) {
      const seen = byPid.get(p.pid);
      if (!seen) {
        byPid.set(p.pid, { row: recordedRow(p), exited: !p.alive, recordedAt: moment.timestamp, moments: 1 });
        continue;
      }
      const sum = seen.row.reductions + p.reductions;
      const memory = Math.max(seen.row.memory, p.memory);
      const queue = Math.max(seen.row.messageQueueLen, p.messageQueueLen);
      const latest = moment.timestamp >= seen.recordedAt ? recordedRow(p) : seen.row;
      seen.row = { ...latest, reductions: sum, reductionsTotal: sum, memory, messageQueueLen: queue };
      seen.recordedAt = Math.max(seen.recordedAt, moment.timestamp);
      seen.exited = !p.alive;
      seen.moments += 1;
    }
  }
  const key = KEY_OF[sortBy];
  return [...byPid.values()].sort((a, b) => key(b.row) - key(a.row));
}

/** The time the figures of `moments` cover, ms (the reductions window). */
export function coveredMs(moments: readonly RecordedMoment[]): number {
  return moments.reduce((sum, m) => sum + m.intervalMs, 0);
}

/** What a process was doing at `at`: its record in the moment covering it, if it ranked then. */
export function recordAt(
  moments: readonly RecordedMoment[],
  at: number,
  pid: string,
): { moment: RecordedMoment; process: RecordedProcess } | undefined {
  const moment = momentAt(moments, at);
  const process = moment?.processes.find((p) => p.pid === pid);
  return moment && process ? { moment, process } : undefined;
}

/** 10:42:13, in the local time zone. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** "as of 10:42:13" or "10:42:05 to 10:42:20". */
export function asOfLabel(asOf: AsOf): string {
  return asOf.kind === 'moment' ? `as of ${clockTime(asOf.at)}` : `${clockTime(asOf.from)} to ${clockTime(asOf.to)}`;
}

/**
 * The instant a log line was written, when it starts with (or holds) a
 * timestamp: ISO 8601 with a date ("2026-12-06T10:42:13.123Z",
 * "2026-12-06 10:42:13.123+01:00", OTP's logger), else a time of day
 * ("10:42:13.123 [info]", Elixir's Logger), taken as today's in local time
 * (or yesterday's, when that would be in the future). Undefined without one.
 */
export function lineTimestamp(line: string, now: number = Date.now()): number | undefined {
  const dated = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/.exec(line);
  if (dated) {
    const [, y, mo, d, h, mi, s, frac, zone] = dated;
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    if (!zone) return new Date(+y, +mo - 1, +d, +h, +mi, +s, ms).getTime();
    const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
    if (zone === 'Z') return utc;
    const sign = zone[0] === '-' ? -1 : 1;
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
    return utc - sign * (zh * 60 + zm) * 60_000;
  }
  const timeOfDay = /(?:^|[\s[])(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?=[\s\]]|$)/.exec(line);
  if (!timeOfDay) return undefined;
  const [, h, mi, s, frac] = timeOfDay;
  if (+h > 23 || +mi > 59 || +s > 59) return undefined;
  const today = new Date(now);
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const at = new Date(today.getFullYear(), today.getMonth(), today.getDate(), +h, +mi, +s, ms).getTime();
  return at > now + 60_000 ? at - 86_400_000 : at;
}
