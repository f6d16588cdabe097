/**
 * `npm run bench:charts`: how long the load-charts webview takes to draw a
 * frame, in headless Chromium, for the 1, 5 and 10-minute windows at 1 Hz
 * with 16 normal schedulers online. Prints figures, asserts nothing.
 *
 * The samples are the overloaded recording (test/fixtures/samples) widened
 * to 16 schedulers and repeated to fill 10 minutes of history. Each window
 * then receives FRAMES live samples one at a time, waiting for each frame,
 * and the page's own measure of each frame (JavaScript time to draw canvas,
 * axes and legends; not the browser's compositing) is read back through the
 * test hook.
 */
import { cpus } from 'node:os';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import type { ChartNode } from '../../extension/src/protocol/webviewProtocol';
import { launchChromium, openChartsPage, startChartsServer } from '../support/chartPage';
import { loadRecording } from '../support/recordedSamples';

const SCHEDULERS = 16;
const HISTORY = 600;
const FRAMES = 150;
const WINDOWS = ['1 min', '5 min', '10 min'];

/** The recording's samples, cycled to `count` at 1 Hz and widened to SCHEDULERS schedulers. */
function synthesise(count: number, start: number): LoadSample[] {
  const recorded = loadRecording('overloaded').samples;
  return Array.from({ length: count }, (_, i) => {
    const source = recorded[i % recorded.length];
    const widen = (values: number[], k: number) => values[k % values.length] * (0.8 + (0.4 * ((k * 7 + i) % 5)) / 4);
    const normal = Array.from({ length: SCHEDULERS }, (_, k) => Math.min(1, widen(source.utilisation.normal.slice(0, 3), k)));
    const queueAvg = Array.from({ length: SCHEDULERS }, (_, k) => widen(source.runQueue.normal.avg.slice(0, 3), k));
    const queueMax = Array.from({ length: SCHEDULERS }, (_, k) => Math.round(widen(source.runQueue.normal.max.slice(0, 3), k)));
    const schedulers = { ...source.schedulers, total: SCHEDULERS, online: SCHEDULERS };
    return {
      ...source,
      timestamp: start + i * 1000,
      intervalMs: 1000,
      schedulers,
      utilisation: { ...source.utilisation, normal, normalAvg: normal.reduce((a, b) => a + b, 0) / SCHEDULERS },
      runQueue: {
        ...source.runQueue,
        normal: { avg: queueAvg, max: queueMax },
        totalAvg: queueAvg.reduce((a, b) => a + b, 0),
        totalMax: queueMax.reduce((a, b) => a + b, 0),
      },
    };
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

async function main(): Promise<void> {
  const samples = synthesise(HISTORY + FRAMES, Date.UTC(2026, 0, 1));
  const history = samples.slice(0, HISTORY);
  const live = samples.slice(HISTORY);
  const node: ChartNode = {
    id: 'bench',
    name: 'bench@localhost',
    otpRelease: '25',
    state: 'connected',
    schedulers: history[0].schedulers,
  };

  const server = await startChartsServer();
  const browser = await launchChromium();
  const log = (line = '') => process.stdout.write(line + '\n');
  log(`chart frame time: ${SCHEDULERS} normal schedulers, 1 Hz, ${HISTORY} samples of history, ${FRAMES} frames per window`);
  log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'} (shared and noisy: read orders of magnitude)`);
  try {
    for (const [surface, width, height] of [
      ['panel', 1100, 760],
      ['sidebar', 320, 1100],
    ] as const) {
      log();
      log(`${surface} (${width}x${height} CSS px)`);
      log('window   points drawn   median ms   p95 ms   max ms');
      for (const label of WINDOWS) {
        const page = await openChartsPage(browser.context, server, { theme: 'dark', surface, width, height });
        const { frames } = await page.snapshot();
        await page.post({ type: 'reset', node, samples: history });
        await page.nextFrame(frames);
        await page.page.locator('.window-select').click();
        await page.page.getByRole('option', { name: label }).click();
        for (const sample of live) {
          const before = (await page.snapshot()).frames;
          await page.post({ type: 'sample', nodeId: node.id, sample });
          await page.nextFrame(before);
        }
        const snap = await page.snapshot();
        const times = (await page.frameTimes()).slice(-FRAMES);
        // Every series of every chart, one point per shown sample.
        const series = Object.values(snap.charts).reduce((n, chart) => n + chart.series.length, 0);
        const points = series * snap.shownSampleCount;
        log(
          `${label.padEnd(8)} ${String(points).padStart(13)}   ${percentile(times, 0.5).toFixed(2).padStart(9)}   ` +
            `${percentile(times, 0.95).toFixed(2).padStart(6)}   ${Math.max(...times)
              .toFixed(2)
              .padStart(6)}`,
        );
        if (page.errors.length) log(`  page errors: ${page.errors.join('; ')}`);
        await page.page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
