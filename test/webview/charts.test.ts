/**
 * The load-charts webview (dist/webview.js) in headless Chromium, without VS
 * Code, fed samples recorded from real nodes (test/fixtures/samples): what
 * it draws (series, axis domains, guide, overload markers, canvas pixels in
 * the theme's colours), how its controls behave (window, pause, export, open
 * in editor), that it draws at most once per frame and not while hidden,
 * and that the page runs under the extension's CSP without a violation.
 * Screenshots go to test-output/webview/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import type { ChartId } from '../../webview/src/chartId';
import type { BeamChartsTestHook } from '../../webview/src/testHookTypes';
import {
  launchChromium,
  openChartsPage,
  startChartsServer,
  type ChartsBrowser,
  type ChartsPageHandle,
  type ChartsServer,
} from '../support/chartPage';
import { ROOT } from '../support/beamNode';
import { loadRecording, type Recording } from '../support/recordedSamples';
import { BODY_CLASS, themeColor, themeVariables, type ThemeName } from '../support/vscodeThemes';

const SHOTS = join(ROOT, 'test-output', 'webview');

/** What the page's functions below run against (no DOM library in this compilation). */
declare const document: {
  body: { className: string };
  documentElement: { scrollWidth: number; style: { setProperty(name: string, value: string): void } };
  querySelector(selector: string): {
    hidden: boolean;
    getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    width: number;
    height: number;
  } | null;
  dispatchEvent(event: unknown): boolean;
};
declare const Event: new (type: string) => unknown;
declare function getComputedStyle(element: unknown): { display: string };
declare const window: { __beamCharts?: BeamChartsTestHook };

let server: ChartsServer;
let browser: ChartsBrowser;
let overloaded: Recording;
let idle: Recording;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  overloaded = loadRecording('overloaded');
  idle = loadRecording('idle');
  server = await startChartsServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(
  theme: ThemeName,
  options: { surface?: 'sidebar' | 'panel'; width?: number; height?: number } = {},
): Promise<ChartsPageHandle> {
  return openChartsPage(browser.context, server, {
    theme,
    surface: options.surface ?? 'panel',
    width: options.width ?? 1100,
    height: options.height ?? 760,
  });
}

async function show(page: ChartsPageHandle, recording: Recording): Promise<void> {
  const { frames } = await page.snapshot();
  await page.post({ type: 'reset', node: recording.node, samples: recording.samples });
  await page.nextFrame(frames);
}

/** Samples after the recording's last one, one interval apart, as a live node would send. */
function laterSamples(recording: Recording, count: number): LoadSample[] {
  const last = recording.samples[recording.samples.length - 1];
  return Array.from({ length: count }, (_, i) => ({ ...last, timestamp: last.timestamp + (i + 1) * last.intervalMs }));
}

/** Share of a chart canvas's pixels drawn in a colour (any opacity): what is really on screen. */
async function colourShare(page: ChartsPageHandle, chart: ChartId, hex: string, tolerance = 6): Promise<number> {
  const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return page.page.evaluate(
    ([id, [r, g, b], tol]) => {
      const canvas = document.querySelector(`[data-chart="${id}"] canvas`)!;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let hits = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 0 && Math.abs(data[i] - r) <= tol && Math.abs(data[i + 1] - g) <= tol && Math.abs(data[i + 2] - b) <= tol) hits++;
      }
      return hits / (data.length / 4);
    },
    [chart, rgb, tolerance] as const,
  );
}

function lastTimestamp(recording: Recording): number {
  return recording.samples[recording.samples.length - 1].timestamp;
}

