/**
 * `npm run bench:agent`: what the agent costs the node it observes, next to
 * OTP's own observer_backend:etop_collect/1. Prints figures, asserts nothing.
 *
 * For each scenario (10k idle processes, 100k idle processes, 10k idle plus
 * 4 spinning ones on the node's schedulers) it starts a fresh `erl` node
 * running test/bench/observer_bench.erl (which starts the agent and does the
 * in-node measurements) and drives the agent through the real AgentClient.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { LoadSample, SortKey } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, ROOT, stopNode, tempDiscoveryDir } from '../support/beamNode';

const BENCH_EBIN = join(ROOT, 'out', 'bench-ebin');
const SORT_KEYS: SortKey[] = ['reductions', 'memory', 'messageQueueLen'];
const LIST_LIMIT = 200;
const LIST_ROUNDS = 5;
const LOAD_COST_ROUNDS = 20;
const LOAD_SAMPLES = 5;
const TICKER_ROUNDS = 3;

interface Scenario {
  label: string;
  idle: number;
  busy: number;
}

const SCENARIOS: Scenario[] = [
  { label: '10k idle', idle: 10_000, busy: 0 },
  { label: '100k idle', idle: 100_000, busy: 0 },
  { label: '10k idle + 4 busy', idle: 10_000, busy: 4 },
];

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
  const child = spawn('erl', ['-noshell', '+P', '2000000', '-pa', AGENT_EBIN, '-pa', BENCH_EBIN,
    '-eval', 'observer_bench:main()'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => { children.delete(child); done(); }));
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
      const timer = setTimeout(() => reject(new Error(`bench node: no answer to ${what} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiting.push((json) => { clearTimeout(timer); deliver(json); });
    });

  const hello = await nextAnswer('start', 20_000) as { port: number; token: string; osPid: number };
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
  tickerBaselineMs: number[];
  tickerOursMs: number[];
  tickerEtopMs: number[];
  busyUsVsSweep: { busyUsDelta: number; sweepMs: number };
  agentMemory: { bytes: number; processes: number; byRole: Record<string, number> };
}

function waitForSamples(client: AgentClient, count: number, timeoutMs: number): Promise<LoadSample[]> {
  return new Promise((resolve, reject) => {
    const samples: LoadSample[] = [];
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`only ${samples.length} load samples in ${timeoutMs} ms`)); }, timeoutMs);
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

async function timedList(client: AgentClient, sortBy: SortKey): Promise<{ wallMs: number; sweepMs: number }> {
  const start = process.hrtime.bigint();
  const result = await client.listProcesses({ sortBy, limit: LIST_LIMIT });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.rows.length !== Math.min(LIST_LIMIT, result.scanned)) {
    log(`(warning: processes/list ${sortBy} returned ${result.rows.length} rows of ${result.scanned} scanned)`);
  }
  return { wallMs, sweepMs: result.sweepMs };
}

async function runScenario(scenario: Scenario): Promise<Result> {
  const node = await startNode();
  let client: AgentClient | undefined;
  try {
    const spawned = await node.command<{ spawnMs: number; processCount: number }>(`spawn_idle ${scenario.idle}`);
    if (scenario.busy > 0) await node.command(`spawn_busy ${scenario.busy}`);
    const { processCount } = await node.command<{ processCount: number }>('info');
    log(`\n## ${scenario.label}: ${processCount.toLocaleString('en-US')} processes `
      + `(spawned ${scenario.idle.toLocaleString('en-US')} idle in ${fmt(spawned.spawnMs)} ms`
      + `${scenario.busy ? `, ${scenario.busy} spinning` : ''})`);
    client = await AgentClient.connect({ port: node.port, token: node.token }, 10_000);

    // 1. Load sampling: the agent's own code in the node, then the live 1 Hz stream.
    const cost = await node.command<{ sampleUs: number[]; encodeUs: number[] }>(`load_cost ${LOAD_COST_ROUNDS}`);
    log(`load sample, beam_observer_load:sample/1 in-node (µs): ${spread(cost.sampleUs, 0)}`);
    log(`load sample, JSON encoding in-node (µs):            ${spread(cost.encodeUs, 0)}`);
    // The first sample's busyUs covers no earlier sample; skip it.
    const samplesPromise = waitForSamples(client, LOAD_SAMPLES + 1, (LOAD_SAMPLES + 4) * 1000 + 5000);
    await client.subscribeLoad(1000);
    const samples = (await samplesPromise).slice(1);
    await client.unsubscribeLoad();
    const busyUsPerSample = samples.map((s) => s.agent.busyUs);
    const vmCores = samples.map((s) => s.osCpu?.cores ?? NaN);
    log(`load sample at 1 Hz, agent.busyUs per sample (µs):   ${spread(busyUsPerSample, 0)}`);
    log(`  (the sampler's 1 s interval includes 10 run-queue readings; agent.reductions per sample: `
      + `${spread(samples.map((s) => s.agent.reductions), 0)})`);
    log(`  VM CPU (osCpu.cores) while subscribed: ${spread(vmCores, 3)}`);

    // 2 and 3. processes/list per sort key and etop_collect, interleaved round by round.
    for (const key of SORT_KEYS) await timedList(client, key);   // warm-up
    await node.command('etop');                                   // warm-up
    const listWallMs = { reductions: [], memory: [], messageQueueLen: [] } as Record<SortKey, number[]>;
    const listSweepMs = { reductions: [], memory: [], messageQueueLen: [] } as Record<SortKey, number[]>;
    const etopMs: number[] = [];
    for (let round = 0; round < LIST_ROUNDS; round++) {
      for (const key of SORT_KEYS) {
        const { wallMs, sweepMs } = await timedList(client, key);
        listWallMs[key].push(wallMs);
        listSweepMs[key].push(sweepMs);
      }
      const etop = await node.command<{ us: number; nProcs: number }>('etop');
      etopMs.push(etop.us / 1000);
    }
    for (const key of SORT_KEYS) {
      log(`processes/list ${key.padEnd(15)} limit ${LIST_LIMIT}: wall ${spread(listWallMs[key])} ms; `
        + `sweepMs ${spread(listSweepMs[key])}`);
    }
    log(`observer_backend:etop_collect/1 (ms):               ${spread(etopMs)}`);

    // busyUs accounting for one request, compared with what the sweep reports.
    const before = await node.command<{ busyUs: number }>('busy_us');
    const one = await timedList(client, 'reductions');
    const after = await node.command<{ busyUs: number }>('busy_us');
    const busyUsVsSweep = { busyUsDelta: after.busyUs - before.busyUs, sweepMs: one.sweepMs };
    log(`agent busy_us counter over one reductions request: +${fmt(busyUsVsSweep.busyUsDelta / 1000)} ms `
      + `for sweepMs ${fmt(one.sweepMs)} (wall ${fmt(one.wallMs)} ms)`);

    // Diagnostics: where the time of a sample and of a sweep goes.
    const sampleParts = await node.command<Record<string, number>>('sample_breakdown');
    log(`  sample parts, in-node median µs: ${Object.entries(sampleParts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const sweepParts = await node.command<Record<string, number>>('sweep_breakdown');
    log(`  reference sweeps in a fresh process, median ms: `
      + `${Object.entries(sweepParts).map(([k, v]) => `${k} ${fmt(v / 1000)}`).join(', ')}`);

    // 4. A 10 ms ticker's worst lateness: idle window, our sweep, etop_collect.
    const tickerBaselineMs: number[] = [];
    const tickerOursMs: number[] = [];
    const tickerEtopMs: number[] = [];
    for (let round = 0; round < TICKER_ROUNDS; round++) {
      await node.command('ticker_reset');
      await node.command('sleep 200');
      tickerBaselineMs.push((await node.command<{ maxLateUs: number }>('ticker_reset')).maxLateUs / 1000);
      await timedList(client, 'reductions');
      tickerOursMs.push((await node.command<{ maxLateUs: number }>('ticker_reset')).maxLateUs / 1000);
      await node.command('etop');
      tickerEtopMs.push((await node.command<{ maxLateUs: number }>('ticker_reset')).maxLateUs / 1000);
    }
    log(`10 ms ticker max lateness (ms), no sweep (200 ms):  ${spread(tickerBaselineMs)}`);
    log(`10 ms ticker max lateness (ms), processes/list:     ${spread(tickerOursMs)}`);
    log(`10 ms ticker max lateness (ms), etop_collect:       ${spread(tickerEtopMs)}`);

    // 5. What the agent holds after the sweeps.
    const agentMemory = await node.command<Result['agentMemory']>('agent_memory');
    log(`agent memory after GC: ${fmt(agentMemory.bytes / 1024)} KB in ${agentMemory.processes} processes and their ETS tables `
      + `(${Object.entries(agentMemory.byRole).map(([role, bytes]) => `${role} ${fmt(bytes / 1024)} KB`).join(', ')})`);

    return {
      scenario, processCount, spawnMs: spawned.spawnMs,
      loadSampleUs: cost.sampleUs, loadEncodeUs: cost.encodeUs, busyUsPerSample, vmCores,
      listWallMs, listSweepMs, etopMs, tickerBaselineMs, tickerOursMs, tickerEtopMs,
      busyUsVsSweep, agentMemory,
    };
  } finally {
    client?.dispose();
    await node.stop();
  }
}

// ---------------------------------------------------------------------------
// Report

function machine(): string[] {
  let model = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) model = match[1].trim();
  } catch { /* not Linux */ }
  const otp = execFileSync('erl', ['-noshell', '-eval',
    'io:format("~s (ERTS ~s)", [erlang:system_info(otp_release), erlang:system_info(version)]), halt().']).toString();
  return [
    `CPU:   ${model}`,
    `Cores: ${cpus().length}`,
    `OTP:   ${otp}`,
    `Node:  ${process.version}`,
  ];
}

