/**
 * The shown node's history as columns: one Float64Array per plotted figure,
 * all sharing one RingIndex, filled once per sample. Drawing then walks
 * typed arrays instead of re-reading sample objects (10 minutes at 1 Hz with
 * 16 schedulers is ~30,000 figures a frame), and derived figures (rates per
 * second, the online schedulers' average, "other" memory) are computed once.
 * The raw samples stay in a parallel ring for export.
 */
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import { RingIndex } from './ringIndex';

export const MEMORY_KINDS = ['processes', 'binary', 'ets', 'atom', 'code', 'other'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

export interface StoreShape {
  capacity: number;
  /** Normal schedulers, online or not. */
  normalSchedulers: number;
  dirtyCpuSchedulers: number;
}

export class SampleStore {
  readonly ring: RingIndex;
  readonly time: Float64Array;
  readonly intervalMs: Float64Array;
  readonly online: Float64Array;
  readonly total: Float64Array;

  /** Busy fraction per normal scheduler. */
  readonly util: Float64Array[];
  /** Over the online schedulers only: offline ones read 0 and would drag it down. */
  readonly utilOnlineAvg: Float64Array;
  readonly dirtyUtil: Float64Array[];
  readonly dirtyUtilAvg: Float64Array;

  readonly queueAvg: Float64Array[];
  readonly queueMax: Float64Array[];
  readonly queueTotalAvg: Float64Array;
  readonly queueTotalMax: Float64Array;
  readonly dirtyQueueAvg: Float64Array;
  readonly dirtyQueueMax: Float64Array;

  readonly memory: Record<MemoryKind, Float64Array>;
  readonly memoryTotal: Float64Array;

  /** Per second, from the interval's deltas. */
  readonly ioIn: Float64Array;
  readonly ioOut: Float64Array;
  readonly reductions: Float64Array;
  readonly processCount: Float64Array;

  private readonly raw: (LoadSample | undefined)[];

  constructor(readonly shape: StoreShape) {
    const { capacity, normalSchedulers, dirtyCpuSchedulers } = shape;
    const column = () => new Float64Array(capacity);
    const columns = (n: number) => Array.from({ length: n }, column);
    this.ring = new RingIndex(capacity);
    this.time = column();
    this.intervalMs = column();
    this.online = column();
    this.total = column();
    this.util = columns(normalSchedulers);
    this.utilOnlineAvg = column();
    this.dirtyUtil = columns(dirtyCpuSchedulers);
    this.dirtyUtilAvg = column();
    this.queueAvg = columns(normalSchedulers);
    this.queueMax = columns(normalSchedulers);
    this.queueTotalAvg = column();
    this.queueTotalMax = column();
    this.dirtyQueueAvg = column();
    this.dirtyQueueMax = column();
    this.memory = Object.fromEntries(MEMORY_KINDS.map((kind) => [kind, column()])) as Record<MemoryKind, Float64Array>;
    this.memoryTotal = column();
    this.ioIn = column();
    this.ioOut = column();
    this.reductions = column();
    this.processCount = column();
    this.raw = new Array(capacity);
  }

  get length(): number {
    return this.ring.length;
  }

  slot(i: number): number {
    return this.ring.slot(i);
  }

  timeAt(i: number): number {
    return this.time[this.ring.slot(i)];
  }

  /** The newest sample, or undefined. */
  latest(): LoadSample | undefined {
    return this.length ? this.raw[this.ring.slot(this.length - 1)] : undefined;
  }

  sampleAt(i: number): LoadSample | undefined {
    return this.raw[this.ring.slot(i)];
  }

  /** Oldest first: what export writes. */
  samples(): LoadSample[] {
    const out: LoadSample[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.raw[this.ring.slot(i)]!);
    return out;
  }

  /** Index of the first sample at or after `t` (length when none). */
  firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeAt(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the sample nearest in time to `t` (-1 when empty). */
  nearest(t: number, from = 0, to = this.length - 1): number {
    if (to < from) return -1;
    const after = Math.min(Math.max(this.firstAtOrAfter(t), from), to);
    if (after > from && Math.abs(this.timeAt(after - 1) - t) <= Math.abs(this.timeAt(after) - t)) return after - 1;
    return after;
  }

  push(sample: LoadSample): void {
    // Samples from a reconnect may repeat or go back in time; the columns must stay sorted.
    if (this.length && sample.timestamp <= this.timeAt(this.length - 1)) return;
    const s = this.ring.push();
    const interval = sample.intervalMs > 0 ? sample.intervalMs : 1000;
    const perSecond = 1000 / interval;
    this.raw[s] = sample;
    this.time[s] = sample.timestamp;
    this.intervalMs[s] = interval;
    const online = Math.max(1, Math.min(sample.schedulers.online, this.util.length || 1));
    this.online[s] = sample.schedulers.online;
    this.total[s] = sample.schedulers.total;

    const normal = sample.utilisation.normal;
    let onlineSum = 0;
    for (let k = 0; k < this.util.length; k++) {
      const u = normal[k] ?? 0;
      this.util[k][s] = u;
      if (k < online) onlineSum += u;
    }
    this.utilOnlineAvg[s] = onlineSum / online;
    const dirty = sample.utilisation.dirtyCpu;
    for (let k = 0; k < this.dirtyUtil.length; k++) this.dirtyUtil[k][s] = dirty[k] ?? 0;
    this.dirtyUtilAvg[s] = sample.utilisation.dirtyCpuAvg;

    const queue = sample.runQueue;
    for (let k = 0; k < this.queueAvg.length; k++) {
      this.queueAvg[k][s] = queue.normal.avg[k] ?? 0;
      this.queueMax[k][s] = queue.normal.max[k] ?? 0;
    }
    this.queueTotalAvg[s] = queue.totalAvg;
    this.queueTotalMax[s] = queue.totalMax;
    this.dirtyQueueAvg[s] = queue.dirtyCpu.avg;
    this.dirtyQueueMax[s] = queue.dirtyCpu.max;

    const memory = sample.memory;
    const known = memory.processes + memory.binary + memory.ets + memory.atom + memory.code;
    this.memory.processes[s] = memory.processes;
    this.memory.binary[s] = memory.binary;
    this.memory.ets[s] = memory.ets;
    this.memory.atom[s] = memory.atom;
    this.memory.code[s] = memory.code;
    this.memory.other[s] = Math.max(0, memory.total - known);
    this.memoryTotal[s] = memory.total;

    this.ioIn[s] = sample.io.inBytes * perSecond;
    this.ioOut[s] = sample.io.outBytes * perSecond;
    this.reductions[s] = sample.reductions * perSecond;
    this.processCount[s] = sample.processes.count;
  }
}

/** Normal and dirty CPU scheduler counts to size the columns for, from the node or its samples. */
export function storeShapeFor(
  schedulers: { total: number; dirtyCpu: number } | undefined,
  samples: readonly LoadSample[],
  capacity: number,
): StoreShape {
  let normal = schedulers?.total ?? 0;
  let dirty = schedulers?.dirtyCpu ?? 0;
  for (const sample of samples) {
    normal = Math.max(normal, sample.utilisation.normal.length);
    dirty = Math.max(dirty, sample.utilisation.dirtyCpu.length);
  }
  return { capacity, normalSchedulers: Math.max(1, normal), dirtyCpuSchedulers: dirty };
}
