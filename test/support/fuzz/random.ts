/** Seeded randomness: the run's seed, the PRNG and the per-input seed mixing. */
import { randomInt } from 'node:crypto';

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------

export function fuzzSeed(): number {
  const text = process.env.BEAM_OBSERVER_FUZZ_SEED;
  if (text === undefined || text.trim() === '') return randomInt(0x1_0000_0000);
  const seed = Number(text.trim());
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new Error(`BEAM_OBSERVER_FUZZ_SEED must be an integer from 0 to 4294967295, not ${JSON.stringify(text)}`);
  }
  return seed;
}

/** mulberry32: a tiny 32-bit PRNG, plenty for choosing inputs. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** A 32-bit hash of a few integers, to give every input a seed of its own. */
export function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  ident(min = 6, max = 12): string {
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789_';
    let s = this.pick([...'abcdefghijklmnopqrstuvwxyz']);
    const n = this.range(min, max);
    for (let i = 1; i < n; i++) s += chars[this.int(chars.length)];
    return s;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