function markdown(results: Result[]): string[] {
  const header = `| | ${results.map((r) => r.scenario.label).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---').join('|')}|`;
  const row = (label: string, cell: (r: Result) => string) => `| ${label} | ${results.map(cell).join(' | ')} |`;
  const ratio = (r: Result, key: SortKey) => median(r.listSweepMs[key]) / median(r.etopMs);
  const wallRatio = (r: Result, key: SortKey) => median(r.listWallMs[key]) / median(r.etopMs);
  const lines = [
    header, rule,
    row('Processes in the node', (r) => r.processCount.toLocaleString('en-US')),
    row('Load sample, built in the node (µs)', (r) => fmt(median(r.loadSampleUs), 0)),
    row('Load sample at 1 Hz, agent `busyUs` per sample (µs)', (r) => fmt(median(r.busyUsPerSample), 0)),
  ];
  for (const key of SORT_KEYS) {
    lines.push(row(`\`processes/list\` by ${key}, limit ${LIST_LIMIT}: client wall / sweepMs (ms)`,
      (r) => `${fmt(median(r.listWallMs[key]))} / ${fmt(median(r.listSweepMs[key]))}`));
  }
  lines.push(row('`observer_backend:etop_collect/1` (ms)', (r) => fmt(median(r.etopMs))));
  for (const key of SORT_KEYS) {
    lines.push(row(`Ours / etop_collect, ${key}: sweepMs (client wall)`,
      (r) => `${fmt(ratio(r, key), 2)} (${fmt(wallRatio(r, key), 2)})`));
  }
  lines.push(row('10 ms ticker max lateness (ms): idle / our sweep / etop_collect',
    (r) => `${fmt(median(r.tickerBaselineMs))} / ${fmt(median(r.tickerOursMs))} / ${fmt(median(r.tickerEtopMs))}`));
  lines.push(row('Agent memory after the sweeps (KB)', (r) => fmt(r.agentMemory.bytes / 1024, 0)));
  return lines;
}

async function main(): Promise<void> {
  const started = Date.now();
  compileHelper();
  log('# BEAM Observer agent benchmark');
  log();
  for (const line of machine()) log(line);
  log(`Node flags: erl -noshell +P 2000000 (default schedulers); medians of ${LIST_ROUNDS} requests after a warm-up, `
    + `${LOAD_COST_ROUNDS} in-node load samples, ${LOAD_SAMPLES} streamed samples, ${TICKER_ROUNDS} ticker windows`);

  const results: Result[] = [];
  for (const scenario of SCENARIOS) results.push(await runScenario(scenario));

  log('\n## Summary (medians)\n');
  for (const line of markdown(results)) log(line);

  log('\nNotes:');
  for (const r of results) {
    const red = median(r.listSweepMs.reductions) / median(r.etopMs);
    const redWall = median(r.listWallMs.reductions) / median(r.etopMs);
    const verdict = red < 0.5 && redWall < 0.5 ? 'under half of etop_collect' : 'NOT under half of etop_collect';
    log(`- ${r.scenario.label}: processes/list by reductions is ${fmt(red, 2)}x etop_collect by sweepMs `
      + `(${fmt(redWall, 2)}x by client wall time): ${verdict}.`);
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
