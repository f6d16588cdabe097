/**
 * Going back in time (shared/rewind.ts) and recording files
 * (shared/recordingFile.ts), against a history recorded from a real node
 * (test/fixtures/samples/history.json: a process `hist_burner` burned a
 * scheduler for 3 s and exited): which moment a click lands on, the as-of
 * rows of a moment and of a range, the time of a log line, and the precise
 * errors for a damaged file or one of another version.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedMoment } from '../../extension/src/protocol/agentProtocol';
import type { RecordingFile } from '../../extension/src/protocol/recordingFormat';
import { parseRecording, RecordingError, recordingFile, recordingText } from '../../extension/src/shared/recordingFile';
import { asOfLabel, coveredMs, lineTimestamp, momentAt, momentsIn, rankedOver, recordAt } from '../../extension/src/shared/rewind';
import { ROOT } from '../support/beamNode';

const TEXT = readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'history.json'), 'utf8');
const RECORDING = JSON.parse(TEXT) as RecordingFile;
const MOMENTS = RECORDING.history.moments;
const burning = (m: RecordedMoment) => m.top.reductions.some((i) => m.processes[i].name === 'hist_burner');
const BURN = MOMENTS.filter(burning);

describe('the recorded history fixture', () => {
  it('holds a burst: hist_burner ranked first by reductions in moments of its 3 s', () => {
    assert.ok(BURN.length >= 2, `${BURN.length} moments with the burner`);
    assert.ok(MOMENTS.length > BURN.length + 4, 'quiet moments before and after');
  });
});

describe('momentAt', () => {
  it('finds the moment whose interval covers the instant, at its ends too', () => {
    const m = BURN[1];
    assert.equal(momentAt(MOMENTS, m.timestamp - m.intervalMs / 2), m);
    assert.equal(momentAt(MOMENTS, m.timestamp), m);
    assert.equal(momentAt(MOMENTS, m.timestamp - m.intervalMs + 1), m);
  });

  it('takes the nearest within its interval outside the history, and nothing farther', () => {
    const first = MOMENTS[0];
    const last = MOMENTS[MOMENTS.length - 1];
    assert.equal(momentAt(MOMENTS, last.timestamp + 200), last);
    assert.equal(momentAt(MOMENTS, first.timestamp - first.intervalMs - 100), first);
    assert.equal(momentAt(MOMENTS, last.timestamp + last.intervalMs + 1), undefined);
    assert.equal(momentAt([], Date.now()), undefined);
  });
});

describe('rankedOver', () => {
  it('a moment: its processes, highest first by the key, the exited burner first by reductions', () => {
    const rows = rankedOver([BURN[1]], 'reductions');
    assert.equal(rows[0].row.name, 'hist_burner');
    assert.equal(rows[0].exited, true);
    assert.deepEqual(rows[0].row.initialCall, { module: 'history_fixture', function: 'burn', arity: 1 });
    assert.equal(rows[0].row.currentFunction?.module, 'history_fixture');
    assert.equal(rows.length, BURN[1].processes.length);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].row.reductions >= rows[i].row.reductions);
    const byMemory = rankedOver([BURN[1]], 'memory');
    for (let i = 1; i < byMemory.length; i++) assert.ok(byMemory[i - 1].row.memory >= byMemory[i].row.memory);
    assert.ok(
      rows.some((r) => !r.exited),
      'processes still alive are not marked',
    );
  });

  it('a range: reductions summed over its moments, memory at its highest, the latest record shown', () => {
    const range = momentsIn(MOMENTS, BURN[0].timestamp - BURN[0].intervalMs, BURN[BURN.length - 1].timestamp);
    for (const m of BURN) assert.ok(range.includes(m), 'every moment of the burst is in the range');
    assert.ok(!range.includes(MOMENTS[0]) && !range.includes(MOMENTS[MOMENTS.length - 1]), 'and not the quiet ends');
    const rows = rankedOver(range, 'reductions');
    const burner = rows[0];
    assert.equal(burner.row.name, 'hist_burner');
    const pid = burner.row.pid;
    const sum = range.flatMap((m) => m.processes.filter((p) => p.pid === pid)).reduce((s, p) => s + p.reductions, 0);
    assert.equal(burner.row.reductions, sum);
    assert.equal(burner.moments, range.filter((m) => m.processes.some((p) => p.pid === pid)).length);
    const maxMemory = Math.max(...range.flatMap((m) => m.processes.filter((p) => p.pid === pid).map((p) => p.memory)));
    assert.equal(burner.row.memory, maxMemory);
    assert.equal(
      coveredMs(range),
      range.reduce((s, m) => s + m.intervalMs, 0),
    );
  });

  it('what a pid was doing at an instant, when it ranked then', () => {
    const pid = rankedOver([BURN[1]], 'reductions')[0].row.pid;
    const at = BURN[1].timestamp - 100;
    assert.equal(recordAt(MOMENTS, at, pid)?.process.name, 'hist_burner');
    assert.equal(recordAt(MOMENTS, MOMENTS[0].timestamp - 10, pid), undefined, 'not born yet');
  });
});

describe('labels and log timestamps', () => {
  it('labels an instant and a range in local time', () => {
    const at = new Date(2026, 11, 6, 10, 42, 13).getTime();
    assert.equal(asOfLabel({ kind: 'moment', at }), 'as of 10:42:13');
    assert.equal(asOfLabel({ kind: 'range', from: at, to: at + 7000 }), '10:42:13 to 10:42:20');
  });

  it('reads ISO dates with a zone, without one (local), and a time of day (today, or yesterday)', () => {
    assert.equal(lineTimestamp('2026-12-06T10:42:13.123Z [info] <0.95.0> started'), Date.UTC(2026, 11, 6, 10, 42, 13, 123));
    assert.equal(lineTimestamp('2026-12-06T10:42:13.123456+01:00 error: <0.9.0>'), Date.UTC(2026, 11, 6, 9, 42, 13, 123));
    assert.equal(lineTimestamp('2026-12-06 10:42:13,5 crash'), new Date(2026, 11, 6, 10, 42, 13, 500).getTime());
    const now = new Date(2026, 11, 6, 11, 0, 0).getTime();
    assert.equal(lineTimestamp('10:42:13.123 [info] #PID<0.95.0> burning', now), new Date(2026, 11, 6, 10, 42, 13, 123).getTime());
    assert.equal(lineTimestamp('[23:59:00] late', now), new Date(2026, 11, 5, 23, 59, 0).getTime());
    assert.equal(lineTimestamp('no time <0.95.0> here', now), undefined);
    assert.equal(lineTimestamp('version 25:61:99 ok', now), undefined);
  });
});

describe('recording files', () => {
  it('reads back what it writes, and the recorded fixture', () => {
    const shown = { kind: 'moment' as const, at: BURN[1].timestamp - 10 };
    const again = parseRecording(recordingText(recordingFile(RECORDING.node, RECORDING.history, '0.1.0', shown, 1)));
    assert.equal(again.savedAt, 1);
    assert.deepEqual(again.shown, shown);
    assert.deepEqual(again.history, RECORDING.history);
    assert.equal(again.savedBy.agent, RECORDING.node.agentVersion);
    assert.equal(parseRecording(TEXT).history.moments.length, MOMENTS.length);
  });

  const refused = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseRecording(text),
      (error: Error) => error instanceof RecordingError && pattern.test(error.message),
    );

  it('refuses a file cut short, with where', () => {
    refused(TEXT.slice(0, 2000), /^the file is not valid JSON \(.* at line \d+, column \d+\); it may be cut short or damaged$/);
    refused('', /not valid JSON/);
  });

  it('refuses another format and another version, saying which', () => {
    refused(JSON.stringify({ format: 'beam-load', samples: [] }), /not a BEAM Observer recording \(its format is "beam-load"\)/);
    refused(JSON.stringify({ ...RECORDING, version: 2 }), /version 2, written by a newer BEAM Observer; this one reads version 1/);
    refused(JSON.stringify({ ...RECORDING, version: '1' }), /version "1" is not one this BEAM Observer reads/);
  });

  it('refuses a damaged moment, naming the field', () => {
    const damaged = structuredClone(RECORDING);
    (damaged.history.moments[3].sample as unknown as Record<string, unknown>).timestamp = 'yesterday';
    refused(JSON.stringify(damaged), /^history\.moments\[3\]\.sample\.timestamp must be a number, not "yesterday"$/);
    const badIndex = structuredClone(RECORDING);
    badIndex.history.moments[2].top.memory.push(999);
    refused(JSON.stringify(badIndex), /history\.moments\[2\]\.top\.memory\[\d+\] must be the index of one of the moment's \d+ processes/);
    const unordered = structuredClone(RECORDING);
    unordered.history.moments.reverse();
    refused(JSON.stringify(unordered), /history\.moments\[1\]\.timestamp is before the moment above it/);
    refused(JSON.stringify({ ...RECORDING, shown: { kind: 'range', from: 5, to: 1 } }), /^shown must be null, /);
    const noNode = structuredClone(RECORDING) as unknown as Record<string, unknown>;
    delete noNode.node;
    refused(JSON.stringify(noNode), /^node must be an object and is missing$/);
  });
});
