/** How the rest of the node reads: limits and their warning, allocators, children, tables, ports, the kill confirmation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessKill, SupervisorChild } from '../../extension/src/protocol/agentProtocol';
import {
  allocatorLine,
  childDescription,
  childLabel,
  formatUptime,
  killConfirmation,
  killOutcome,
  limitLine,
  portLabel,
  tableDocumentText,
} from '../../extension/src/shared/nodeFormat';

const child = (over: Partial<SupervisorChild>): SupervisorChild => ({
  id: null,
  pid: '<0.90.0>',
  status: 'running',
  name: null,
  type: 'worker',
  restart: 'permanent',
  modules: [],
  ...over,
});

const preview = (over: Partial<ProcessKill>): ProcessKill => ({
  node: 'n@h',
  pid: '<0.150.0>',
  reason: 'kill',
  application: 'overload',
  supervisor: { pid: '<0.140.0>', name: 'Elixir.Overload.Supervisor', childId: 'Overload.Probe', restart: 'permanent', type: 'worker' },
  restartedBy: 'supervisor',
  unsupervisedBecause: null,
  killed: false,
  dryRun: true,
  ...over,
});

describe('limits', () => {
  it('warn from 80% of an enforced limit', () => {
    assert.deepEqual(
      [0.79, 0.8, 0.95].map((ratio) => limitLine('Atoms', { count: ratio * 1000, limit: 1000, ratio, enforced: true }).warning),
      [false, true, true],
    );
    assert.equal(limitLine('ETS tables', { count: 9000, limit: 8192, ratio: 1.1, enforced: false }).warning, false);
  });

  it('say the count, the limit and the share', () => {
    assert.equal(
      limitLine('Processes', { count: 312, limit: 262144, ratio: 312 / 262144, enforced: true }).description,
      '312 of 262,144 (0.1%)',
    );
    assert.equal(limitLine('Ports', { count: 0, limit: 65536, ratio: 0, enforced: true }).description, '0 of 65,536 (0%)');
    assert.equal(limitLine('Ports', { count: 17, limit: 65536, ratio: 17 / 65536, enforced: true }).description, '17 of 65,536 (<0.1%)');
    assert.equal(
      limitLine('Atoms', { count: 21450, limit: 1048576, ratio: 21450 / 1048576, enforced: true }).description,
      '21,450 of 1,048,576 (2%)',
    );
  });
});

describe('allocators, uptime', () => {
  it('an allocator family: carriers, blocks and the share in use', () => {
    const line = allocatorLine({
      name: 'eheap_alloc',
      instances: 3,
      carriersBytes: 4 * 1048576,
      multiblockCarriersBytes: 4 * 1048576,
      singleblockCarriersBytes: 0,
      blocksBytes: 1048576,
      usage: 0.25,
    });
    assert.equal(line.description, '4 MB in carriers, 1 MB in blocks · 25% used');
  });

  it('uptime in its two largest units', () => {
    assert.deepEqual([42_000, 125_000, 3 * 3600_000 + 60_000, 2 * 86400_000 + 3600_000].map(formatUptime), [
      '42 s',
      '2 min 5 s',
      '3 h 1 min',
      '2 d 1 h',
    ]);
  });
});

describe("a supervisor's children", () => {
  it('are named by registered name, else id, else module, else pid', () => {
    assert.equal(childLabel(child({ name: 'Elixir.Overload.Probe', id: 'Overload.Probe' })), 'Overload.Probe');
    assert.equal(childLabel(child({ id: '{copying, 1}' })), '{copying, 1}');
    assert.equal(childLabel(child({ modules: ['Elixir.Overload.Sessions.Session'] })), 'Session');
    assert.equal(childLabel(child({ modules: ['fixture_worker'] })), 'fixture_worker');
    assert.equal(childLabel(child({})), '<0.90.0>');
    assert.equal(childLabel(child({ pid: null, status: 'restarting' })), '(not running)');
  });

  it('describe their type, restart type and pid or status', () => {
    assert.equal(childDescription(child({})), 'worker · permanent · <0.90.0>');
    assert.equal(
      childDescription(child({ pid: null, status: 'restarting', restart: null, type: 'supervisor' })),
      'supervisor · restarting',
    );
  });
});

describe('ports', () => {
  it('a socket reads as its protocol and addresses', () => {
    const port = {
      id: '#Port<0.9>',
      kind: 'port' as const,
      name: 'tcp_inet',
      owner: '<0.1.0>',
      ownerName: null,
      input: 0,
      output: 0,
      queueSize: 0,
      memory: 40,
      osPid: null,
      protocol: 'tcp',
      local: '127.0.0.1:4000',
      peer: '127.0.0.1:51234',
      state: 'connected',
      agent: false,
    };
    assert.equal(portLabel(port), 'tcp 127.0.0.1:4000 → 127.0.0.1:51234');
    assert.equal(portLabel({ ...port, protocol: null, local: null, peer: null, name: 'efile' }), 'efile');
  });
});

describe('Kill Process…', () => {
  it('names the supervisor, the restart type and the child id', () => {
    const { message, detail } = killConfirmation(preview({}), 'Overload.Probe');
    assert.equal(message, 'Kill Overload.Probe (<0.150.0>)?');
    assert.equal(
      detail,
      'Its supervisor Overload.Supervisor (<0.140.0>) will restart it (a permanent worker, child id Overload.Probe). Application: overload.',
    );
  });

  it('says when nobody restarts it, and why', () => {
    const temporary = killConfirmation(
      preview({ restartedBy: 'nobody', supervisor: { pid: '<0.2.0>', name: null, childId: null, restart: 'temporary', type: 'worker' } }),
      '<0.150.0>',
    );
    assert.equal(temporary.message, 'Kill <0.150.0>?');
    assert.match(temporary.detail, /^Its supervisor <0\.2\.0> will not restart it \(a temporary worker\)\./);
    const plain = killConfirmation(
      preview({
        supervisor: null,
        restartedBy: 'nobody',
        unsupervisedBecause: 'its parent <0.9.0> is not a supervisor',
        application: null,
      }),
      'x',
    );
    assert.equal(
      plain.detail,
      'Nobody will restart it: its parent <0.9.0> is not a supervisor. The exit reaches the processes linked to it.',
    );
  });

  it('says when its supervisor did not answer', () => {
    const unknown = killConfirmation(
      preview({ supervisor: null, restartedBy: 'unknown', unsupervisedBecause: 'supervisor <0.2.0> did not answer within 5000 ms' }),
      'p',
    );
    assert.equal(unknown.detail, 'Whether anyone restarts it is not known: supervisor <0.2.0> did not answer within 5000 ms.');
  });

  it('reports the new pid after the restart', () => {
    assert.equal(
      killOutcome(preview({ killed: true, exited: true, restartedAs: '<0.777.0>' }), 'Overload.Probe'),
      'killed Overload.Probe (<0.150.0>); Overload.Supervisor restarted it as <0.777.0>.',
    );
    assert.equal(
      killOutcome(preview({ killed: true, exited: false, reason: 'shutdown' }), 'p'),
      'p (<0.150.0>) was sent shutdown but has not exited (it may trap exits).',
    );
  });
});

describe("a table's document", () => {
  it('has a header, the rows and what is left', () => {
    const text = tableDocumentText({
      nodeName: 'n@h',
      table: 'cache',
      language: 'elixir',
      rows: ['{1, :a}', '{2, :b}'],
      size: 1000,
      continuation: 'abc',
      ended: undefined,
      pageSize: 100,
    });
    assert.equal(
      text,
      '# ETS table cache on n@h: 2 of 1,000 rows (read-only, a page at a time)\n\n{1, :a}\n{2, :b}\n\n# 2 rows shown; "Load More Rows" reads the next 100.\n',
    );
    const gone = tableDocumentText({
      nodeName: 'n',
      table: 't',
      language: 'erlang',
      rows: [],
      size: 0,
      continuation: null,
      ended: 'the table was deleted',
      pageSize: 100,
    });
    assert.match(gone, /^% ETS table t on n: 0 of 0 rows/);
    assert.match(gone, /% No more rows: the table was deleted\n$/);
  });
});
