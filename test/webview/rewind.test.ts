/**
 * Going back in time from the load charts (issue 14), in headless Chromium
 * without VS Code, fed the history recorded from a real node
 * (test/fixtures/samples/history.json: hist_burner burned a scheduler for
 * 3 s): a click on a chart at a recorded time posts that time to the host, a
 * drag posts the range, and the moment the host says the tree shows is
 * marked on every chart (a line, or a band). Screenshots go to
 * test-output/webview/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RecordingFile } from '../../extension/src/protocol/recordingFormat';
import type { ChartNode, WebviewToHost } from '../../extension/src/protocol/webviewProtocol';
import type { ChartId } from '../../webview/src/chartId';
import type { BeamChartsTestHook } from '../../webview/src/testHookTypes';
import { ROOT } from '../support/beamNode';
import {
  launchChromium,
  openChartsPage,
  startChartsServer,
  type ChartsBrowser,
  type ChartsPageHandle,
  type ChartsServer,
} from '../support/chartPage';

const SHOTS = join(ROOT, 'test-output', 'webview');
const RECORDING = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'history.json'), 'utf8')) as RecordingFile;
const MOMENTS = RECORDING.history.moments;
const SAMPLES = MOMENTS.map((m) => m.sample);
const NODE: ChartNode = {
  id: 'recording:history.json',
  name: RECORDING.node.node,
  otpRelease: RECORDING.node.otpRelease,
  schedulers: RECORDING.node.schedulers,
  state: 'recording',
};
/** The moment the burner ran hardest. */
const SPIKE = MOMENTS.reduce((a, b) => (b.sample.utilisation.normalAvg > a.sample.utilisation.normalAvg ? b : a));
const CHARTS: ChartId[] = ['utilisation', 'runQueue', 'memory', 'io', 'reductions', 'processes'];

declare const window: { __beamCharts?: BeamChartsTestHook };

let server: ChartsServer;
let browser: ChartsBrowser;
let page: ChartsPageHandle;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startChartsServer();
  browser = await launchChromium();
  page = await openChartsPage(browser.context, server, { theme: 'dark', width: 1100, height: 760 });
  const { frames } = await page.snapshot();
  await page.post({ type: 'reset', node: NODE, samples: SAMPLES });
  await page.nextFrame(frames);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const sent = () => page.page.evaluate(() => window.__beamCharts!.sentToHost());

/** The page position of time t on a chart, halfway down its plot. */
async function pointAt(chart: ChartId, t: number): Promise<{ x: number; y: number }> {
  const x = await page.page.evaluate(([c, time]) => window.__beamCharts!.clientXOf(c as ChartId, time as number), [chart, t] as const);
  const box = (await page.page.locator(`[data-chart="${chart}"] .plot`).boundingBox())!;
  assert.ok(x !== null && x > box.x && x < box.x + box.width, `time ${t} is inside the ${chart} plot`);
  return { x: x!, y: box.y + box.height / 2 };
}

