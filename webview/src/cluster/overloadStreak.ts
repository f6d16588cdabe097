/**
 * The shared overload rule (extension/src/protocol/overloadRule.ts) applied
 * to the table: a node's run queue above half its online schedulers is
 * "above the guide"; above it for OVERLOAD_MIN_SAMPLES samples in a row is
 * "overloaded", as the status bar and the run-queue chart say. A ClusterRow
 * carries only the newest figures, so consecutive samples are counted here,
 * one per new figures.timestamp: the host resends unchanged figures when
 * anything else in the table changes, and those must not count twice.
 */
import { OVERLOAD_MIN_SAMPLES, queueAboveGuide } from '../../../extension/src/protocol/overloadRule';
import type { ClusterRow } from '../../../extension/src/protocol/webviewProtocol';

export type QueueLoad = 'normal' | 'above-guide' | 'overloaded';

interface Streak {
  timestamp: number;
  /** Consecutive samples above the guide, up to and including `timestamp`. */
  above: number;
}

export class OverloadStreaks {
  private readonly streaks = new Map<string, Streak>();

  update(rows: readonly ClusterRow[]): void {
    const seen = new Set<string>();
    for (const row of rows) {
      // Only a node sending samples can be overloaded now; a gone node's last figures are history.
      if (row.state !== 'up' || !row.figures) continue;
      seen.add(row.name);
      const { timestamp, runQueue, schedulersOnline } = row.figures;
      const previous = this.streaks.get(row.name);
      if (previous && previous.timestamp === timestamp) continue;
      const above = queueAboveGuide(runQueue, schedulersOnline);
      // A timestamp going backwards is a new sampler (the agent reloaded there): start over.
      const carried = previous && timestamp > previous.timestamp ? previous.above : 0;
      this.streaks.set(row.name, { timestamp, above: above ? carried + 1 : 0 });
    }
    for (const name of [...this.streaks.keys()]) if (!seen.has(name)) this.streaks.delete(name);
  }

  load(name: string): QueueLoad {
    const above = this.streaks.get(name)?.above ?? 0;
    if (above >= OVERLOAD_MIN_SAMPLES) return 'overloaded';
    return above > 0 ? 'above-guide' : 'normal';
  }

  clear(): void {
    this.streaks.clear();
  }
}
