/**
 * What tracing shows, as text: the live figure after a counted function's
 * head, the rows of the BEAM Trace panel (a call and its return are one
 * row), durations, times and why a trace ended. DOM- and vscode-free: the
 * extension, the trace webview and the unit tests import it.
 */
import type { Mfa, TraceEvent, TraceLimits, TraceStopReason } from '../protocol/agentProtocol';

const count = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** "1,204 calls/s · 0.31 ms avg" from a counter's delta over `intervalMs`. */
export function formatRate(calls: number, intervalMs: number, timeUs: number | null): string {
  const perSecond = intervalMs > 0 ? (calls * 1000) / intervalMs : 0;
  const rate = perSecond >= 10 || perSecond === 0 ? count(Math.round(perSecond)) : count(perSecond, 1);
  const avg = timeUs !== null && calls > 0 ? ` · ${formatDuration(timeUs / calls)} avg` : '';
  return `${rate} calls/s${avg}`;
}

/** 312 µs, 1.24 ms, 2.1 s. */
export function formatDuration(us: number): string {
  if (us < 1000) return `${us < 10 ? count(us, 1) : count(Math.round(us))} µs`;
  if (us < 1_000_000) return `${count(us / 1000, us < 100_000 ? 2 : 1)} ms`;
  return `${count(us / 1_000_000, 1)} s`;
}

/** 14:03:07.123 (local time) from microseconds since the epoch. */
export function formatEventTime(timeUs: number): string {
  const d = new Date(timeUs / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Shop.Cart.total/1 or shop_cart:total/1. */
export function formatFunction(mfa: Mfa): string {
  return mfa.module.startsWith('Elixir.')
    ? `${mfa.module.slice('Elixir.'.length)}.${mfa.function}/${mfa.arity}`
    : `${mfa.module}:${mfa.function}/${mfa.arity}`;
}

/** One row of the panel: a call with its outcome, or a message. */
export interface TraceRow {
  /** The call's (or message's) event id: rows sort by it. */
  id: number;
  kind: 'call' | 'send' | 'receive' | 'sendToDead';
  timeUs: number;
  pid: string;
  function: Mfa | null;
  /** Formatted arguments joined with ", ", or null when only the arity was traced. */
  args: string | null;
  outcome: { kind: 'return' | 'exception' | 'pending' | 'none'; text: string };
  durationUs: number | null;
  /** send/receive: the message; send: its destination. */
  message: string | null;
  to: string | null;
  truncated: boolean;
}

/**
 * Rows from events, kept by call id: a return or exception fills in its
 * call's row. Mutates and returns `rows` so a caller can add batch after batch.
 * `returns` says whether an outcome is awaited ("pending") or never comes.
 */
export function addEvents(rows: Map<number, TraceRow>, events: TraceEvent[], returns: boolean): Map<number, TraceRow> {
  for (const e of events) {
    if (e.kind === 'return' || e.kind === 'exception') {
      const row = e.callId === undefined ? undefined : rows.get(e.callId);
      if (!row) continue;
      row.outcome = { kind: e.kind, text: (e.kind === 'return' ? e.result : e.exception) ?? '' };
      row.durationUs = e.durationUs ?? null;
      row.truncated ||= e.truncated;
      continue;
    }
    rows.set(e.id, {
      id: e.id,
      kind: e.kind,
      timeUs: e.timeUs,
      pid: e.pid,
      function: e.function ?? null,
      args: e.args ? e.args.join(', ') : null,
      outcome: { kind: e.kind === 'call' && returns ? 'pending' : 'none', text: '' },
      durationUs: null,
      message: e.message ?? null,
      to: e.to ?? null,
      truncated: e.truncated,
    });
  }
  return rows;
}

/** Newest first. */
export function newestFirst(rows: Iterable<TraceRow>): TraceRow[] {
  return [...rows].sort((a, b) => b.id - a.id);
}

/** The text a filter is matched against: every cell of the row. */
export function rowText(row: TraceRow): string {
  return [
    row.pid,
    row.function ? formatFunction(row.function) : '',
    row.args ?? '',
    row.outcome.text,
    row.message ?? '',
    row.to ?? '',
    row.kind,
  ].join(' ');
}

/** Case-insensitive substring of any cell. */
export function rowMatches(row: TraceRow, filter: string): boolean {
  const wanted = filter.trim().toLowerCase();
  return wanted === '' || rowText(row).toLowerCase().includes(wanted);
}

/** Why a trace ended, in a sentence. */
export function stopReasonText(reason: TraceStopReason, limits: TraceLimits | undefined): string {
  switch (reason) {
    case 'stopped':
      return 'Stopped.';
    case 'maxEvents':
      return `Reached its limit of ${limits ? count(limits.maxEvents) : 'maxEvents'} events.`;
    case 'duration':
      return `Ran for its limit of ${limits ? formatDuration(limits.durationMs * 1000) : 'durationMs'}.`;
    case 'overload':
      return 'Switched off at once: trace messages arrived faster than the tracer could take them (overload).';
    case 'disconnected':
      return 'The connection to the node closed.';
    case 'agentStopped':
      return "The node's BEAM Observer agent stopped.";
    case 'moduleReloaded':
      return 'The module was reloaded (recompiled, or interpreted by a debugger), which removes its trace patterns.';
    case 'processExited':
      return 'The traced process ended.';
    default:
      return `Ended: ${String(reason)}.`;
  }
}
