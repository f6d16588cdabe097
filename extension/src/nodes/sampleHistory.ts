/**
 * The recent load samples of one node, in a fixed-size ring: enough for the
 * longest chart window (10 minutes at the fastest default rate, 1 Hz), so a
 * chart opened late still shows the past. Memory stays bounded whatever the
 * session's length.
 */
import type { LoadSample } from '../protocol/agentProtocol';

export const DEFAULT_HISTORY = 600;

export class SampleHistory {
  private readonly ring: (LoadSample | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = DEFAULT_HISTORY) {
    this.ring = new Array(capacity);
  }

  push(sample: LoadSample): void {
    this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Oldest first. */
  toArray(): LoadSample[] {
    const out: LoadSample[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  latest(n = 1): LoadSample[] {
    return this.toArray().slice(-n);
  }
}
