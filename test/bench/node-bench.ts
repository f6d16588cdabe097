/**
 * `npm run bench:node` (and the end of `npm run bench`): the rest of the node
 * (issue 12) side by side with what OTP's Observer and other tools do for the
 * same answer, interleaved round by round in the same node, medians:
 *   - ets/list with 10,000 tables (top 200 by memory) against
 *     observer_backend:get_table_list/2 sorted the same way;
 *   - ets/rows, the first page (100 rows) of a 1,000,000-row set and
 *     ordered_set, against ets:tab2list/1 and observer_backend:get_table/3's
 *     first chunk (Observer's Table Viewer), each formatted into the same page;
 *     and the first page's cost for 1,000, 100,000 and 1,000,000 rows;
 *   - supervisor/children, the first page (100) of a 100,000-child supervisor,
 *     against supervisor:which_children/1 (Observer's Applications tab,
 *     LiveDashboard) and count_children/1;
 *   - ports/list with 5,000 open sockets (top 200 by bytes in) against
 *     observer_backend:get_port_list/0 sorted the same way;
 *   - system/info against observer_backend:sys_info/0.
 * Ours is timed twice: at the client (JSON and WebSocket included) and in the
 * node (the agent's work alone). Node memory: the peak above the baseline
 * while one call runs (a watcher reads erlang:memory(total) every ms). Prints
 * figures and a Markdown summary; asserts nothing; notes flag any target
 * missed (lists at most 0.5x the baseline's time; memory peak at least 10x
 * lower where the baseline copies everything).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RequestType } from 'vscode-jsonrpc';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { AGENT_EBIN, ROOT, stopNode, tempDiscoveryDir } from '../support/beamNode';

const BENCH_EBIN = join(ROOT, 'out', 'bench-ebin');
const ROUNDS = 7;

// ---------------------------------------------------------------------------
// Figures

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ms(us: number): string {
  return us < 1000 ? `${fmt(us / 1000, 2)} ms` : `${fmt(us / 1000, 1)} ms`;
}

function bytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1048576) return `${fmt(n / 1048576, 1)} MB`;
  return `${fmt(n / 1024, 0)} KB`;
}

function log(line = ''): void {
  process.stdout.write(line + '\n');
}

// ---------------------------------------------------------------------------
// The benchmark node

interface BenchNode {
  port: number;
  token: string;
  command<T = Record<string, unknown>>(line: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function compileHelper(): void {
  mkdirSync(BENCH_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', BENCH_EBIN, join(ROOT, 'test', 'bench', 'node_bench.erl')], { stdio: 'inherit' });
}

async function startNode(): Promise<BenchNode> {
  const env: NodeJS.ProcessEnv = { ...process.env, BEAM_OBSERVER_DIR: tempDiscoveryDir() };
  delete env.ERL_AFLAGS;
  const args = ['-noshell', '+P', '1000000', '+Q', '100000', '-pa', AGENT_EBIN, '-pa', BENCH_EBIN, '-eval', 'node_bench:main()'];
  const child = spawn('erl', args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      children.delete(child);
      done();
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: ((json: string) => void)[] = [];
  const early: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('NBENCH ')) return;
    const json = line.slice('NBENCH '.length);
    const next = waiting.shift();
    if (next) next(json);
    else early.push(json);
  });
  const answer = (what: string, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const deliver = (json: string) => {
        const parsed = JSON.parse(json) as Record<string, unknown>;
        if (typeof parsed.error === 'string') reject(new Error(`bench node: ${what}: ${parsed.error}`));
        else resolve(parsed);
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
  const hello = (await answer('start', 20_000)) as { port: number; token: string };
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ...hello,
    command<T>(line: string, timeoutMs = 180_000): Promise<T> {
      const run = queue.then(() => {
        child.stdin!.write(line + '\n');
        return answer(line, timeoutMs) as Promise<T>;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    stop: () => stopNode(child, exited),
  };
}

// ---------------------------------------------------------------------------
// One comparison: ours (client, in the node) against one or more baselines

interface Measured {
  us: number;
  peakBytes: number;
}

interface Series {
  label: string;
  us: number[];
  peak: number[];
}

interface Comparison {
  label: string;
  ours: { client: Series; node: Series };
  baselines: Series[];
  /** Whether the baseline copies everything (the memory target applies). */
  copiesAll: boolean;
  list: boolean;
}

