/**
 * `npm run bench`: the load part of issue 6, what the agent costs the node it
 * observes, next to OTP's own observer_backend:etop_collect/1. Prints figures
 * and a Markdown summary for the README; asserts nothing, but its notes flag
 * any figure outside what the README promises.
 *
 * Every case starts a fresh `erl` node running test/bench/observer_bench.erl
 * (which starts the agent and does the in-node measurements) and drives the
 * agent through the real AgentClient:
 *   - sweeps: 10k idle processes, 100k idle, 10k idle plus 4 spinning ones on
 *     the node's schedulers, and 1M idle (fewer rounds, it says so);
 *   - a process with 1,000,000 queued messages: ranking by message queue and
 *     the refusal of process/messages;
 *   - a gen_server with a 50 MB state: process/state against sys:get_state/1
 *     and an unbounded io_lib:format("~p").
 *
 * `npm run bench:agent` (this file with --quick) runs only the first three
 * sweep scenarios, in about 35 s: the loop for working on the agent's sweep.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentClient, agentErrorCode } from '../../extension/src/agent/agentClient';
import { LoadSample, ProcessesListResult, SORT_KEYS, SortKey } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, ROOT, stopNode, tempDiscoveryDir } from '../support/beamNode';
import { measureTokenTiming } from './tokenTiming';

const BENCH_EBIN = join(ROOT, 'out', 'bench-ebin');
const LIST_LIMIT = 200;
const LOAD_COST_ROUNDS = 20;
const LOAD_SAMPLES = 5;
const MAILBOX_MESSAGES = 1_000_000;
const STATE_MB = 50;
const UNBOUNDED_FORMAT_TIMEOUT_MS = 10_000;
const REPEATS = 3; // requests per measurement in the mailbox and state cases

interface Scenario {
  label: string;
  idle: number;
  busy: number;
  /** Measured rounds; each round is one request per sort key, one etop_collect, one idle ticker window. */
  rounds: number;
  /** Repetitions of the diagnostic reference sweeps (0: skipped). */
  breakdownRounds: number;
  /** How long the recorder is watched (issue 14), ms. */
  recorderWindowMs: number;
}

const QUICK_SCENARIOS: Scenario[] = [
  { label: '10k idle', idle: 10_000, busy: 0, rounds: 5, breakdownRounds: 3, recorderWindowMs: 15_000 },
  { label: '100k idle', idle: 100_000, busy: 0, rounds: 5, breakdownRounds: 3, recorderWindowMs: 20_000 },
  { label: '10k idle + 4 busy', idle: 10_000, busy: 4, rounds: 5, breakdownRounds: 3, recorderWindowMs: 15_000 },
];
// A sweep of a million processes takes seconds: 3 rounds keep the run short.
// The recorder's interval is then about 40 s: watched for 100 s.
const MILLION: Scenario = { label: '1M idle', idle: 1_000_000, busy: 0, rounds: 3, breakdownRounds: 0, recorderWindowMs: 100_000 };

// ---------------------------------------------------------------------------
// Statistics and formatting

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function spread(values: number[], digits = 1): string {
  return `median ${fmt(median(values), digits)} (min ${fmt(Math.min(...values), digits)}, max ${fmt(Math.max(...values), digits)}, n=${values.length})`;
}

function log(line = ''): void {
  process.stdout.write(line + '\n');
}

function mb(bytes: number, digits = 1): string {
  return `${fmt(bytes / (1024 * 1024), digits)} MB`;
}

function signedMb(bytes: number, digits = 1): string {
  return `${bytes >= 0 ? '+' : '-'}${mb(Math.abs(bytes), digits)}`;
}

function kb(bytes: number): string {
  return `${bytes >= 0 ? '+' : '-'}${fmt(Math.abs(bytes) / 1024, 0)} KB`;
}

// ---------------------------------------------------------------------------
// The benchmark node

