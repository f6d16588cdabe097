/**
 * When is a node overloaded? The rule of thumb from the post this product
 * grew from: the run queue should stay below half the schedulers. Here the
 * normal run queues, summed and averaged over the sample's interval, must
 * stay above half the *online* schedulers (ElixirLS runs with fewer online)
 * for several samples in a row: one long sample is a burst, three in a row a
 * backlog the schedulers are not clearing. The status bar and the charts
 * both apply this rule, from here.
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
