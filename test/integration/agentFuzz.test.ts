/**
 * Abuse: a seeded fuzzer against the real agent in a real `erl` node
 * (test/fixtures/observer_fixture.erl), aimed only at 127.0.0.1, bounded in
 * count (the numbers in MAIN_COUNTS, more than 10,000 malformed inputs) and
 * in time (FUZZ_BUDGET_MS, and a short timeout per input).
 *
 * Every input is generated from its own PRNG (mulberry32), seeded from the
 * run's seed, its category and its index, so the inputs do not depend on
 * timing and a failure names the seed that replays them (the interleaving
 * of the lanes below is up to the scheduler):
 * BEAM_OBSERVER_FUZZ_SEED=<seed> node --test out/test/integration/agentFuzz.test.js
 *
 * The oracle is a model of the protocol in docs/protocol.md, written here
 * from the documentation: for every input it predicts what the agent must
 * answer (an HTTP status from the refusal table, a close frame with a
 * documented code, a JSON-RPC reply with a documented code, a result for a
 * valid but odd request, or nothing for a notification), and the test
 * checks that, and that the answer comes within a short time: a hang is a
 * failure that prints the input in hex. Where the documentation leaves a
 * choice (which of two bad parameters is reported first), the model accepts
 * each of the documented outcomes.
 *
 * Lanes run side by side, each within the agent's limits:
 *  - JSON level (invalid JSON, invalid JSON-RPC, unknown methods, wrong
 *    parameter types, pids, atom-like strings) on JSON_CONNECTIONS
 *    authenticated connections kept open, one input at a time per
 *    connection, paced under the per-connection rate limit (a -32007 still
 *    counts as a documented outcome);
 *  - frames and oversized messages, each on a new connection (the agent
 *    closes it), sharing the remaining client slots with the handshakes
 *    expected to succeed;
 *  - malformed handshakes, each on a new connection, plus a few slowloris
 *    heads that must get 408.
 * The node logs to stderr, and an error or crash report logged during a
 * round (an agent process that died) is a failure too.
 *
 * A warm-up round (the same lanes, another seed, fewer inputs) and a call of
 * every method first load whatever modules the agent loads on demand, so
 * that the atom count measured after it is a baseline the main round must
 * not move. Afterwards a legitimate client must still be served, the atom
 * count must not have moved, the agent's memory must be back near its
 * baseline and every process of the fixture must be alive.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { SORT_KEYS } from '../../extension/src/protocol/agentProtocol';
import { FixtureNode, startErlangFixture } from '../support/beamNode';
import { agentMemory, assertNodeUnharmed, atomCount } from '../support/nodeHealth';
import { sleep } from '../support/wait';
import { CATEGORIES, Category, MAIN_COUNTS, MIN_TOTAL_INPUTS, SLOWLORIS_INPUTS, WARMUP_DIVISOR } from '../support/fuzz/budget';
import { fuzzSeed, mix } from '../support/fuzz/random';
import { Stats } from '../support/fuzz/round';
import { runRound } from '../support/fuzz/runner';

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

/** Every method once through the extension's own client (its error paths too). */
async function callEveryMethod(node: FixtureNode): Promise<void> {
  const client = await AgentClient.connect({ port: node.port, token: node.token });
  try {
    // The fuzz is about malformed input, not the budget for observing: the most the agent allows, so that
    // its valid lists are swept (the oracle still allows -32060 for a periodic one in debt).
    await client.setBudget(0.5);
    const samples: unknown[] = [];
    const subscription = client.onSample((s) => samples.push(s));
    await client.subscribeLoad(100);
    const until = Date.now() + 3000;
    while (samples.length === 0 && Date.now() < until) await sleep(20);
    await client.unsubscribeLoad();
    subscription.dispose();
    for (const sortBy of SORT_KEYS) await client.listProcesses({ sortBy, limit: 3, filter: 'fixture' });
    await client.processInfo(node.pids.counter);
    await client.processState(node.pids.counter);
    await client.processMessages(node.pids.small_mailbox, 1);
    const failing: (() => Promise<unknown>)[] = [
      () => client.processState(node.pids.stuck, 50),
      () => client.processState(node.pids.plain),
      () => client.processMessages(node.pids.huge_mailbox),
      () => client.processInfo('<5.1.0>'),
      () => client.processInfo('not a pid'),
      () => client.processInfo('<0.32767.8191>'),
      () => client.listProcesses({ limit: 0 }),
    ];
    for (const call of failing) {
      await call().then(
        () => undefined,
        () => undefined,
      );
    }
  } finally {
    client.dispose();
  }
}

describe('agent fuzzing (erl node)', () => {
  const seed = fuzzSeed();
  let node: FixtureNode;
  let warmup: { stats: Stats; elapsedMs: number };
  let atomsBaseline: number;
  let memoryBaseline: number;

  before(async () => {
    console.log(`agent fuzz: seed ${seed} (replay with BEAM_OBSERVER_FUZZ_SEED=${seed})`);
    // Logger reports go to stderr: stdout is the fixture's command channel, and a crash report there would garble it.
    node = await startErlangFixture({
      extraArgs: ['-kernel', 'logger', '[{handler,default,logger_std_h,#{config => #{type => standard_error}}}]'],
    });
    await callEveryMethod(node);
    const warmupCounts = Object.fromEntries(CATEGORIES.map((c) => [c, Math.max(4, Math.ceil(MAIN_COUNTS[c] / WARMUP_DIVISOR))])) as Record<
      Category,
      number
    >;
    warmup = await runRound(node, 'warm-up', mix(seed, 0xa11ce), warmupCounts, true, 0);
    console.log(warmup.stats.summary(warmup.elapsedMs));
    // The fixture's own commands load code the first time too.
    await node.command('alive');
    await atomCount(node);
    await agentMemory(node);
    await sleep(300);
    atomsBaseline = await atomCount(node);
    memoryBaseline = await agentMemory(node);
  });

  after(async () => {
    await node?.stop();
  });

  it(
    `answers at least ${MIN_TOTAL_INPUTS} malformed inputs with documented outcomes only, none hanging or crashing`,
    { timeout: 120_000 },
    async () => {
      const main = await runRound(node, 'main', seed, { ...MAIN_COUNTS }, false, SLOWLORIS_INPUTS);
      console.log(main.stats.summary(main.elapsedMs));
      const failed = warmup.stats.failureCount + main.stats.failureCount;
      assert.equal(
        failed,
        0,
        `${failed} failure(s), replay with BEAM_OBSERVER_FUZZ_SEED=${seed}` +
          `${main.stats.stopped ? ' (stopped early)' : ''}:\n${[warmup.stats.report(), main.stats.report()].filter(Boolean).join('\n')}`,
      );
      assert.ok(main.stats.total() >= MIN_TOTAL_INPUTS, `only ${main.stats.total()} inputs were sent`);
    },
  );

  it('afterwards: a legitimate client is served, no atom was created, memory is back, no user process died', async () => {
    const client = await AgentClient.connect({ port: node.port, token: node.token });
    try {
      assert.equal(client.info.node, 'nonode@nohost');
      const list = await client.listProcesses({ limit: 5 });
      assert.ok(list.rows.length > 0, 'processes/list returned rows');
    } finally {
      client.dispose();
    }

    // Connections and workers are gone; long-lived agent processes may need a moment to collect.
    await assertNodeUnharmed(node, {
      atomsBaseline,
      atomsMessage: `the fuzzing created atoms (seed ${seed})`,
      memoryBaseline,
      settleMs: 5000,
      pollMs: 250,
      note: ` (seed ${seed})`,
    });
  });
});
