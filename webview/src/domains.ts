/** Y domains from the visible samples, rounded up so the axis ends on a tick. */
import { scaleLinear, ticks } from 'd3';
import { byteUnit } from './format';
import type { SampleStore } from './sampleStore';

/** Largest value of a column over samples from..to. */
export function maxOver(store: SampleStore, column: Float64Array, from: number, to: number): number {
  let max = 0;
  let s = store.slot(Math.max(0, from));
  for (let i = Math.max(0, from); i <= to; i++) {
    if (column[s] > max) max = column[s];
    s = store.ring.next(s);
  }
  return max;
}

export function niceDomain(max: number, floor: number): [number, number] {
  const top = Math.max(max, floor);
  return scaleLinear().domain([0, top]).nice(4).domain() as [number, number];
}

/** Ticks at round numbers of the unit the largest value reads in (MB, GB): "16 MB", not "16.8 MB". */
export function byteTicks(domain: [number, number], count: number): number[] {
  const { divisor } = byteUnit(domain[1]);
  return ticks(domain[0] / divisor, domain[1] / divisor, count).map((v) => v * divisor);
}

/** A byte domain whose top is a round number of its unit. */
export function niceByteDomain(max: number, floor: number): [number, number] {
  const top = Math.max(max, floor);
  const { divisor } = byteUnit(top);
  const nice = scaleLinear()
    .domain([0, top / divisor])
    .nice(4)
    .domain()[1];
  return [0, nice * divisor];
}
