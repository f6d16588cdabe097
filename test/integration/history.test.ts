/**
 * The recorder (issue 14) against real nodes: a process that ran hot for 3 s
 * and exited is in the history with its name and initial call; the caps hold;
 * a reconnecting client gets the same history; another cluster member's
 * history with `node`; and the agent's own effect: an idle process reads 0
 * reductions however often it is listed or inspected.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { ErrorCodes, HistoryResult, RecordedMoment, RecordedProcess } from '../../extension/src/protocol/agentProtocol';
import { rejectsWithCode } from '../support/agentErrors';
import { AGENT_EBIN, FixtureNode, ROOT, nodeEnv, startFixture, stopNode, waitForOutput } from '../support/beamNode';
import { sleep } from '../support/wait';

const HISTORY_EBIN = join(ROOT, 'out', 'history-fixture-ebin');

function startHistoryFixture(extraArgs: string[] = []): Promise<FixtureNode> {
  mkdirSync(HISTORY_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', HISTORY_EBIN, join(ROOT, 'test', 'fixtures', 'history_fixture.erl')]);
  return startFixture('erl', ['-noshell', '-pa', AGENT_EBIN, '-pa', HISTORY_EBIN, ...extraArgs, '-eval', 'history_fixture:main()'], {});
}

/** Every recorded process of a moment's reductions list. */
function byReductions(moment: RecordedMoment): RecordedProcess[] {
  return moment.top.reductions.map((i) => moment.processes[i]);
}

