/**
 * The slot arithmetic of a fixed-size ring: which slot a new entry takes and
 * where the i-th oldest one lives. The data sits in parallel typed arrays
 * (sampleStore.ts), so a chart walks plain Float64Arrays and nothing is
 * allocated per sample however long the session runs.
 */
export class RingIndex {
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bad ring capacity ${capacity}`);
  }

  get length(): number {
    return this.count;
  }

  /** The slot for a new entry: the oldest one's when the ring is full. */
  push(): number {
    const slot = this.head;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count++;
    return slot;
  }

  /** Slot of the i-th oldest entry (0 = oldest). */
  slot(i: number): number {
    const s = this.head - this.count + i;
    return s < 0 ? s + this.capacity : s >= this.capacity ? s - this.capacity : s;
  }

  /** The slot after `slot`, for walking entries in order without a modulo per step. */
  next(slot: number): number {
    return slot + 1 === this.capacity ? 0 : slot + 1;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
