/**
 * `npm run bench:cluster`: what observing a cluster through one agent costs,
 * side by side with asking the node's own agent directly. Prints figures;
 * asserts nothing.
 *
 * Two named `erl` nodes on localhost with one cookie, each with 10,000 idle
 * processes and the agent running (A's client reaches B through A):
 *   - processes/list of B, by reductions and by memory: through A (erpc) vs
 *     straight to B's agent, median of 40 interleaved rounds, and the ratio;
 *   - the first request naming a node without the agent (the modules are
 *     pushed with code:load_binary and started as a member) vs the next ones;
 *   - Attach to Node: a helper node started with the local erl, connected,
 *     the agent pushed and started in a fresh node (median of 3 fresh nodes);
 *   - a relay's round trip vs a direct one;
 *   - clusters of 10, 30 and 100 members (plain nodes, each fresh) watched
 *     through A's agent with one cluster/subscribe, as the cluster overview
 *     does: the time until every member shows figures, what the agent costs
 *     A (its busy time, its reductions and the VM's CPU, in 5 s windows with
 *     the members subscribed and without, interleaved), and the memory it
 *     keeps per member. `--members` runs only this part.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { attachThroughDistribution, relayThroughDistribution } from '../../extension/src/attach/distributionHelper';
import type { LoadSample, SortKey } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, nodeEnv, tempDiscoveryDir, waitForOutput } from '../support/beamNode';
import { startPlainNodes } from '../support/clusterNodes';

const HOST = hostname().split('.')[0];
const COOKIE = `bench_${randomBytes(6).toString('hex')}`;
const ROUNDS = 40;
const PROCESSES = 10_000;
const children: ChildProcess[] = [];

/** A named node; with `agent`, it starts the agent and prints its port and token. */
function startNode(short: string, options: { agent: boolean; peer?: string }): Promise<{ port: number; token: string }> {
  const boot = [
    `[spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, ${PROCESSES})],`,
    options.peer ? `true = net_kernel:connect_node('${options.peer}'),` : '',
    options.agent
      ? '{ok, #{port := P, token := T}} = beam_observer_agent:start(), io:format("ready ~b ~s~n", [P, T]),'
      : 'io:format("ready 0 none~n"),',
    'receive never -> ok end.',
  ].join(' ');
  const args = ['-noshell', '-sname', short, '-setcookie', COOKIE, ...(options.agent ? ['-pa', AGENT_EBIN] : []), '-eval', boot];
  const child = spawn('erl', args, { env: nodeEnv({ BEAM_OBSERVER_DIR: tempDiscoveryDir() }) });
  children.push(child);
  return waitForOutput(child, /ready (\d+) (\S+)/, short, 60_000).then((ready) => ({ port: Number(ready[1]), token: ready[2] }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed<T>(run: () => Promise<T>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

/** Clusters of many members through A's agent: time to figures, A's cost, memory per member. */
async function manyMembers(a: string, endA: { port: number; token: string }, run: string): Promise<void> {
  const nodeA = `${a}@${HOST}`;
  console.log(
    "\n| members | every member's first figures | agent busy time on A, subscribed / not (share of one scheduler) | agent reductions/s on A, subscribed / not | VM CPU of A, subscribed / not (cores) | agent memory on A per member |",
  );
  console.log('|---|---|---|---|---|---|');
  for (const count of [10, 30, 100]) {
    const members = await startPlainNodes(count, `bm${run}_${count}_`, nodeA, COOKIE);
    const client = await AgentClient.connect(endA);
    const own: LoadSample[] = [];
    const seen = new Set<string>();
    client.onSample((sample) => (sample.node === nodeA ? own.push(sample) : seen.add(sample.node)));
    await client.subscribeLoad(1000);
    const names = members.map((m) => m.name);
    const memory = async () => {
      const rows = (await client.listProcesses({ filter: 'beam_observer', sortBy: 'memory', limit: 1000, refresh: 'explicit' })).rows;
      return rows.filter((r) => r.agent).reduce((sum, r) => sum + r.memory, 0);
    };
    const before = await memory();
    const started = Date.now();
    await client.subscribeCluster(names, 1000);
    while (seen.size < count) {
      if (Date.now() - started > 120_000) throw new Error(`only ${seen.size} of ${count} members sent figures in 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const toFigures = Date.now() - started;
    await new Promise((r) => setTimeout(r, 3000));
    const perMember = ((await memory()) - before) / count;
    // 5 s windows, with the members subscribed and without, three of each, interleaved.
    const cost = { on: [] as LoadSample[], off: [] as LoadSample[] };
    for (let round = 0; round < 3; round++) {
      for (const phase of ['on', 'off'] as const) {
        await client.subscribeCluster(phase === 'on' ? names : []);
        await new Promise((r) => setTimeout(r, 1500)); // let the change settle
        const from = own.length;
        await new Promise((r) => setTimeout(r, 5000));
        cost[phase].push(...own.slice(from));
      }
    }
    const share = (samples: LoadSample[]) => mean(samples.map((s) => s.agent.busyUs / (s.intervalMs * 1000)));
    const reds = (samples: LoadSample[]) => mean(samples.map((s) => (s.agent.reductions * 1000) / s.intervalMs));
    const cores = (samples: LoadSample[]) => mean(samples.map((s) => s.osCpu?.cores ?? 0));
    const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
    console.log(
      `| ${count} | ${(toFigures / 1000).toFixed(1)} s | ${pct(share(cost.on))} / ${pct(share(cost.off))} | ` +
        `${Math.round(reds(cost.on))} / ${Math.round(reds(cost.off))} | ${cores(cost.on).toFixed(3)} / ${cores(cost.off).toFixed(3)} | ` +
        `${Math.round(perMember)} B |`,
    );
    await client.subscribeCluster([]);
    client.dispose();
    await Promise.all(members.map((m) => m.stop()));
  }
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const a = `bench_a_${run}`;
  const b = `bench_b_${run}`;
  const nodeB = `${b}@${HOST}`;
  const endA = await startNode(a, { agent: true });
  if (process.argv.includes('--members')) {
    await manyMembers(a, endA, run);
    return;
  }
  const endB = await startNode(b, { agent: true, peer: `${a}@${HOST}` });
  const viaA = await AgentClient.connect(endA);
  const direct = await AgentClient.connect(endB);
  // What a request costs is measured here, not the budget for observing: B's at the most the agent allows,
  // and each measured request waits until B's budget allows a sweep (never answered from the last one).
  await direct.setBudget(0.5);
  const readyToSweep = async (client: AgentClient, node?: string) => {
    for (let i = 0; i < 600 && (await client.budget(node)).nextPeriodicInMs > 0; i++) await new Promise((r) => setTimeout(r, 50));
  };

  console.log(`BEAM Observer cluster benchmark: 2 named nodes, ${PROCESSES} extra processes each, OTP ${viaA.info.otpRelease}\n`);
  console.log('| processes/list of B (200 rows) | through A (erpc) | straight to B | ratio |');
  console.log('|---|---|---|---|');
  for (const sortBy of ['reductions', 'memory'] as SortKey[]) {
    // Warm both paths (the first sweep has no previous reductions).
    await viaA.listProcesses({ node: nodeB, sortBy });
    await direct.listProcesses({ sortBy });
    const through: number[] = [];
    const straight: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await readyToSweep(direct);
      through.push(await timed(() => viaA.listProcesses({ node: nodeB, sortBy })));
      await readyToSweep(direct);
      straight.push(await timed(() => direct.listProcesses({ sortBy })));
    }
    const [t, s] = [median(through), median(straight)];
    console.log(`| by ${sortBy} | ${ms(t)} | ${ms(s)} | ${(t / s).toFixed(2)}x |`);
  }

  // A node without the agent: the first request pushes it.
  const c = `bench_c_${run}`;
  await startNode(c, { agent: false, peer: `${a}@${HOST}` });
  const nodeC = `${c}@${HOST}`;
  const first = await timed(() => viaA.listProcesses({ node: nodeC, limit: 10 }));
  const next: number[] = [];
  await viaA.setBudget(0.5, nodeC);
  for (let i = 0; i < ROUNDS; i++) {
    await readyToSweep(viaA, nodeC);
    next.push(await timed(() => viaA.listProcesses({ node: nodeC, limit: 10 })));
  }
  console.log(
    `\nFirst request naming a node without the agent (the agent's modules pushed, started as a member): ${ms(first)}; ` +
      `the next ones: ${ms(median(next))} (median of ${ROUNDS})`,
  );

  // Attach to Node, each time into a fresh node.
  const attaches: number[] = [];
  for (let i = 0; i < 3; i++) {
    const name = `bench_fresh_${run}_${i}`;
    await startNode(name, { agent: false });
    let reply: Awaited<ReturnType<typeof attachThroughDistribution>> | undefined;
    attaches.push(
      await timed(async () => {
        reply = await attachThroughDistribution({ name }, COOKIE, { ebin: AGENT_EBIN });
      }),
    );
    if (!reply?.ok) throw new Error(`attach failed: ${JSON.stringify(reply)}`);
  }
  console.log(
    `Attach to Node into a fresh node (helper VM boot, epmd, handshake, push, start): median ${ms(median(attaches))} ` +
      `of ${attaches.map((v) => v.toFixed(0)).join(', ')} ms`,
  );

  // A relay to B: one more hop (helper -> B) on every request.
  const { reply, relay } = await relayThroughDistribution({ node: nodeB }, COOKIE, { ebin: AGENT_EBIN });
  if (!reply.ok || !relay) throw new Error(`relay failed: ${JSON.stringify(reply)}`);
  const viaRelay = await AgentClient.connect({ port: reply.port, token: reply.token });
  await viaRelay.listProcesses({ node: nodeB });
  const relayed: number[] = [];
  const straight: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await readyToSweep(direct);
    relayed.push(await timed(() => viaRelay.listProcesses({ node: nodeB })));
    await readyToSweep(direct);
    straight.push(await timed(() => direct.listProcesses({})));
  }
  console.log(
    `processes/list of B through a relay: ${ms(median(relayed))} vs straight ${ms(median(straight))} ` +
      `(${(median(relayed) / median(straight)).toFixed(2)}x)`,
  );
  viaRelay.dispose();
  relay.close();

  viaA.dispose();
  direct.dispose();
  await manyMembers(a, endA, run);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGKILL');
  });
