/**
 * A cluster of 30 nodes observed through one agent, as the cluster overview
 * observes it: the registry (the extension's real one, in plain Node) wants
 * every member's load at once while the process tree and clicks send their
 * own requests on the same connection. Before, each member took a request of
 * its own and nine of them came back "too many requests in flight", and
 * stayed in error. Now: no request fails for the agent's limits, every member
 * delivers samples, in one notification per interval.
 */
import '../support/vscodeEvents';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { NodeRegistry, ObservedNode } from '../../extension/src/nodes/nodeRegistry';
import { ErrorCodes } from '../../extension/src/protocol/agentProtocol';
import { FixtureNode, startErlangFixture } from '../support/beamNode';
import { HOST, PlainNode, startPlainNodes } from '../support/clusterNodes';
import { waitFor } from '../support/wait';
import { agentErrorCode } from '../../extension/src/agent/agentClient';

const MEMBERS = 30;
const RUN = `${process.pid}`;
const COOKIE = `large_cluster_${RUN}`;

describe(`a cluster of ${MEMBERS + 1} nodes through one agent`, () => {
  const agentName = `lc_a_${RUN}`;
  let a: FixtureNode;
  let members: PlainNode[] = [];
  let registry: NodeRegistry;
  let node: ObservedNode;
  const log: string[] = [];

  before(async () => {
    a = await startErlangFixture({ extraArgs: ['-sname', agentName, '-setcookie', COOKIE] });
    members = await startPlainNodes(MEMBERS, `lc_m${RUN}_`, `${agentName}@${HOST}`, COOKIE);
    registry = new NodeRegistry({ sampleIntervalMs: () => 1000, log: (m) => log.push(m) });
    node = await registry.attach({ port: a.port, token: a.token }, 'manual');
    assert.equal(node.state, 'connected');
  });
  after(async () => {
    registry?.dispose();
    await Promise.all([a?.stop(), ...members.map((m) => m.stop())]);
  });

  it("every member delivers samples, and nothing fails for the agent's limits meanwhile", async () => {
    await waitFor(() => node.members.size === MEMBERS, 10_000, `${MEMBERS} members listed`);
    const watch = registry.watchCluster(); // what the open cluster overview does
    const client = node.client!;
    // Meanwhile, a user: the tree's refreshes and clicks on processes, far more than 8 at once.
    const { pids } = a;
    const burst = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? client.listProcesses({ sortBy: 'reductions', limit: 50 }) : client.processInfo(pids.counter),
    );
    const answers = await Promise.allSettled(burst);
    const refused = answers.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    assert.deepEqual(
      refused.map((e) => `${agentErrorCode(e)}: ${(e as Error).message}`),
      [],
      'no request failed',
    );

    await waitFor(() => [...node.members.values()].every((m) => m.history.size >= 2), 30_000, 'two samples from every member');
    const states = [...node.members.values()].map((m) => m.state);
    assert.deepEqual([...new Set(states)], ['up'], `members: ${JSON.stringify(states)}`);
    assert.ok(![...node.members.values()].some((m) => m.error), 'no member says an error');
    watch.dispose();
  });

  it('samples of the members arrive batched, one notification per interval', async () => {
    const client = await AgentClient.connect({ port: a.port, token: a.token });
    try {
      const batches: number[] = [];
      // The raw notification, to count batches (the client spreads them into samples).
      (
        client as unknown as { connection: { onNotification(m: string, h: (p: { samples: unknown[] }) => void): void } }
      ).connection.onNotification('load/samples', (p) => batches.push(p.samples.length));
      const names = members.slice(0, 10).map((m) => m.name);
      const result = await client.subscribeCluster(names, 500);
      assert.deepEqual(result.nodes.sort(), [...names].sort());
      assert.deepEqual(result.refused, []);
      await waitFor(() => batches.filter((n) => n === 10).length >= 3, 15_000, 'three batches of 10 samples');
      // No more than one batch per interval (500 ms) while they came: about the time elapsed over the interval.
      assert.ok(
        batches.every((n) => n <= 10),
        JSON.stringify(batches),
      );
      const unsubscribed = await client.subscribeCluster([]);
      assert.deepEqual(unsubscribed.nodes, []);
    } finally {
      client.dispose();
    }
  });

  it("a name that is no member is refused with why; the agent's own node too", async () => {
    const client = await AgentClient.connect({ port: a.port, token: a.token });
    try {
      const result = await client.subscribeCluster([`nobody_${RUN}@${HOST}`, `${agentName}@${HOST}`, members[0].name]);
      assert.deepEqual(result.nodes, [members[0].name]);
      const byNode = new Map(result.refused.map((r) => [r.node, r]));
      assert.equal(byNode.get(`nobody_${RUN}@${HOST}`)?.code, ErrorCodes.NodeNotConnected);
      assert.match(byNode.get(`${agentName}@${HOST}`)?.message ?? '', /agent's own node/);
      await assert.rejects(
        client.subscribeCluster(Array.from({ length: 300 }, (_, i) => `n${i}@h`)),
        (e: Error) => agentErrorCode(e) === ErrorCodes.InvalidParams && /at most 256/.test(e.message),
      );
    } finally {
      client.dispose();
    }
  });

  it('two members that leave show as gone; the others keep delivering', async () => {
    const watch = registry.watchCluster();
    await waitFor(() => [...node.members.values()].every((m) => m.state === 'up'), 20_000, 'all up');
    const [x, y] = members.splice(0, 2);
    x.child.kill('SIGKILL');
    y.child.kill('SIGKILL');
    await waitFor(() => node.members.get(x.name)?.state === 'gone' && node.members.get(y.name)?.state === 'gone', 15_000, 'both gone');
    const sizes = new Map(members.map((m) => [m.name, node.members.get(m.name)!.history.size]));
    await waitFor(
      () => members.every((m) => node.members.get(m.name)!.history.size >= sizes.get(m.name)! + 2),
      10_000,
      'the others keep delivering',
    );
    watch.dispose();
  });
});