async function ourRequest(node: BenchNode, client: AgentClient, method: string, params: object): Promise<Measured> {
  await node.command('watch_start');
  const start = process.hrtime.bigint();
  await client.send(new RequestType<object, unknown, void>(method), params);
  const us = Number(process.hrtime.bigint() - start) / 1000;
  const { peak, baseline } = await node.command<{ peak: number; baseline: number }>('watch_stop');
  return { us, peakBytes: peak - baseline };
}

async function compare(
  node: BenchNode,
  client: AgentClient,
  label: string,
  method: string,
  params: object,
  baselines: { label: string; command: string }[],
  options: { copiesAll: boolean; list: boolean; rounds?: number },
): Promise<Comparison> {
  const series = (l: string): Series => ({ label: l, us: [], peak: [] });
  const result: Comparison = {
    label,
    ours: { client: series(`${method} (client)`), node: series(`${method} (in the node)`) },
    baselines: baselines.map((b) => series(b.label)),
    copiesAll: options.copiesAll,
    list: options.list,
  };
  const add = (s: Series, m: Measured) => {
    s.us.push(m.us);
    s.peak.push(m.peakBytes);
  };
  // A warm-up round, then the measured ones: A, B, C, A, B, C...
  await ourRequest(node, client, method, params);
  for (let round = 0; round < (options.rounds ?? ROUNDS); round++) {
    add(result.ours.client, await ourRequest(node, client, method, params));
    add(result.ours.node, await node.command<Measured>(`ours ${method} ${JSON.stringify(params)}`));
    for (const [i, b] of baselines.entries()) add(result.baselines[i], await node.command<Measured>(`baseline ${b.command}`));
  }
  report(result);
  return result;
}

function report(c: Comparison): void {
  log(`\n### ${c.label}\n`);
  log('| | time (median) | min..max | node memory peak (median) |');
  log('|---|---|---|---|');
  for (const s of [c.ours.client, c.ours.node, ...c.baselines]) {
    log(`| ${s.label} | ${ms(median(s.us))} | ${ms(Math.min(...s.us))}..${ms(Math.max(...s.us))} | ${bytes(median(s.peak))} |`);
  }
}

function ratios(c: Comparison): { time: number; timeNode: number; memory: number } {
  const base = c.baselines[0];
  return {
    time: median(c.ours.client.us) / median(base.us),
    timeNode: median(c.ours.node.us) / median(base.us),
    memory: median(base.peak) / Math.max(1, median(c.ours.client.peak)),
  };
}

// ---------------------------------------------------------------------------
// The cases

async function withNode<T>(work: (node: BenchNode, client: AgentClient) => Promise<T>): Promise<T> {
  const node = await startNode();
  const client = await AgentClient.connect({ port: node.port, token: node.token }, 20_000);
  try {
    return await work(node, client);
  } finally {
    client.dispose();
    await node.stop();
  }
}

async function etsList(): Promise<Comparison> {
  return withNode(async (node, client) => {
    await node.command('tables 10000');
    return compare(
      node,
      client,
      'ets/list, 10,000 tables: the top 200 by memory',
      'ets/list',
      { sortBy: 'memory', limit: 200 },
      [{ label: 'observer_backend:get_table_list/2, sorted, top 200', command: 'get_table_list' }],
      { copiesAll: true, list: true },
    );
  });
}

