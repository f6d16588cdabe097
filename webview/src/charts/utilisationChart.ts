/**
 * Scheduler utilisation: a thin line per online normal scheduler, their
 * average in bold, and the dirty CPU schedulers' average as a filled area in
 * another colour. Dirty CPU must stand apart: NIFs such as RSA key
 * generation run there, and a chart of normal schedulers alone shows a node
 * burning every core as idle.
 */
import { traceArea, traceLine } from '../canvasPaths';
import { formatPercent } from '../format';
import type { SampleStore } from '../sampleStore';
import { onlineShown } from './onlineSchedulers';
import type { ChartSpec, DrawContext } from '../timeChart';

/** More schedulers than this make a tooltip taller than a sidebar: show the extremes instead. */
const TOOLTIP_SCHEDULERS = 8;

function busiest(store: SampleStore, i: number): [number, number] {
  const s = store.slot(i);
  const online = Math.min(store.online[s], store.util.length);
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < online; k++) {
    min = Math.min(min, store.util[k][s]);
    max = Math.max(max, store.util[k][s]);
  }
  return [min, max];
}

export const utilisationChart: ChartSpec = {
  id: 'utilisation',
  title: 'Scheduler utilisation',
  size: 'large',

  seriesNames(store, from, to) {
    const online = onlineShown(store, from, to);
    const names = Array.from({ length: online }, (_, k) => `scheduler ${k + 1}`);
    names.push('normal average');
    if (store.dirtyUtil.length) names.push('dirty CPU average');
    return names;
  },

  legend(store) {
    const items: ReturnType<ChartSpec['legend']> = [
      { label: 'Average', tone: 'blue', mark: 'line', value: (st, i) => formatPercent(st.utilOnlineAvg[st.slot(i)]) },
      {
        label: 'Each scheduler',
        tone: 'blue',
        mark: 'thin',
        value: (st, i) => {
          const [min, max] = busiest(st, i);
          return min === max ? formatPercent(min) : `${formatPercent(min)}–${formatPercent(max)}`;
        },
      },
    ];
    if (store.dirtyUtil.length) {
      items.push({ label: 'Dirty CPU', tone: 'orange', mark: 'area', value: (st, i) => formatPercent(st.dirtyUtilAvg[st.slot(i)]) });
    }
    return items;
  },

  yDomain: () => [0, 1],
  yTicks: () => [0, 0.25, 0.5, 0.75, 1],
  yFormat: formatPercent,

  note(store, i) {
    const s = store.slot(i);
    return { text: `online ${store.online[s]} of ${store.total[s]}` };
  },

  draw(c: DrawContext) {
    const { ctx, palette, store } = c;
    const scale = palette.lineScale;

    if (store.dirtyUtil.length) {
      ctx.beginPath();
      traceAreaOf(c, store.dirtyUtilAvg);
      ctx.globalAlpha = 0.3;
      ctx.fillStyle = palette.color.orange;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.beginPath();
      traceLineOf(c, store.dirtyUtilAvg);
      ctx.strokeStyle = palette.color.orange;
      ctx.lineWidth = 1.5 * scale;
      ctx.stroke();
    }

    // Every scheduler in one path, one stroke: same style, 16 lines for the price of one.
    ctx.beginPath();
    const online = onlineShown(store, c.from, c.to);
    for (let k = 0; k < online; k++) traceLineOf(c, store.util[k]);
    ctx.globalAlpha = 0.45;
    ctx.strokeStyle = palette.color.blue;
    ctx.lineWidth = 1 * scale;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.globalAlpha = 1;

    ctx.beginPath();
    traceLineOf(c, store.utilOnlineAvg);
    ctx.strokeStyle = palette.color.blue;
    ctx.lineWidth = 2 * scale;
    ctx.stroke();
  },

  details(store, i) {
    const s = store.slot(i);
    const online = Math.min(store.online[s], store.util.length);
    const rows: [string, string][] = [[`Average of ${online} online`, formatPercent(store.utilOnlineAvg[s])]];
    if (online <= TOOLTIP_SCHEDULERS) {
      for (let k = 0; k < online; k++) rows.push([`Scheduler ${k + 1}`, formatPercent(store.util[k][s])]);
    } else {
      const [min, max] = busiest(store, i);
      rows.push(['Busiest scheduler', formatPercent(max)], ['Least busy scheduler', formatPercent(min)]);
    }
    if (store.dirtyUtil.length) rows.push(['Dirty CPU average', formatPercent(store.dirtyUtilAvg[s])]);
    return rows;
  },
};

function traceLineOf(c: DrawContext, column: Float64Array): void {
  traceLine(c.ctx, c, c.runs, column);
}

function traceAreaOf(c: DrawContext, column: Float64Array): void {
  traceArea(c.ctx, c, c.runs, column, null);
}
