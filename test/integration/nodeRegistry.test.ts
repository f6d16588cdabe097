/**
 * NodeRegistry's connection life against a real agent: overlapping attempts.
 * Found in CI: the agent killed in a node attached over distribution, a retry
 * of its old port under way when Load Agent Again brought the new one, and
 * attach() answered "connecting" at once; the extension reported "connecting
 * to it failed" for an agent it connected to a moment later.
 */
import '../support/vscodeEvents';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { NodeRegistry } from '../../extension/src/nodes/nodeRegistry';
import type { DiscoveryFile } from '../../extension/src/protocol/agentProtocol';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { startErlangFixture } from '../support/beamNode';
import { waitFor } from '../support/wait';

const discovery = (osPid: number, port: number, token: string): DiscoveryFile =>
  ({ osPid, port, token, node: 'nonode@nohost' }) as DiscoveryFile;

describe('node registry', () => {
  it('a new endpoint given while a retry of the old one is under way: connected to the new one, one connection', async () => {
    const node = await startErlangFixture();
    const silent: Socket[] = [];
    const server = createServer((socket) => silent.push(socket)); // accepts, never answers
    const log: string[] = [];
    const registry = new NodeRegistry({ sampleIntervalMs: () => 1000, log: (m) => log.push(m) });
    try {
      // The agent's own processes with one client subscribed to the load: what a settled registry holds.
      const probe = await AgentClient.connect({ port: node.port, token: node.token });
      await probe.subscribeLoad(1000);
      const oneClient = (await node.command<{ count: number }>('agent_pids')).count;
      probe.dispose();

      const observed = await registry.attach(
        { port: node.port, token: node.token },
        'discovery',
        discovery(node.osPid, node.port, node.token),
      );
      assert.equal(observed.state, 'connected');

      // The agent dies; its old port now belongs to something that never answers,
      // so the registry's retry hangs there (up to its 5 s timeout).
      await node.command('crash_agent');
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(node.port, '127.0.0.1', resolve));
      await waitFor(() => silent.length > 0 && observed.state === 'connecting', 10_000, 'a retry under way on the old port');

      // Load Agent Again: a new agent, a new port and token.
      const restarted = await node.command<{ port: number; token: string }>('start_agent');
      const started = Date.now();
      const again = await registry.attach(
        { port: restarted.port, token: restarted.token },
        'distribution',
        discovery(node.osPid, restarted.port, restarted.token),
      );
      assert.equal(again, observed, 'the same node');
      assert.equal(again.state, 'connected', `attach answered "${again.state}" (${again.lastError ?? ''})`);
      assert.ok(Date.now() - started < 4000, 'it did not wait for the old attempt');

      // The old attempt ends later (its timeout): it changes nothing and leaves nothing open.
      await waitFor(() => log.some((m) => /an earlier attempt to connect/.test(m)), 10_000, 'the old attempt ended');
      assert.equal(observed.state, 'connected');
      assert.equal(observed.endpoint.port, restarted.port);
      const processes = await observed.client!.listProcesses({ sortBy: 'memory', limit: 5 });
      assert.ok(processes.rows.length > 0);
      assert.equal((await node.command<{ count: number }>('agent_pids')).count, oneClient, 'one connection, one sampler');
    } finally {
      registry.dispose();
      for (const socket of silent) socket.destroy();
      server.close();
      await node.stop();
    }
  });
});
