/**
 * beam_history: what a node was doing at a recorded time or over a recorded
 * range, from the recorder the agent runs from its start (issue 14,
 * history/get). Asks only for the moments around the time asked (bounded: a
 * range is at most MAX_RANGE_MS), and reads them with shared/rewind.ts as the
 * tree and the charts do (historyText.ts).
 */
import { ErrorCodes, SORT_KEYS, type HistoryResult } from '../protocol/agentProtocol';
import type { AsOf as AsOfTime } from '../shared/rewind';
import { historyText } from './historyText';
import { ToolError, type ToolNode } from './nodeSource';
import { inputObject, integerIn, nodeName, oneOf, timeInput, type RawInput } from './toolInputs';
import { asked, NODE_PROPERTY, requireCapability, type ToolSpec } from './toolSpec';

/** The longest range asked at once (moments are about 8 KB of JSON each at one a second). */
export const MAX_RANGE_MS = 10 * 60_000;
/** Without a time: the last minute. */
export const DEFAULT_RANGE_MS = 60_000;
/** Moments asked beyond an instant or a range's end, first: one covering moment ends within its interval after it. */
const MARGIN_MS = 10_000;

const TIME = (what: string) => ({
  type: 'string',
  maxLength: 64,
  description: `${what}: an ISO time ("2026-12-06T10:42:13Z"), a time of day ("10:42:13", today, local time), "90 seconds ago", "5 min ago" or "now"`,
});

/** The instant or range asked, checked. */
export function askedTime(input: RawInput, now: number): AsOfTime {
  const at = timeInput(input, 'at', now);
  const from = timeInput(input, 'from', now);
  const to = timeInput(input, 'to', now);
  if (at !== undefined) {
    if (from !== undefined || to !== undefined) throw new ToolError('give either "at" (one time) or "from" and "to" (a range), not both');
    if (at > now + 1000) throw new ToolError(`"at" is in the future (${new Date(at).toISOString()}); the recorder holds the past only`);
    return { kind: 'moment', at };
  }
  const end = to ?? now;
  const start = from ?? end - DEFAULT_RANGE_MS;
  if (start >= end) {
    throw new ToolError(`"from" must be before "to" (got ${new Date(start).toISOString()} to ${new Date(end).toISOString()})`);
  }
  if (end - start > MAX_RANGE_MS) {
    throw new ToolError(
      `a range is at most ${MAX_RANGE_MS / 60_000} minutes (got ${Math.round((end - start) / 1000)} s); ask a shorter one`,
    );
  }
  return { kind: 'range', from: start, to: end };
}

/** The moments around the time asked; once more with a wider margin when the recorder's interval is longer than the first. */
async function momentsAround(node: ToolNode, time: AsOfTime): Promise<HistoryResult> {
  const [start, end] = time.kind === 'moment' ? [time.at, time.at] : [time.from, time.to];
  const ask = (margin: number) =>
    asked(
      node,
      () =>
        node.client.history({
          since: start - (time.kind === 'moment' ? margin : 0),
          until: end + margin,
          ...(node.member ? { node: node.member } : {}),
        }),
      {
        [ErrorCodes.HistoryUnavailable]: 'beam_top_processes and beam_node_overview tell what it does now',
      },
    );
  const first = await ask(MARGIN_MS);
  const longest = Math.max(first.plannedMs, first.intervalMs, ...first.moments.map((m) => m.intervalMs));
  return 2 * longest + 1000 > MARGIN_MS ? ask(2 * longest + 1000) : first;
}

export const historyTool: ToolSpec = {
  name: 'beam_history',
  displayName: 'BEAM History',
  referenceName: 'beamHistory',
  modelDescription:
    'What a BEAM node was doing at a past time ("at") or over a past range ("from", "to"; at most 10 minutes; without a ' +
    "time: the last minute), from the recorder BEAM Observer's agent runs from its start (it keeps the last 10 minutes by " +
    'default, a moment about every second): the load then (scheduler utilisation, run queue against the overload rule, ' +
    'memory) and the top processes then by reductions per second, memory or message queue, with names and real initial ' +
    'calls, those that have exited since marked; plus the window the recorder holds. Use it for "why was the node slow at ' +
    '10:42" or a slow request seen in a log, even after the culprit exited. A process that lived less than a moment is not ' +
    'recorded. Cost to the node: recording costs nothing more (the recorder runs anyway, within 1% of one scheduler); the ' +
    'answer copies the moments asked for out of the recorder (about 8 KB each: a few for "at", about 70 for a minute).',
  userDescription: 'What a BEAM node was doing at a past time or over a past range, from its recorder.',
  inputSchema: {
    type: 'object',
    properties: {
      node: NODE_PROPERTY,
      at: TIME('One past time'),
      from: TIME('Start of a past range'),
      to: TIME('End of a past range (default now)'),
      sortBy: { type: 'string', enum: [...SORT_KEYS], default: 'reductions', description: 'What to rank processes by' },
      limit: { type: 'integer', minimum: 1, maximum: 30, default: 10, description: 'How many processes (1 to 30)' },
    },
    additionalProperties: false,
  },
  needsConfirmation: false,
  describe: (input) => ({
    running: typeof input.at === 'string' ? `Reading what the node did at ${input.at}` : 'Reading what the node did over a range',
  }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node', 'at', 'from', 'to', 'sortBy', 'limit']);
    const now = Date.now();
    const time = askedTime(input, now);
    const sortBy = oneOf(input, 'sortBy', SORT_KEYS, 'reductions');
    const limit = integerIn(input, 'limit', 1, 30, 10);
    const node = await source.node(nodeName(input));
    await requireCapability(node, 'history', 'tell what it did in the past');
    return historyText(await momentsAround(node, time), { asOf: time, sortBy, limit, now });
  },
};