interface BenchNode {
  port: number;
  token: string;
  osPid: number;
  command<T = Record<string, unknown>>(line: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function compileHelper(): void {
  mkdirSync(BENCH_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', BENCH_EBIN, join(ROOT, 'test', 'bench', 'observer_bench.erl')], { stdio: 'inherit' });
}

async function startNode(): Promise<BenchNode> {
  const env: NodeJS.ProcessEnv = { ...process.env, BEAM_OBSERVER_DIR: tempDiscoveryDir() };
  delete env.ERL_AFLAGS;
  const child = spawn('erl', ['-noshell', '+P', '2000000', '-pa', AGENT_EBIN, '-pa', BENCH_EBIN, '-eval', 'observer_bench:main()'], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      children.delete(child);
      done();
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  // Only lines starting with "BENCH " are answers; anything else (logger output) is noise.
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('BENCH ')) return;
    const json = line.slice('BENCH '.length);
    const next = waiting.shift();
    if (next) next(json);
    else early.push(json);
  });
  const nextAnswer = (what: string, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const deliver = (json: string) => {
        const answer = JSON.parse(json) as Record<string, unknown>;
        if (typeof answer.error === 'string') reject(new Error(`bench node: ${what}: ${answer.error}`));
        else resolve(answer);
      };
      const queued = early.shift();
      if (queued !== undefined) return deliver(queued);
      const timer = setTimeout(
        () => reject(new Error(`bench node: no answer to ${what} within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      waiting.push((json) => {
        clearTimeout(timer);
        deliver(json);
      });
    });

  const hello = (await nextAnswer('start', 20_000)) as { port: number; token: string; osPid: number };
  // One command at a time: answers come back in order.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ...hello,
    command<T>(line: string, timeoutMs = 60_000): Promise<T> {
      const run = queue.then(() => {
        child.stdin!.write(line + '\n');
        return nextAnswer(line, timeoutMs) as Promise<T>;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    stop: () => stopNode(child, exited),
  };
}

// ---------------------------------------------------------------------------
// One scenario

interface Result {
  scenario: Scenario;
  processCount: number;
  spawnMs: number;
  loadSampleUs: number[];
  loadEncodeUs: number[];
  busyUsPerSample: number[];
  vmCores: number[];
  listWallMs: Record<SortKey, number[]>;
  listSweepMs: Record<SortKey, number[]>;
  etopMs: number[];
  /** The node's CPU time during each request (statistics(runtime), ms): what it paid, whatever else ran on the machine. */
  listCpuMs: Record<SortKey, number[]>;
  etopCpuMs: number[];
  tickerBaselineMs: number[];
  tickerListMs: Record<SortKey, number[]>;
  tickerEtopMs: number[];
  eventsList: Record<SortKey, MonitorEvent[]>;
  eventsEtop: MonitorEvent[];
  busyUsVsSweep: { busyUsDelta: number; sweepMs: number };
  memoryPeak: { ours: number; etop: number };
  agentMemory: AgentMemory;
  /** The first sweep by each key after the node started (a fresh baseline reads every process's heap). */
  firstSweepMs: Record<SortKey, number>;
  /** Of the streamed samples' agent.busyUs, what the recorder took (µs per sample). */
  recorderUsPerSample: number;
  recorder: RecorderResult;
}

/** The recorder watched over a window (issue 14). */
interface RecorderResult {
  windowMs: number;
  /** Its busy time over the window as a share of one scheduler. */
  share: number;
  moments: number;
  plannedMs: number[];
  intervalMs: number[];
  costUs: number[];
  /** The history's flat size per moment (bytes), and projected over the default 10 minutes at the planned interval. */
  bytesPerMoment: number;
  projected10MinBytes: number;
  historyEtsBytes: number;
  baselineEtsBytes: number;
  recorderHeapBytes: number;
  /** The 10 ms ticker's worst lateness over the window, ms. */
  tickerLateMs: number;
  events: MonitorEvent[];
}

interface RecorderStats {
  busyUs: number;
  agentBusyUs: number;
  monotonicMs: number;
  moments: number;
  historyFlatBytes: number;
  plannedMs: number;
  historyEtsBytes: number;
  baselineEtsBytes: number;
  recorderHeapBytes: number;
}

interface AgentMemory {
  bytes: number;
  processes: number;
  byRole: Record<string, number>;
}
interface Watched {
  baseline: number;
  peak: number;
  last: number;
  readings: number;
}
interface NodeMemory {
  total: number;
  processes: number;
  ets: number;
  binary: number;
}

const byKey = <T>(make: () => T): Record<SortKey, T> => ({ reductions: make(), memory: make(), messageQueueLen: make() });

function waitForSamples(client: AgentClient, count: number, timeoutMs: number): Promise<LoadSample[]> {
  return new Promise((resolve, reject) => {
    const samples: LoadSample[] = [];
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`only ${samples.length} load samples in ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = client.onSample((sample) => {
      samples.push(sample);
      if (samples.length >= count) {
        clearTimeout(timer);
        sub.dispose();
        resolve(samples);
      }
    });
  });
}

/**
 * What a sweep costs is measured here, not the budget for observing (npm run bench:budget): every client
 * sets the node's budget to the most the agent allows, and each measured request waits until the budget
 * allows a sweep, so that it is swept, never answered from the last sweep.
 */
async function connectForSweeps(node: { port: number; token: string }): Promise<AgentClient> {
  const client = await AgentClient.connect({ port: node.port, token: node.token }, 10_000);
  await client.setBudget(0.5);
  return client;
}

async function readyToSweep(client: AgentClient): Promise<void> {
  for (let i = 0; i < 600 && (await client.budget()).nextPeriodicInMs > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

async function timedList(client: AgentClient, sortBy: SortKey): Promise<{ wallMs: number; sweepMs: number; result: ProcessesListResult }> {
  await readyToSweep(client);
  const start = process.hrtime.bigint();
  const result = await client.listProcesses({ sortBy, limit: LIST_LIMIT });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.refresh && !result.refresh.fresh) log(`(warning: processes/list ${sortBy} was answered from the last sweep)`);
  if (result.rows.length !== Math.min(LIST_LIMIT, result.scanned)) {
    log(`(warning: processes/list ${sortBy} returned ${result.rows.length} rows of ${result.scanned} scanned)`);
  }
  return { wallMs, sweepMs: result.sweepMs, result };
}

/** Run `work` while the node's total memory is watched every millisecond. */
async function watched<T>(node: BenchNode, work: () => Promise<T>): Promise<{ value: T; memory: Watched }> {
  await node.command('watch_start');
  const value = await work();
  const memory = await node.command<Watched>('watch_stop');
  return { value, memory };
}

interface Probe {
  /** The 10 ms ticker's worst lateness, in ms. */
  lateMs: number;
  /** Garbage collections and uninterrupted runs over 5 ms (erlang:system_monitor). */
  events: MonitorEvent[];
  /** Involuntary context switches of the normal scheduler threads (the OS took their CPU). */
  preempted: number;
}

/** What an unrelated 10 ms ticker and erlang:system_monitor saw while `work` ran. */
async function probed<T>(node: BenchNode, work: () => Promise<T>): Promise<{ value: T; probe: Probe }> {
  await node.command('probe_start');
  const value = await work();
  const { maxLateUs, events, preempted } = await node.command<{ maxLateUs: number; events: MonitorEvent[]; preempted: number }>(
    'probe_stop',
  );
  return { value, probe: { lateMs: maxLateUs / 1000, events, preempted } };
}

async function runScenario(scenario: Scenario): Promise<Result> {
  const node = await startNode();
  let client: AgentClient | undefined;
  try {
    const spawned = await node.command<{ spawnMs: number; processCount: number }>(`spawn_idle ${scenario.idle}`);
    if (scenario.busy > 0) await node.command(`spawn_busy ${scenario.busy}`);
    const { processCount } = await node.command<{ processCount: number }>('info');
    log(
      `\n## ${scenario.label}: ${processCount.toLocaleString('en-US')} processes ` +
        `(spawned ${scenario.idle.toLocaleString('en-US')} idle in ${fmt(spawned.spawnMs)} ms` +
        `${scenario.busy ? `, ${scenario.busy} spinning` : ''}); ` +
        `${scenario.rounds} measured rounds after a warm-up`,
    );
    const nodeMemory = await node.command<NodeMemory>('memory');
    log(`node memory: ${mb(nodeMemory.total)} total, ${mb(nodeMemory.processes)} in processes`);
    client = await connectForSweeps(node);

    // 1. Load sampling: the agent's own code in the node, then the live 1 Hz stream.
    const cost = await node.command<{ sampleUs: number[]; encodeUs: number[] }>(`load_cost ${LOAD_COST_ROUNDS}`);
    log(`load sample, beam_observer_sampler:sample/1 in-node (µs): ${spread(cost.sampleUs, 0)}`);
    log(`load sample, JSON encoding in-node (µs):            ${spread(cost.encodeUs, 0)}`);
    // The first sample's busyUs covers no earlier sample; skip it.
    const samplesPromise = waitForSamples(client, LOAD_SAMPLES + 1, (LOAD_SAMPLES + 4) * 1000 + 5000);
    await client.subscribeLoad(1000);
    const recorderBefore = await node.command<RecorderStats>('recorder');
    const samples = (await samplesPromise).slice(1);
    const recorderAfter = await node.command<RecorderStats>('recorder');
    await client.unsubscribeLoad();
    const recorderUsPerSample = (recorderAfter.busyUs - recorderBefore.busyUs) / samples.length;
    const busyUsPerSample = samples.map((s) => s.agent.busyUs);
    const vmCores = samples.map((s) => s.osCpu?.cores ?? NaN);
    log(`load sample at 1 Hz, agent.busyUs per sample (µs):   ${spread(busyUsPerSample, 0)}`);
    log(`  of which the recorder (its own moments, issue 14), µs per sample: ${fmt(recorderUsPerSample, 0)}`);
    log(
      `  (the sampler's 1 s interval includes 10 run-queue readings; agent.reductions per sample: ` +
        `${spread(
          samples.map((s) => s.agent.reductions),
          0,
        )})`,
    );
    log(`  VM CPU (osCpu.cores) while subscribed: ${spread(vmCores, 3)}`);

    // 2, 3 and 4. processes/list per sort key and etop_collect, interleaved
    // round by round, each timed by the client and in the node, each under
    // the 10 ms ticker's watch; plus one idle ticker window per round.
    const firstSweepMs = byKey<number>(() => 0);
    for (const key of SORT_KEYS) firstSweepMs[key] = (await timedList(client, key)).sweepMs; // warm-up
    log(
      `first processes/list after the start (a fresh baseline), sweepMs: ` +
        SORT_KEYS.map((key) => `${key} ${fmt(firstSweepMs[key])}`).join(', '),
    );
    await node.command('etop'); // warm-up
    const listWallMs = byKey<number[]>(() => []);
    const listSweepMs = byKey<number[]>(() => []);
    const listCpuMs = byKey<number[]>(() => []);
    const etopCpuMs: number[] = [];
    const tickerListMs = byKey<number[]>(() => []);
    const eventsList = byKey<MonitorEvent[]>(() => []);
    const preemptedList = byKey<number[]>(() => []);
    const etopMs: number[] = [];
    const tickerBaselineMs: number[] = [];
    const tickerEtopMs: number[] = [];
    const eventsEtop: MonitorEvent[] = [];
    const preemptedEtop: number[] = [];
    const eventsIdle: MonitorEvent[] = [];
    const preemptedIdle: number[] = [];
    const lateRequests: string[] = []; // where the ticker ran over 5 ms late, with what else happened
    const noteLate = (what: string, round: number, probe: Probe, extra = '') => {
      if (probe.lateMs > 5) {
        lateRequests.push(
          `${what} (round ${round + 1}): ticker ${fmt(probe.lateMs)} ms late${extra}, ` +
            `${probe.preempted} involuntary context switches; ${describeEvents(probe.events)}`,
        );
      }
    };
    for (let round = 0; round < scenario.rounds; round++) {
      const { probe: idle } = await probed(node, () => node.command('sleep 200'));
      tickerBaselineMs.push(idle.lateMs);
      eventsIdle.push(...idle.events);
      preemptedIdle.push(idle.preempted);
      noteLate('idle window', round, idle);
      for (const key of SORT_KEYS) {
        const cpuBefore = await node.command<{ ms: number }>('runtime');
        const {
          value: { wallMs, sweepMs },
          probe,
        } = await probed(node, () => timedList(client!, key));
        listCpuMs[key].push((await node.command<{ ms: number }>('runtime')).ms - cpuBefore.ms);
        listWallMs[key].push(wallMs);
        listSweepMs[key].push(sweepMs);
        tickerListMs[key].push(probe.lateMs);
        eventsList[key].push(...probe.events);
        preemptedList[key].push(probe.preempted);
        noteLate(`processes/list ${key}`, round, probe, `, sweepMs ${fmt(sweepMs)}`);
      }
      const etopCpuBefore = await node.command<{ ms: number }>('runtime');
      const { value: etop, probe } = await probed(node, () => node.command<{ us: number; nProcs: number }>('etop'));
      etopCpuMs.push((await node.command<{ ms: number }>('runtime')).ms - etopCpuBefore.ms);
      etopMs.push(etop.us / 1000);
      tickerEtopMs.push(probe.lateMs);
      eventsEtop.push(...probe.events);
      preemptedEtop.push(probe.preempted);
    }
    for (const key of SORT_KEYS) {
      log(
        `processes/list ${key.padEnd(15)} limit ${LIST_LIMIT}: wall ${spread(listWallMs[key])} ms; ` +
          `sweepMs ${spread(listSweepMs[key])}`,
      );
    }
    log(`observer_backend:etop_collect/1 (ms):               ${spread(etopMs)}`);
    for (const key of SORT_KEYS) log(`node CPU during processes/list ${key} (ms): ${spread(listCpuMs[key], 0)}`);
    log(`node CPU during etop_collect (ms): ${spread(etopCpuMs, 0)}`);
    for (const key of SORT_KEYS) {
      log(
        `  ratio processes/list ${key} / etop_collect: sweepMs ${fmt(median(listSweepMs[key]) / median(etopMs), 2)}, ` +
          `client wall ${fmt(median(listWallMs[key]) / median(etopMs), 2)}`,
      );
    }
    log(`10 ms ticker max lateness (ms), idle window (200 ms): ${spread(tickerBaselineMs)}`);
    for (const key of SORT_KEYS) {
      log(`10 ms ticker max lateness (ms), processes/list ${key.padEnd(15)}: ${spread(tickerListMs[key])}`);
    }
    log(`10 ms ticker max lateness (ms), etop_collect:        ${spread(tickerEtopMs)}`);
    log(`  over 5 ms (erlang:system_monitor long_gc / long_schedule), all ${scenario.rounds} rounds:`);
    log(`    idle windows: ${describeEvents(eventsIdle)}`);
    for (const key of SORT_KEYS) log(`    processes/list ${key}: ${describeEvents(eventsList[key])}`);
    log(`    etop_collect: ${describeEvents(eventsEtop)}`);
    log(
      `  involuntary context switches of the scheduler threads per request (the OS gave their CPU to another thread ` +
        `of this or another program): idle window ${spread(preemptedIdle, 0)}; ` +
        `${SORT_KEYS.map((key) => `${key} ${spread(preemptedList[key], 0)}`).join('; ')}; etop_collect ${spread(preemptedEtop, 0)}`,
    );
    if (lateRequests.length) {
      log(`  our requests and idle windows with the ticker over 5 ms late:`);
      for (const line of lateRequests) log(`    ${line}`);
    }

    // busyUs accounting for one request, compared with what the sweep reports.
    const before = await node.command<{ busyUs: number }>('busy_us');
    const one = await timedList(client, 'reductions');
    const after = await node.command<{ busyUs: number }>('busy_us');
    const busyUsVsSweep = { busyUsDelta: after.busyUs - before.busyUs, sweepMs: one.sweepMs };
    log(
      `agent busy_us counter over one reductions request: +${fmt(busyUsVsSweep.busyUsDelta / 1000)} ms ` +
        `for sweepMs ${fmt(one.sweepMs)} (wall ${fmt(one.wallMs)} ms)`,
    );

    // Diagnostics: where the time of a sample and of a sweep goes.
    const sampleParts = await node.command<Record<string, number>>('sample_breakdown');
    log(
      `  sample parts, in-node median µs: ${Object.entries(sampleParts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    if (scenario.breakdownRounds > 0) {
      const sweepParts = await node.command<Record<string, number>>(`sweep_breakdown ${scenario.breakdownRounds}`);
      log(
        `  reference sweeps in a fresh process, median ms: ` +
          `${Object.entries(sweepParts)
            .map(([k, v]) => `${k} ${fmt(v / 1000)}`)
            .join(', ')}`,
      );
    }

    // The node's memory peak during one request and during one etop_collect.
    const oursPeak = (await watched(node, () => timedList(client!, 'reductions'))).memory;
    const etopPeak = (await watched(node, () => node.command('etop'))).memory;
    const memoryPeak = { ours: oursPeak.peak - oursPeak.baseline, etop: etopPeak.peak - etopPeak.baseline };
    log(
      `node memory peak above its baseline during one processes/list by reductions: ${signedMb(memoryPeak.ours)} ` +
        `(${oursPeak.readings} readings); during one etop_collect: ${signedMb(memoryPeak.etop)} (${etopPeak.readings} readings)`,
    );

    // 5. What the agent holds after the sweeps.
    const agentMemory = await node.command<Result['agentMemory']>('agent_memory');
    logAgentMemory(agentMemory, processCount);

    // 6. The recorder (issue 14), on since the node started: its cost and memory over a window.
    const recorder = await watchRecorder(node, client, scenario, median(etopMs), median(listSweepMs.reductions));

    return {
      scenario,
      processCount,
      spawnMs: spawned.spawnMs,
      loadSampleUs: cost.sampleUs,
      loadEncodeUs: cost.encodeUs,
      busyUsPerSample,
      vmCores,
      listWallMs,
      listSweepMs,
      etopMs,
      listCpuMs,
      etopCpuMs,
      tickerBaselineMs,
      tickerListMs,
      tickerEtopMs,
      eventsList,
      eventsEtop,
      busyUsVsSweep,
      memoryPeak,
      agentMemory,
      firstSweepMs,
      recorderUsPerSample,
      recorder,
    };
  } finally {
    client?.dispose();
    await node.stop();
  }
}

/**
 * The recorder over a window, next to what a plain full sweep once a second
 * would cost: etop_collect (Observer's process list at 1 Hz) and our own
 * processes/list by reductions, each taken from this scenario's medians.
 */
async function watchRecorder(
  node: BenchNode,
  client: AgentClient,
  scenario: Scenario,
  etopMs: number,
  listMs: number,
): Promise<RecorderResult> {
  const start = await node.command<RecorderStats>('recorder');
  const since = Date.now();
  const { probe } = await probed(node, () => node.command(`sleep ${scenario.recorderWindowMs}`, scenario.recorderWindowMs + 60_000));
  const end = await node.command<RecorderStats>('recorder');
  const history = await client.history({ since });
  const moments = history.moments;
  const windowMs = end.monotonicMs - start.monotonicMs;
  const share = (end.busyUs - start.busyUs) / (windowMs * 1000);
  const bytesPerMoment = end.moments ? end.historyFlatBytes / end.moments : NaN;
  const plannedMs = moments.map((m) => m.plannedMs);
  const projected10MinBytes = Math.min(
    history.maxBytes,
    (bytesPerMoment * 600_000) / Math.max(1000, median(plannedMs.length ? plannedMs : [end.plannedMs])),
  );
  const result: RecorderResult = {
    windowMs,
    share,
    moments: moments.length,
    plannedMs,
    intervalMs: moments.map((m) => m.intervalMs),
    costUs: moments.map((m) => m.costUs),
    bytesPerMoment,
    projected10MinBytes,
    historyEtsBytes: end.historyEtsBytes,
    baselineEtsBytes: end.baselineEtsBytes,
    recorderHeapBytes: end.recorderHeapBytes,
    tickerLateMs: probe.lateMs,
    events: probe.events,
  };
  log(
    `recorder over ${fmt(windowMs / 1000)} s: ${moments.length} moments, planned interval ${spread(plannedMs, 0)} ms, ` +
      `covered ${spread(result.intervalMs, 0)} ms; a moment costs ${spread(result.costUs, 0)} µs`,
  );
  log(
    `  busy ${fmt((end.busyUs - start.busyUs) / 1000)} ms: ${fmt(share * 100, 2)}% of one scheduler; ` +
      `a plain full sweep at 1 Hz would take ${fmt((etopMs / 1000) * 100, 1)}% (etop_collect) or ` +
      `${fmt((listMs / 1000) * 100, 1)}% (processes/list by reductions)`,
  );
  log(
    `  memory: history ${fmt(end.historyFlatBytes / 1024)} KB flat (${fmt(end.historyEtsBytes / 1024)} KB in ETS) for ${end.moments} moments, ` +
      `${fmt(bytesPerMoment / 1024, 1)} KB a moment, ${mb(projected10MinBytes)} projected over 10 minutes at the planned interval ` +
      `(cap ${mb(history.maxBytes)}); its baseline and caches ${mb(end.baselineEtsBytes)} in ETS, heap ${fmt(end.recorderHeapBytes / 1024)} KB`,
  );
  log(`  10 ms ticker max lateness over the window: ${fmt(probe.lateMs)} ms; over 5 ms: ${describeEvents(probe.events)}`);
  return result;
}

interface MonitorEvent {
  type: 'long_gc' | 'long_schedule';
  ms: number;
  who: string;
  in?: string;
  out?: string;
  heapWords?: number;
}

const isAgent = (e: MonitorEvent) => e.who.includes('(agent ');

/** The agent's processes one by one (with where they were); every other process in one count per kind. */
function describeEvents(events: MonitorEvent[]): string {
  if (events.length === 0) return 'none';
  const groups = new Map<string, MonitorEvent[]>();
  for (const e of events) {
    const key = isAgent(e) ? `${e.type} ${e.who}` : `${e.type} of other processes`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => {
      const worst = list.reduce((a, b) => (b.ms > a.ms ? b : a));
      const detail = !isAgent(worst)
        ? `${worst.who}`
        : worst.type === 'long_gc'
          ? `heap ${mb((worst.heapWords ?? 0) * 8)}`
          : `in ${worst.in}, out ${worst.out}`;
      return `${key}: ${list.length}x, max ${worst.ms} ms (worst: ${detail})`;
    })
    .join('; ');
}

function longestGc(events: MonitorEvent[]): string {
  const gcs = events.filter((e) => e.type === 'long_gc').map((e) => e.ms);
  return gcs.length ? fmt(Math.max(...gcs), 0) : 'none';
}

function longestAgentGc(events: MonitorEvent[]): string {
  const gcs = events.filter((e) => e.type === 'long_gc' && isAgent(e)).map((e) => e.ms);
  return gcs.length ? fmt(Math.max(...gcs), 0) : 'none';
}

function logAgentMemory(agentMemory: AgentMemory, processCount: number): void {
  log(
    `agent memory after GC: ${fmt(agentMemory.bytes / 1024)} KB in ${agentMemory.processes} processes and their ETS tables ` +
      `(${Object.entries(agentMemory.byRole)
        .map(([role, bytes]) => `${role} ${fmt(bytes / 1024)} KB`)
        .join(', ')}); ` +
      `${fmt(agentMemory.bytes / processCount, 0)} bytes per process in the node`,
  );
}

// ---------------------------------------------------------------------------
// A process with a million queued messages

interface MailboxResult {
  queued: number;
  fillMs: number;
  mailboxMemory: number;
  listWallMs: number[];
  listSweepMs: number[];
  listFoundFirst: boolean[];
  listPeak: number[];
  agentMemory: AgentMemory;
  refusalWallMs: number[];
  refusalCodes: (number | string)[];
  refusalMessage: string;
  refusalDelta: number[];
  refusalPeak: number[];
  copy: { copyMs: number; copied: number; memoryDelta: number; peak: number };
}

async function runMailbox(): Promise<MailboxResult> {
  const node = await startNode();
  let client: AgentClient | undefined;
  try {
    const box = await node.command<{ pid: string; queued: number; fillMs: number; memoryBefore: number; memoryAfter: number }>(
      `mailbox ${MAILBOX_MESSAGES}`,
    );
    log(
      `\n## A process with ${box.queued.toLocaleString('en-US')} queued messages (${box.pid}, stuck in a selective receive; ` +
        `filled in ${fmt(box.fillMs)} ms, node memory ${signedMb(box.memoryAfter - box.memoryBefore)} for the mailbox)`,
    );
    client = await connectForSweeps(node);

    // processes/list by message queue: it must come first, at a cost unrelated to the mailbox.
    const listWallMs: number[] = [];
    const listSweepMs: number[] = [];
    const listFoundFirst: boolean[] = [];
    const listPeak: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const {
        value: { wallMs, sweepMs, result },
        memory,
      } = await watched(node, () => timedList(client!, 'messageQueueLen'));
      const top = result.rows[0];
      const first = top?.pid === box.pid && top.messageQueueLen === box.queued;
      listWallMs.push(wallMs);
      listSweepMs.push(sweepMs);
      listFoundFirst.push(first);
      listPeak.push(memory.peak - memory.baseline);
      if (i === 0) {
        log(
          `processes/list by messageQueueLen: first row ${top?.pid} with messageQueueLen ` +
            `${top?.messageQueueLen?.toLocaleString('en-US')} and memory ${mb(top?.memory ?? NaN)} ` +
            `(${first ? 'the mailbox process, as expected' : 'NOT the mailbox process'}), ${result.scanned} processes scanned`,
        );
      }
    }
    log(`processes/list by messageQueueLen limit ${LIST_LIMIT}: wall ${spread(listWallMs)} ms; sweepMs ${spread(listSweepMs)}`);
    log(`  node memory peak above baseline during each request: ${listPeak.map((b) => kb(b)).join(', ')}`);
    const agentMemory = await node.command<AgentMemory>('agent_memory');
    logAgentMemory(agentMemory, (await node.command<{ processCount: number }>('info')).processCount);

    // process/messages: refused after reading message_queue_len, the mailbox never copied.
    const refusalWallMs: number[] = [];
    const refusalCodes: (number | string)[] = [];
    const refusalDelta: number[] = [];
    const refusalPeak: number[] = [];
    let refusalMessage = '';
    for (let i = 0; i < REPEATS; i++) {
      const before = await node.command<NodeMemory>('memory');
      const { value: outcome, memory } = await watched(node, async () => {
        const start = process.hrtime.bigint();
        try {
          const answer = await client!.processMessages(box.pid, 20);
          return {
            wallMs: Number(process.hrtime.bigint() - start) / 1e6,
            code: `answered with ${answer.messages.length} messages` as number | string,
            message: '',
          };
        } catch (error) {
          return {
            wallMs: Number(process.hrtime.bigint() - start) / 1e6,
            code: agentErrorCode(error) ?? String(error),
            message: error instanceof Error ? error.message : String(error),
          };
        }
      });
      const after = await node.command<NodeMemory>('memory');
      refusalWallMs.push(outcome.wallMs);
      refusalCodes.push(outcome.code);
      refusalMessage = outcome.message;
      refusalDelta.push(after.total - before.total);
      refusalPeak.push(memory.peak - memory.baseline);
      log(
        `process/messages #${i + 1}: error ${outcome.code} in ${fmt(outcome.wallMs, 2)} ms (client wall); ` +
          `erlang:memory(total) ${mb(before.total)} before, ${mb(after.total)} after (${kb(after.total - before.total)}); ` +
          `peak during the request ${kb(memory.peak - memory.baseline)} (${memory.readings} readings)`,
      );
    }
    log(`  message: "${refusalMessage}"`);

    // For comparison: what the refusal avoids.
    const { value: copy, memory: copyWatch } = await watched(node, () =>
      node.command<{ copyMs: number; copied: number; memoryDelta: number }>('mailbox_copy'),
    );
    log(
      `for comparison, erlang:process_info(P, messages) in a fresh process: ${fmt(copy.copyMs)} ms for ` +
        `${copy.copied.toLocaleString('en-US')} messages, node memory ${signedMb(copy.memoryDelta)} right after the copy, ` +
        `peak ${signedMb(copyWatch.peak - copyWatch.baseline)}`,
    );
    return {
      queued: box.queued,
      fillMs: box.fillMs,
      mailboxMemory: box.memoryAfter - box.memoryBefore,
      listWallMs,
      listSweepMs,
      listFoundFirst,
      listPeak,
      agentMemory,
      refusalWallMs,
      refusalCodes,
      refusalMessage,
      refusalDelta,
      refusalPeak,
      copy: { ...copy, peak: copyWatch.peak - copyWatch.baseline },
    };
  } finally {
    client?.dispose();
    await node.stop();
  }
}

// ---------------------------------------------------------------------------
// A gen_server with a 50 MB state

interface StateResult {
  stateBytes: number;
  buildMs: number;
  wallMs: number[];
  elapsedMs: number[];
  bytes: number;
  truncated: boolean;
  peak: number[];
  memoryDelta: number;
  unchanged: boolean;
  getState: { getStateMs: number; bytes: number; memoryDelta: number };
  unbounded: {
    timedOut?: boolean;
    getStateMs?: number | null;
    formatMs?: number;
    textBytes?: number;
    memoryDelta?: number;
    error?: string;
  };
}

async function runBigState(): Promise<StateResult> {
  const node = await startNode();
  let client: AgentClient | undefined;
  try {
    const big = await node.command<{
      pid: string;
      bytes: number;
      entries: number;
      buildMs: number;
      memoryBefore: number;
      memoryAfter: number;
    }>(`big_state ${STATE_MB}`, 120_000);
    log(
      `\n## A gen_server with a ${mb(big.bytes)} state (${big.pid}: a map and a list, ${big.entries.toLocaleString('en-US')} entries, ` +
        `erts_debug:flat_size; built in the server in ${fmt(big.buildMs)} ms, node memory ${signedMb(big.memoryAfter - big.memoryBefore)})`,
    );
    const hashBefore = (await node.command<{ hash: number }>('state_hash')).hash;
    client = await connectForSweeps(node);

    await client.processState(big.pid); // warm-up: loads the formatting code
    const before = await node.command<NodeMemory>('memory');
    const wallMs: number[] = [];
    const elapsedMs: number[] = [];
    const peak: number[] = [];
    let bytes = 0;
    let truncated = false;
    for (let i = 0; i < REPEATS; i++) {
      const { value, memory } = await watched(node, async () => {
        const start = process.hrtime.bigint();
        const answer = await client!.processState(big.pid);
        return { answer, wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
      });
      wallMs.push(value.wallMs);
      elapsedMs.push(value.answer.elapsedMs);
      peak.push(memory.peak - memory.baseline);
      bytes = value.answer.bytes;
      truncated = value.answer.truncated;
    }
    const after = await node.command<NodeMemory>('memory');
    const hashAfter = (await node.command<{ hash: number }>('state_hash')).hash;
    log(
      `process/state: ${bytes.toLocaleString('en-US')} bytes of text, truncated ${truncated}; ` +
        `elapsedMs ${spread(elapsedMs, 0)}; client wall ${spread(wallMs)} ms`,
    );
    log(
      `  erlang:memory(total) ${mb(before.total)} before, ${mb(after.total)} after (${kb(after.total - before.total)}); ` +
        `peak during each request ${peak.map((b) => kb(b)).join(', ')}; state unchanged (phash2): ${hashBefore === hashAfter}`,
    );

    const getState = await node.command<StateResult['getState']>('get_state_cost', 90_000);
    log(
      `for comparison, sys:get_state/1 in a fresh process: ${fmt(getState.getStateMs)} ms, ` +
        `node memory ${signedMb(getState.memoryDelta)} right after the copy`,
    );
    const unbounded = await node.command<StateResult['unbounded']>(
      `format_unbounded ${UNBOUNDED_FORMAT_TIMEOUT_MS}`,
      UNBOUNDED_FORMAT_TIMEOUT_MS + 60_000,
    );
    log(
      `for comparison, sys:get_state/1 + unbounded io_lib:format("~p") in a fresh process (stopped after ` +
        `${UNBOUNDED_FORMAT_TIMEOUT_MS / 1000} s or a 4 GB heap): ${describeUnbounded(unbounded)}`,
    );
    return {
      stateBytes: big.bytes,
      buildMs: big.buildMs,
      wallMs,
      elapsedMs,
      bytes,
      truncated,
      peak,
      memoryDelta: after.total - before.total,
      unchanged: hashBefore === hashAfter,
      getState,
      unbounded,
    };
  } finally {
    client?.dispose();
    await node.stop();
  }
}

function describeUnbounded(u: StateResult['unbounded']): string {
  if (u.error) return u.error;
  if (u.timedOut) {
    return (
      `over ${UNBOUNDED_FORMAT_TIMEOUT_MS / 1000} s (get_state ${fmt(u.getStateMs ?? NaN)} ms, then formatting still ` +
      `running), node memory ${signedMb(u.memoryDelta ?? NaN, 0)} when stopped`
    );
  }
  return (
    `get_state ${fmt(u.getStateMs ?? NaN)} ms + format ${fmt(u.formatMs ?? NaN)} ms, ` +
    `${mb(u.textBytes ?? NaN)} of text, node memory ${signedMb(u.memoryDelta ?? NaN, 0)}`
  );
}

// ---------------------------------------------------------------------------
// Report

function machine(): string[] {
  let model = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) model = match[1].trim();
  } catch {
    /* not Linux */
  }
  const otp = execFileSync('erl', [
    '-noshell',
    '-eval',
    'io:format("~s (ERTS ~s)", [erlang:system_info(otp_release), erlang:system_info(version)]), halt().',
  ]).toString();
  return [`CPU:   ${model}`, `Cores: ${cpus().length}`, `OTP:   ${otp}`, `Node:  ${process.version}`];
}

function markdown(results: Result[]): string[] {
  const header = `| | ${results.map((r) => r.scenario.label).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---').join('|')}|`;
  const row = (label: string, cell: (r: Result) => string) => `| ${label} | ${results.map(cell).join(' | ')} |`;
  const ratio = (r: Result, key: SortKey) => median(r.listSweepMs[key]) / median(r.etopMs);
  const wallRatio = (r: Result, key: SortKey) => median(r.listWallMs[key]) / median(r.etopMs);
  const lines = [
    header,
    rule,
    row('Processes in the node', (r) => r.processCount.toLocaleString('en-US')),
    row('Measured rounds', (r) => String(r.scenario.rounds)),
    row('Load sample, built in the node (µs)', (r) => fmt(median(r.loadSampleUs), 0)),
    row('Load sample at 1 Hz, agent `busyUs` per sample (µs)', (r) => fmt(median(r.busyUsPerSample), 0)),
  ];
  for (const key of SORT_KEYS) {
    lines.push(
      row(
        `\`processes/list\` by ${key}, limit ${LIST_LIMIT}: client wall / sweepMs (ms)`,
        (r) => `${fmt(median(r.listWallMs[key]))} / ${fmt(median(r.listSweepMs[key]))}`,
      ),
    );
  }
  lines.push(row('`observer_backend:etop_collect/1` (ms)', (r) => fmt(median(r.etopMs))));
  for (const key of SORT_KEYS) {
    lines.push(row(`Ours / etop_collect, ${key}: sweepMs (client wall)`, (r) => `${fmt(ratio(r, key), 2)} (${fmt(wallRatio(r, key), 2)})`));
  }
  lines.push(
    row('Node CPU per request (ms): by reductions / memory / messageQueueLen / etop_collect', (r) =>
      [...SORT_KEYS.map((key) => fmt(median(r.listCpuMs[key]), 0)), fmt(median(r.etopCpuMs), 0)].join(' / '),
    ),
  );
  lines.push(
    row('Ours / etop_collect by node CPU: reductions / memory / messageQueueLen', (r) =>
      SORT_KEYS.map((key) => fmt(median(r.listCpuMs[key]) / Math.max(1, median(r.etopCpuMs)), 2)).join(' / '),
    ),
  );
  lines.push(row('10 ms ticker max lateness (ms), idle window', (r) => fmt(median(r.tickerBaselineMs))));
  lines.push(
    row('10 ms ticker max lateness (ms) during `processes/list`: reductions / memory / messageQueueLen', (r) =>
      SORT_KEYS.map((key) => fmt(median(r.tickerListMs[key]))).join(' / '),
    ),
  );
  lines.push(row('10 ms ticker max lateness (ms) during etop_collect', (r) => fmt(median(r.tickerEtopMs))));
  lines.push(
    row(
      'Longest garbage collection over 5 ms (ms): of an agent process in our requests / of any process in etop_collect',
      (r) => `${longestAgentGc(SORT_KEYS.flatMap((key) => r.eventsList[key]))} / ${longestGc(r.eventsEtop)}`,
    ),
  );
  lines.push(
    row(
      'Node memory peak during one request (MB): ours by reductions / etop_collect',
      (r) => `${fmt(r.memoryPeak.ours / 1048576)} / ${fmt(r.memoryPeak.etop / 1048576)}`,
    ),
  );
  lines.push(row('Agent memory after the sweeps (KB)', (r) => fmt(r.agentMemory.bytes / 1024, 0)));
  // issue 14
  lines.push(
    row('First `processes/list` after the start (fresh baseline), sweepMs: reductions / memory / messageQueueLen', (r) =>
      SORT_KEYS.map((key) => fmt(r.firstSweepMs[key])).join(' / '),
    ),
  );
  lines.push(
    row(
      'Recorder: planned interval (ms) / moments in the window',
      (r) => `${fmt(median(r.recorder.plannedMs), 0)} / ${r.recorder.moments}`,
    ),
  );
  lines.push(row('Recorder: one moment costs (ms)', (r) => fmt(median(r.recorder.costUs) / 1000)));
  lines.push(
    row('Recorder: share of one scheduler / a full sweep at 1 Hz: etop_collect, processes/list by reductions', (r) =>
      [r.recorder.share, median(r.etopMs) / 1000, median(r.listSweepMs.reductions) / 1000].map((x) => `${fmt(x * 100, 2)}%`).join(' / '),
    ),
  );
  lines.push(
    row('Recorder memory: history a moment (KB) / projected 10 min (MB) / baseline and caches (MB)', (r) =>
      [
        fmt(r.recorder.bytesPerMoment / 1024),
        fmt(r.recorder.projected10MinBytes / 1048576),
        fmt(r.recorder.baselineEtsBytes / 1048576),
      ].join(' / '),
    ),
  );
  lines.push(row('10 ms ticker max lateness over the recorder window (ms)', (r) => fmt(r.recorder.tickerLateMs)));
  return lines;
}

function markdownHeavy(m: MailboxResult, s: StateResult): string[] {
  const refusedOk = m.refusalCodes.every((c) => c === -32004);
  return [
    '| Abuse by size | Measured |',
    '|---|---|',
    `| ${m.queued.toLocaleString('en-US')} queued messages: \`processes/list\` by messageQueueLen, limit ${LIST_LIMIT} ` +
      `| ${m.listFoundFirst.every(Boolean) ? 'first row' : '**not first**'}; ${fmt(median(m.listWallMs))} ms client wall ` +
      `(sweepMs ${fmt(median(m.listSweepMs))}); node memory peak ${kb(Math.max(...m.listPeak))} |`,
    `| Same process: \`process/messages\` | refused with ${refusedOk ? '-32004' : m.refusalCodes.join(', ')} ` +
      `in ${fmt(median(m.refusalWallMs), 2)} ms; \`erlang:memory(total)\` ${kb(median(m.refusalDelta))} after, peak ` +
      `${kb(Math.max(...m.refusalPeak))} |`,
    `| For comparison: \`process_info(P, messages)\` | ${fmt(m.copy.copyMs)} ms, node memory ${signedMb(m.copy.peak, 0)} at peak |`,
    `| ${mb(s.stateBytes, 0)} gen_server state: \`process/state\` | ${fmt(median(s.elapsedMs), 0)} ms (client wall ` +
      `${fmt(median(s.wallMs))} ms), ${s.bytes.toLocaleString('en-US')} bytes, truncated ${s.truncated}; node memory peak ` +
      `${kb(Math.max(...s.peak))}, state ${s.unchanged ? 'unchanged' : '**changed**'} |`,
    `| For comparison: \`sys:get_state/1\` | ${fmt(s.getState.getStateMs)} ms, node memory ${signedMb(s.getState.memoryDelta, 0)} |`,
    `| For comparison: \`sys:get_state/1\` + unbounded \`io_lib:format("~p")\` | ${describeUnbounded(s.unbounded)} |`,
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  const quick = process.argv.includes('--quick');
  compileHelper();
  log(`# BEAM Observer agent benchmark${quick ? ' (quick: npm run bench:agent)' : ''}`);
  log();
  const machineLines = machine();
  for (const line of machineLines) log(line);
  log(
    `Node flags: erl -noshell +P 2000000 (default schedulers); medians of the measured rounds after a warm-up ` +
      `(5 rounds${quick ? '' : `, only ${MILLION.rounds} at 1M processes`}), ${LOAD_COST_ROUNDS} in-node load samples, ${LOAD_SAMPLES} streamed samples`,
  );

  // --only=10k,1M,mailbox picks cases by label (a development aid).
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const wanted = (label: string) => !only || only.some((o) => label.startsWith(o));
  const results: Result[] = [];
  for (const scenario of quick ? QUICK_SCENARIOS : [...QUICK_SCENARIOS, MILLION]) {
    if (wanted(scenario.label)) results.push(await runScenario(scenario));
  }
  const mailbox = quick || !wanted('mailbox') ? undefined : await runMailbox();
  const state = quick || !wanted('state') ? undefined : await runBigState();
  if (!quick && wanted('token')) await measureTokenTiming(log);

  log('\n## Summary (medians)\n');
  log(`Measured on ${machineLines.map((l) => l.replace(/^(\w+):\s+/, '$1 ')).join(', ')}.`);
  log();
  if (results.length) for (const line of markdown(results)) log(line);
  if (mailbox && state) {
    log();
    for (const line of markdownHeavy(mailbox, state)) log(line);
  }

  log('\nNotes:');
  for (const r of results) {
    for (const key of SORT_KEYS) {
      const ratio = median(r.listSweepMs[key]) / median(r.etopMs);
      const wall = median(r.listWallMs[key]) / median(r.etopMs);
      const verdict = ratio <= 0.3 ? 'at most 0.3x (the goal)' : ratio <= 0.5 ? 'at most 0.5x' : 'NOT under 0.5x';
      log(
        `- ${r.scenario.label}: processes/list by ${key} is ${fmt(ratio, 2)}x etop_collect by sweepMs ` +
          `(${fmt(wall, 2)}x by client wall time): ${verdict}.`,
      );
    }
    if (r.recorder.share > 0.01) {
      log(`  WARNING: the recorder took ${fmt(r.recorder.share * 100, 2)}% of one scheduler over its window (budget 1%).`);
    }
    const worstLate = Math.max(...SORT_KEYS.map((key) => median(r.tickerListMs[key])));
    if (worstLate > 5) {
      log(
        `  WARNING: the 10 ms ticker ran ${fmt(worstLate)} ms late (median) during one of our sweeps ` +
          `(idle window ${fmt(median(r.tickerBaselineMs))} ms).`,
      );
    }
    const agentGcs = SORT_KEYS.flatMap((key) => r.eventsList[key]).filter((e) => e.type === 'long_gc' && isAgent(e));
    if (agentGcs.length) {
      const worst = agentGcs.reduce((a, b) => (b.ms > a.ms ? b : a));
      log(
        `  WARNING: ${agentGcs.length} garbage collections of agent processes over 5 ms during ${r.scenario.rounds * SORT_KEYS.length} ` +
          `requests, up to ${worst.ms} ms (${worst.who}, heap ${mb((worst.heapWords ?? 0) * 8)}): each holds one scheduler.`,
      );
    }
  }
  if (mailbox) {
    if (!mailbox.listFoundFirst.every(Boolean)) log('- WARNING: the mailbox process was not the first row by messageQueueLen.');
    if (!mailbox.refusalCodes.every((c) => c === -32004)) {
      log(`- WARNING: process/messages answered ${mailbox.refusalCodes.join(', ')}, not -32004.`);
    }
    if (Math.max(...mailbox.refusalPeak) > 10 * 1048576) log("- WARNING: the node's memory rose by over 10 MB during the refusal.");
  }
  if (state) {
    if (!state.unchanged) log('- WARNING: the big state changed after process/state.');
    if (Math.max(...state.peak) > 10 * 1048576) log("- WARNING: the node's memory rose by over 10 MB during process/state.");
  }
  log(`\nTotal run time: ${fmt((Date.now() - started) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
