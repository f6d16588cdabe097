/**
 * A node for the tracing tests: test/fixtures/trace_fixture.erl (the agent
 * and commands) with test/fixtures/trace_target.erl (the functions traced),
 * and a client that collects the trace notifications it receives.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentClient } from '../../extension/src/agent/agentClient';
import type { CallsStopped, TraceEvent, TraceStopped } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, ROOT, startFixture, type FixtureNode, type StartOptions } from './beamNode';
import { waitFor } from './wait';

const TRACE_EBIN = join(ROOT, 'out', 'trace-fixtures-ebin');
let compiled = false;

export function compileTraceFixtures(): string {
  if (!compiled) {
    mkdirSync(TRACE_EBIN, { recursive: true });
    for (const file of ['trace_target.erl', 'trace_fixture.erl']) {
      execFileSync('erlc', ['-o', TRACE_EBIN, join(ROOT, 'test', 'fixtures', file)]);
    }
    compiled = true;
  }
  return TRACE_EBIN;
}

export function startTraceFixture(options: StartOptions = {}): Promise<FixtureNode> {
  const ebin = compileTraceFixtures();
  return startFixture(
    'erl',
    ['-noshell', '-pa', AGENT_EBIN, '-pa', ebin, ...(options.extraArgs ?? []), '-eval', 'trace_fixture:main()'],
    options,
  );
}

/** What the tracing tests read back from the node: every trace setting left there. */
export interface TraceState {
  patterns: { function: string; arity: number; info: string }[];
  flaggedProcesses: string[];
  newFlags: string;
}

export const NOTHING_LEFT: TraceState = { patterns: [], flaggedProcesses: [], newFlags: '{flags,[]}' };

/** A client with every trace/event, trace/stopped and calls/stopped it receives, by trace. */
export class TraceRecorder {
  readonly events = new Map<number, TraceEvent[]>();
  readonly stopped = new Map<number, TraceStopped>();
  readonly callsStopped: CallsStopped[] = [];
  readonly batches: { traceId: number; size: number; dropped: number }[] = [];

  constructor(readonly client: AgentClient) {
    client.onTraceEvents((batch) => {
      this.batches.push({ traceId: batch.traceId, size: batch.events.length, dropped: batch.dropped });
      this.of(batch.traceId).push(...batch.events);
    });
    client.onTraceStopped((stopped) => this.stopped.set(stopped.traceId, stopped));
    client.onCallsStopped((stopped) => this.callsStopped.push(stopped));
  }

  of(traceId: number): TraceEvent[] {
    let list = this.events.get(traceId);
    if (!list) this.events.set(traceId, (list = []));
    return list;
  }

  async stoppedWith(traceId: number, timeoutMs: number): Promise<TraceStopped> {
    await waitFor(() => this.stopped.has(traceId), timeoutMs, `trace/stopped of trace ${traceId}`);
    return this.stopped.get(traceId)!;
  }
}