async function etsRows(): Promise<{ comparisons: Comparison[]; flat: { type: string; rows: number; us: number }[] }> {
  return withNode(async (node, client) => {
    const comparisons: Comparison[] = [];
    const flat: { type: string; rows: number; us: number }[] = [];
    for (const type of ['set', 'ordered_set']) {
      const sizes = [1000, 100_000, 1_000_000];
      const tables: Record<number, string> = {};
      for (const size of sizes) tables[size] = (await node.command<{ table: string }>(`rows ${type} ${size}`)).table;
      const big = tables[1_000_000];
      comparisons.push(
        await compare(
          node,
          client,
          `ets/rows, the first page (100 rows) of a 1,000,000-row ${type}`,
          'ets/rows',
          { table: big, limit: 100 },
          [
            { label: 'ets:tab2list/1, first 100 formatted', command: `tab2list ${big}` },
            { label: "observer_backend:get_table/3's first chunk (Table Viewer), first 100 formatted", command: `get_table ${big}` },
            { label: 'observer_backend:get_table/3, every chunk (what the Table Viewer receives in all)', command: `get_table_all ${big}` },
          ],
          { copiesAll: true, list: true, rounds: 5 },
        ),
      );
      for (const size of sizes) {
        const runs: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          runs.push((await node.command<Measured>(`ours ets/rows ${JSON.stringify({ table: tables[size], limit: 100 })}`)).us);
        }
        flat.push({ type, rows: size, us: median(runs) });
      }
    }
    log('\nThe first page (100 rows) in the node, by table size:\n');
    log('| table | 1,000 rows | 100,000 rows | 1,000,000 rows |');
    log('|---|---|---|---|');
    for (const type of ['set', 'ordered_set']) {
      const row = flat.filter((f) => f.type === type).map((f) => ms(f.us));
      log(`| ${type} | ${row.join(' | ')} |`);
    }
    return { comparisons, flat };
  });
}

async function supervisorChildren(): Promise<Comparison> {
  return withNode(async (node, client) => {
    const { pid } = await node.command<{ pid: string }>('pool 100000', 600_000);
    return compare(
      node,
      client,
      'supervisor/children, the first page (100) of a 100,000-child supervisor',
      'supervisor/children',
      { pid, limit: 100 },
      [{ label: 'supervisor:which_children/1 + count_children/1, first 100', command: 'which_children bench_pool' }],
      { copiesAll: true, list: true },
    );
  });
}

async function portsList(): Promise<Comparison> {
  return withNode(async (node, client) => {
    await node.command('sockets 5000', 600_000);
    return compare(
      node,
      client,
      'ports/list, 5,000 open sockets: the top 200 by bytes in',
      'ports/list',
      { sortBy: 'input', limit: 200 },
      [{ label: 'observer_backend:get_port_list/0, sorted, top 200', command: 'get_port_list' }],
      { copiesAll: true, list: true },
    );
  });
}

async function systemInfo(): Promise<Comparison> {
  return withNode(async (node, client) =>
    compare(node, client, 'system/info', 'system/info', {}, [{ label: 'observer_backend:sys_info/0', command: 'sys_info' }], {
      copiesAll: false,
      list: false,
    }),
  );
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  compileHelper();
  log('# BEAM Observer: the rest of the node, against observer_backend');
  log();
  log(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
  log(`Medians of ${ROUNDS} interleaved rounds (5 for the 1,000,000-row tables) after a warm-up; one fresh erl node per case.`);
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const wanted = (name: string) => !only || only.includes(name);
  const all: Comparison[] = [];
  if (wanted('ets-list')) all.push(await etsList());
  if (wanted('ets-rows')) all.push(...(await etsRows()).comparisons);
  if (wanted('supervisor')) all.push(await supervisorChildren());
  if (wanted('ports')) all.push(await portsList());
  if (wanted('system')) all.push(await systemInfo());

  log('\n## Summary (medians)\n');
  log('| | ours, client (in the node) | baseline | time ratio: client (in the node) | node memory peak: ours / baseline | memory ratio |');
  log('|---|---|---|---|---|---|');
  for (const c of all) {
    const r = ratios(c);
    const base = c.baselines[0];
    log(
      `| ${c.label} | ${ms(median(c.ours.client.us))} (${ms(median(c.ours.node.us))}) | ${base.label}: ${ms(median(base.us))} | ` +
        `**${fmt(r.time, 3)}x** (${fmt(r.timeNode, 3)}x) | ${bytes(median(c.ours.client.peak))} / ${bytes(median(base.peak))} | ` +
        `${fmt(r.memory, 0)}x lower |`,
    );
  }
  log('\nNotes:');
  for (const c of all) {
    const r = ratios(c);
    if (c.list && r.time > 0.5) log(`- NOT under half the baseline's time: ${c.label} (${fmt(r.time, 2)}x at the client)`);
    if (c.copiesAll && r.memory < 10) log(`- Memory peak NOT 10x lower: ${c.label} (${fmt(r.memory, 1)}x)`);
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
