/**
 * One chart on the shared time axis: its section of the page (title, note,
 * legend, plot), a canvas for the data and an SVG overlay for axes, guides,
 * markers and the crosshair. What is drawn comes from a ChartSpec; this file
 * knows nothing about schedulers or memory.
 */
import { axisBottom, axisLeft, scaleLinear, scaleTime, select, type Selection } from 'd3';
import { affine, segments, type PlotFrame } from './canvasPaths';
import type { SampleStore } from './sampleStore';
import type { ChartId } from './chartId';
import type { Palette, Tone } from './theme';
import type { RecordedTime } from '../../extension/src/protocol/recordingFormat';

export type { ChartId };

export type LegendMark = 'line' | 'thin' | 'area' | 'band';

export interface LegendItem {
  label: string;
  tone: Tone;
  mark: LegendMark;
  /** The figure shown next to the label, for the sample at index i. */
  value(store: SampleStore, i: number): string;
}

export interface DrawContext extends PlotFrame {
  ctx: CanvasRenderingContext2D;
  runs: [number, number][];
  palette: Palette;
  width: number;
  height: number;
}

export interface OverlayContext {
  /** The SVG group above the canvas, inside the margins, for guides and markers. */
  layer: Selection<SVGGElement, unknown, null, undefined>;
  store: SampleStore;
  from: number;
  to: number;
  x: (t: number) => number;
  y: (v: number) => number;
  width: number;
  height: number;
}

export interface ChartNote {
  text: string;
  alert?: boolean;
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  /** Small charts get less height: single figures that need no room. */
  size: 'large' | 'small';
  /** Names of the series drawn for samples from..to, for the test hook. */
  seriesNames(store: SampleStore, from: number, to: number): string[];
  legend(store: SampleStore): LegendItem[];
  yDomain(store: SampleStore, from: number, to: number): [number, number];
  yTicks?(domain: [number, number], count: number): number[];
  yFormat(value: number): string;
  draw(context: DrawContext): void;
  /** SVG decorations that depend on the data (guides, markers); returns what the snapshot reports. */
  decorate?(context: OverlayContext): Record<string, number>;
  /** A short note beside the title (e.g. "online 3 of 4") for sample i; alert notes stand out. */
  note?(store: SampleStore, i: number): ChartNote;
  /** Rows of the tooltip at sample i. */
  details(store: SampleStore, i: number): [string, string][];
}

const MARGIN = { top: 6, right: 10, bottom: 18, left: 46 };
/** Room above the top of the y range, so a line at 100% is not cut in half by the clip. */
const TOP_INSET = 3;

export interface ChartRender {
  store: SampleStore;
  from: number;
  to: number;
  xDomain: [number, number];
  palette: Palette;
  /** issue 14: the instant or range the process tree shows (or a drag under way), marked across the plot. */
  asOf?: RecordedTime | null;
}

export class TimeChart {
  readonly element: HTMLElement;
  readonly plot: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly xAxis: Selection<SVGGElement, unknown, null, undefined>;
  private readonly yAxis: Selection<SVGGElement, unknown, null, undefined>;
  private readonly layer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly crosshair: Selection<SVGLineElement, unknown, null, undefined>;
  private readonly asOfLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly noteEl: HTMLSpanElement;
  private readonly legendEl: HTMLUListElement;
  private legendValues: { item: LegendItem; el: HTMLSpanElement }[] = [];
  private width = 0;
  private height = 0;
  private dpr = 1;
  readonly x = scaleTime();
  readonly y = scaleLinear();
  /** What the last render drew, for the test hook. */
  lastDecorations: Record<string, number> = {};
  lastRange: [number, number] = [0, -1];

  constructor(readonly spec: ChartSpec) {
    this.element = document.createElement('section');
    this.element.className = `chart chart-${spec.size}`;
    this.element.dataset.chart = spec.id;

    const head = document.createElement('header');
    head.className = 'chart-head';
    const title = document.createElement('h2');
    title.textContent = spec.title;
    this.noteEl = document.createElement('span');
    this.noteEl.className = 'chart-note';
    head.append(title, this.noteEl);

    this.legendEl = document.createElement('ul');
    this.legendEl.className = 'legend';

    this.plot = document.createElement('div');
    this.plot.className = 'plot';
    this.canvas = document.createElement('canvas');
    this.ctx = this.canvas.getContext('2d')!;
    const svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svgEl.setAttribute('aria-hidden', 'true');
    this.plot.append(this.canvas, svgEl);
    this.svg = select(svgEl);
    const inner = this.svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    this.yAxis = inner.append('g').attr('class', 'axis axis-y');
    this.xAxis = inner.append('g').attr('class', 'axis axis-x');
    this.layer = inner.append('g').attr('class', 'decorations');
    this.asOfLayer = inner.append('g').attr('class', 'as-of');
    this.crosshair = inner.append('line').attr('class', 'crosshair').attr('visibility', 'hidden');

    this.element.append(head, this.legendEl, this.plot);
  }

  /** Take the plot's current CSS size; returns whether it changed. */
  measure(): boolean {
    const rect = this.plot.getBoundingClientRect();
    const width = Math.max(0, Math.floor(rect.width) - MARGIN.left - MARGIN.right);
    const height = Math.max(0, Math.floor(rect.height) - MARGIN.top - MARGIN.bottom);
    const dpr = window.devicePixelRatio || 1;
    if (width === this.width && height === this.height && dpr === this.dpr) return false;
    this.width = width;
    this.height = height;
    this.dpr = dpr;
    this.canvas.width = Math.round(rect.width * dpr);
    this.canvas.height = Math.round(rect.height * dpr);
    this.svg.attr('width', Math.floor(rect.width)).attr('height', Math.floor(rect.height));
    return true;
  }

