/**
 * Tracing columns onto a canvas path. The data layer is a 2D canvas rather
 * than SVG: a 10-minute window at 1 Hz with 16 schedulers is ~20,000 points
 * across the charts, which as SVG path strings means building, parsing and
 * restyling large DOM attributes every sample; on a canvas it is a few
 * thousand lineTo calls, and every line of one style goes out in one stroke.
 * Axes, guide lines and markers stay in SVG (a handful of elements), so text
 * stays crisp, themable with CSS and visible to tests.
 */
import type { SampleStore } from './sampleStore';

/** A pause of more than this many intervals between samples breaks the line (the node was unreachable). */
const GAP_INTERVALS = 2.5;

/** y = k * value + b: a linear d3 scale unrolled for the hot loops. */
export interface Affine {
  k: number;
  b: number;
}

export function affine(domain: readonly [number, number], range: readonly [number, number]): Affine {
  const span = domain[1] - domain[0] || 1;
  const k = (range[1] - range[0]) / span;
  return { k, b: range[0] - k * domain[0] };
}

export interface PlotFrame {
  store: SampleStore;
  /** Sample indices to draw, inclusive. */
  from: number;
  to: number;
  x: Affine;
  y: Affine;
}

/** Runs of samples without a gap, as [first, last] index pairs. */
export function segments(frame: PlotFrame): [number, number][] {
  const { store, from, to } = frame;
  const runs: [number, number][] = [];
  if (to < from) return runs;
  let start = from;
  let prev = store.slot(from);
  for (let i = from + 1; i <= to; i++) {
    const s = store.ring.next(prev);
    if (store.time[s] - store.time[prev] > GAP_INTERVALS * store.intervalMs[s]) {
      runs.push([start, i - 1]);
      start = i;
    }
    prev = s;
  }
  runs.push([start, to]);
  return runs;
}

/** Add one polyline per run to the current path. */
export function traceLine(ctx: CanvasRenderingContext2D, frame: PlotFrame, runs: [number, number][], column: Float64Array): void {
  const { store, x, y } = frame;
  for (const [first, last] of runs) {
    let s = store.slot(first);
    ctx.moveTo(x.k * store.time[s] + x.b, y.k * column[s] + y.b);
    for (let i = first + 1; i <= last; i++) {
      s = store.ring.next(s);
      ctx.lineTo(x.k * store.time[s] + x.b, y.k * column[s] + y.b);
    }
  }
}

/**
 * Add one closed polygon per run between `upper` and `lower` (the axis when
 * lower is null): bands and stacked areas.
 */
export function traceArea(
  ctx: CanvasRenderingContext2D,
  frame: PlotFrame,
  runs: [number, number][],
  upper: Float64Array,
  lower: Float64Array | null,
): void {
  const { store, x, y } = frame;
  const base = y.b;
  for (const [first, last] of runs) {
    let s = store.slot(first);
    ctx.moveTo(x.k * store.time[s] + x.b, y.k * upper[s] + y.b);
    for (let i = first + 1; i <= last; i++) {
      s = store.ring.next(s);
      ctx.lineTo(x.k * store.time[s] + x.b, y.k * upper[s] + y.b);
    }
    for (let i = last; i >= first; i--) {
      s = store.slot(i);
      ctx.lineTo(x.k * store.time[s] + x.b, lower ? y.k * lower[s] + y.b : base);
    }
    ctx.closePath();
  }
}
