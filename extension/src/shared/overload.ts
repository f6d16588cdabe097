/**
 * When is a node overloaded? The rule of thumb from the post this product
 * grew from: the run queue should stay below half the schedulers. Here the
 * normal run queues, summed and averaged over the sample's interval, must
 * stay above half the *online* schedulers (ElixirLS runs with fewer online)
 * for several samples in a row: one long sample is a burst, three in a row a
 * backlog the schedulers are not clearing. The status bar, the cluster
 * overview and the charts all apply this rule, from here. DOM-free and
 * vscode-free: the extension host and the webviews both import it.
 */

/** Consecutive samples above the guide that make an overload. */
export const OVERLOAD_MIN_SAMPLES = 3;

/** The run-queue guide line: half the online schedulers. */
export function queueGuide(online: number): number {
  return online / 2;
}

export function queueAboveGuide(totalAvg: number, online: number): boolean {
  return totalAvg > queueGuide(online);
}

/** The parts of a load sample the rule reads. */
export interface QueueReading {
  runQueue: { totalAvg: number };
  schedulers: { online: number };
}

/** The verdict on the newest samples: overloaded, above the guide (not for long enough yet), or normal. */
export type QueueLoad = 'overloaded' | 'above-guide' | 'normal';

export function queueLoad(samples: readonly QueueReading[]): QueueLoad {
  let above = 0;
  for (let i = samples.length - 1; i >= 0 && above < OVERLOAD_MIN_SAMPLES; i--) {
    const s = samples[i];
    if (!queueAboveGuide(s.runQueue.totalAvg, s.schedulers.online)) break;
    above++;
  }
  return above >= OVERLOAD_MIN_SAMPLES ? 'overloaded' : above > 0 ? 'above-guide' : 'normal';
}

/** Is the node overloaded now, by its newest samples? */
export function overloaded(samples: readonly QueueReading[]): boolean {
  return queueLoad(samples) === 'overloaded';
}

/**
 * Where a node goes in a list of many: its problems first (it left, it is in
 * error, it is overloaded), the rest after. Lower ranks first.
 */
export function problemRank(state: string, load: QueueLoad): number {
  if (state === 'gone' || state === 'disconnected') return 0;
  if (state === 'error' || state === 'lost') return 1;
  if (load === 'overloaded') return 2;
  return 3;
}