  /** Rebuild the legend: the series depend on the node's scheduler counts. */
  setLegend(store: SampleStore): void {
    this.legendEl.replaceChildren();
    this.legendValues = this.spec.legend(store).map((item) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.dataset.tone = item.tone;
      swatch.dataset.mark = item.mark;
      const label = document.createElement('span');
      label.className = 'legend-label';
      label.textContent = item.label;
      const value = document.createElement('span');
      value.className = 'legend-value';
      li.append(swatch, label, value);
      this.legendEl.append(li);
      return { item, el: value };
    });
  }

  /** Legend figures and note for sample i (-1: none). */
  showValues(store: SampleStore, i: number): void {
    for (const { item, el } of this.legendValues) {
      const text = i >= 0 ? item.value(store, i) : '';
      if (el.textContent !== text) el.textContent = text;
    }
    const note = i >= 0 && this.spec.note ? this.spec.note(store, i) : { text: '' };
    if (this.noteEl.textContent !== note.text) this.noteEl.textContent = note.text;
    this.noteEl.classList.toggle('alert', note.alert === true);
  }

  render(frame: ChartRender): void {
    const { store, from, to, palette } = frame;
    const { width, height } = this;
    this.lastRange = [from, to];
    this.x.domain(frame.xDomain).range([0, width]);
    const yDomain = this.spec.yDomain(store, from, to);
    this.y.domain(yDomain).range([height, TOP_INSET]);

    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (width > 0 && height > 0 && to >= from) {
      ctx.setTransform(this.dpr, 0, 0, this.dpr, MARGIN.left * this.dpr, MARGIN.top * this.dpr);
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, 0, width, height);
      ctx.clip();
      const plotFrame: PlotFrame = {
        store,
        from,
        to,
        x: affine(frame.xDomain, [0, width]),
        y: affine(yDomain, [height, TOP_INSET]),
      };
      this.spec.draw({ ...plotFrame, ctx, runs: segments(plotFrame), palette, width, height });
      ctx.restore();
    }

    const yTicks = Math.max(2, Math.floor(height / 28));
    const yAxis = axisLeft(this.y)
      .tickSize(-width)
      .tickPadding(4)
      .tickFormat((v) => this.spec.yFormat(Number(v)));
    if (this.spec.yTicks) yAxis.tickValues(this.spec.yTicks(yDomain, yTicks));
    else yAxis.ticks(yTicks);
    this.yAxis.call(yAxis);
    this.xAxis.attr('transform', `translate(0,${height})`).call(
      axisBottom(this.x)
        .ticks(Math.max(2, Math.floor(width / 70)))
        .tickSize(3)
        .tickPadding(3),
    );

    this.lastDecorations =
      this.spec.decorate?.({
        layer: this.layer,
        store,
        from,
        to,
        width,
        height,
        x: (t) => this.x(t),
        y: (v) => this.y(v),
      }) ?? {};
    const asOfX = this.markAsOf(frame.asOf ?? null);
    if (asOfX !== null) this.lastDecorations = { ...this.lastDecorations, asOfMarker: 1, asOfX };
  }

  /**
   * The moment the tree shows: a line at an instant, a band over a range,
   * inside the plot only. Returns the marker's x (its left edge for a band),
   * or null when nothing is marked.
   */
  private markAsOf(asOf: RecordedTime | null): number | null {
    const [start, end] = asOf === null ? [NaN, NaN] : asOf.kind === 'moment' ? [asOf.at, asOf.at] : [asOf.from, asOf.to];
    const [x0, x1] = [Math.max(0, this.x(start)), Math.min(this.width, this.x(end))];
    const shown = asOf !== null && x1 >= 0 && x0 <= this.width && x0 <= x1;
    this.asOfLayer
      .selectAll<SVGRectElement, null>('rect')
      .data(shown && asOf.kind === 'range' ? [null] : [])
      .join('rect')
      .attr('class', 'as-of-band')
      .attr('x', x0)
      .attr('width', Math.max(1, x1 - x0))
      .attr('y', 0)
      .attr('height', this.height);
    this.asOfLayer
      .selectAll<SVGLineElement, null>('line')
      .data(shown && asOf.kind === 'moment' ? [null] : [])
      .join('line')
      .attr('class', 'as-of-line')
      .attr('x1', x0)
      .attr('x2', x0)
      .attr('y1', 0)
      .attr('y2', this.height);
    return shown ? x0 : null;
  }

  /** The plot's x for time t (CSS pixels from the plot element's left edge), for tests and picking. */
  clientXOf(t: number): number {
    return this.plot.getBoundingClientRect().left + MARGIN.left + this.x(t);
  }

  /** Time under a pointer at clientX, or null when outside the plot. */
  timeAt(clientX: number): number | null {
    const left = this.plot.getBoundingClientRect().left + MARGIN.left;
    const px = clientX - left;
    if (px < 0 || px > this.width) return null;
    return this.x.invert(px).getTime();
  }

  showCrosshair(t: number | null): void {
    if (t === null) {
      this.crosshair.attr('visibility', 'hidden');
      return;
    }
    const px = this.x(t);
    this.crosshair.attr('visibility', 'visible').attr('x1', px).attr('x2', px).attr('y1', 0).attr('y2', this.height);
  }
}
