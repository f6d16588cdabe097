/**
 * The load-charts page: keeps the shown node's samples, applies the host's
 * messages, and draws every chart against one time axis with one crosshair.
 * Drawing happens on animation frames only (FrameScheduler), at most once
 * per frame whatever the number of samples that arrived, and not while
 * paused or hidden.
 */
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import type { ChartConnectionState, ChartNode, HostToWebview } from '../../extension/src/protocol/webviewProtocol';
import type { RecordedTime } from '../../extension/src/protocol/recordingFormat';
import { memoryChart } from './charts/memoryChart';
import { ioChart, processesChart, reductionsChart } from './charts/rateCharts';
import { runQueueChart } from './charts/runQueueChart';
import { utilisationChart } from './charts/utilisationChart';
import { exportFileName, samplesToCsv, samplesToJson, type ExportFormat } from './exportSamples';
import { FrameScheduler } from './frameScheduler';
import type { HostBridge } from './hostBridge';
import { overloadEpisodes } from './overload';
import { SampleStore, storeShapeFor } from './sampleStore';
import type { ChartsSnapshot } from './testHookTypes';
import { readPalette, watchTheme, type Palette } from './theme';
import { TimeChart } from './timeChart';
import { Tooltip } from './tooltip';
import { DEFAULT_WINDOW_MS, Toolbar, WINDOWS_MS } from './toolbar';

const LONGEST_WINDOW_MS = Math.max(...WINDOWS_MS);
/** Ring bounds: 10 minutes at 1 Hz needs 600; a 100 ms interval would need 6000. */
const MIN_CAPACITY = 64;
const MAX_CAPACITY = 6000;
const FRAME_TIMES_KEPT = 1024;

/** Enough slots for the longest window at the samples' interval, fixed for the node's lifetime. */
function capacityFor(samples: readonly LoadSample[]): number {
  const intervals = samples
    .slice(-10)
    .map((s) => s.intervalMs)
    .filter((ms) => ms > 0)
    .sort((a, b) => a - b);
  const interval = intervals.length ? intervals[intervals.length >> 1] : 1000;
  const needed = Math.ceil(LONGEST_WINDOW_MS / interval) + 16;
  return Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, needed, samples.length));
}

interface Hover {
  chart: TimeChart;
  clientX: number;
  clientY: number;
}

/** A press on a chart (issue 14): a click picks an instant, a drag a range. */
interface Pick {
  chart: TimeChart;
  startX: number;
  from: number;
  to: number;
}

/** Below this many pixels of travel, a press is a click. */
const DRAG_PX = 4;

export class LoadChartsApp {
  private node: ChartNode | null = null;
  private connection: ChartConnectionState | null = null;
  private store: SampleStore;
  private readonly charts: TimeChart[];
  private readonly toolbar: Toolbar;
  private readonly tooltip = new Tooltip();
  private readonly empty: HTMLParagraphElement;
  private readonly frames: FrameScheduler;
  private palette: Palette;
  private windowMs: number;
  /** While paused, the newest time shown; samples keep arriving into the store. */
  private frozenEnd: number | null = null;
  private needsMeasure = true;
  private hover: Hover | null = null;
  private range = { from: 0, to: -1, xDomain: [0, 0] as [number, number] };
  private frameCount = 0;
  private readonly frameTimes = new Float64Array(FRAME_TIMES_KEPT);
  /** The instant or range the process tree shows (the host says), and a drag under way. */
  private asOf: RecordedTime | null = null;
  private pick: Pick | null = null;

  constructor(
    root: HTMLElement,
    private readonly bridge: HostBridge,
  ) {
    const saved = bridge.state.windowMs;
    this.windowMs = WINDOWS_MS.includes(saved as (typeof WINDOWS_MS)[number]) ? saved! : DEFAULT_WINDOW_MS;
    this.store = new SampleStore(storeShapeFor(undefined, [], MIN_CAPACITY));
    this.palette = readPalette();
    this.frames = new FrameScheduler(() => this.render());

    this.toolbar = new Toolbar(
      {
        windowChanged: (ms) => this.setWindow(ms),
        pauseToggled: () => this.setPaused(this.frozenEnd === null),
        exportRequested: (format) => this.exportSamples(format),
        openPanel: () => bridge.post({ type: 'openPanel' }),
        nodeSelected: (id) => {
          if (id && id !== this.node?.id) bridge.post({ type: 'selectNode', id });
        },
      },
      { windowMs: this.windowMs, sidebar: document.body.dataset.surface === 'sidebar' },
    );

    this.empty = document.createElement('p');
    this.empty.className = 'empty';
    this.empty.textContent = 'No node selected. Attach to a running Erlang or Elixir node from the BEAM Observer view to see its load.';

    const grid = document.createElement('main');
    grid.className = 'charts';
    this.charts = [utilisationChart, runQueueChart, memoryChart, ioChart, reductionsChart, processesChart].map(
      (spec) => new TimeChart(spec),
    );
    for (const chart of this.charts) {
      grid.append(chart.element);
      chart.plot.addEventListener('pointermove', (e) => this.pointerMoved(chart, e));
      chart.plot.addEventListener('pointerleave', () => this.pointerLeft());
      chart.plot.addEventListener('pointerdown', (e) => this.pickStarted(chart, e));
      chart.plot.addEventListener('pointerup', (e) => this.pickEnded(e));
    }
    root.append(this.toolbar.element, this.empty, grid, this.tooltip.element);

    new ResizeObserver(() => {
      this.needsMeasure = true;
      this.frames.request();
    }).observe(grid);
    watchTheme(() => {
      this.palette = readPalette();
      this.frames.request();
    });
    this.applyNode(null, null);
    this.toolbar.showPaused(false);
  }

