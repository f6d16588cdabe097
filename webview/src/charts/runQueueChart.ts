/**
 * Run queues: the normal queues' total (interval average in bold, the band
 * up to the interval's maximum), each scheduler's average, the dirty CPU
 * queue, a guide at half the online schedulers and an "overloaded" marker
 * over every stretch that stays above it (overload.ts). Drawn next to
 * utilisation because timer-bursty load gives a long queue at a few percent
 * utilisation, and neither figure alone explains it.
 */
import { traceArea, traceLine } from '../canvasPaths';
import { maxOver, niceDomain } from '../domains';
import { formatQueue } from '../format';
import { OVERLOAD_MIN_SAMPLES, overloadEpisodes, queueGuide } from '../overload';
import type { SampleStore } from '../sampleStore';
import type { ChartSpec, OverlayContext } from '../timeChart';
import { placeMarkerLabels } from './markerLabels';
import { onlineShown } from './onlineSchedulers';

/** Text width of "overloaded" as the page renders it, measured once (it depends only on the font). */
let labelWidth = 0;

const LABEL_INSET = 3;

function onlineAt(store: SampleStore, i: number): number {
  return store.online[store.slot(i)];
}

function inEpisode(store: SampleStore, i: number): boolean {
  return overloadEpisodes(store).some((e) => e.first <= i && i <= e.last);
}

