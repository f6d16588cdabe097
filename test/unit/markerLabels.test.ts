import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { placeMarkerLabels } from '../../webview/src/charts/markerLabels';

describe('overload marker labels', () => {
  it('labels every marker when they are far apart', () => {
    assert.deepEqual(placeMarkerLabels([0, 100, 200], 60, 400), [0, 100, 200]);
  });

  it('leaves out a label that would run into the one before it', () => {
    // 60 wide + 6 gap: 0 takes up to 66, so 30 and 60 go without, 70 gets one.
    assert.deepEqual(placeMarkerLabels([0, 30, 60, 70], 60, 400), [0, null, null, 70]);
  });

  it('pulls a label near the right edge inside the chart, unless that hits the previous one', () => {
    assert.deepEqual(placeMarkerLabels([380], 60, 400), [340]);
    assert.deepEqual(placeMarkerLabels([300, 380], 60, 400), [300, null]);
    assert.deepEqual(placeMarkerLabels([200, 380], 60, 400), [200, 340]);
  });

  it('a marker that starts before the visible window gets its label at 0; no label wider than the chart', () => {
    assert.deepEqual(placeMarkerLabels([-20], 60, 400), [0]);
    assert.deepEqual(placeMarkerLabels([0], 60, 50), [null]);
    assert.deepEqual(placeMarkerLabels([], 60, 400), []);
  });
});
