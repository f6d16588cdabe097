/**
 * The rest of the node (issue 12) in a real `elixir` node
 * (test/fixtures/node_fixture.exs): Elixir's Supervisor, DynamicSupervisor
 * and Task.Supervisor read inside their own state, ids and rows formatted as
 * Elixir terms, and a field the application marked secret kept hidden in an
 * ETS row.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { NodeMethods } from '../../extension/src/agent/nodeMethods';
import { ErrorCodes } from '../../extension/src/protocol/agentProtocol';
import { rejectsWithCode } from '../support/agentErrors';
import type { FixtureNode } from '../support/beamNode';
import { startElixirNodeFixture } from '../support/nodeFixture';

describe('the rest of the node (elixir node)', () => {
  let node: FixtureNode;
  let client: AgentClient;
  let methods: NodeMethods;

  before(async () => {
    node = await startElixirNodeFixture();
    client = await AgentClient.connect({ port: node.port, token: node.token });
    methods = new NodeMethods(client, undefined);
  });
  after(async () => {
    client?.dispose();
    await node?.stop();
  });

  it('system/info names the Elixir version; applications/list has elixir and its supervisor', async () => {
    const info = await methods.systemInfo();
    assert.match(info.elixirVersion ?? '', /^1\.\d+/);
    const elixir = (await methods.applications()).applications.find((a) => a.name === 'elixir');
    assert.ok(elixir?.supervisor, 'elixir has a top supervisor');
    const children = await methods.supervisorChildren(elixir.supervisor, 0, 20);
    assert.ok(children.total >= 1);
  });

  it("an Elixir Supervisor's children, ids written as Elixir", async () => {
    const top = await methods.supervisorChildren(node.pids.top, 0, 10);
    assert.equal(top.name, 'Elixir.NodeFixture.Top');
    assert.equal(top.module, 'Supervisor.Default');
    assert.equal(top.source, 'state');
    // As which_children lists them: the last started first; a child named at start has its name for id.
    assert.deepEqual(
      top.children.map((c) => [c.id, c.type, c.restart, c.pid]),
      [
        ['NodeFixture.Tasks', 'supervisor', 'permanent', node.pids.tasks],
        ['NodeFixture.Dynamic', 'supervisor', 'permanent', node.pids.dynamic],
        ['NodeFixture.Plain', 'worker', 'permanent', node.pids.plain],
      ],
    );
  });

  it("a DynamicSupervisor's children read from its own state, with their restart type", async () => {
    const dynamic = await methods.supervisorChildren(node.pids.dynamic, 0, 10);
    assert.equal(dynamic.source, 'state');
    assert.equal(dynamic.strategy, 'one_for_one');
    assert.equal(dynamic.total, 5);
    assert.ok(dynamic.children.every((c) => c.id === null && c.restart === 'permanent' && c.type === 'worker'));
    assert.deepEqual(dynamic.children[0].modules, ['NodeFixture.Worker']);
    // Its children are the processes it is linked to (besides its parent).
    const info = await client.processInfo(node.pids.dynamic);
    for (const child of dynamic.children) assert.ok(info.links.includes(child.pid!), child.pid!);
    const second = await methods.supervisorChildren(node.pids.dynamic, 3, 10);
    assert.equal(second.children.length, 2);
    assert.deepEqual(second.children, dynamic.children.slice(3));
    const tasks = await methods.supervisorChildren(node.pids.tasks, 0, 10);
    assert.equal(tasks.total, 0);
  });

  it('a GenServer is not a supervisor: refused, alive, its mailbox empty', async () => {
    await rejectsWithCode(methods.supervisorChildren(node.pids.plain, 0, 10), ErrorCodes.NotSupervisor, /NodeFixture\.Plain:init\/1/);
    const info = await client.processInfo(node.pids.plain);
    assert.equal(info.pid, node.pids.plain);
    assert.equal(info.messageQueueLen, 0);
    assert.equal(info.status, 'waiting');
  });

  it("supervisor/path and a kill's dry run name the DynamicSupervisor", async () => {
    const child = (await methods.supervisorChildren(node.pids.dynamic, 0, 1)).children[0].pid!;
    const path = await methods.supervisorPath(child);
    assert.deepEqual(
      path.path.map((s) => s.name),
      ['Elixir.NodeFixture.Top', 'Elixir.NodeFixture.Dynamic', null],
    );
    const preview = await methods.kill(child, { dryRun: true });
    assert.equal(preview.supervisor?.name, 'Elixir.NodeFixture.Dynamic');
    assert.equal(preview.supervisor?.restart, 'permanent');
    assert.equal(preview.restartedBy, 'supervisor');
  });

  it('ets/rows formats rows with inspect: the secret field stays hidden', async () => {
    const page = await methods.etsRows('nf_accounts', 10, null);
    assert.equal(page.language, 'elixir');
    assert.equal(page.rows.length, 1);
    assert.match(page.rows[0].text, /\{"ada", #NodeFixture\.Account<user: "ada", balance: 42, \.\.\.>\}/);
    assert.doesNotMatch(page.rows[0].text, /s3cr3t/);
  });

  it('ports/list and process/gc answer', async () => {
    const { ports } = await methods.ports({ limit: 10 });
    assert.ok(ports.length >= 1);
    const gc = await methods.garbageCollect(node.pids.plain);
    assert.ok(gc.memoryAfter > 0);
  });
});
