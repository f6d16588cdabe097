import type { SampleStore } from '../sampleStore';

/**
 * How many normal schedulers to draw. Online schedulers are the first ones by
 * id and offline ones read 0, so draw as many as were online at any sample in
 * the range: flat lines at zero for offline schedulers would read as idle ones.
 */
export function onlineShown(store: SampleStore, from: number, to: number): number {
  let online = 0;
  for (let i = Math.max(0, from); i <= to; i++) online = Math.max(online, store.online[store.slot(i)]);
  return Math.min(Math.max(online, 1), store.util.length);
}
