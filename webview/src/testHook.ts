/**
 * TEST-ONLY. A read-only window onto what the charts drew, installed as
 * `window.__beamCharts` only when the page runs outside VS Code (no
 * acquireVsCodeApi): the headless-Chromium tests (test/webview) and the
 * benchmark (test/bench/chart-bench.ts) read it. The extension never uses it
 * and nothing in it changes the charts.
 */
import type { BeamChartsTestHook } from './testHookTypes';

declare global {
  interface Window {
    __beamCharts?: BeamChartsTestHook;
  }
}

export function installTestHook(hook: BeamChartsTestHook): void {
  Object.defineProperty(window, '__beamCharts', { value: Object.freeze(hook), writable: false, configurable: false });
}
