import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import { SPARKLINE_POINTS, clusterRows } from '../../extension/src/views/clusterRows';
import { queueLoad } from '../../extension/src/shared/overload';

function sample(node: string, util: number, runQueue: number, t: number): LoadSample {
  return {
    node,
    timestamp: t,
    intervalMs: 1000,
    schedulers: { total: 4, online: 2, dirtyCpu: 2, dirtyCpuOnline: 2, dirtyIo: 10 },
    utilisation: { normal: [util, util], dirtyCpu: [0, 0], dirtyIo: [], normalAvg: util, dirtyCpuAvg: 0.25 },
    runQueue: {
      readings: 10,
      normal: { avg: [runQueue], max: [runQueue + 2] },
      dirtyCpu: { avg: 0, max: 0 },
      dirtyIo: { avg: 0, max: 0 },
      totalAvg: runQueue,
      totalMax: runQueue + 2,
    },
    memory: { total: 50e6, processes: 1, processesUsed: 1, binary: 1, ets: 1, atom: 1, atomUsed: 1, code: 1, system: 1 },
    io: { inBytes: 0, outBytes: 0 },
    processes: { count: 321, limit: 262144 },
    ports: { count: 1, limit: 2 },
    atoms: { count: 1, limit: 2 },
    reductions: 0,
    garbageCollections: { count: 0, wordsReclaimed: 0 },
    osCpu: null,
    agent: { reductions: 0, busyUs: 0 },
    debugger: null,
  };
}

describe('cluster overview rows', () => {
  it('puts nodes with a problem first, then the agent node, then members by name, with the latest figures', () => {
    const rows = clusterRows(
      {
        name: 'a@h',
        hidden: false,
        state: 'up',
        goneAt: undefined,
        error: undefined,
        samples: [sample('a@h', 0.2, 1, 1), sample('a@h', 0.9, 3.5, 2)],
      },
      [
        { name: 'c@h', hidden: false, state: 'loading', goneAt: undefined, error: undefined, samples: [] },
        { name: 'b@h', hidden: true, state: 'gone', goneAt: 1234, error: 'ignored unless error', samples: [sample('b@h', 0.5, 0, 1)] },
      ],
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      ['b@h', 'a@h', 'c@h'],
      'b left: first',
    );
    const [b, a, c] = rows;
    assert.equal(a.agentNode, true);
    assert.equal(b.agentNode, false);
    assert.deepEqual(a.figures, {
      timestamp: 2,
      utilisation: 0.9,
      dirtyCpuUtilisation: 0.25,
      schedulersOnline: 2,
      runQueue: 3.5,
      runQueueMax: 5.5,
      memory: 50e6,
      processes: 321,
      processLimit: 262144,
    });
    assert.deepEqual(a.utilisationHistory, [0.2, 0.9]);
    assert.equal(b.goneAt, 1234);
    assert.equal(b.error, null, 'an error text only for rows in the error state');
    assert.equal(b.figures?.utilisation, 0.5, 'a node that left keeps its last figures');
    assert.equal(c.figures, null);
  });

  it('keeps the sparkline bounded and reports errors', () => {
    const many = Array.from({ length: 200 }, (_, i) => sample('a@h', i / 200, 0, i));
    const [failed, row] = clusterRows({ name: 'a@h', hidden: false, state: 'up', goneAt: undefined, error: undefined, samples: many }, [
      { name: 'x@h', hidden: false, state: 'error', goneAt: undefined, error: 'could not load the agent', samples: [] },
    ]);
    assert.equal(row.utilisationHistory.length, SPARKLINE_POINTS);
    assert.equal(row.utilisationHistory[SPARKLINE_POINTS - 1], 199 / 200);
    assert.equal(failed.error, 'could not load the agent');
  });

  it('judges the run queue with the shared rule over the recorded samples (guide: half the online schedulers)', () => {
    // 2 online schedulers: the guide is 1.
    const q = (...queues: number[]) => queues.map((rq, i) => sample('a@h', 0.5, rq, i));
    assert.equal(queueLoad([]), 'normal');
    assert.equal(queueLoad(q(0.5, 0.9)), 'normal');
    assert.equal(queueLoad(q(3, 3, 0.5, 1.5)), 'above-guide', 'only the newest run counts');
    assert.equal(queueLoad(q(0.5, 1.5, 2, 4)), 'overloaded', 'three in a row');
    assert.equal(queueLoad(q(1, 1, 1)), 'normal', 'at the guide is not above it');
    const [gone, up] = clusterRows({ name: 'a@h', hidden: false, state: 'up', goneAt: undefined, error: undefined, samples: q(2, 2, 2) }, [
      { name: 'b@h', hidden: false, state: 'gone', goneAt: 1, error: undefined, samples: q(2, 2, 2) },
    ]);
    assert.equal(up.queueLoad, 'overloaded');
    assert.equal(gone.queueLoad, 'normal', 'a node that left is not judged');
  });

  it('orders a large cluster: gone, in error, overloaded, then the rest by name', () => {
    const member = (name: string, state: 'up' | 'gone' | 'error', queues: number[] = []) => ({
      name,
      hidden: false,
      state,
      goneAt: undefined,
      error: state === 'error' ? 'why' : undefined,
      samples: queues.map((rq, i) => sample(name, 0.5, rq, i)),
    });
    const rows = clusterRows(member('a@h', 'up'), [
      member('m1@h', 'up', [0, 0, 0]),
      member('m2@h', 'up', [3, 3, 3]),
      member('m3@h', 'error'),
      member('m4@h', 'gone'),
      member('m0@h', 'up'),
    ]);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['m4@h', 'm3@h', 'm2@h', 'a@h', 'm0@h', 'm1@h'],
    );
  });

  it('through a relay, the target comes first and no row claims the agent', () => {
    const rows = clusterRows(
      { name: 'target@far', hidden: false, state: 'up', goneAt: undefined, error: undefined, samples: [] },
      [{ name: 'peer@far', hidden: false, state: 'loading', goneAt: undefined, error: undefined, samples: [] }],
      false,
    );
    assert.deepEqual(
      rows.map((r) => [r.name, r.agentNode]),
      [
        ['target@far', false],
        ['peer@far', false],
      ],
    );
  });
});
