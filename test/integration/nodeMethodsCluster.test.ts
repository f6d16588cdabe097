/**
 * The rest of the node (issue 12) for another member of a cluster: two named
 * `erl` nodes with one cookie; A runs the agent (node_fixture:main), B the
 * same zoo without the agent (node_fixture:member). Every method asked
 * through A's agent with `node` naming B runs in B; a pid A printed for a
 * process of B is answered by B.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { NodeMethods } from '../../extension/src/agent/nodeMethods';
import { ErrorCodes } from '../../extension/src/protocol/agentProtocol';
import { rejectsWithCode } from '../support/agentErrors';
import { NodeFixture, startMemberFixture, startNodeFixture } from '../support/nodeFixture';

const HOST = hostname().split('.')[0];
const RUN = `${process.pid}`;
const COOKIE = `node_methods_${RUN}`;

describe('the rest of the node, for another member of the cluster', () => {
  const nameA = `nm_a_${RUN}`;
  const nameB = `nm_b_${RUN}`;
  const nodeB = `${nameB}@${HOST}`;
  let a: NodeFixture;
  let b: NodeFixture;
  let client: AgentClient;
  let onB: NodeMethods;

  before(async () => {
    a = await startNodeFixture(['-sname', nameA, '-setcookie', COOKIE]);
    b = await startMemberFixture(['-sname', nameB, '-setcookie', COOKIE, '-eval', `true = net_kernel:connect_node('${nameA}@${HOST}')`]);
    client = await AgentClient.connect({ port: a.port, token: a.token });
    onB = new NodeMethods(client, nodeB);
  });
  after(async () => {
    client?.dispose();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('system/info and applications/list answer for B', async () => {
    const info = await onB.systemInfo();
    assert.equal(info.node, nodeB);
    const apps = await onB.applications();
    assert.equal(apps.node, nodeB);
    const kernel = apps.applications.find((x) => x.name === 'kernel');
    assert.equal(kernel?.supervisor, await whereisOn(b, 'kernel_sup'));
  });

  it("supervisor/children and supervisor/path of B's supervisors, in B's own pid form", async () => {
    const top = await onB.supervisorChildren(b.hello.pids.top, 0, 10);
    assert.equal(top.node, nodeB);
    assert.equal(top.name, 'nf_top');
    assert.equal(top.total, 6);
    const pool = await onB.supervisorChildren(b.hello.pids.pool, 100, 100);
    assert.equal(pool.total, 250);
    assert.equal(pool.children.length, 100);
    const path = await onB.supervisorPath(pool.children[0].pid!);
    assert.deepEqual(
      path.path.map((s) => s.name),
      ['nf_top', 'nf_pool', null],
    );
    await rejectsWithCode(onB.supervisorChildren(b.hello.pids.plain_server, 0, 10), ErrorCodes.NotSupervisor);
    const probe = await b.command<{ alive: boolean; messageQueueLen: number }>(`probe ${b.hello.pids.plain_server}`);
    assert.deepEqual([probe.alive, probe.messageQueueLen], [true, 0]);
  });

  it('a pid A printed for a process of B is answered by B', async () => {
    const { pid: asSeenByA } = await a.command<{ pid: string }>(`remote_pid ${nodeB} nf_top`);
    assert.match(asSeenByA, /^<[1-9]\d*\.\d+\.\d+>$/);
    const here = new NodeMethods(client, undefined);
    const top = await here.supervisorChildren(asSeenByA, 0, 10);
    assert.equal(top.node, nodeB);
    assert.equal(top.pid, b.hello.pids.top, "answered with B's own form of the pid");
  });

  it("ets/list and ets/rows read B's tables; private ones are refused there too", async () => {
    const tables = await onB.etsList({ filter: 'nf_public', limit: 5 });
    assert.equal(tables.node, nodeB);
    assert.equal(tables.tables[0]?.owner, b.hello.pids.table_owner);
    const rows = await onB.etsRows('nf_public', 10, null);
    assert.equal(rows.node, nodeB);
    assert.equal(rows.rows.length, 10);
    const next = await onB.etsRows('nf_public', 10, rows.continuation);
    assert.equal(next.rows.length, 10);
    assert.notDeepEqual(next.rows, rows.rows);
    await rejectsWithCode(onB.etsRows('nf_private', 10, null), ErrorCodes.TableNotReadable);
  });

  it("ports/list lists B's sockets", async () => {
    const { ports, node } = await onB.ports({ filter: 'tcp_inet', limit: 100 });
    assert.equal(node, nodeB);
    assert.ok(ports.some((p) => p.id === b.hello.sockets.listen && p.state === 'listen'));
  });

  it('process/gc and process/kill in B; B refuses its vital processes', async () => {
    const worker = (await whereisOn(b, 'worker_a'))!;
    const gc = await onB.garbageCollect(worker);
    assert.equal(gc.node, nodeB);
    const killed = await onB.kill(worker);
    assert.equal(killed.node, nodeB);
    assert.equal(killed.supervisor?.name, 'nf_top');
    assert.ok(killed.restartedAs && killed.restartedAs !== worker);
    assert.equal(await whereisOn(b, 'worker_a'), killed.restartedAs);
    await rejectsWithCode(onB.kill((await whereisOn(b, 'code_server'))!), ErrorCodes.VitalProcess);
  });

  it('a member that is not connected', async () => {
    await rejectsWithCode(new NodeMethods(client, `nm_nobody_${RUN}@${HOST}`).etsList({}), ErrorCodes.NodeNotConnected);
  });
});

async function whereisOn(node: NodeFixture, name: string): Promise<string | null> {
  return (await node.command<{ pid: string | null }>(`whereis ${name}`)).pid;
}