export const runQueueChart: ChartSpec = {
  id: 'runQueue',
  title: 'Run queue',
  size: 'large',

  seriesNames(store) {
    const names = ['total average', 'total maximum'];
    const online = onlineShown(store, 0, store.length - 1);
    for (let k = 0; k < online; k++) names.push(`scheduler ${k + 1} average`);
    names.push('dirty CPU queue');
    return names;
  },

  legend: () => [
    { label: 'Total', tone: 'purple', mark: 'line', value: (st, i) => formatQueue(st.queueTotalAvg[st.slot(i)]) },
    { label: 'Max', tone: 'purple', mark: 'band', value: (st, i) => formatQueue(st.queueTotalMax[st.slot(i)]) },
    {
      label: 'Per scheduler',
      tone: 'purple',
      mark: 'thin',
      value: (st, i) => {
        const s = st.slot(i);
        let max = 0;
        for (const column of st.queueAvg) max = Math.max(max, column[s]);
        return `≤ ${formatQueue(max)}`;
      },
    },
    { label: 'Dirty CPU', tone: 'orange', mark: 'line', value: (st, i) => formatQueue(st.dirtyQueueAvg[st.slot(i)]) },
  ],

  yDomain(store, from, to) {
    const guide = to >= 0 ? queueGuide(onlineAt(store, to)) : 1;
    return niceDomain(Math.max(maxOver(store, store.queueTotalMax, from, to), maxOver(store, store.dirtyQueueMax, from, to)), guide * 2);
  },
  yFormat: formatQueue,

  note(store, i) {
    if (inEpisode(store, i)) return { text: 'overloaded', alert: true };
    return { text: `guide ${formatQueue(queueGuide(onlineAt(store, i)))}` };
  },

  draw(c) {
    const { ctx, palette, store, runs } = c;
    const scale = palette.lineScale;
    ctx.lineJoin = 'round';

    ctx.beginPath();
    traceArea(ctx, c, runs, store.queueTotalMax, store.queueTotalAvg);
    ctx.globalAlpha = 0.2;
    ctx.fillStyle = palette.color.purple;
    ctx.fill();

    ctx.beginPath();
    const online = onlineShown(store, c.from, c.to);
    for (let k = 0; k < online; k++) traceLine(ctx, c, runs, store.queueAvg[k]);
    ctx.globalAlpha = 0.5;
    ctx.strokeStyle = palette.color.purple;
    ctx.lineWidth = 1 * scale;
    ctx.stroke();
    ctx.globalAlpha = 1;

    ctx.beginPath();
    traceLine(ctx, c, runs, store.dirtyQueueAvg);
    ctx.strokeStyle = palette.color.orange;
    ctx.lineWidth = 1.5 * scale;
    ctx.stroke();

    ctx.beginPath();
    traceLine(ctx, c, runs, store.queueTotalAvg);
    ctx.strokeStyle = palette.color.purple;
    ctx.lineWidth = 2 * scale;
    ctx.stroke();
  },

  decorate(o: OverlayContext) {
    const { layer, store, from, to, x, y, width, height } = o;
    const guide = to >= 0 ? queueGuide(onlineAt(store, to)) : NaN;
    const episodes = to >= 0 ? overloadEpisodes(store).filter((e) => e.last >= from && e.first <= to) : [];

    // Each marker spans its samples' intervals: a sample covers the interval before its timestamp.
    const spans = episodes.map((e) => {
      const first = store.slot(e.first);
      const left = Math.max(0, x(store.time[first] - store.intervalMs[first]));
      const right = Math.min(width, x(store.timeAt(e.last)));
      return { left, right: Math.max(right, left + 2), samples: e.last - e.first + 1 };
    });
    const markers = layer
      .selectAll<SVGGElement, (typeof spans)[number]>('g.overload-marker')
      .data(spans)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'overload-marker');
        g.append('rect');
        g.append('text').attr('y', 10).attr('dx', LABEL_INSET).text('overloaded');
        g.append('title');
        return g;
      });
    markers
      .select('rect')
      .attr('x', (d) => d.left)
      .attr('width', (d) => d.right - d.left)
      .attr('y', 0)
      .attr('height', height);
    const texts = markers.select<SVGTextElement>('text');
    if (!labelWidth && !texts.empty()) labelWidth = texts.node()!.getComputedTextLength() + LABEL_INSET;
    const labelAt = placeMarkerLabels(
      spans.map((d) => d.left),
      labelWidth,
      width,
    );
    texts.attr('x', (_d, i) => labelAt[i] ?? 0).attr('display', (_d, i) => (labelAt[i] === null ? 'none' : null));
    markers
      .select('title')
      .text((d) => `Run queue above half the online schedulers for ${d.samples} samples (${OVERLOAD_MIN_SAMPLES} make an episode)`);

    const guideY = Number.isFinite(guide) ? y(guide) : NaN;
    layer
      .selectAll<SVGLineElement, number>('line.guide')
      .data(Number.isFinite(guideY) ? [guideY] : [])
      .join('line')
      .attr('class', 'guide')
      .attr('x1', 0)
      .attr('x2', width)
      .attr('y1', (d) => d)
      .attr('y2', (d) => d);
    layer
      .selectAll<SVGTextElement, number>('text.guide-label')
      .data(Number.isFinite(guideY) ? [guideY] : [])
      .join('text')
      .attr('class', 'guide-label')
      .attr('x', width - 3)
      .attr('y', (d) => d - 3)
      .text(`½ online = ${formatQueue(guide)}`);

    return { guide, overloadMarkers: spans.length, overloadLabels: labelAt.filter((x) => x !== null).length };
  },

  details(store, i) {
    const s = store.slot(i);
    const rows: [string, string][] = [
      ['Total average', formatQueue(store.queueTotalAvg[s])],
      ['Total maximum', formatQueue(store.queueTotalMax[s])],
    ];
    const online = Math.min(store.online[s], store.queueAvg.length);
    if (online <= 8) {
      for (let k = 0; k < online; k++) {
        rows.push([`Scheduler ${k + 1}`, `${formatQueue(store.queueAvg[k][s])} (max ${formatQueue(store.queueMax[k][s])})`]);
      }
    }
    rows.push(['Dirty CPU queue', `${formatQueue(store.dirtyQueueAvg[s])} (max ${formatQueue(store.dirtyQueueMax[s])})`]);
    rows.push(['Guide (½ online)', formatQueue(queueGuide(store.online[s]))]);
    return rows;
  },
};