async function momentsAfter(client: AgentClient, since: number, count: number, timeoutMs: number, node?: string): Promise<HistoryResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await client.history(node ? { since, node } : { since });
    if (history.moments.length >= count) return history;
    if (Date.now() > deadline) throw new Error(`only ${history.moments.length} moments since ${since} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

describe('the recorder (erl node)', () => {
  let node: FixtureNode;
  let client: AgentClient;

  before(async () => {
    node = await startHistoryFixture();
    client = await AgentClient.connect({ port: node.port, token: node.token });
  });

  after(async () => {
    client?.dispose();
    await node?.stop();
  });

  it('records from the start, with nobody asking: the first moments exist before any request', async () => {
    assert.ok(client.info.capabilities.includes('history'));
    const history = await momentsAfter(client, 0, 2, 10_000);
    assert.equal(history.node, client.info.node);
    assert.equal(history.topN, 20);
    assert.equal(history.windowS, 600);
    assert.ok(history.recordingSince <= history.moments[0].timestamp - history.moments[0].intervalMs + 50);
    for (const m of history.moments) {
      assert.equal(m.sample.node, client.info.node);
      assert.ok(m.intervalMs > 0 && m.plannedMs >= 1000, `interval ${m.intervalMs}, planned ${m.plannedMs}`);
      assert.ok(m.top.memory.length > 0, 'memory always ranks');
      assert.ok(m.processCount > 10 && m.scanned > 10);
    }
    assert.deepEqual(history.gaps, []);
    assert.ok(history.busyUs > 0, 'the recorder counts its busy time');
  });

  it('keeps a process that ran hot for 3 s and exited: its name, real initial call and what it ran', async () => {
    const started = Date.now();
    const { pid } = await node.command<{ pid: string }>('burst hist_burner 3000');
    await sleep(4500);
    assert.deepEqual(await node.command('alive hist_burner'), { alive: false }, 'the burner exited');
    await rejectsWithCode(client.processInfo(pid), ErrorCodes.ProcessNotFound);

    const history = await client.history({ since: started });
    const seen = history.moments.filter((m) => byReductions(m).some((p) => p.pid === pid));
    assert.ok(seen.length >= 2, `the burner is in ${seen.length} moments' reductions lists`);
    for (const moment of seen) {
      const burner = byReductions(moment).find((p) => p.pid === pid)!;
      assert.equal(byReductions(moment)[0].pid, pid, 'it leads by reductions');
      assert.equal(burner.name, 'hist_burner');
      assert.equal(burner.alive, false, 'marked as exited since');
      assert.deepEqual(
        burner.initialCall,
        { module: 'history_fixture', function: 'burn', arity: 1 },
        'the real initial call, not proc_lib',
      );
      assert.equal(burner.currentFunction?.module, 'history_fixture');
      assert.ok(burner.reductions > 1_000_000, `reductions over the interval: ${burner.reductions}`);
      // The load sample of the same moment shows the burn.
      assert.ok(moment.sample.utilisation.normalAvg > 0.2, `utilisation ${moment.sample.utilisation.normalAvg}`);
    }
  });

  it('an idle process reads 0 reductions however often it is listed and inspected (the agent takes out its own reads)', async () => {
    await node.command('idle 20');
    const spawned = Date.now();
    const list = () => client.listProcesses({ filter: 'idle_', limit: 100 });
    await list(); // the first sweep of these processes counts their totals
    await list();
    const info = await list();
    assert.equal(info.rows.length, 20);
    // Each list reads every row (a signal, one reduction each) and process/info reads one more:
    await client.processInfo(info.rows[0].pid);
    await client.processInfo(info.rows[1].pid);
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const result = await list();
      assert.equal(result.rows.length, 20);
      const nonZero = result.rows.filter((r) => r.reductions !== 0).map((r) => `${r.name} ${r.reductions}`);
      assert.deepEqual(nonZero, [], 'idle processes read 0 reductions');
      // Yet each was read: its total did grow by the agent's reads.
      const before = info.rows.find((r) => r.pid === info.rows[0].pid)!;
      const now = result.rows.find((r) => r.pid === before.pid)!;
      assert.ok(now.reductionsTotal > before.reductionsTotal, 'the reads did cost the process reductions');
    }
    // The recorder's moments, which read their rows too, show them at 0 as well
    // (those whose interval began after they were born: a process new in an
    // interval counts its total, its start-up).
    const history = await client.history({ since: spawned });
    const idleRecorded = history.moments
      .filter((m) => m.timestamp - m.intervalMs > spawned + 100)
      .flatMap((m) => m.processes)
      .filter((p) => String(p.name).startsWith('idle_'));
    assert.ok(
      idleRecorded.every((p) => p.reductions === 0),
      JSON.stringify(idleRecorded.filter((p) => p.reductions !== 0)),
    );
  });

  it('a client that reconnects, and a second client, get the same history', async () => {
    const first = await client.history();
    const until = first.moments.at(-1)!.timestamp;
    client.dispose();
    client = await AgentClient.connect({ port: node.port, token: node.token });
    const second = await AgentClient.connect({ port: node.port, token: node.token });
    try {
      const again = await client.history({ until });
      const other = await second.history({ until });
      // Moments older than the window may have gone meanwhile: compare what both still hold.
      const held = first.moments.filter((m) => m.timestamp >= again.moments[0].timestamp);
      assert.ok(held.length >= first.moments.length - 1);
      // The records are the same; `alive` is said when asked (the first client's connection has gone since).
      const records = (moments: RecordedMoment[]) =>
        moments.map((m) => ({ ...m, processes: m.processes.map((p) => ({ ...p, alive: undefined })) }));
      assert.deepEqual(records(again.moments), records(held));
      assert.deepEqual(records(other.moments), records(held));
      assert.ok(
        again.moments.flatMap((m) => m.processes).some((p) => p.agent && !p.alive),
        "the first client's connection process is recorded, and said to be gone",
      );
    } finally {
      second.dispose();
    }
  });

  it('the caps hold: top N, the byte cap (oldest dropped first), and out-of-range settings are refused', async () => {
    // Enough recorded that the smallest cap (64 KiB) must drop some.
    let before = await client.history();
    for (const deadline = Date.now() + 30_000; before.bytes <= 70_000 && Date.now() < deadline; await sleep(500)) {
      before = await client.history();
    }
    assert.ok(before.bytes > 70_000, `history of ${before.bytes} bytes`);
    const state = await client.configureHistory({ topN: 3, maxBytes: 65_536 });
    assert.equal(state.topN, 3);
    assert.equal(state.maxBytes, 65_536);
    assert.ok(state.bytes <= 65_536, `bytes ${state.bytes}`);
    const since = Date.now();
    await node.command('burst hist_capped 2500');
    const history = await momentsAfter(client, since + 1000, 3, 15_000);
    for (const m of history.moments) {
      assert.ok(m.top.reductions.length <= 3 && m.top.memory.length === 3 && m.top.messageQueueLen.length <= 3);
      assert.ok(m.processes.length <= 9);
    }
    const all = await client.history();
    assert.ok(all.bytes <= 65_536, `bytes ${all.bytes}`);
    assert.ok(all.oldest! > before.oldest!, 'the oldest moments were dropped to stay under the cap');

    await rejectsWithCode(client.configureHistory({ topN: 0 }), ErrorCodes.InvalidParams, /topN must be an integer from 1 to 100/);
    await rejectsWithCode(client.configureHistory({ windowS: 10 }), ErrorCodes.InvalidParams, /windowS must be an integer from 60 to 3600/);
    await rejectsWithCode(client.configureHistory({ maxBytes: 100 * 1024 * 1024 }), ErrorCodes.InvalidParams, /maxBytes/);
    await rejectsWithCode(client.configureHistory({ intervalMs: 10 }), ErrorCodes.InvalidParams, /intervalMs must be an integer from 1000/);
    await rejectsWithCode(client.configureHistory({}), ErrorCodes.InvalidParams, /at least one/);
    await rejectsWithCode(client.history({ since: 10, until: 5 }), ErrorCodes.InvalidParams, /since must not be after until/);
    await rejectsWithCode(client.history({ since: -1 }), ErrorCodes.InvalidParams, /since must be an integer/);
    const restored = await client.configureHistory({ topN: 20, maxBytes: 8 * 1024 * 1024 });
    assert.equal(restored.topN, 20);
  });
});

