/** The text of tracing: live figures, durations, rows of the trace panel, why a trace ended. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceEvent } from '../../extension/src/protocol/agentProtocol';
import {
  addEvents,
  formatDuration,
  formatFunction,
  formatRate,
  newestFirst,
  rowMatches,
  stopReasonText,
  type TraceRow,
} from '../../extension/src/shared/traceFormat';

const fn = { module: 'Elixir.Shop.Cart', function: 'total', arity: 1 };

describe('tracing text', () => {
  it('formats the live figure after a counted function', () => {
    assert.equal(formatRate(1204, 1000, 373_240), '1,204 calls/s · 310 µs avg');
    assert.equal(formatRate(2408, 2000, 2408 * 1500), '1,204 calls/s · 1.50 ms avg');
    assert.equal(formatRate(3, 1000, null), '3.0 calls/s');
    assert.equal(formatRate(0, 1000, 0), '0 calls/s');
    assert.equal(formatRate(1, 2000, 40), '0.5 calls/s · 40 µs avg');
  });

  it('formats durations', () => {
    assert.equal(formatDuration(4.25), '4.3 µs');
    assert.equal(formatDuration(312), '312 µs');
    assert.equal(formatDuration(1240), '1.24 ms');
    assert.equal(formatDuration(250_000), '250.0 ms');
    assert.equal(formatDuration(2_100_000), '2.1 s');
  });

  it('names functions as users write them', () => {
    assert.equal(formatFunction(fn), 'Shop.Cart.total/1');
    assert.equal(formatFunction({ module: 'shop_cart', function: 'add', arity: 3 }), 'shop_cart:add/3');
  });

  it('merges a call and its outcome into one row, newest first', () => {
    const events: TraceEvent[] = [
      { id: 1, kind: 'call', timeUs: 10, pid: '<0.1.0>', function: fn, args: ['%Cart{}'], truncated: false },
      { id: 2, kind: 'call', timeUs: 20, pid: '<0.2.0>', function: fn, args: ['nil'], truncated: false },
      { id: 3, kind: 'return', timeUs: 30, pid: '<0.1.0>', function: fn, result: '42', callId: 1, durationUs: 20, truncated: false },
      {
        id: 4,
        kind: 'exception',
        timeUs: 35,
        pid: '<0.2.0>',
        function: fn,
        exception: 'error: badarg',
        callId: 2,
        durationUs: 15,
        truncated: true,
      },
      { id: 5, kind: 'call', timeUs: 40, pid: '<0.1.0>', function: fn, args: null, truncated: false },
      { id: 6, kind: 'send', timeUs: 50, pid: '<0.1.0>', message: '{hello,1}', to: '<0.9.0>', truncated: false },
    ];
    const rows = addEvents(new Map<number, TraceRow>(), events.slice(0, 2), true);
    addEvents(rows, events.slice(2), true);
    const shown = newestFirst(rows.values());
    assert.deepEqual(
      shown.map((r) => [r.id, r.kind, r.args, r.outcome.kind, r.outcome.text, r.durationUs, r.truncated]),
      [
        [6, 'send', null, 'none', '', null, false],
        [5, 'call', null, 'pending', '', null, false],
        [2, 'call', 'nil', 'exception', 'error: badarg', 15, true],
        [1, 'call', '%Cart{}', 'return', '42', 20, false],
      ],
    );
    assert.equal(addEvents(new Map(), events.slice(0, 1), false).get(1)?.outcome.kind, 'none', 'no outcome awaited without returns');
  });

  it('filters rows on any cell, ignoring case', () => {
    const rows = newestFirst(
      addEvents(
        new Map(),
        [
          { id: 1, kind: 'call', timeUs: 1, pid: '<0.77.0>', function: fn, args: ['"ABC"'], truncated: false },
          { id: 2, kind: 'return', timeUs: 2, pid: '<0.77.0>', function: fn, result: ':ok', callId: 1, durationUs: 1, truncated: false },
        ],
        true,
      ).values(),
    );
    assert.ok(rowMatches(rows[0], 'abc'));
    assert.ok(rowMatches(rows[0], 'Cart.total'));
    assert.ok(rowMatches(rows[0], '<0.77'));
    assert.ok(rowMatches(rows[0], ':OK'));
    assert.ok(rowMatches(rows[0], '  '));
    assert.ok(!rowMatches(rows[0], 'nothing like it'));
  });

  it('says why a trace ended', () => {
    const limits = { maxEvents: 200, maxPerSecond: 50, durationMs: 30_000 };
    assert.equal(stopReasonText('maxEvents', limits), 'Reached its limit of 200 events.');
    assert.equal(stopReasonText('duration', limits), 'Ran for its limit of 30.0 s.');
    assert.match(stopReasonText('overload', limits), /faster than the tracer/);
    assert.match(stopReasonText('moduleReloaded', undefined), /reloaded/);
  });
});
