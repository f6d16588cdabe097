/**
 * The single-figure charts: IO bytes in and out per second, reductions per
 * second and the process count. One shape, several figures: a line each on a
 * y axis from zero.
 */
import { traceLine } from '../canvasPaths';
import { maxOver, niceDomain } from '../domains';
import { formatBytes, formatBytesPerSecond, formatCount } from '../format';
import type { SampleStore } from '../sampleStore';
import type { Tone } from '../theme';
import type { ChartId, ChartSpec } from '../timeChart';

interface Figure {
  name: string;
  label: string;
  tone: Tone;
  column(store: SampleStore): Float64Array;
}

/** `format` reads legend and tooltip figures; `axisFormat`, when shorter, the y axis (the title gives the unit). */
function lineChart(
  id: ChartId,
  title: string,
  figures: Figure[],
  format: (v: number) => string,
  floor: number,
  axisFormat = format,
): ChartSpec {
  return {
    id,
    title,
    size: 'small',
    seriesNames: () => figures.map((f) => f.name),
    legend: () =>
      figures.map((f) => ({
        label: f.label,
        tone: f.tone,
        mark: 'line' as const,
        value: (st: SampleStore, i: number) => format(f.column(st)[st.slot(i)]),
      })),
    yDomain: (store, from, to) => niceDomain(Math.max(...figures.map((f) => maxOver(store, f.column(store), from, to))), floor),
    yFormat: axisFormat,
    draw(c) {
      const { ctx, palette } = c;
      ctx.lineWidth = 1.5 * palette.lineScale;
      ctx.lineJoin = 'round';
      for (const f of figures) {
        ctx.beginPath();
        traceLine(ctx, c, c.runs, f.column(c.store));
        ctx.strokeStyle = palette.color[f.tone];
        ctx.stroke();
      }
    },
    details: (store, i) => figures.map((f): [string, string] => [f.label, format(f.column(store)[store.slot(i)])]),
  };
}

export const ioChart = lineChart(
  'io',
  'IO per second',
  [
    { name: 'in', label: 'In', tone: 'green', column: (s) => s.ioIn },
    { name: 'out', label: 'Out', tone: 'blue', column: (s) => s.ioOut },
  ],
  formatBytesPerSecond,
  1024,
  formatBytes,
);

export const reductionsChart = lineChart(
  'reductions',
  'Reductions per second',
  [{ name: 'reductions', label: 'Reductions/s', tone: 'purple', column: (s) => s.reductions }],
  formatCount,
  1000,
);

export const processesChart = lineChart(
  'processes',
  'Processes',
  [{ name: 'processes', label: 'Processes', tone: 'yellow', column: (s) => s.processCount }],
  formatCount,
  10,
);
