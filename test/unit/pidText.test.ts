import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findPids, isLocalPid, otherNodeMessage, parsePid, pidAt } from '../../extension/src/pids/pidText';

describe('pid text', () => {
  it('finds Elixir and Erlang pids in a log line, with their offsets', () => {
    const line = '12:00:01 [error] GenServer #PID<0.123.0> terminating, linked to <0.45.0> and <5.1.0>';
    const found = findPids(line);
    assert.deepEqual(
      found.map((p) => [p.text, p.pid, p.nodeIndex]),
      [
        ['#PID<0.123.0>', '<0.123.0>', 0],
        ['<0.45.0>', '<0.45.0>', 0],
        ['<5.1.0>', '<5.1.0>', 5],
      ],
    );
    assert.equal(line.slice(found[0].start, found[0].end), '#PID<0.123.0>');
  });

  it('ignores things that only look like pids', () => {
    assert.deepEqual(findPids('<0.1> <a.b.c> <0.1.2.3 <01234567890.1.0>'), []);
  });

  it('finds the pid under a cursor, including on its edges', () => {
    const line = 'x #PID<0.9.0> y';
    assert.equal(pidAt(line, 2)?.pid, '<0.9.0>');
    assert.equal(pidAt(line, 13)?.pid, '<0.9.0>');
    assert.equal(pidAt(line, 0), undefined);
    assert.equal(pidAt(line, 14), undefined);
  });

  it('parses what a user types', () => {
    assert.equal(parsePid('<0.1.0>')?.pid, '<0.1.0>');
    assert.equal(parsePid(' #PID<0.1.0> ')?.pid, '<0.1.0>');
    assert.equal(parsePid('0.77.0')?.pid, '<0.77.0>');
    assert.equal(parsePid('<0.1.0> trailing'), undefined);
    assert.equal(parsePid('pid'), undefined);
  });

  it("never treats another node's pid as local, and says why", () => {
    const remote = parsePid('<11972.14658.0>')!;
    assert.equal(isLocalPid(remote), false);
    assert.match(otherNodeMessage(remote), /belongs to another node \(node number 11972/);
    assert.equal(isLocalPid(parsePid('<0.14658.0>')!), true);
  });

  it('stays fast on hostile input', () => {
    const hostile = '<0.'.repeat(50_000) + '#PID<'.repeat(50_000);
    const started = Date.now();
    assert.deepEqual(findPids(hostile), []);
    assert.ok(Date.now() - started < 500);
  });
});