  handle(message: HostToWebview): void {
    switch (message.type) {
      case 'reset':
        this.reset(message.node, message.samples);
        break;
      case 'sample':
        if (this.node && message.nodeId === this.node.id) this.addSample(message.sample);
        break;
      case 'state':
        if (this.node && message.nodeId === this.node.id) this.applyNode(this.node, message.state);
        break;
      case 'nodes':
        this.toolbar.showChoices(message.choices, message.selected);
        break;
      case 'asOf':
        this.asOf = message.asOf;
        this.frames.request();
        break;
    }
  }

  private reset(node: ChartNode | null, samples: readonly LoadSample[]): void {
    this.store = new SampleStore(storeShapeFor(node?.schedulers, samples, capacityFor(samples)));
    for (const sample of samples) this.store.push(sample);
    this.frozenEnd = null;
    this.toolbar.showPaused(false);
    this.applyNode(node, node?.state ?? null);
    for (const chart of this.charts) chart.setLegend(this.store);
    this.frames.request();
  }

  private addSample(sample: LoadSample): void {
    const shape = this.store.shape;
    if (sample.utilisation.normal.length > shape.normalSchedulers || sample.utilisation.dirtyCpu.length > shape.dirtyCpuSchedulers) {
      // More schedulers than the columns were sized for (a reset without node info): resize once.
      this.reset(this.node, [...this.store.samples(), sample]);
      return;
    }
    this.store.push(sample);
    this.toolbar.setExportable(true);
    if (this.frozenEnd === null) this.frames.request();
  }

  private applyNode(node: ChartNode | null, state: ChartConnectionState | null): void {
    this.node = node;
    this.connection = state;
    this.toolbar.showNode(node, state);
    this.toolbar.setExportable(this.store.length > 0);
    this.empty.hidden = node !== null;
    document.body.classList.toggle('no-node', node === null);
  }

  private setWindow(ms: number): void {
    if (!WINDOWS_MS.includes(ms as (typeof WINDOWS_MS)[number]) || ms === this.windowMs) return;
    this.windowMs = ms;
    this.bridge.state = { ...this.bridge.state, windowMs: ms };
    this.frames.request();
  }

  private setPaused(paused: boolean): void {
    const n = this.store.length;
    this.frozenEnd = paused ? (n ? this.store.timeAt(n - 1) : Date.now()) : null;
    this.toolbar.showPaused(paused);
    this.frames.request();
  }

  private exportSamples(format: ExportFormat): void {
    const samples = this.store.samples();
    if (!samples.length) return;
    const now = Date.now();
    const content = format === 'json' ? samplesToJson(this.node, samples, now) : samplesToCsv(samples);
    this.bridge.post({ type: 'export', format, fileName: exportFileName(this.node, format, now), content });
  }

  private render(): void {
    const started = performance.now();
    const store = this.store;
    const n = store.length;
    const end = this.frozenEnd ?? (n ? store.timeAt(n - 1) : Date.now());
    const xDomain: [number, number] = [end - this.windowMs, end];
    const to = this.frozenEnd === null ? n - 1 : store.firstAtOrAfter(end + 1) - 1;
    // One sample before the window, so lines enter from the left edge instead of starting short of it.
    const from = Math.min(to + 1, Math.max(0, store.firstAtOrAfter(xDomain[0]) - 1));
    this.range = { from, to, xDomain };

    if (this.needsMeasure) {
      this.needsMeasure = false;
      for (const chart of this.charts) chart.measure();
    }
    const asOf = this.pick ? pickedTime(this.pick) : this.asOf;
    for (const chart of this.charts) chart.render({ store, from, to, xDomain, palette: this.palette, asOf });
    this.updateHover();

    this.frameTimes[this.frameCount % FRAME_TIMES_KEPT] = performance.now() - started;
    this.frameCount++;
  }

  private pointerMoved(chart: TimeChart, event: PointerEvent): void {
    this.hover = { chart, clientX: event.clientX, clientY: event.clientY };
    if (this.pick?.chart === chart) {
      const t = chart.timeAt(event.clientX);
      if (t !== null) this.pick.to = t;
      this.frames.request();
    }
    this.updateHover();
  }

