/**
 * Every method of the agent protocol, and every error path, against the
 * real agent in a real `erl` node (test/fixtures/observer_fixture.erl).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { ErrorCodes, LoadSample, ProcessRow } from '../../extension/src/protocol/agentProtocol';
import { rejectsWithCode } from '../support/agentErrors';
import { FixtureNode, startErlangFixture } from '../support/beamNode';
import { sleep, waitFor } from '../support/wait';

// Announced by the rest of the node's methods (test/integration/nodeMethods.test.ts checks them).
const NODE_CAPABILITIES: string[] = [
  'system/info',
  'applications/list',
  'supervisor/children',
  'ets',
  'ports/list',
  'process/gc',
  'process/kill',
];

describe('agent protocol (erl node)', () => {
  let node: FixtureNode;
  let client: AgentClient;

  before(async () => {
    node = await startErlangFixture();
    client = await AgentClient.connect({ port: node.port, token: node.token });
  });
  after(async () => {
    client?.dispose();
    await node?.stop();
  });

  it('initialize describes the node', () => {
    const info = client.info;
    assert.equal(info.node, 'nonode@nohost');
    assert.match(info.otpRelease, /^\d+$/);
    assert.ok(Number(info.otpRelease) >= 25);
    assert.equal(info.elixirVersion, null);
    assert.equal(info.language, 'erlang');
    assert.equal(info.osPid, node.osPid);
    assert.ok(info.schedulers.total >= 1 && info.schedulers.online <= info.schedulers.total);
    assert.ok(info.schedulers.dirtyCpu >= 1);
    assert.ok(info.processLimit > 1000);
    assert.equal(info.wordSize, 8);
    assert.deepEqual(info.capabilities.filter((c) => !NODE_CAPABILITIES.includes(c)).sort(), [
      'budget',
      'calls',
      'cluster',
      'cluster/subscribe',
      'history',
      'load',
      'process/info',
      'process/messages',
      'process/state',
      'processes/list',
      'trace',
    ]);
    assert.equal(info.limits.maxFrameBytes, 1024 * 1024);
  });

  it("a connection's samplers end with it", async () => {
    // Alive agent processes, and registry entries (a dead one left there would be a leak).
    const count = async () => {
      const { count: alive, registered } = await node.command<{ count: number; registered: number }>('agent_pids');
      return Math.max(alive, registered);
    };
    const before = await count();
    const other = await AgentClient.connect({ port: node.port, token: node.token });
    await other.subscribeLoad(200);
    const during = await count();
    assert.ok(during >= before + 1, `a sampler while subscribed (${before} -> ${during})`);
    other.dispose();
    let after = during;
    for (let i = 0; i < 50 && after > before; i++) {
      await sleep(100);
      after = await count();
    }
    assert.equal(after, before, 'the sampler ended with its connection');
  });

  it('load/subscribe streams samples with run queues averaged over several readings', async () => {
    const samples: LoadSample[] = [];
    const sub = client.onSample((s) => samples.push(s));
    assert.deepEqual(await client.subscribeLoad(300), { intervalMs: 300, node: 'nonode@nohost' });
    await waitFor(() => samples.length >= 3, 5000);
    await client.unsubscribeLoad();
    const count = samples.length;
    await sleep(700);
    sub.dispose();
    assert.ok(samples.length <= count + 1, 'samples stop after unsubscribe');

    const s = samples[samples.length - 1];
    assert.ok(Math.abs(s.intervalMs - 300) < 150, `interval ${s.intervalMs}`);
    assert.equal(s.utilisation.normal.length, s.schedulers.total);
    assert.equal(s.utilisation.dirtyCpu.length, s.schedulers.dirtyCpu);
    for (const u of [...s.utilisation.normal, ...s.utilisation.dirtyCpu]) assert.ok(u >= 0 && u <= 1);
    // The fixture's busy process keeps a scheduler partly busy.
    assert.ok(
      samples.some((x) => x.utilisation.normalAvg > 0),
      'some utilisation measured',
    );
    assert.equal(s.runQueue.normal.avg.length, s.schedulers.total);
    assert.ok(s.runQueue.readings >= 2, `readings ${s.runQueue.readings}`);
    assert.ok(s.memory.total > s.memory.processes && s.memory.processes > 0);
    assert.ok(s.memory.binary > 0 && s.memory.code > 0 && s.memory.ets > 0);
    assert.ok(s.processes.count >= 10 && s.processes.limit > s.processes.count);
    assert.ok(s.atoms.count > 1000 && s.ports.count >= 1);
    assert.ok(s.reductions > 0);
    assert.ok(s.garbageCollections.count >= 0);
    assert.ok(s.osCpu !== null && s.osCpu.cores >= 0 && s.osCpu.logicalCpus >= 1);
    assert.ok(s.agent.reductions > 0, 'the agent reports its own reductions');
    assert.ok(s.agent.busyUs >= 0);
  });

  it('load/subscribe rejects an interval out of range', async () => {
    await rejectsWithCode(client.subscribeLoad(5), ErrorCodes.InvalidParams, /intervalMs must be an integer from 100 to 60000/);
  });

  it('processes/list ranks by reductions over the window', async () => {
    await client.listProcesses({ sortBy: 'reductions', limit: 5 });
    await sleep(300);
    const result = await client.listProcesses({ sortBy: 'reductions', limit: 5 });
    assert.equal(result.rows.length, 5);
    assert.equal(result.sortBy, 'reductions');
    assert.ok(result.windowMs !== null && result.windowMs >= 250, `window ${result.windowMs}`);
    assert.ok(result.scanned >= 20 && result.total >= result.rows.length);
    assert.ok(result.sweepMs >= 0);
    assertSorted(result.rows, (r) => r.reductions);
    const busy = result.rows.find((r) => r.pid === node.pids.busy);
    assert.ok(busy, 'the busy process is among the top 5 by reductions');
    assert.equal(busy.name, 'fixture_busy');
    assert.ok(busy.reductions < busy.reductionsTotal, 'window reductions are a delta');
  });

  it('processes/list ranks by memory and by message queue', async () => {
    const byMemory = await client.listProcesses({ sortBy: 'memory', limit: 3 });
    assertSorted(byMemory.rows, (r) => r.memory);
    assert.equal(byMemory.rows[0].pid, node.pids.big_state, 'the 10 MB state is the largest process');
    assert.ok(byMemory.rows[0].memory > 5_000_000);

    const byQueue = await client.listProcesses({ sortBy: 'messageQueueLen', limit: 2 });
    assert.equal(byQueue.rows[0].pid, node.pids.huge_mailbox);
    assert.equal(byQueue.rows[0].messageQueueLen, 20000);
    assert.equal(byQueue.rows[1].pid, node.pids.small_mailbox);
    assert.equal(byQueue.rows[1].messageQueueLen, 5);
  });

  it('processes/list resolves proc_lib initial calls and filters by name, initial call and pid', async () => {
    const byName = await client.listProcesses({ filter: 'FIXTURE_COUNTER', limit: 10 });
    assert.equal(byName.rows.length, 1);
    const row = byName.rows[0];
    assert.equal(row.pid, node.pids.counter);
    assert.deepEqual(row.initialCall, { module: 'observer_fixture', function: 'init', arity: 1 });
    assert.deepEqual(row.currentFunction, { module: 'gen_server', function: 'loop', arity: 7 });
    assert.equal(row.status, 'waiting');
    assert.equal(row.agent, false);

    const byInitialCall = await client.listProcesses({ filter: 'observer_fixture:init', limit: 50 });
    const pids = byInitialCall.rows.map((r) => r.pid).sort();
    assert.deepEqual(pids, [node.pids.big_state, node.pids.counter, node.pids.stuck].sort());

    const byPid = await client.listProcesses({ filter: node.pids.plain, limit: 50 });
    assert.deepEqual(
      byPid.rows.map((r) => r.pid),
      [node.pids.plain],
    );

    const agentRows = await client.listProcesses({ filter: 'beam_observer', limit: 50 });
    assert.ok(agentRows.rows.length >= 3);
    assert.ok(
      agentRows.rows.every((r) => r.agent),
      'agent processes are marked',
    );
  });

  it('processes/list validates its parameters', async () => {
    await rejectsWithCode(client.listProcesses({ sortBy: 'cpu' as never }), ErrorCodes.InvalidParams, /sortBy/);
    await rejectsWithCode(client.listProcesses({ limit: 0 }), ErrorCodes.InvalidParams, /limit must be an integer from 1 to 1000/);
    await rejectsWithCode(client.listProcesses({ limit: 1001 }), ErrorCodes.InvalidParams, /limit/);
    await rejectsWithCode(client.listProcesses({ limit: '5' as never }), ErrorCodes.InvalidParams, /limit/);
    await rejectsWithCode(client.listProcesses({ filter: 42 as never }), ErrorCodes.InvalidParams, /filter/);
  });

  it('process/info gives safe details and never the mailbox', async () => {
    const info = await client.processInfo(node.pids.counter);
    assert.equal(info.pid, node.pids.counter);
    assert.equal(info.name, 'fixture_counter');
    assert.equal(info.status, 'waiting');
    assert.deepEqual(info.initialCall, { module: 'observer_fixture', function: 'init', arity: 1 });
    assert.equal(info.otp.behaviour, 'gen_server');
    assert.equal(info.otp.isOtp, true);
    assert.ok(info.stacktrace.length >= 1);
    assert.equal(info.stacktrace[0].module, 'gen_server');
    assert.match(info.stacktrace[0].file ?? '', /gen_server\.erl$/);
    assert.ok((info.stacktrace[0].line ?? 0) > 0);
    assert.match(info.stacktrace[0].source ?? '', /^\/.*\/gen_server\.erl$/, 'absolute source path');
    assert.ok(info.memory > 0 && info.heapSize > 0 && info.totalHeapSize >= info.heapSize);
    assert.ok(
      info.dictionary.some((e) => e.key === "'$initial_call'"),
      'dictionary is formatted',
    );
    assert.ok(!('messages' in info));
    assert.match(info.groupLeader, /^<\d+\.\d+\.\d+>$/);

    const plain = await client.processInfo(node.pids.plain);
    assert.equal(plain.otp.behaviour, null);
    assert.equal(plain.otp.isOtp, false);
  });

  it('process/info errors: dead pid, other node, malformed pid', async () => {
    await rejectsWithCode(client.processInfo('<0.9999.0>'), ErrorCodes.ProcessNotFound, /<0\.9999\.0> is not alive/);
    await rejectsWithCode(client.processInfo('<5.123.0>'), ErrorCodes.OtherNodePid, /belongs to another node/);
    await rejectsWithCode(client.processInfo('#PID<5.123.0>'), ErrorCodes.OtherNodePid);
    // OTP maps some non-zero numbers to the node itself (<3.Y.Z> here); no text it printed reads so.
    await rejectsWithCode(client.processInfo('<3.1.0>'), ErrorCodes.OtherNodePid, /connected to no node with that number/);
    await rejectsWithCode(client.processInfo('not_a_pid'), ErrorCodes.InvalidParams, /not a pid/);
    await rejectsWithCode(client.processInfo(42 as never), ErrorCodes.InvalidParams, /pid must be a string/);
    // The Elixir form resolves too.
    const elixirForm = await client.processInfo(`#PID${node.pids.counter}`);
    assert.equal(elixirForm.pid, node.pids.counter);
  });

  it('process/state formats the state of a gen_server', async () => {
    await node.command('bump');
    const state = await client.processState(node.pids.counter);
    assert.equal(state.language, 'erlang');
    assert.equal(state.behaviour, 'gen_server');
    assert.match(state.text, /count => 1/);
    assert.match(state.text, /secret => <<"hunter2">>/);
    assert.equal(state.truncated, false);
    assert.equal(state.bytes, Buffer.byteLength(state.text));
  });

  it("process/state of a gen_event (OTP's erl_signal_server) answers", async () => {
    const { rows } = await client.listProcesses({ filter: 'erl_signal_server', limit: 1 });
    const state = await client.processState(rows[0].pid);
    assert.equal(state.behaviour, 'gen_event');
    assert.ok(state.bytes > 0);
  });

  it('process/state of a 10 MB state is fast and bounded', async () => {
    const started = Date.now();
    const state = await client.processState(node.pids.big_state);
    const elapsed = Date.now() - started;
    assert.ok(state.bytes <= client.info.limits.maxStateBytes, `${state.bytes} bytes`);
    assert.equal(state.truncated, true);
    assert.match(state.text, /\{row,1,<<"payload">>\}/);
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    // The state was not copied out: the server still holds it, unchanged.
    const again = await client.processState(node.pids.big_state);
    assert.equal(again.text, state.text);
  });

  it('process/state errors: not OTP, timeout, dead, agent process', async () => {
    await rejectsWithCode(client.processState(node.pids.plain), ErrorCodes.NotOtpProcess, /not an OTP process/);
    const before = await client.processInfo(node.pids.plain);
    assert.equal(before.messageQueueLen, 0, 'no system message was left in a plain process mailbox');

    const started = Date.now();
    await rejectsWithCode(client.processState(node.pids.stuck, 500), ErrorCodes.Timeout, /did not answer within 500 ms/);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 450 && elapsed < 2000, `timed out after ${elapsed} ms`);

    // Nothing leaks: after more timeouts the agent runs no more processes than before, and the
    // process that never answers holds one small system message per attempt (sys's own cost).
    const agentProcesses = async () => (await node.command<{ count: number }>('agent_pids')).count;
    const baseline = await agentProcesses();
    const queued = (await client.processInfo(node.pids.stuck)).messageQueueLen;
    for (let i = 0; i < 5; i++) {
      await rejectsWithCode(client.processState(node.pids.stuck, 100), ErrorCodes.Timeout, /did not answer within 100 ms/);
    }
    assert.equal(await agentProcesses(), baseline, 'no agent process left behind');
    const stuck = await client.processInfo(node.pids.stuck);
    assert.equal(stuck.messageQueueLen, queued + 5);
    assert.ok(stuck.memory < 64 * 1024, `the stuck process stays small: ${stuck.memory} bytes`);

    await rejectsWithCode(client.processState('<0.9999.0>'), ErrorCodes.ProcessNotFound);
    const agentProcs = await client.listProcesses({ filter: 'beam_observer_ranking', limit: 1 });
    await rejectsWithCode(client.processState(agentProcs.rows[0].pid), ErrorCodes.AgentProcess, /belongs to BEAM Observer/);
    await rejectsWithCode(client.processState(node.pids.counter, 0), ErrorCodes.InvalidParams, /timeoutMs/);
  });

  it('process/messages peeks a short mailbox and refuses a long one', async () => {
    const peek = await client.processMessages(node.pids.small_mailbox, 3);
    assert.equal(peek.total, 5);
    assert.deepEqual(
      peek.messages.map((m) => m.text),
      ['{hello,1}', '{hello,2}', '{hello,3}'],
    );

    await rejectsWithCode(
      client.processMessages(node.pids.huge_mailbox),
      ErrorCodes.MailboxTooLarge,
      /has 20000 queued messages; peeking is refused above 10000/,
    );
    await rejectsWithCode(client.processMessages(node.pids.small_mailbox, 101), ErrorCodes.InvalidParams, /limit/);
    const alive = await node.command<Record<string, boolean>>('alive');
    assert.ok(Object.values(alive).every(Boolean), 'no fixture process died');
  });
});

function assertSorted(rows: ProcessRow[], key: (r: ProcessRow) => number) {
  for (let i = 1; i < rows.length; i++) {
    assert.ok(key(rows[i - 1]) >= key(rows[i]), `rows not sorted at ${i}`);
  }
}