describe('load charts webview', () => {
  let dark: ChartsPageHandle;

  before(async () => {
    dark = await open('dark');
  });

  test('asks the host for data, then draws every chart of the overloaded recording', async () => {
    const sent = await dark.page.evaluate(() => window.__beamCharts!.sentToHost());
    assert.deepEqual(sent[0], { type: 'ready' });

    await show(dark, overloaded);
    const snap = await dark.snapshot();
    const { charts } = snap;
    const { online, total } = overloaded.node.schedulers;
    assert.equal(online, 3, 'the overloaded recording runs with fewer schedulers online than exist');
    assert.equal(snap.sampleCount, overloaded.samples.length);
    assert.equal(snap.shownSampleCount, overloaded.samples.length);

    // One shared time axis, spanning the samples.
    assert.equal(snap.xDomain[1], lastTimestamp(overloaded));
    assert.equal(snap.xDomain[1] - snap.xDomain[0], 60_000);
    assert.ok(snap.xDomain[0] <= overloaded.samples[0].timestamp);
    for (const chart of Object.values(charts)) assert.deepEqual(chart.xDomain, snap.xDomain);

    // Utilisation: a line per online normal scheduler, their average, dirty CPU apart; 0..100%.
    assert.deepEqual(charts.utilisation.series, ['scheduler 1', 'scheduler 2', 'scheduler 3', 'normal average', 'dirty CPU average']);
    assert.deepEqual(charts.utilisation.yDomain, [0, 1]);
    assert.equal(charts.utilisation.note, `online ${online} of ${total}`);
    assert.ok(charts.utilisation.legend.includes('Dirty CPU 100%'), charts.utilisation.legend.join(', '));
    // The canvas is painted a moment after the frame that laid it out (later on a loaded machine).
    let dirtyShare = 0;
    for (let i = 0; i < 30 && dirtyShare <= 0.1; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      dirtyShare = await colourShare(dark, 'utilisation', themeColor('dark', 'charts-orange'));
    }
    assert.ok(dirtyShare > 0.1, `RSA key generation fills the dirty CPU area (${dirtyShare})`);

    // Run queue: totals and per scheduler, guide at half the online schedulers, one overload episode.
    assert.deepEqual(charts.runQueue.series, [
      'total average',
      'total maximum',
      'scheduler 1 average',
      'scheduler 2 average',
      'scheduler 3 average',
      'dirty CPU queue',
    ]);
    assert.equal(charts.runQueue.decorations.guide, online / 2);
    assert.equal(snap.overloadMarkers, 1);
    assert.equal(snap.overloaded, true);
    assert.equal(charts.runQueue.note, 'overloaded');
    assert.equal(await dark.page.locator('[data-chart="runQueue"] .overload-marker').count(), 1);
    const maxQueue = Math.max(...overloaded.samples.map((s) => s.runQueue.totalMax));
    assert.ok(charts.runQueue.yDomain[1] >= maxQueue, 'the run-queue axis fits the largest maximum');

    // Memory stacked by kind, with the total; the axis fits the total.
    assert.deepEqual(charts.memory.series, ['processes', 'binary', 'ets', 'atom', 'code', 'other', 'total']);
    assert.deepEqual(
      charts.memory.legend.map((l) => l.split(' ')[0]),
      ['Processes', 'Binary', 'ETS', 'Atom', 'Code', 'Other', 'Total'],
    );
    const maxMemory = Math.max(...overloaded.samples.map((s) => s.memory.total));
    assert.ok(charts.memory.yDomain[1] >= maxMemory && charts.memory.yDomain[1] < maxMemory * 2);

    assert.deepEqual(charts.io.series, ['in', 'out']);
    assert.deepEqual(charts.reductions.series, ['reductions']);
    assert.deepEqual(charts.processes.series, ['processes']);
    const maxReductionsPerSecond = Math.max(...overloaded.samples.map((s) => (s.reductions * 1000) / s.intervalMs));
    assert.ok(charts.reductions.yDomain[1] >= maxReductionsPerSecond);

    await dark.page.screenshot({ path: join(SHOTS, 'charts-dark.png'), fullPage: true });
    assert.deepEqual(dark.errors, [], 'no console error and no CSP violation');
  });

  test('the idle recording shows no overload marker and no dirty CPU', async () => {
    await show(dark, idle);
    const snap = await dark.snapshot();
    assert.equal(snap.overloadMarkers, 0);
    assert.equal(snap.overloaded, false);
    assert.equal(await dark.page.locator('[data-chart="runQueue"] .overload-marker').count(), 0);
    assert.equal(snap.charts.runQueue.decorations.guide, idle.node.schedulers.online / 2);
    assert.equal(snap.charts.runQueue.note, 'guide 1');
    assert.deepEqual(snap.charts.utilisation.series, ['scheduler 1', 'scheduler 2', 'normal average', 'dirty CPU average']);
    assert.equal(snap.charts.utilisation.note, 'online 2 of 2');
    const dirtyShare = await colourShare(dark, 'utilisation', themeColor('dark', 'charts-orange'));
    assert.ok(dirtyShare < 0.02, `only the zero line of dirty CPU is drawn (${dirtyShare})`);
  });

  test('the window selector sets the x domain', async () => {
    await show(dark, overloaded);
    const select = dark.page.locator('.window-select');
    for (const [label, ms] of [
      ['5 min', 300_000],
      ['10 min', 600_000],
      ['1 min', 60_000],
    ] as const) {
      const { frames } = await dark.snapshot();
      await select.click();
      await dark.page.getByRole('option', { name: label }).click();
      await dark.nextFrame(frames);
      const snap = await dark.snapshot();
      assert.equal(snap.windowMs, ms);
      assert.deepEqual(snap.xDomain, [lastTimestamp(overloaded) - ms, lastTimestamp(overloaded)]);
      assert.equal(snap.shownSampleCount, overloaded.samples.length);
    }
  });

  test('pause freezes the charts while samples arrive; resume catches up', async () => {
    await show(dark, overloaded);
    const pause = dark.page.locator('vscode-button.pause');
    const { frames } = await dark.snapshot();
    await pause.click();
    await dark.nextFrame(frames);
    const paused = await dark.snapshot();
    assert.equal(paused.paused, true);
    assert.equal(await pause.textContent(), 'Resume');

    const more = laterSamples(overloaded, 5);
    for (const sample of more) await dark.post({ type: 'sample', nodeId: overloaded.node.id, sample });
    await dark.page.waitForTimeout(250);
    const still = await dark.snapshot();
    assert.equal(still.sampleCount, overloaded.samples.length + 5, 'samples are still recorded');
    assert.deepEqual(still.xDomain, paused.xDomain);
    assert.equal(still.frames, paused.frames, 'nothing was drawn');
    assert.equal(still.charts.processes.legend[0], paused.charts.processes.legend[0]);

    await pause.click();
    await dark.nextFrame(still.frames);
    const resumed = await dark.snapshot();
    assert.equal(resumed.paused, false);
    assert.equal(resumed.xDomain[1], more[more.length - 1].timestamp);
  });

  test('draws once for a burst of samples, and not at all while hidden', async () => {
    await show(dark, overloaded);
    const before = await dark.snapshot();
    const burst = laterSamples(overloaded, 10);
    await dark.postAll(burst.map((sample) => ({ type: 'sample', nodeId: overloaded.node.id, sample })));
    await dark.nextFrame(before.frames);
    await dark.page.waitForTimeout(150);
    const afterBurst = await dark.snapshot();
    // Ten messages are ten tasks: a busy machine may fit an animation frame between them,
    // but drawing stays coalesced, far from one frame per sample.
    const drawn = afterBurst.frames - before.frames;
    assert.ok(drawn >= 1 && drawn <= 3, `${drawn} frames for a burst of 10 samples`);
    assert.equal(afterBurst.xDomain[1], burst[burst.length - 1].timestamp);

    // VS Code hides a webview by its visibility state; pretend, since headless pages stay visible.
    await dark.page.evaluate(() => Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }));
    const next = { ...burst[burst.length - 1], timestamp: burst[burst.length - 1].timestamp + 1000 };
    await dark.post({ type: 'sample', nodeId: overloaded.node.id, sample: next });
    await dark.page.waitForTimeout(250);
    const hidden = await dark.snapshot();
    assert.equal(hidden.frames, afterBurst.frames, 'no frame while hidden');
    assert.equal(hidden.sampleCount, afterBurst.sampleCount + 1);

    await dark.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await dark.nextFrame(hidden.frames);
    assert.equal((await dark.snapshot()).xDomain[1], next.timestamp);
  });

  test('ignores samples of another node and shows connection changes', async () => {
    await show(dark, overloaded);
    const before = await dark.snapshot();
    await dark.post({ type: 'sample', nodeId: 'another', sample: laterSamples(overloaded, 1)[0] });
    await dark.post({ type: 'state', nodeId: overloaded.node.id, state: 'lost' });
    await dark.page.waitForTimeout(100);
    const snap = await dark.snapshot();
    assert.equal(snap.sampleCount, before.sampleCount);
    assert.equal(snap.state, 'lost');
    assert.equal(await dark.page.locator('.node-state').textContent(), 'connection lost, reconnecting…');
  });

  test('exports the recorded samples as CSV and JSON through the host', async () => {
    await show(dark, overloaded);
    const sentBefore = (await dark.page.evaluate(() => window.__beamCharts!.sentToHost())).length;
    await dark.page.locator('vscode-button[data-export="csv"]').click();
    await dark.page.locator('vscode-button[data-export="json"]').click();
    const sent = (await dark.page.evaluate(() => window.__beamCharts!.sentToHost())).slice(sentBefore);
    assert.equal(sent.length, 2);
    const [csv, json] = sent;
    assert.ok(csv.type === 'export' && csv.format === 'csv');
    assert.ok(json.type === 'export' && json.format === 'json');
    assert.match(csv.fileName, /^beam-load-nonode_nohost-\d{8}-\d{6}\.csv$/);
    assert.match(json.fileName, /^beam-load-nonode_nohost-\d{8}-\d{6}\.json$/);

    const lines = csv.content.trimEnd().split('\n');
    const header = lines[0].split(',');
    assert.equal(header[0], 'time');
    for (const column of [
      'timestamp',
      'utilisation.normal.1',
      'utilisation.normal.4',
      'utilisation.dirtyCpu.2',
      'runQueue.totalAvg',
      'runQueue.normal.max.3',
      'memory.total',
      'memory.binary',
      'io.inBytes',
      'reductions',
      'processes.count',
    ]) {
      assert.ok(header.includes(column), `CSV column ${column}`);
    }
    assert.equal(lines.length - 1, overloaded.samples.length, 'one row per recorded sample');
    for (const line of lines.slice(1)) assert.equal(line.split(',').length, header.length);
    const firstRow = lines[1].split(',');
    assert.equal(firstRow[0], new Date(overloaded.samples[0].timestamp).toISOString());
    assert.equal(Number(firstRow[header.indexOf('memory.total')]), overloaded.samples[0].memory.total);

    const exported = JSON.parse(json.content) as { node: { name: string }; samples: LoadSample[] };
    assert.equal(exported.node.name, overloaded.node.name);
    assert.deepEqual(exported.samples, overloaded.samples);
  });

  test('with no node, says so and offers nothing to export', async () => {
    await dark.post({ type: 'reset', node: null, samples: [] });
    await dark.page.waitForTimeout(100);
    assert.equal(await dark.page.locator('.empty').isVisible(), true);
    assert.equal(await dark.page.locator('.charts').isVisible(), false);
    assert.equal(await dark.page.locator('vscode-button[data-export="csv"]').getAttribute('disabled'), '');
    assert.equal((await dark.snapshot()).node, null);
    assert.deepEqual(dark.errors, []);
  });

  test('light theme: drawn in the light palette', async () => {
    const light = await open('light');
    await show(light, overloaded);
    // Under a loaded CI machine the page may still settle (a late layout redraws the canvas): allow it 3 s.
    let lightBlue = 0;
    for (const deadline = Date.now() + 3000; lightBlue <= 0.05 && Date.now() < deadline; await light.page.waitForTimeout(100)) {
      lightBlue = await colourShare(light, 'memory', themeColor('light', 'charts-blue'), 2);
    }
    assert.ok(lightBlue > 0.05, `processes memory in light blue (share ${lightBlue})`);
    assert.equal(await colourShare(light, 'memory', themeColor('dark', 'charts-blue'), 2), 0, 'no dark-theme blue');
    await light.page.screenshot({ path: join(SHOTS, 'charts-light.png'), fullPage: true });

    // Switching theme live: VS Code rewrites the variables on <html> and the body's class.
    const { frames } = await light.snapshot();
    await light.page.evaluate(
      ([vars, bodyClass]) => {
        for (const [name, value] of Object.entries(vars)) document.documentElement.style.setProperty(name, value);
        document.body.className = bodyClass;
      },
      [themeVariables('dark'), BODY_CLASS.dark] as const,
    );
    await light.nextFrame(frames);
    assert.ok((await colourShare(light, 'memory', themeColor('dark', 'charts-blue'), 2)) > 0.05, 'redrawn in dark blue');
    assert.equal(await colourShare(light, 'memory', themeColor('light', 'charts-blue'), 2), 0, 'no light-theme blue left');
    assert.deepEqual(light.errors, []);
    await light.page.close();
  });

  test('high-contrast theme renders without errors', async () => {
    const hc = await open('high-contrast');
    await show(hc, overloaded);
    await hc.page.screenshot({ path: join(SHOTS, 'charts-high-contrast.png'), fullPage: true });
    assert.deepEqual(hc.errors, []);
    await hc.page.close();
  });

  test('sidebar: compact, fits a narrow view, opens the editor panel', async () => {
    const side = await open('dark', { surface: 'sidebar', width: 300, height: 1100 });
    await show(side, overloaded);
    assert.ok((await side.page.evaluate(() => document.documentElement.scrollWidth)) <= 300, 'no horizontal scrolling');
    const snap = await side.snapshot();
    assert.equal(snap.overloadMarkers, 1);
    await side.page.getByRole('button', { name: 'Open in Editor' }).click();
    const sent = await side.page.evaluate(() => window.__beamCharts!.sentToHost());
    assert.deepEqual(sent[sent.length - 1], { type: 'openPanel' });
    await side.page.screenshot({ path: join(SHOTS, 'charts-sidebar-dark.png'), fullPage: true });
    assert.deepEqual(side.errors, []);
    await side.page.close();
  });

  test('sidebar: overload episodes a few seconds apart keep their bands, and their labels never overlap', async () => {
    const side = await open('dark', { surface: 'sidebar', width: 300, height: 1100 });
    // The recording's last minute, its queue made to go above the guide for 3 samples, then below for 2: a
    // bursty pool, as the demo's "pool" scenario gives. Each burst is an episode.
    const { online } = overloaded.node.schedulers;
    const bursty = overloaded.samples.slice(-60).map((sample, i) => {
      const total = i % 5 < 3 ? online * 2 : 0;
      return { ...sample, runQueue: { ...sample.runQueue, totalAvg: total, totalMax: total } };
    });
    await show(side, { ...overloaded, samples: bursty });
    const { charts } = await side.snapshot();
    const { overloadMarkers, overloadLabels } = charts.runQueue.decorations;
    assert.equal(overloadMarkers, 12, 'one band per burst');
    assert.ok(overloadLabels >= 1 && overloadLabels < overloadMarkers, `some labels left out (${overloadLabels} of ${overloadMarkers})`);
    const boxes = await side.page.locator('[data-chart="runQueue"] .overload-marker text').evaluateAll((texts) =>
      texts
        .filter((t) => getComputedStyle(t).display !== 'none')
        .map((t) => {
          const box = t.getBoundingClientRect();
          const chart = t.closest('svg')!.getBoundingClientRect();
          return { left: box.left, right: box.right, chartLeft: chart.left, chartRight: chart.right };
        }),
    );
    assert.equal(boxes.length, overloadLabels);
    boxes.sort((a, b) => a.left - b.left);
    for (const [i, box] of boxes.entries()) {
      assert.ok(box.left >= box.chartLeft && box.right <= box.chartRight, `label ${i} inside the chart: ${JSON.stringify(box)}`);
      if (i > 0) assert.ok(box.left >= boxes[i - 1].right, `label ${i} starts after label ${i - 1} ends`);
    }
    await side.page.locator('[data-chart="runQueue"]').screenshot({ path: join(SHOTS, 'charts-sidebar-bursty-queue.png') });
    assert.deepEqual(side.errors, []);
    await side.page.close();
  });

  test('a node picker appears when there is more than one node, and asks the host to switch', async () => {
    const page = await open('dark');
    await show(page, overloaded);
    const picker = page.page.locator('vscode-single-select.node-select');
    await page.post({ type: 'nodes', choices: [{ id: '1', label: 'a@h', detail: '' }], selected: '1' });
    assert.equal(await picker.isHidden(), true, 'one node: its name, no picker');
    await page.post({
      type: 'nodes',
      selected: '1',
      choices: [
        { id: '1', label: 'a@h', detail: '' },
        { id: '1|b@h', label: 'b@h', detail: 'via a@h' },
        { id: '1|<img src=x>@h', label: '<img src=x>@h', detail: 'left the cluster' },
      ],
    });
    assert.equal(await picker.isVisible(), true);
    assert.equal(await page.page.locator('.node-name').isHidden(), true);
    const options = await picker.locator('vscode-option').allTextContents();
    assert.deepEqual(
      options.map((o) => o.trim()),
      ['a@h', 'b@h (via a@h)', '<img src=x>@h (left the cluster)'],
    );
    assert.equal(await page.page.locator('img').count(), 0, 'names are text');
    const before = (await page.page.evaluate(() => window.__beamCharts!.sentToHost())).length;
    await picker.evaluate((el: { value: string; dispatchEvent(e: unknown): boolean }) => {
      el.value = '1|b@h';
      el.dispatchEvent(new Event('change'));
    });
    const sent = (await page.page.evaluate(() => window.__beamCharts!.sentToHost())).slice(before);
    assert.deepEqual(sent, [{ type: 'selectNode', id: '1|b@h' }]);
    assert.deepEqual(page.errors, []);
    await page.page.screenshot({ path: join(SHOTS, 'charts-node-picker.png') });
    await page.page.close();
  });

  test('the editor panel has no open-in-editor button', async () => {
    assert.equal(await dark.page.getByRole('button', { name: 'Open in Editor' }).count(), 0);
  });
});
