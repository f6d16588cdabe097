/**
 * TEST-ONLY. The shape of `window.__beamCharts` (testHook.ts), kept free of
 * DOM types so the Node-side tests and benchmark can import it too.
 */
import type { WebviewToHost } from '../../extension/src/protocol/webviewProtocol';
import type { ChartId } from './chartId';
import type { RecordedTime } from '../../extension/src/protocol/recordingFormat';

export interface ChartSnapshot {
  title: string;
  /** Series drawn for the samples in the window. */
  series: string[];
  xDomain: [number, number];
  yDomain: [number, number];
  note: string;
  /** Legend entries as read: label and figure. */
  legend: string[];
  /** What the chart's overlay reported (run queue: guide, overloadMarkers). */
  decorations: Record<string, number>;
}

export interface ChartsSnapshot {
  node: string | null;
  state: string | null;
  /** issue 14: the instant or range marked on the charts (the process tree shows it), or null. */
  asOf: RecordedTime | null;
  /** Samples recorded (all of the ring, shown or not). */
  sampleCount: number;
  /** Samples inside the x domain. */
  shownSampleCount: number;
  xDomain: [number, number];
  windowMs: number;
  paused: boolean;
  /** The newest sample is part of an overload episode. */
  overloaded: boolean;
  /** Overload markers drawn on the run-queue chart. */
  overloadMarkers: number;
  /** Frames drawn since the page loaded. */
  frames: number;
  charts: Record<ChartId, ChartSnapshot>;
}

export interface BeamChartsTestHook {
  snapshot(): ChartsSnapshot;
  /** How long each of the last frames took to draw, ms. */
  frameTimes(): number[];
  /** Messages the page would have sent to the extension host. */
  sentToHost(): WebviewToHost[];
  /** issue 14: where on screen (client x) time t falls on a chart, to click a recorded time. */
  clientXOf(chart: ChartId, t: number): number | null;
}