  /** A press on a plot starts a pick; the pointer is captured so the release is seen here. */
  private pickStarted(chart: TimeChart, event: PointerEvent): void {
    const t = chart.timeAt(event.clientX);
    if (t === null || event.button !== 0 || this.store.length === 0) return;
    this.pick = { chart, startX: event.clientX, from: t, to: t };
    chart.plot.setPointerCapture?.(event.pointerId);
  }

  /**
   * The release: a click asks the host for the processes as of the sample
   * under the pointer (its timestamp, the one the crosshair shows); a drag,
   * for the range it covered.
   */
  private pickEnded(event: PointerEvent): void {
    const pick = this.pick;
    this.pick = null;
    if (!pick) return;
    if (Math.abs(event.clientX - pick.startX) < DRAG_PX) {
      const { to, xDomain } = this.range;
      const first = this.store.firstAtOrAfter(xDomain[0]);
      const index = to >= first ? this.store.nearest(pick.from, first, to) : -1;
      this.bridge.post({ type: 'pickTime', at: index >= 0 ? this.store.timeAt(index) : Math.round(pick.from) });
    } else {
      const [from, to] = [Math.min(pick.from, pick.to), Math.max(pick.from, pick.to)];
      this.bridge.post({ type: 'pickRange', from: Math.round(from), to: Math.round(to) });
    }
    this.frames.request();
  }

  private pointerLeft(): void {
    this.hover = null;
    this.updateHover();
  }

  /** Crosshair on every chart and legend figures at the hovered sample, or the newest one shown. */
  private updateHover(): void {
    const { store } = this;
    const { to, xDomain } = this.range;
    const firstShown = store.firstAtOrAfter(xDomain[0]);
    const t = this.hover ? this.hover.chart.timeAt(this.hover.clientX) : null;
    const index = t === null || to < firstShown ? -1 : store.nearest(t, firstShown, to);
    const shownTime = index >= 0 ? store.timeAt(index) : null;
    for (const chart of this.charts) {
      chart.showCrosshair(shownTime);
      chart.showValues(store, index >= 0 ? index : to);
    }
    if (index >= 0 && this.hover) {
      const { chart, clientX, clientY } = this.hover;
      this.tooltip.show(chart.spec.title, store.timeAt(index), chart.spec.details(store, index), clientX, clientY);
    } else {
      this.tooltip.hide();
    }
  }

  snapshot(): ChartsSnapshot {
    const { store } = this;
    const { from, to, xDomain } = this.range;
    const charts = Object.fromEntries(
      this.charts.map((chart) => [
        chart.spec.id,
        {
          title: chart.spec.title,
          series: chart.lastRange[1] >= chart.lastRange[0] ? chart.spec.seriesNames(store, ...chart.lastRange) : [],
          xDomain: chart.x.domain().map((d) => d.getTime()) as [number, number],
          yDomain: chart.y.domain() as [number, number],
          note: chart.element.querySelector('.chart-note')?.textContent ?? '',
          legend: [...chart.element.querySelectorAll('.legend li')].map((li) =>
            [...li.children]
              .map((c) => c.textContent)
              .filter(Boolean)
              .join(' '),
          ),
          decorations: { ...chart.lastDecorations },
        },
      ]),
    ) as ChartsSnapshot['charts'];
    const overloaded = store.length > 0 && overloadEpisodes(store).some((e) => e.last === store.length - 1);
    return {
      node: this.node?.name ?? null,
      state: this.connection,
      asOf: this.asOf,
      sampleCount: store.length,
      shownSampleCount: to >= from ? to - Math.max(from, store.firstAtOrAfter(xDomain[0])) + 1 : 0,
      xDomain,
      windowMs: this.windowMs,
      paused: this.frozenEnd !== null,
      overloaded,
      overloadMarkers: charts.runQueue.decorations.overloadMarkers ?? 0,
      frames: this.frameCount,
      charts,
    };
  }

  /** Where on screen (client x) a time falls on a chart, for tests that click a recorded time. */
  clientXOf(chartId: string, t: number): number | null {
    const chart = this.charts.find((c) => c.spec.id === chartId);
    return chart ? chart.clientXOf(t) : null;
  }

  /** Durations of the last frames drawn, ms, oldest first. */
  recentFrameTimes(): number[] {
    const count = Math.min(this.frameCount, FRAME_TIMES_KEPT);
    const out: number[] = [];
    for (let i = this.frameCount - count; i < this.frameCount; i++) out.push(this.frameTimes[i % FRAME_TIMES_KEPT]);
    return out;
  }
}

/** A drag under way, as the range it covers so far (a moment while it has not moved). */
function pickedTime(pick: Pick): RecordedTime {
  return pick.from === pick.to
    ? { kind: 'moment', at: pick.from }
    : { kind: 'range', from: Math.min(pick.from, pick.to), to: Math.max(pick.from, pick.to) };
}
