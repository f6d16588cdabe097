/**
 * `npm run bench:trace` (and part of `npm run bench`): what tracing costs the
 * function traced, and what a hot function traced without limits costs the
 * node. Prints figures and a Markdown summary for the README; asserts nothing.
 *
 * 1. The throughput of a function called in a loop by one process, for two
 *    functions: trace_target:hot/1 (N + 1, a few ns) and work/1 (a hash of a
 *    small term, tens of ns). Untraced, counted (calls/start, without and
 *    with times), traced with the limits (trace/start of every process,
 *    arguments and returns, maxPerSecond 100) and traced by dbg (every
 *    process, no limits, a handler that only counts), as ratios to the
 *    untraced loop of the same round; rounds interleave the five
 *    (A, B, C, D, E, A, B...), medians. Target: counting costs the function
 *    less than 2x its untraced time.
 * 2. hot/1 in a tight loop on every scheduler for 5 s, traced by dbg as its
 *    documentation shows it (every process, no limits; with its own handler,
 *    which prints each call, here to /dev/null, and with one that only
 *    counts) and by BEAM Observer (maxPerSecond 100), each in a fresh node,
 *    alternated: the tracer's queue and the node's memory after 5 s. dbg is
 *    stopped early if its node passes 3 GB.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { AGENT_EBIN, ROOT, startFixture, type FixtureNode } from '../support/beamNode';
import { compileTraceFixtures } from '../support/traceNode';

const LOOP_CALLS = 1_000_000;
const ROUNDS = Number(process.env.TRACE_BENCH_ROUNDS ?? 7);
const SIDE_BY_SIDE_MS = 5000;
const SIDE_BY_SIDE_ROUNDS = 2;
const DBG_MEMORY_CAP = 3 * 1024 ** 3;
const SLOW_COMMAND_MS = 120_000;

type Mode = 'untraced' | 'counted' | 'countedWithTime' | 'traced' | 'dbg';
const MODES: Mode[] = ['untraced', 'counted', 'countedWithTime', 'traced', 'dbg'];
type Fn = 'hot' | 'work';
type Tracer = 'dbgPrint' | 'dbgCount' | 'ours';
const TRACERS: Tracer[] = ['dbgPrint', 'dbgCount', 'ours'];

const LABEL: Record<Mode, string> = {
  untraced: 'untraced',
  counted: 'counted (calls/start)',
  countedWithTime: 'counted with times (calls/start, time: true)',
  traced: 'traced (trace/start, args and returns, maxPerSecond 100)',
  dbg: 'traced by dbg (no limits, a handler that only counts)',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (value: number, digits = 2) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / 1048576, 1)} MB`;
const log = (line = '') => process.stdout.write(line + '\n');

function benchEbin(): string {
  const ebin = compileTraceFixtures();
  execFileSync('erlc', ['-o', ebin, join(ROOT, 'test', 'bench', 'trace_bench.erl')]);
  return ebin;
}

function startBenchNode(ebin: string): Promise<FixtureNode> {
  return startFixture('erl', ['-noshell', '-pa', AGENT_EBIN, '-pa', ebin, '-eval', 'trace_bench:main()'], {});
}

/** Set a mode up, time the loop, take it down: nanoseconds per call. */
async function timeLoop(node: FixtureNode, client: AgentClient, fn: Fn, mode: Mode): Promise<number> {
  let traceId: number | undefined;
  if (mode === 'counted') await client.callsStart({ module: 'trace_target' });
  if (mode === 'countedWithTime') await client.callsStart({ module: 'trace_target', time: true });
  if (mode === 'dbg') await node.command(`dbg_start ${fn} count`);
  if (mode === 'traced') {
    const limits = { maxPerSecond: 100, maxEvents: 10_000, durationMs: 600_000 };
    traceId = (
      await client.traceStart({ calls: [{ module: 'trace_target', function: fn, arity: 1 }], detail: 'args', returns: true, limits })
    ).traceId;
  }
  const { us } = await node.command<{ us: number }>(`loop ${fn} ${LOOP_CALLS}`, SLOW_COMMAND_MS);
  if (mode === 'counted' || mode === 'countedWithTime') {
    const counted = (await client.callsRead('trace_target')).functions.find((f) => f.function === fn);
    if (counted?.calls !== LOOP_CALLS) throw new Error(`counted ${counted?.calls} calls of ${fn}/1, expected ${LOOP_CALLS}`);
    await client.callsStop('trace_target');
  }
  // A trace may end on its own first (overload, on a loaded machine): say so, the timing stands.
  if (traceId !== undefined) {
    await client.traceStop(traceId).catch((error: Error) => log(`(${fn}: the trace had ended: ${error.message})`));
  }
  if (mode === 'dbg') await node.command('dbg_stop', SLOW_COMMAND_MS);
  return (us * 1000) / LOOP_CALLS;
}

type Throughput = Record<Mode, { ns: number; ratio: number }>;

