/**
 * The rest of the node (issue 12) against the real agent in a real `erl`
 * node (test/fixtures/node_fixture.erl): system/info, applications/list,
 * supervisor/children and supervisor/path, ets/list and ets/rows,
 * ports/list, process/gc and process/kill, each method and each refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { NodeMethods } from '../../extension/src/agent/nodeMethods';
import { ErrorCodes, SupervisorChild, SupervisorChildrenRequest } from '../../extension/src/protocol/agentProtocol';
import { rejectsWithCode } from '../support/agentErrors';
import { NodeFixture, startNodeFixture } from '../support/nodeFixture';

interface Probe {
  alive: boolean;
  messageQueueLen?: number;
  status?: string;
}

describe('the rest of the node (erl node)', () => {
  let node: NodeFixture;
  let client: AgentClient;
  let methods: NodeMethods;
  const pid = (name: string) => node.hello.pids[name];
  const whereis = async (name: string) => (await node.command<{ pid: string | null }>(`whereis ${name}`)).pid;

  before(async () => {
    node = await startNodeFixture();
    client = await AgentClient.connect({ port: node.port, token: node.token });
    methods = new NodeMethods(client, undefined);
  });
  after(async () => {
    client?.dispose();
    await node?.stop();
  });

  it('initialize announces the new methods', () => {
    for (const capability of [
      'system/info',
      'applications/list',
      'supervisor/children',
      'ets',
      'ports/list',
      'process/gc',
      'process/kill',
    ]) {
      assert.ok(client.info.capabilities.includes(capability as never), capability);
    }
  });

  describe('system/info', () => {
    it('gives versions, counts against limits, memory and allocators', async () => {
      const info = await methods.systemInfo();
      assert.equal(info.node, 'nonode@nohost');
      assert.equal(info.otpRelease, client.info.otpRelease);
      assert.equal(info.elixirVersion, null);
      assert.match(info.systemArchitecture, /linux/);
      assert.ok(info.uptimeMs > 0);
      assert.deepEqual(info.schedulers, client.info.schedulers);
      for (const [kind, limit] of Object.entries(info.limits)) {
        assert.ok(limit.count > 0 && limit.count < limit.limit, `${kind}: ${JSON.stringify(limit)}`);
        assert.ok(Math.abs(limit.ratio - limit.count / limit.limit) < 1e-9, kind);
      }
      assert.equal(info.limits.processes.limit, client.info.processLimit);
      assert.equal(info.limits.etsTables.enforced, false);
      assert.equal(info.limits.atoms.enforced, true);
      assert.ok(info.memory.total > info.memory.processes && info.memory.ets > 0);
      const names = info.allocators.families.map((f) => f.name);
      for (const name of ['eheap_alloc', 'binary_alloc', 'ets_alloc']) assert.ok(names.includes(name), name);
      for (const f of info.allocators.families) {
        assert.equal(f.carriersBytes, f.multiblockCarriersBytes + f.singleblockCarriersBytes, f.name);
        assert.ok(f.blocksBytes <= f.carriersBytes, `${f.name}: blocks ${f.blocksBytes} within carriers ${f.carriersBytes}`);
      }
      assert.ok(info.allocators.usage !== null && info.allocators.usage > 0 && info.allocators.usage <= 1);
      assert.ok(info.elapsedMs < 1000);
    });
  });

  describe('applications/list', () => {
    it('lists kernel with its top supervisor, and stdlib with none', async () => {
      const { applications } = await methods.applications();
      const kernel = applications.find((a) => a.name === 'kernel');
      assert.ok(kernel, JSON.stringify(applications));
      assert.match(kernel.version, /^\d+\.\d+/);
      assert.equal(kernel.supervisor, await whereis('kernel_sup'));
      assert.match(kernel.master ?? '', /^<0\.\d+\.0>$/);
      const stdlib = applications.find((a) => a.name === 'stdlib');
      assert.ok(stdlib);
      assert.equal(stdlib.supervisor, null);
    });
  });

  describe('supervisor/children', () => {
    it("lists a supervisor's children with their ids, restart types and types, as which_children does", async () => {
      const page = await methods.supervisorChildren(pid('top'), 0, 100);
      assert.equal(page.name, 'nf_top');
      assert.equal(page.strategy, 'one_for_one');
      assert.equal(page.source, 'state');
      assert.equal(page.total, 6);
      const byId = new Map(page.children.map((c) => [c.id, c]));
      assert.deepEqual(
        ['worker_a', 'worker_b', 'worker_c', 'nf_pool', 'nf_temp_pool', 'nf_blocked_sup'].map((id) => [id, byId.get(id)?.restart]),
        [
          ['worker_a', 'permanent'],
          ['worker_b', 'transient'],
          ['worker_c', 'temporary'],
          ['nf_pool', 'permanent'],
          ['nf_temp_pool', 'permanent'],
          ['nf_blocked_sup', 'permanent'],
        ],
      );
      assert.equal(byId.get('worker_a')?.type, 'worker');
      assert.equal(byId.get('nf_pool')?.type, 'supervisor');
      assert.equal(byId.get('worker_a')?.name, 'worker_a');
      assert.deepEqual(byId.get('worker_a')?.modules, ['node_fixture']);
      // The same children, in the same order, as which_children asked inside the node.
      const { children } = await node.command<{ children: { id: string; pid: string }[] }>('children nf_top');
      assert.deepEqual(
        page.children.map((c) => [c.id, c.pid]),
        children.map((c) => [c.id, c.pid]),
      );
    });

    it('pages a simple_one_for_one supervisor of 250 children, with the total', async () => {
      const seen: SupervisorChild[] = [];
      for (const offset of [0, 100, 200]) {
        const page = await methods.supervisorChildren(pid('pool'), offset, 100);
        assert.equal(page.total, 250);
        assert.equal(page.offset, offset);
        assert.equal(page.strategy, 'simple_one_for_one');
        assert.equal(page.children.length, offset === 200 ? 50 : 100);
        seen.push(...page.children);
      }
      assert.ok(
        seen.every((c) => c.id === null && c.restart === 'permanent' && c.type === 'worker' && c.status === 'running'),
        JSON.stringify(seen[0]),
      );
      // Pages follow the children map's own order (which_children lists its keys in another).
      const { children } = await node.command<{ children: { pid: string }[] }>('children nf_pool');
      assert.deepEqual(seen.map((c) => c.pid).sort(), children.map((c) => c.pid).sort(), 'the pages put together are which_children');
      assert.equal(new Set(seen.map((c) => c.pid)).size, 250, 'no child twice');
      const beyond = await methods.supervisorChildren(pid('pool'), 300, 100);
      assert.equal(beyond.children.length, 0);
      assert.equal(beyond.total, 250);
    });

    it('reads the restart type of temporary simple_one_for_one children too', async () => {
      const page = await methods.supervisorChildren(pid('temp_pool'), 0, 10);
      assert.equal(page.total, 3);
      assert.ok(page.children.every((c) => c.restart === 'temporary'));
    });

    it('refuses a process that is not a supervisor, and sends it nothing', async () => {
      const server = pid('plain_server');
      await rejectsWithCode(
        methods.supervisorChildren(server, 0, 10),
        ErrorCodes.NotSupervisor,
        /is not a supervisor \(it runs node_fixture:init\/1\); only supervisors are asked for their children, so it was sent nothing/,
      );
      // The gen_server crashes on any call it does not expect: it is alive, the same process, its mailbox empty.
      const probe = await node.command<Probe>(`probe ${server}`);
      assert.deepEqual(probe, { alive: true, messageQueueLen: 0, status: 'waiting' });
      assert.equal(await whereis('nf_plain_server'), server);

      await rejectsWithCode(methods.supervisorChildren(pid('plain_process'), 0, 10), ErrorCodes.NotSupervisor, /it runs erlang:apply\/2/);
      assert.deepEqual(await node.command<Probe>(`probe ${pid('plain_process')}`), { alive: true, messageQueueLen: 0, status: 'waiting' });
    });

    it('a supervisor blocked in a call times out, and its late answer reaches no agent process', async () => {
      const before = await node.command<{ queued: number }>('agent_mailboxes');
      const started = Date.now();
      await rejectsWithCode(
        client.send(SupervisorChildrenRequest, { pid: pid('blocked_sup'), timeoutMs: 500 }),
        ErrorCodes.Timeout,
        /supervisor <0\.\d+\.0> did not answer within 500 ms \(it may be blocked starting or stopping a child\)/,
      );
      const took = Date.now() - started;
      assert.ok(took >= 450 && took < 3000, `answered in ${took} ms`);
      // A kill's dry run of the child it is starting: who restarts it is unknown, the kill stays possible.
      const slow = (await whereis('nf_slow'))!;
      const preview = await methods.kill(slow, { dryRun: true, timeoutMs: 300 });
      assert.deepEqual([preview.supervisor, preview.restartedBy], [null, 'unknown']);
      assert.match(preview.unsupervisedBecause ?? '', /did not answer within 300 ms/);
      // Let it go: it handles the system messages it queued, and answers workers that are gone.
      await node.command('unblock');
      const page = await methods.supervisorChildren(pid('blocked_sup'), 0, 10);
      assert.equal(page.total, 0, 'the slow child did not start');
      const after = await node.command<{ queued: number; processes: number }>('agent_mailboxes');
      assert.equal(after.queued, 0, `nothing queued in the agent's ${after.processes} processes (before: ${before.queued})`);
    });

    it('a dead pid, a pid of an unknown node, bad paging parameters', async () => {
      await rejectsWithCode(methods.supervisorChildren('<0.9999.0>', 0, 10), ErrorCodes.ProcessNotFound, /is not alive/);
      await rejectsWithCode(methods.supervisorChildren('<7.1.0>', 0, 10), ErrorCodes.OtherNodePid);
      await rejectsWithCode(methods.supervisorChildren(pid('top'), -1, 10), ErrorCodes.InvalidParams, /offset must be an integer from 0/);
      await rejectsWithCode(
        methods.supervisorChildren(pid('top'), 0, 501),
        ErrorCodes.InvalidParams,
        /limit must be an integer from 1 to 500/,
      );
    });
  });

  describe('supervisor/path', () => {
    it('climbs from a pool worker to the top supervisor', async () => {
      const first = (await methods.supervisorChildren(pid('pool'), 0, 1)).children[0];
      const path = await methods.supervisorPath(first.pid!);
      assert.equal(path.supervised, true);
      assert.equal(path.application, null, 'the fixture runs outside any application');
      assert.deepEqual(
        path.path.map((s) => [s.pid, s.id, s.restart, s.type, s.supervisor]),
        [
          [pid('top'), null, null, null, true],
          [pid('pool'), 'nf_pool', 'permanent', 'supervisor', true],
          [first.pid, null, 'permanent', 'worker', false],
        ],
      );
    });

    it("names the application of kernel's processes, and says why a process is not supervised", async () => {
      const handler = await whereis('logger_std_h_default');
      const path = await methods.supervisorPath(handler!);
      assert.equal(path.application, 'kernel');
      assert.deepEqual(
        path.path.map((s) => s.name),
        ['kernel_sup', 'logger_sup', 'logger_std_h_default'],
      );
      const plain = await methods.supervisorPath(pid('plain_process'));
      assert.equal(plain.supervised, false);
      assert.match(plain.why ?? '', /its parent <0\.\d+\.0> is not a supervisor/);
      assert.equal(plain.path.length, 1);
    });
  });

  describe('process/gc', () => {
    it('collects a process and says how much it freed', async () => {
      const worker = (await whereis('worker_a'))!;
      await node.command(`grow ${worker}`);
      const gc = await methods.garbageCollect(worker);
      assert.equal(gc.pid, worker);
      assert.ok(gc.memoryAfter < gc.memoryBefore, `${gc.memoryBefore} -> ${gc.memoryAfter}`);
      assert.equal(gc.freed, gc.memoryBefore - gc.memoryAfter);
    });

    it('a dead process is not alive', async () => {
      await rejectsWithCode(methods.garbageCollect('<0.9999.0>'), ErrorCodes.ProcessNotFound);
    });
  });

  describe('process/kill', () => {
    it('a dry run names the supervisor and the restart type, and kills nothing', async () => {
      const worker = (await whereis('worker_a'))!;
      const preview = await methods.kill(worker, { dryRun: true });
      assert.equal(preview.killed, false);
      assert.equal(preview.dryRun, true);
      assert.deepEqual(preview.supervisor, { pid: pid('top'), name: 'nf_top', childId: 'worker_a', restart: 'permanent', type: 'worker' });
      assert.equal(preview.restartedBy, 'supervisor');
      assert.equal(await whereis('worker_a'), worker, 'still the same process');
    });

    it('kills a permanent child, and reports the pid its supervisor restarted it as', async () => {
      const worker = (await whereis('worker_a'))!;
      const killed = await methods.kill(worker);
      assert.equal(killed.killed, true);
      assert.equal(killed.exited, true);
      assert.equal(killed.exitReason, 'killed');
      assert.ok(killed.restartedAs && killed.restartedAs !== worker, JSON.stringify(killed));
      assert.equal(await whereis('worker_a'), killed.restartedAs);
    });

    it('a transient child stopped with shutdown and a temporary one killed stay down', async () => {
      const transient = (await whereis('worker_b'))!;
      const stopped = await methods.kill(transient, { reason: 'shutdown' });
      assert.equal(stopped.supervisor?.restart, 'transient');
      assert.equal(stopped.restartedBy, 'nobody');
      assert.equal(stopped.exitReason, 'shutdown');
      assert.equal(stopped.restartedAs, null);
      const temporary = (await whereis('worker_c'))!;
      const killed = await methods.kill(temporary);
      assert.equal(killed.restartedBy, 'nobody');
      assert.equal(await whereis('worker_c'), null);
    });

    it('an unsupervised process: nobody restarts it', async () => {
      const preview = await methods.kill(pid('plain_process'), { dryRun: true });
      assert.equal(preview.supervisor, null);
      assert.equal(preview.restartedBy, 'nobody');
      assert.match(preview.unsupervisedBecause ?? '', /is not a supervisor/);
    });

    it("refuses the runtime's vital processes and the agent's own, saying why", async () => {
      const vital: [string, RegExp][] = [
        ['init', /is init, which boots and stops the node/],
        ['code_server', /loads the node's code/],
        ['application_controller', /application controller; killing it halts the node/],
        ['kernel_sup', /kernel_sup of the kernel application, which the node depends on/],
        ['user', /group leader of the node's standard I\/O/],
        ['logger', /part of logger/],
        ['erts_code_purger', /loads the node's code/],
        ['rex', /rex of the kernel application/],
      ];
      for (const [name, why] of vital) {
        const target = (await whereis(name))!;
        await rejectsWithCode(methods.kill(target), ErrorCodes.VitalProcess, why);
        assert.equal(await whereis(name), target, `${name} is alive`);
      }
      const kernel = (await methods.applications()).applications.find((a) => a.name === 'kernel')!;
      await rejectsWithCode(methods.kill(kernel.master!), ErrorCodes.VitalProcess, /application master of kernel/);
      const ranking = (await whereis('beam_observer_ranking'))!;
      await rejectsWithCode(methods.kill(ranking, { dryRun: true }), ErrorCodes.AgentProcess, /belongs to BEAM Observer's agent/);
      await rejectsWithCode(methods.kill('<0.9999.0>'), ErrorCodes.ProcessNotFound);
      await rejectsWithCode(
        methods.kill(pid('plain_process'), { reason: 'normal' as never }),
        ErrorCodes.InvalidParams,
        /reason must be one of "kill", "shutdown"/,
      );
    });
  });

  describe('ets/list', () => {
    it('sorts by memory, size and name, and marks what cannot be read', async () => {
      const byMemory = await methods.etsList({ sortBy: 'memory', limit: 1000 });
      assert.ok(byMemory.total >= 20 && byMemory.tables.length === byMemory.total, `${byMemory.tables.length} of ${byMemory.total}`);
      assertDescending(byMemory.tables.map((t) => t.memory));
      const bySize = await methods.etsList({ sortBy: 'size', limit: 5 });
      assert.equal(bySize.tables.length, 5);
      assertDescending(bySize.tables.map((t) => t.size));
      assert.equal(bySize.tables[0].name, 'nf_public', 'the 1,000-row table has the most rows');
      const byName = await methods.etsList({ sortBy: 'name', limit: 1000 });
      const names = byName.tables.map((t) => t.name);
      assert.deepEqual(names, [...names].sort());

      const ours = await methods.etsList({ sortBy: 'name', filter: 'NF_', limit: 100 });
      assert.deepEqual(
        ours.tables.map((t) => t.name),
        ['nf_bag', 'nf_private', 'nf_protected', 'nf_public', 'nf_unnamed'],
      );
      const byNameOf = new Map(ours.tables.map((t) => [t.name, t]));
      assert.deepEqual(
        ['nf_public', 'nf_protected', 'nf_private'].map((n) => [n, byNameOf.get(n)?.protection, byNameOf.get(n)?.readable]),
        [
          ['nf_public', 'public', true],
          ['nf_protected', 'protected', true],
          ['nf_private', 'private', false],
        ],
      );
      const publicTable = byNameOf.get('nf_public')!;
      assert.equal(publicTable.size, 1000);
      assert.equal(publicTable.type, 'set');
      assert.equal(publicTable.owner, pid('table_owner'));
      assert.ok(publicTable.memory > 1000 * 4 * 8, `${publicTable.memory} bytes`);
      assert.equal(byNameOf.get('nf_unnamed')?.id, node.hello.tables.unnamed);
      assert.equal(byNameOf.get('nf_unnamed')?.named, false);

      const agentTables = (await methods.etsList({ filter: 'beam_observer', limit: 100 })).tables;
      assert.ok(agentTables.length >= 1);
      assert.ok(
        agentTables.every((t) => t.agent && !t.readable),
        JSON.stringify(agentTables),
      );
      await rejectsWithCode(
        methods.etsList({ sortBy: 'owner' as never }),
        ErrorCodes.InvalidParams,
        /sortBy must be one of "memory", "size", "name"/,
      );
    });
  });

  describe('ets/rows', () => {
    it('reads every row of a table in pages, the last with no continuation', async () => {
      const keys: number[] = [];
      let continuation: string | null = null;
      let pages = 0;
      do {
        const page = await methods.etsRows('nf_public', 300, continuation);
        assert.equal(page.size, 1000);
        assert.equal(page.language, 'erlang');
        for (const row of page.rows) {
          const match = /^\{(\d+),<<"value">>,(\d+)\}$/.exec(row.text);
          assert.ok(match, row.text);
          assert.equal(Number(match[2]), Number(match[1]) ** 2);
          keys.push(Number(match[1]));
        }
        continuation = page.continuation;
        pages++;
      } while (continuation && pages < 10);
      assert.equal(continuation, null);
      assert.deepEqual(
        keys.sort((a, b) => a - b),
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );
    });

    it('reads an ordered_set in key order, a bag, and an unnamed table by its id', async () => {
      const ordered = await methods.etsRows('nf_protected', 3, null);
      assert.deepEqual(
        ordered.rows.map((r) => r.text),
        ['{1,{point,1,-1}}', '{2,{point,2,-2}}', '{3,{point,3,-3}}'],
      );
      const next = await methods.etsRows('nf_protected', 3, ordered.continuation);
      assert.equal(next.rows[0].text, '{4,{point,4,-4}}');
      const bag = await methods.etsRows('nf_bag', 10, null);
      assert.deepEqual(bag.rows.map((r) => r.text).sort(), ['{color,green}', '{color,red}', '{size,3}']);
      assert.equal(bag.continuation, null);
      const unnamed = await methods.etsRows(node.hello.tables.unnamed, 10, null);
      assert.deepEqual(
        unnamed.rows.map((r) => r.text),
        ['{only,row}'],
      );
    });

    it("refuses a private table and the agent's own tables", async () => {
      await rejectsWithCode(
        methods.etsRows('nf_private', 10, null),
        ErrorCodes.TableNotReadable,
        /ETS table nf_private is private to its owner <0\.\d+\.0> \(nf_table_owner\): only that process can read its rows/,
      );
      await rejectsWithCode(methods.etsRows('beam_observer_registry', 10, null), ErrorCodes.AgentTable, /belongs to BEAM Observer's agent/);
    });

    it('a table deleted between two pages, or deleted and created again, is gone', async () => {
      await node.command('fill_table nf_doomed 1000');
      const first = await methods.etsRows('nf_doomed', 100, null);
      assert.equal(first.rows.length, 100);
      assert.ok(first.continuation);
      await node.command('delete_table nf_doomed');
      await rejectsWithCode(
        methods.etsRows('nf_doomed', 100, first.continuation),
        ErrorCodes.TableNotFound,
        /ETS table nf_doomed no longer exists \(it was deleted since the previous page\)/,
      );
      await node.command('recreate_table nf_doomed');
      await rejectsWithCode(
        methods.etsRows('nf_doomed', 100, first.continuation),
        ErrorCodes.TableNotFound,
        /deleted since the previous page/,
      );
      const fresh = await methods.etsRows('nf_doomed', 100, null);
      assert.deepEqual(
        fresh.rows.map((r) => r.text),
        ['{again,1}'],
      );
    });

    it('unknown tables, forged continuations and bad limits get precise errors', async () => {
      await rejectsWithCode(methods.etsRows('no_such_table_anywhere_xyz', 10, null), ErrorCodes.TableNotFound, /no ETS table named/);
      await rejectsWithCode(methods.etsRows('#Ref<0.1.2.3>', 10, null), ErrorCodes.TableNotFound);
      await rejectsWithCode(
        methods.etsRows('nf_public', 10, 'bm90IGEgY29udGludWF0aW9u'),
        ErrorCodes.InvalidParams,
        /continuation is not one/,
      );
      const other = await methods.etsRows('nf_protected', 2, null);
      await rejectsWithCode(methods.etsRows('nf_public', 10, other.continuation), ErrorCodes.InvalidParams, /belongs to another table/);
      await rejectsWithCode(methods.etsRows('nf_public', 501, null), ErrorCodes.InvalidParams, /limit must be an integer from 1 to 500/);
      await rejectsWithCode(methods.etsRows('', 10, null), ErrorCodes.InvalidParams, /table must be/);
    });

    it('a page whose copy would exceed the cap is refused, and the node carries on', async () => {
      await node.command('huge_row_table');
      await rejectsWithCode(methods.etsRows('nf_huge', 10, null), ErrorCodes.PageTooLarge, /over 64 MB once copied; ask for fewer rows/);
      const after = await methods.systemInfo();
      assert.ok(after.limits.processes.count > 0);
    });
  });

  describe('ports/list', () => {
    it('lists TCP, UDP and socket-module sockets with their addresses and owners', async () => {
      const { ports, total } = await methods.ports({ sortBy: 'input', limit: 1000 });
      assert.equal(ports.length, total);
      assertDescending(ports.map((p) => p.input));
      const byId = new Map(ports.map((p) => [p.id, p]));
      const { sockets } = node.hello;
      const listen = byId.get(sockets.listen)!;
      assert.deepEqual(
        [listen.name, listen.protocol, listen.state, listen.local, listen.peer],
        ['tcp_inet', 'tcp', 'listen', `127.0.0.1:${sockets.listenPort}`, null],
      );
      const server = byId.get(sockets.server)!;
      assert.equal(server.state, 'connected');
      assert.equal(server.local, `127.0.0.1:${sockets.listenPort}`);
      assert.equal(server.input, 1000, 'the server read the 1,000 bytes the client sent');
      const client = byId.get(sockets.client)!;
      assert.equal(client.output, 1000);
      assert.equal(client.peer, `127.0.0.1:${sockets.listenPort}`);
      assert.equal(client.owner, pid('sockets_owner'));
      assert.equal(client.ownerName, 'nf_sockets');
      assert.equal(byId.get(sockets.udp)?.protocol, 'udp');
      const socket = byId.get(sockets.socket)!;
      assert.equal(socket.kind, 'socket');
      assert.equal(socket.protocol, 'udp');
      assert.match(socket.local ?? '', /^127\.0\.0\.1:\d+$/);

      // The agent's own listener and this test's connection to it are marked as the agent's.
      const agentListener = ports.find((p) => p.state === 'listen' && p.local === `127.0.0.1:${node.port}`);
      assert.equal(agentListener?.agent, true, JSON.stringify(agentListener));
      assert.equal(client.agent, false);

      const tcpOnly = await methods.ports({ filter: 'tcp_inet', limit: 100 });
      assert.ok(tcpOnly.ports.length >= 3 && tcpOnly.ports.every((p) => p.name === 'tcp_inet'));
      const top = await methods.ports({ sortBy: 'output', limit: 1 });
      assert.equal(top.ports.length, 1);
      await rejectsWithCode(methods.ports({ sortBy: 'cpu' as never }), ErrorCodes.InvalidParams, /sortBy must be one of/);
    });
  });

  it('a node that is not in the cluster', async () => {
    await rejectsWithCode(new NodeMethods(client, 'nowhere@nohost').systemInfo(), ErrorCodes.NodeNotConnected);
  });
});

function assertDescending(values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i - 1] >= values[i], `not descending at ${i}: ${values.slice(0, i + 1).join(', ')}`);
  }
}
