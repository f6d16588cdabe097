/**
 * The cluster: three real named `erl` nodes on localhost with one cookie.
 * Only node A runs the agent (the fixture); B and C have never heard of it.
 * Through A's agent the client observes all three: the agent loads itself
 * into B and C over Erlang distribution on first use.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { ErrorCodes, LoadSample, LoadStopped } from '../../extension/src/protocol/agentProtocol';
import { rejectsWithCode } from '../support/agentErrors';
import { FixtureNode, startErlangFixture } from '../support/beamNode';
import { HOST, PlainNode, startElixirNode as startElixirMember, startPlainNode as startPlainMember } from '../support/clusterNodes';
import { waitFor } from '../support/wait';

const RUN = `${process.pid}`;
const COOKIE = `cluster_test_${RUN}`;
const startPlainNode = (short: string, peer: string) => startPlainMember(short, peer, COOKIE);
const startElixirNode = (short: string, peer: string) => startElixirMember(short, peer, COOKIE);

describe('cluster over Erlang distribution (3 named erl nodes)', () => {
  const nameA = `cl_a_${RUN}`;
  let a: FixtureNode;
  let b: PlainNode;
  let c: PlainNode;
  let client: AgentClient;

  before(async () => {
    a = await startErlangFixture({ extraArgs: ['-sname', nameA, '-setcookie', COOKIE] });
    b = await startPlainNode(`cl_b_${RUN}`, `${nameA}@${HOST}`);
    c = await startPlainNode(`cl_c_${RUN}`, `${nameA}@${HOST}`);
    client = await AgentClient.connect({ port: a.port, token: a.token });
  });
  after(async () => {
    client?.dispose();
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it('cluster/nodes lists the agent node first, then the nodes it is connected to', async () => {
    const cluster = await client.clusterNodes();
    assert.equal(cluster.node, `${nameA}@${HOST}`);
    assert.equal(cluster.nodes[0].name, cluster.node);
    assert.deepEqual(
      cluster.nodes
        .filter((n) => !n.hidden)
        .map((n) => n.name)
        .sort(),
      [cluster.node, b.name, c.name].sort(),
    );
    assert.ok(client.info.capabilities.includes('cluster'));
  });

  it('serves another node: initialize, processes/list and process/info run there', async () => {
    const info = await client.nodeInfo(b.name);
    assert.equal(info.node, b.name);
    assert.notEqual(info.osPid, client.info.osPid);
    const list = await client.listProcesses({ node: b.name, sortBy: 'memory', limit: 500 });
    assert.equal(list.node, b.name);
    const codeServer = list.rows.find((r) => r.name === 'code_server');
    assert.ok(codeServer, 'code_server of B is listed');
    assert.match(codeServer.pid, /^<0\.\d+\.\d+>$/);
    // The agent loaded itself there: its ranking server runs in B, marked as the agent's.
    assert.ok(
      list.rows.some((r) => r.agent && r.name === 'beam_observer_ranking'),
      'agent server in B',
    );
    // The process erpc runs the request in (it sees itself in the sweep) is the agent's too.
    const erpcWorkers = list.rows.filter((r) => r.initialCall?.module === 'erpc');
    assert.ok(erpcWorkers.length > 0, "the request's own process in B is listed");
    assert.ok(
      erpcWorkers.every((r) => r.agent),
      JSON.stringify(erpcWorkers),
    );
    const details = await client.processInfo(codeServer.pid, b.name);
    assert.equal(details.node, b.name);
    assert.equal(details.name, 'code_server');
  });

  it('process/state of a gen_server in another node', async () => {
    const list = await client.listProcesses({ node: c.name, filter: 'file_server_2', limit: 5 });
    const fileServer = list.rows.find((r) => r.name === 'file_server_2');
    assert.ok(fileServer);
    const state = await client.processState(fileServer.pid, 5000, c.name);
    assert.equal(state.node, c.name);
    assert.equal(state.behaviour, 'gen_server');
    assert.ok(state.text.length > 0);
  });

  it('an Elixir node of the cluster formats state in Elixir, in that node', async () => {
    const ex = await startElixirNode(`cl_ex_${RUN}`, `${nameA}@${HOST}`);
    try {
      const list = await client.listProcesses({ node: ex.name, filter: 'cl_cart', limit: 5 });
      const cart = list.rows.find((r) => r.name === 'cl_cart');
      assert.ok(cart, 'the Agent is listed');
      const state = await client.processState(cart.pid, 5000, ex.name);
      assert.equal(state.language, 'elixir');
      assert.match(state.text, /%\{cart: \[:apple, :pear\], total: 42\}/);
      assert.equal((await client.nodeInfo(ex.name)).language, 'elixir');
    } finally {
      await ex.stop();
    }
  });

  it("a pid printed by A for a process of B resolves to that process (the first number is A's view)", async () => {
    const printed = (await a.command<{ pid: string }>(`remote_pid ${b.name} code_server`)).pid;
    const [first] = printed.slice(1).split('.');
    assert.notEqual(first, '0', `A prints B's pids with B's number in A: ${printed}`);
    const resolved = await client.resolvePid(printed);
    assert.equal(resolved.node, b.name);
    assert.equal(resolved.printedBy, client.info.node);
    assert.equal(resolved.pid, `<0.${printed.split('.').slice(1).join('.')}`);
    // Asked directly, the printed pid is answered by its own node.
    const details = await client.processInfo(printed);
    assert.equal(details.node, b.name);
    assert.equal(details.name, 'code_server');
    assert.equal(details.pid, resolved.pid);
  });

  it('refuses a pid number that A is connected to no node with, and unknown nodes', async () => {
    await rejectsWithCode(client.processInfo('<424242.1.0>'), ErrorCodes.OtherNodePid, /connected to no node with that number/);
    await rejectsWithCode(
      client.listProcesses({ node: `nobody@${HOST}` }),
      ErrorCodes.NodeNotConnected,
      new RegExp(`nobody@${HOST} is not connected to ${nameA}@${HOST} \\(it is connected to `),
    );
  });

  it('streams load samples of several nodes on one connection, each labelled', async () => {
    const seen = new Map<string, LoadSample>();
    const sub = client.onSample((s) => seen.set(s.node, s));
    try {
      assert.deepEqual(await client.subscribeLoad(300), { intervalMs: 300, node: client.info.node });
      assert.deepEqual(await client.subscribeLoad(300, b.name), { intervalMs: 300, node: b.name });
      await waitFor(() => seen.has(client.info.node) && seen.has(b.name), 5000);
      assert.ok(seen.get(b.name)!.processes.count > 10);
    } finally {
      await client.unsubscribeLoad();
      sub.dispose();
    }
  });

  it('a node leaving the cluster: its subscription stops with nodeDown, requests name it as gone', async () => {
    const stopped: LoadStopped[] = [];
    const sub = client.onLoadStopped((s) => stopped.push(s));
    try {
      await client.subscribeLoad(300, c.name);
      await c.stop();
      await waitFor(() => stopped.length > 0, 5000);
      assert.deepEqual(stopped[0], { node: c.name, reason: 'nodeDown', code: ErrorCodes.NodeNotConnected });
      const cluster = await client.clusterNodes();
      assert.ok(!cluster.nodes.some((n) => n.name === c.name), 'C is no longer listed');
      await rejectsWithCode(client.listProcesses({ node: c.name }), ErrorCodes.NodeNotConnected, /is not connected/);
      // The rest of the cluster is still served.
      assert.equal((await client.listProcesses({ node: b.name, limit: 1 })).node, b.name);
    } finally {
      sub.dispose();
    }
  });
});