async function throughput(ebin: string, fn: Fn): Promise<Throughput> {
  const node = await startBenchNode(ebin);
  const client = await AgentClient.connect({ port: node.port, token: node.token });
  try {
    for (const mode of MODES) await timeLoop(node, client, fn, mode); // warm-up: code loaded, heaps grown
    const ns = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
    const ratios = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
    for (let round = 0; round < ROUNDS; round++) {
      const times = {} as Record<Mode, number>;
      for (const mode of MODES) times[mode] = await timeLoop(node, client, fn, mode);
      for (const mode of MODES) {
        ns[mode].push(times[mode]);
        ratios[mode].push(times[mode] / times.untraced);
      }
      log(`${fn} round ${round + 1}: ${MODES.map((m) => `${m} ${fmt(times[m], 1)} ns`).join(', ')}`);
    }
    return Object.fromEntries(MODES.map((m) => [m, { ns: median(ns[m]), ratio: median(ratios[m]) }])) as Throughput;
  } finally {
    client.dispose();
    await node.stop();
  }
}

interface SideBySide {
  queue: number;
  memory: number;
  seconds: number;
  events: number;
  reason: string;
}

/** A fresh node, a tight loop per scheduler, traced for 5 s by `who`: the tracer's queue and the memory added. */
async function hotFiveSeconds(ebin: string, who: Tracer): Promise<SideBySide> {
  const node = await startBenchNode(ebin);
  const client = await AgentClient.connect({ port: node.port, token: node.token });
  let events = 0;
  let reason = 'running';
  client.onTraceEvents((batch) => (events += batch.events.length));
  client.onTraceStopped((stopped) => (reason = stopped.reason));
  try {
    const base = (await node.command<{ total: number }>('memory')).total;
    await node.command('spin');
    if (who === 'ours') {
      const limits = { maxPerSecond: 100, maxEvents: 10_000, durationMs: 600_000 };
      await client.traceStart({ calls: [{ module: 'trace_target', function: 'hot', arity: 1 }], detail: 'args', limits });
    } else {
      await node.command(`dbg_start hot ${who === 'dbgPrint' ? 'print' : 'count'}`);
    }
    const started = Date.now();
    let memory = 0;
    while (Date.now() - started < SIDE_BY_SIDE_MS && memory < DBG_MEMORY_CAP) {
      await new Promise((r) => setTimeout(r, 250));
      memory = (await node.command<{ total: number }>('memory', SLOW_COMMAND_MS)).total - base;
    }
    const seconds = (Date.now() - started) / 1000;
    const { queue } = await node.command<{ queue: number }>(who === 'ours' ? 'tracer_queue' : 'dbg_queue', SLOW_COMMAND_MS);
    memory = (await node.command<{ total: number }>('memory', SLOW_COMMAND_MS)).total - base;
    return { queue, memory, seconds, events, reason };
  } finally {
    client.dispose();
    // A node holding gigabytes of trace messages: no polite stop.
    node.child.kill('SIGKILL');
    await node.stop();
  }
}

async function main(): Promise<void> {
  const ebin = benchEbin();
  const schedulers = Number(
    execFileSync('erl', ['-noshell', '-eval', 'io:format("~b", [erlang:system_info(schedulers_online)]), halt().']),
  );
  log(`# Tracing: ${ROUNDS} interleaved rounds of ${LOOP_CALLS.toLocaleString('en-US')} calls; ${schedulers} schedulers`);
  const results: Record<Fn, Throughput> = { hot: await throughput(ebin, 'hot'), work: await throughput(ebin, 'work') };
  log();
  log(
    '| a function called in a loop | hot/1 (N + 1): ns per call | × untraced | work/1 (phash2 of a small term): ns per call | × untraced |',
  );
  log('|---|---|---|---|---|');
  for (const mode of MODES) {
    const [h, w] = [results.hot[mode], results.work[mode]];
    log(`| ${LABEL[mode]} | ${fmt(h.ns, 1)} | ${fmt(h.ratio)} | ${fmt(w.ns, 1)} | ${fmt(w.ratio)} |`);
  }
  for (const fn of ['hot', 'work'] as const) {
    const ratio = results[fn].counted.ratio;
    log(`counting ${fn}/1: ${fmt(ratio)}x its untraced time (target < 2x): ${ratio < 2 ? 'met' : 'NOT met'}`);
  }

  log(`\n# hot/1 in a tight loop on each of ${schedulers} schedulers, traced for ${SIDE_BY_SIDE_MS / 1000} s, fresh node each, alternated`);
  const runs = Object.fromEntries(TRACERS.map((t) => [t, [] as SideBySide[]])) as Record<Tracer, SideBySide[]>;
  for (let round = 0; round < SIDE_BY_SIDE_ROUNDS; round++) {
    for (const who of TRACERS) {
      const r = await hotFiveSeconds(ebin, who);
      runs[who].push(r);
      const ours = who === 'ours' ? `, ${r.events} events delivered, trace ${r.reason}` : '';
      log(
        `${who}: after ${fmt(r.seconds, 1)} s tracer queue ${r.queue.toLocaleString('en-US')} messages, node memory +${mb(r.memory)}${ours}`,
      );
    }
  }
  const m = (who: Tracer, key: 'queue' | 'memory') => median(runs[who].map((r) => r[key]));
  log();
  log(
    `| after ${SIDE_BY_SIDE_MS / 1000} s (median of ${SIDE_BY_SIDE_ROUNDS}) | dbg, no limits, its printing handler | dbg, no limits, a counting handler | BEAM Observer, maxPerSecond 100 |`,
  );
  log('|---|---|---|---|');
  log(`| tracer's message queue | ${TRACERS.map((t) => m(t, 'queue').toLocaleString('en-US')).join(' | ')} |`);
  log(`| node memory added | ${TRACERS.map((t) => mb(m(t, 'memory'))).join(' | ')} |`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
