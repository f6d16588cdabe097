/**
 * When is a node overloaded? When the normal run queues, summed and averaged
 * over the interval, stay above half the online schedulers for several
 * samples in a row. One long sample is a burst; three in a row is a backlog
 * the schedulers are not clearing. Half the *online* schedulers, because
 * ElixirLS and others run with fewer online than exist.
 */
import { OVERLOAD_MIN_SAMPLES, queueAboveGuide, queueGuide } from '../../extension/src/shared/overload';
import type { SampleStore } from './sampleStore';

export { OVERLOAD_MIN_SAMPLES, queueGuide };

export interface OverloadEpisode {
  /** Sample indices, inclusive. */
  first: number;
  last: number;
}

const cache = new WeakMap<SampleStore, { length: number; newest: number; episodes: OverloadEpisode[] }>();

/**
 * Every episode of at least OVERLOAD_MIN_SAMPLES samples above the guide,
 * oldest first. Asked for by the marker, the note and the legend on every
 * pointer move, so it is remembered until the next sample.
 */
export function overloadEpisodes(store: SampleStore): OverloadEpisode[] {
  const newest = store.length ? store.timeAt(store.length - 1) : 0;
  const hit = cache.get(store);
  if (hit && hit.length === store.length && hit.newest === newest) return hit.episodes;
  const episodes = findEpisodes(store, OVERLOAD_MIN_SAMPLES);
  cache.set(store, { length: store.length, newest, episodes });
  return episodes;
}

function findEpisodes(store: SampleStore, minSamples: number): OverloadEpisode[] {
  const episodes: OverloadEpisode[] = [];
  let runStart = -1;
  let s = store.slot(0);
  for (let i = 0; i <= store.length; i++) {
    const above = i < store.length && queueAboveGuide(store.queueTotalAvg[s], store.online[s]);
    if (above && runStart < 0) runStart = i;
    if (!above && runStart >= 0) {
      if (i - runStart >= minSamples) episodes.push({ first: runStart, last: i - 1 });
      runStart = -1;
    }
    s = store.ring.next(s);
  }
  return episodes;
}
