/**
 * Memory by kind, stacked (processes at the bottom, "other" on top: the
 * total minus the kinds erlang:memory/0 names), with the total as a line, so
 * the stack's top and the total agree and a gap between them would show a bug.
 */
import { traceArea, traceLine } from '../canvasPaths';
import { byteTicks, maxOver, niceByteDomain } from '../domains';
import { formatBytes } from '../format';
import { MEMORY_KINDS, type MemoryKind, type SampleStore } from '../sampleStore';
import type { Tone } from '../theme';
import type { ChartSpec } from '../timeChart';

const TONE: Record<MemoryKind, Tone> = {
  processes: 'blue',
  binary: 'purple',
  ets: 'green',
  atom: 'yellow',
  code: 'orange',
  other: 'muted',
};

const LABEL: Record<MemoryKind, string> = {
  processes: 'Processes',
  binary: 'Binary',
  ets: 'ETS',
  atom: 'Atom',
  code: 'Code',
  other: 'Other',
};

/** Running sums per kind, reused between frames: the stack's bands. */
const stacks = new WeakMap<SampleStore, Float64Array[]>();

function stackFor(store: SampleStore): Float64Array[] {
  let stack = stacks.get(store);
  if (!stack) {
    stack = MEMORY_KINDS.map(() => new Float64Array(store.ring.capacity));
    stacks.set(store, stack);
  }
  return stack;
}

export const memoryChart: ChartSpec = {
  id: 'memory',
  title: 'Memory',
  size: 'large',

  seriesNames: () => [...MEMORY_KINDS, 'total'],

  legend: () => [
    ...MEMORY_KINDS.map((kind) => ({
      label: LABEL[kind],
      tone: TONE[kind],
      mark: 'area' as const,
      value: (st: SampleStore, i: number) => formatBytes(st.memory[kind][st.slot(i)]),
    })),
    { label: 'Total', tone: 'foreground', mark: 'line', value: (st, i) => formatBytes(st.memoryTotal[st.slot(i)]) },
  ],

  yDomain: (store, from, to) => niceByteDomain(maxOver(store, store.memoryTotal, from, to), 1024 * 1024),
  yTicks: byteTicks,
  yFormat: formatBytes,

  draw(c) {
    const { ctx, palette, store, runs, from, to } = c;
    const stack = stackFor(store);
    let s = store.slot(from);
    for (let i = from; i <= to; i++) {
      let sum = 0;
      for (let k = 0; k < MEMORY_KINDS.length; k++) {
        sum += store.memory[MEMORY_KINDS[k]][s];
        stack[k][s] = sum;
      }
      s = store.ring.next(s);
    }
    ctx.globalAlpha = 0.75;
    MEMORY_KINDS.forEach((kind, k) => {
      ctx.beginPath();
      traceArea(ctx, c, runs, stack[k], k ? stack[k - 1] : null);
      ctx.fillStyle = palette.color[TONE[kind]];
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    ctx.beginPath();
    traceLine(ctx, c, runs, store.memoryTotal);
    ctx.strokeStyle = palette.color.foreground;
    ctx.lineWidth = 1.5 * palette.lineScale;
    ctx.lineJoin = 'round';
    ctx.stroke();
  },

  details(store, i) {
    const s = store.slot(i);
    return [
      ['Total', formatBytes(store.memoryTotal[s])],
      ...MEMORY_KINDS.map((kind): [string, string] => [LABEL[kind], formatBytes(store.memory[kind][s])]),
    ];
  },
};
