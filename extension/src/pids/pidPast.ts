/**
 * What a process was doing when a log line was written (issue 14): the line's
 * timestamp (shared/rewind.ts lineTimestamp), and the recorded moment
 * covering it, from the agent's recorder or from the recording opened. Only
 * a process that ranked among the top N of that moment was recorded.
 */
import type { NodeRegistry } from '../nodes/nodeRegistry';
import type { RecordedMoment } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa } from '../shared/format';
import { clockTime, lineTimestamp, momentAt, recordAt } from '../shared/rewind';
import type { Rewind } from '../views/rewind';
import { isLocalPid, type PidMatch } from './pidText';

const AROUND_MS = 60_000;

/** Markdown saying what `match` was doing at the line's time, or undefined when the line has no time or no history covers it. */
export async function pastOfPid(
  registry: NodeRegistry,
  rewind: Rewind | undefined,
  line: string,
  match: PidMatch,
): Promise<string | undefined> {
  const at = lineTimestamp(line);
  if (at === undefined || !isLocalPid(match)) return undefined;
  const moments = await momentsAround(registry, rewind, at);
  if (!moments || !momentAt(moments, at)) return undefined;
  const found = recordAt(moments, at, match.pid);
  const when = `**At ${clockTime(at)}**`;
  if (!found) {
    const moment = momentAt(moments, at)!;
    return `${when} it was not among the processes recorded then (the top of the moment ending ${clockTime(moment.timestamp)}).`;
  }
  const { moment, process } = found;
  const perSecond = moment.intervalMs > 0 ? ` (${formatCount((process.reductions * 1000) / moment.intervalMs)}/s)` : '';
  return (
    `${when} (the moment recorded at ${clockTime(moment.timestamp)}, over ${(moment.intervalMs / 1000).toFixed(1)} s) it was ` +
    `${process.status} in \`${formatMfa(process.currentFunction) || '?'}\`: ` +
    `${formatCount(process.reductions)} reductions${perSecond}, ${formatBytes(process.memory)}, queue ${formatCount(process.messageQueueLen)}` +
    (process.alive ? '.' : '. It has exited since.')
  );
}

/** The moments around `at`: the recording's when one is open, else the agent node's recorder's. */
async function momentsAround(registry: NodeRegistry, rewind: Rewind | undefined, at: number): Promise<RecordedMoment[] | undefined> {
  const recording = rewind?.recording;
  if (recording) return recording.recording.history.moments;
  const shown = registry.shown;
  if (!shown?.records) return undefined;
  try {
    // Text in logs was printed by the agent's node: its own recorder, not a member's.
    const history = await shown.client.history({ since: Math.max(0, at - AROUND_MS), until: at + AROUND_MS });
    return history.moments;
  } catch {
    return undefined;
  }
}
