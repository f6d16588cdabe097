/**
 * The process tree as of a recorded moment (views/asOfTree.ts), from the
 * history recorded from a real node (test/fixtures/samples/history.json:
 * hist_burner burned a scheduler for 3 s and exited): the rows and their
 * order by each key, the exited mark, the banner, and what an exited
 * process shows when expanded. processTree.ts renders exactly these.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingFile } from '../../extension/src/protocol/recordingFormat';
import { momentsIn } from '../../extension/src/shared/rewind';
import { asOfBanner, asOfRows, asOfTitle, recordLines, type AsOfView } from '../../extension/src/views/asOfTree';
import { rowDescription } from '../../extension/src/views/processDetails';
import { ROOT } from '../support/beamNode';

const RECORDING = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'history.json'), 'utf8')) as RecordingFile;
const MOMENTS = RECORDING.history.moments;
const SPIKE = MOMENTS.reduce((a, b) => (b.sample.utilisation.normalAvg > a.sample.utilisation.normalAvg ? b : a));
const at = SPIKE.timestamp - 100;
const view: AsOfView = { asOf: { kind: 'moment', at }, moments: [SPIKE], node: RECORDING.node.node, recording: undefined };

describe('the tree as of a recorded moment', () => {
  it('lists the moment’s processes by the sort key, the exited burner first by reductions, with its rate then', () => {
    const { rows, records, windowMs } = asOfRows(view, 'reductions', 200);
    assert.equal(windowMs, SPIKE.intervalMs);
    assert.equal(rows[0].name, 'hist_burner');
    assert.equal(records.get(rows[0].pid)!.exited, true);
    assert.match(rowDescription(rows[0], 'reductions', windowMs), /^\d+(\.\d)?M reds\/s$/);
    const agentRows = rows.filter((r) => r.agent);
    assert.ok(
      agentRows.some((r) => r.name === 'beam_observer_recorder'),
      'the agent’s own processes are there, marked as the agent’s',
    );
    assert.equal(asOfRows(view, 'reductions', 3).rows.length, 3, 'the tree’s limit holds');
    const byMemory = asOfRows(view, 'memory', 200).rows;
    assert.ok(byMemory.every((r, i) => i === 0 || byMemory[i - 1].memory >= r.memory));
  });

  it('says what it shows: the title and the banner', () => {
    assert.match(asOfTitle(view), new RegExp(`^${RECORDING.node.node} · as of \\d\\d:\\d\\d:\\d\\d$`));
    assert.match(asOfBanner(view), /^As of \d\d:\d\d:\d\d: the moment recorded at \d\d:\d\d:\d\d, over \d\.\d s \(nonode@nohost\)\.$/);
    const range: AsOfView = {
      asOf: { kind: 'range', from: MOMENTS[5].timestamp, to: MOMENTS[11].timestamp },
      moments: momentsIn(MOMENTS, MOMENTS[5].timestamp, MOMENTS[11].timestamp),
      node: RECORDING.node.node,
      recording: 'incident.json',
    };
    assert.match(
      asOfBanner(range),
      /^\d\d:\d\d:\d\d to \d\d:\d\d:\d\d: \d+ moments recorded from .* ranked by their sum \(recording incident\.json\)\.$/,
    );
    assert.equal(asOfRows(range, 'reductions', 200).rows[0].name, 'hist_burner');
  });

  it('an exited process shows its record: name, what it ran then, its initial call and figures', () => {
    const { rows, records, windowMs } = asOfRows(view, 'reductions', 200);
    const lines = Object.fromEntries(recordLines(records.get(rows[0].pid)!, windowMs).map((l) => [l.label, l.description]));
    assert.equal(lines['Registered name'], 'hist_burner');
    assert.equal(lines['Initial call'], 'history_fixture:burn/1');
    assert.match(lines['Running then'], /^history_fixture:/);
    assert.match(lines['Reductions'], /^\d+(\.\d)?M over \d\.\d s \(\d+(\.\d)?M\/s\)$/);
    assert.match(lines['Recorded at'], /^\d\d:\d\d:\d\d$/);
  });
});