describe('going back in time from the charts', () => {
  test('shows the recording, with no node attached', async () => {
    const snap = await page.snapshot();
    assert.equal(snap.node, RECORDING.node.node);
    assert.equal(snap.state, 'recording');
    assert.equal(snap.sampleCount, MOMENTS.length);
    assert.equal(await page.page.locator('.node-state').textContent(), 'recording, no node attached');
  });

  test('a click on any chart at a recorded time posts that time', async () => {
    for (const chart of ['utilisation', 'reductions', 'memory'] as ChartId[]) {
      const before = (await sent()).length;
      const { x, y } = await pointAt(chart, SPIKE.timestamp);
      await page.page.mouse.click(x, y);
      const posted = (await sent()).slice(before);
      assert.deepEqual(posted, [{ type: 'pickTime', at: SPIKE.timestamp }] satisfies WebviewToHost[], `a click on ${chart}`);
    }
    // A click a little off the sample still picks that sample: the one the crosshair shows.
    const before = (await sent()).length;
    const { x, y } = await pointAt('runQueue', SPIKE.timestamp - 200);
    await page.page.mouse.click(x, y);
    assert.deepEqual((await sent()).slice(before), [{ type: 'pickTime', at: SPIKE.timestamp }]);
  });

  test('a drag posts the range it covered', async () => {
    const first = MOMENTS[6].timestamp;
    const last = MOMENTS[11].timestamp;
    const a = await pointAt('utilisation', first);
    const b = await pointAt('utilisation', last);
    const before = (await sent()).length;
    await page.page.mouse.move(a.x, a.y);
    await page.page.mouse.down();
    await page.page.mouse.move((a.x + b.x) / 2, a.y, { steps: 4 });
    // While dragging, the range so far is marked.
    await page.page.waitForFunction(() => window.__beamCharts!.snapshot().charts.utilisation.decorations.asOfMarker === 1, undefined, {
      timeout: 5000,
    });
    await page.page.mouse.move(b.x, b.y, { steps: 4 });
    await page.page.mouse.up();
    const posted = (await sent()).slice(before);
    assert.equal(posted.length, 1);
    const range = posted[0];
    assert.ok(range.type === 'pickRange');
    // Within a pixel's worth of time of the ends dragged.
    const msPerPixel = (MOMENTS[MOMENTS.length - 1].timestamp - MOMENTS[0].timestamp) / (b.x - a.x) / 2;
    assert.ok(Math.abs(range.from - first) <= Math.max(50, msPerPixel * 2), `from ${range.from} vs ${first}`);
    assert.ok(Math.abs(range.to - last) <= Math.max(50, msPerPixel * 2), `to ${range.to} vs ${last}`);
  });

  test('marks on every chart the moment the tree shows, and the range, until back to live', async () => {
    let { frames } = await page.snapshot();
    await page.post({ type: 'asOf', asOf: { kind: 'moment', at: SPIKE.timestamp } });
    await page.nextFrame(frames);
    let snap = await page.snapshot();
    assert.deepEqual(snap.asOf, { kind: 'moment', at: SPIKE.timestamp });
    for (const chart of CHARTS) {
      assert.equal(snap.charts[chart].decorations.asOfMarker, 1, `${chart} marks the moment`);
      const expected = (await pointAt(chart, SPIKE.timestamp)).x;
      const box = (await page.page.locator(`[data-chart="${chart}"] .plot`).boundingBox())!;
      // asOfX is inside the plot's margins: compare positions on the page.
      const drawn = box.x + 46 + snap.charts[chart].decorations.asOfX;
      assert.ok(Math.abs(drawn - expected) < 1.5, `${chart} line at ${drawn}, the moment at ${expected}`);
    }
    assert.equal(await page.page.locator('.as-of-line').count(), CHARTS.length);
    await page.page.locator('[data-chart="utilisation"]').screenshot({ path: join(SHOTS, 'rewind-moment-marked.png') });

    ({ frames } = await page.snapshot());
    await page.post({ type: 'asOf', asOf: { kind: 'range', from: MOMENTS[6].timestamp, to: MOMENTS[11].timestamp } });
    await page.nextFrame(frames);
    assert.equal(await page.page.locator('.as-of-band').count(), CHARTS.length);
    assert.equal(await page.page.locator('.as-of-line').count(), 0);
    await page.page.screenshot({ path: join(SHOTS, 'rewind-range-marked.png') });

    ({ frames } = await page.snapshot());
    await page.post({ type: 'asOf', asOf: null });
    await page.nextFrame(frames);
    snap = await page.snapshot();
    assert.equal(snap.asOf, null);
    assert.equal(await page.page.locator('.as-of-band, .as-of-line').count(), 0);
    for (const chart of CHARTS) assert.equal(snap.charts[chart].decorations.asOfMarker, undefined);
    assert.deepEqual(page.errors, []);
  });
});
