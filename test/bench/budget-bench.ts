/**
 * `npm run bench:budget` (and part of `npm run bench`): what a visible process
 * tree costs the node, with the budget for observing (issue 17) and without
 * it, at 10k, 100k and 1M idle processes, for each sort key. Prints figures
 * and a Markdown table for the README; asserts nothing.
 *
 * Each size runs in a fresh `erl` node (test/fixtures/budget_fixture.erl:
 * the agent, N idle processes). A client behaves as the process tree does:
 * subscribed to the load at 1 s, it asks for `processes/list` (limit 200,
 * `refresh: "periodic"`) and asks again after max(1 s, the agent's
 * `nextSweepInMs`). Two budgets alternate for each sort key, interleaved:
 *   - 50%, the most the agent accepts: no 1 s sweep below 1M processes reaches
 *     it, so the tree sweeps every second, as it did before the budget;
 *   - 2%, the default.
 * Each phase starts out of debt and is measured from its first sweep for a
 * window (longer at 1M, where one sweep at 2% allows the next a
 * minute later), the client waiting as told: the steady state. The agent's busy time is read
 * from the node by kind of work (beam_observer_registry), as a share of one
 * scheduler over the phase.
 *
 *   node out/test/bench/budget-bench.js [--quick | --only=N]   (--quick: 10k and 100k; --only: that size)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { BUDGET_KINDS, BudgetKind, SORT_KEYS, SortKey } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, FixtureNode, ROOT, startFixture } from '../support/beamNode';

const BUDGET_EBIN = join(ROOT, 'out', 'budget-fixture-ebin');
const QUICK = process.argv.includes('--quick');
// --only=N: one size alone (e.g. --only=1000000).
const ONLY = Number(process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? 0);
const SIZES: { processes: number; windowMs: number }[] = [
  { processes: 10_000, windowMs: 20_000 },
  { processes: 100_000, windowMs: 20_000 },
  ...(QUICK ? [] : [{ processes: 1_000_000, windowMs: 75_000 }]),
].filter((size) => !ONLY || size.processes === ONLY);
const BUDGETS = [0.5, 0.02];

type Busy = Record<BudgetKind | 'busyUs', number>;

interface Phase {
  processes: number;
  sortBy: SortKey;
  share: number;
  seconds: number;
  sweeps: number;
  answers: number;
  sweepMs: number[];
  /** The agent's periodic work (the budget's kinds) and all its work, as shares of one scheduler. */
  periodic: number;
  total: number;
  byKind: Record<BudgetKind, number>;
  /** What the agent told the client after each sweep: when the next is allowed (at least the 1 s interval). */
  intervalsMs: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`;
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s` : 'n/a');