describe('the recorder of another cluster member', () => {
  const host = hostname().split('.')[0];
  const run = `${process.pid}`;
  const cookie = `history_test_${run}`;
  let a: FixtureNode;
  let client: AgentClient;
  let bName: string;
  let stopB: () => Promise<void>;

  before(async () => {
    a = await startHistoryFixture(['-sname', `hist_a_${run}`, '-setcookie', cookie]);
    bName = `hist_b_${run}@${host}`;
    const boot =
      `true = net_kernel:connect_node('hist_a_${run}@${host}'), io:format("ready~n"), ` +
      `(fun Loop() -> case io:get_line("") of eof -> halt(0); _ -> Loop() end end)().`;
    const child = spawn('erl', ['-noshell', '-sname', `hist_b_${run}`, '-setcookie', cookie, '-eval', boot], {
      env: nodeEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    await waitForOutput(child, /ready/, bName);
    stopB = () => stopNode(child, exited);
    client = await AgentClient.connect({ port: a.port, token: a.token });
  });

  after(async () => {
    client?.dispose();
    await stopB?.();
    await a?.stop();
  });

  it('history/get with node answers with that node’s own recorder, started when the agent loaded itself there', async () => {
    const loaded = Date.now();
    const empty = await client.history({ node: bName });
    assert.equal(empty.node, bName);
    assert.ok(empty.recordingSince >= loaded - 1000, 'its recorder started when the agent was loaded into it');
    const history = await momentsAfter(client, 0, 2, 10_000, bName);
    assert.equal(history.node, bName);
    for (const m of history.moments) assert.equal(m.sample.node, bName);
    // Not the agent's node's history.
    const own = await client.history();
    assert.notEqual(own.recordingSince, history.recordingSince);
    const configured = await client.configureHistory({ node: bName, topN: 5 });
    assert.equal(configured.node, bName);
    assert.equal(configured.topN, 5);
    assert.equal((await client.history()).topN, 20, 'the agent node keeps its own settings');
  });
});