async function startNode(processes: number): Promise<{ node: FixtureNode; client: AgentClient }> {
  mkdirSync(BUDGET_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', BUDGET_EBIN, join(ROOT, 'test', 'fixtures', 'budget_fixture.erl')]);
  const node = await startFixture(
    'erl',
    ['-noshell', '+P', '2000000', '-pa', AGENT_EBIN, '-pa', BUDGET_EBIN, '-eval', 'budget_fixture:main()'],
    {},
  );
  await node.command(`spawn ${processes}`, 120_000);
  const endpoint = await node.command<{ port: number; token: string }>('start_agent', 120_000);
  const client = await AgentClient.connect(endpoint);
  await client.subscribeLoad(1000);
  return { node, client };
}

/** Start a phase out of debt: a large budget pays it back, then the phase's budget is set. */
async function outOfDebt(client: AgentClient, share: number): Promise<void> {
  await client.setBudget(0.5);
  for (let i = 0; i < 200 && (await client.budget()).nextPeriodicInMs > 0; i++) await sleep(100);
  await client.setBudget(share);
}

async function phase(
  node: FixtureNode,
  client: AgentClient,
  processes: number,
  sortBy: SortKey,
  share: number,
  windowMs: number,
): Promise<Phase> {
  await outOfDebt(client, share);
  // The first sweep of this sort key is a first look; it belongs to no phase's steady state.
  await client.listProcesses({ sortBy, limit: 200, refresh: 'explicit' });
  await outOfDebt(client, share);
  // The steady state: measured from a first periodic sweep on (it counts), the client then waiting as told.
  const before = await node.command<Busy>('busy');
  const started = Date.now();
  const first = await client.listProcesses({ sortBy, limit: 200, refresh: 'periodic' });
  const result: Phase = {
    processes,
    sortBy,
    share,
    seconds: 0,
    sweeps: 1,
    answers: 1,
    sweepMs: [first.sweepMs],
    periodic: 0,
    total: 0,
    byKind: {} as Record<BudgetKind, number>,
    intervalsMs: [Math.max(1000, first.refresh?.nextSweepInMs ?? 0)],
  };
  await sleep(result.intervalsMs[0]);
  while (Date.now() - started < windowMs) {
    const answer = await client.listProcesses({ sortBy, limit: 200, refresh: 'periodic' });
    result.answers++;
    const next = Math.max(1000, answer.refresh?.nextSweepInMs ?? 0);
    if (answer.refresh?.fresh) {
      result.sweeps++;
      result.sweepMs.push(answer.sweepMs);
      result.intervalsMs.push(next);
    }
    await sleep(Math.min(next, Math.max(0, windowMs - (Date.now() - started))));
  }
  const after = await node.command<Busy>('busy');
  const us = (Date.now() - started) * 1000;
  result.seconds = us / 1e6;
  for (const kind of BUDGET_KINDS) result.byKind[kind] = (after[kind] - before[kind]) / us;
  result.periodic = BUDGET_KINDS.reduce((sum, kind) => sum + result.byKind[kind], 0);
  result.total = (after.busyUs - before.busyUs) / us;
  return result;
}

function describePhase(p: Phase): string {
  const kinds = BUDGET_KINDS.filter((k) => p.byKind[k] > 0.00005)
    .map((k) => `${k} ${percent(p.byKind[k])}`)
    .join(', ');
  return (
    `${p.processes.toLocaleString('en')} ${p.sortBy} budget ${percent(p.share)}: ${p.sweeps} sweeps in ${p.answers} answers over ${p.seconds.toFixed(0)} s, ` +
    `sweep ${median(p.sweepMs).toFixed(1)} ms, interval ${seconds(median(p.intervalsMs))}, ` +
    `periodic ${percent(p.periodic)} (${kinds}), all work ${percent(p.total)}`
  );
}

async function main(): Promise<void> {
  const phases: Phase[] = [];
  for (const { processes, windowMs } of SIZES) {
    const { node, client } = await startNode(processes);
    try {
      for (const [index, sortBy] of SORT_KEYS.entries()) {
        // Interleaved: the order of the two budgets alternates from one sort key to the next.
        const order = index % 2 === 0 ? BUDGETS : [...BUDGETS].reverse();
        for (const share of order) {
          const p = await phase(node, client, processes, sortBy, share, windowMs);
          phases.push(p);
          console.log(describePhase(p));
        }
      }
    } finally {
      client.dispose();
      await node.stop();
    }
  }
  console.log(
    '\n| processes | sort | sweep | agent busy, the tree sweeping every second (budget 50%) | agent busy, budget 2% (periodic work) | refresh interval at 2% |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const { processes } of SIZES) {
    for (const sortBy of SORT_KEYS) {
      const free = phases.find((p) => p.processes === processes && p.sortBy === sortBy && p.share === 0.5)!;
      const kept = phases.find((p) => p.processes === processes && p.sortBy === sortBy && p.share === 0.02)!;
      const sweep = median([...free.sweepMs, ...kept.sweepMs]);
      console.log(
        `| ${processes.toLocaleString('en')} | ${sortBy} | ${sweep.toFixed(1)} ms | ${percent(free.total)} | ` +
          `${percent(kept.total)} (${percent(kept.periodic)}) | ${seconds(median(kept.intervalsMs))} |`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
