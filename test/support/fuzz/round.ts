/** A round's state: its counts, deadline, client slots and the failure and outcome statistics. */
import { FixtureNode } from '../beamNode';
import { CATEGORIES, Category, MAX_FAILURES, MAX_HANGS } from './budget';
import { mix, Rng } from './random';
import { hex } from './encoding';
import { Semaphore } from './async';

// ---------------------------------------------------------------------------
// Run state, failures and outcomes
// ---------------------------------------------------------------------------

export interface Round {
  name: 'warm-up' | 'main';
  seed: number;
  node: FixtureNode;
  counts: Record<Category, number>;
  /** Extra JSON inputs of the warm-up: every method on every random local pid. */
  sweepLocalPids: boolean;
  stats: Stats;
  deadline: number;
  clientSlots: Semaphore;
  /** When each lane finished, from the start of the round. */
  laneMs: Record<string, number>;
}

export class Stats {
  readonly inputs = new Map<Category, number>();
  readonly outcomes = new Map<string, number>();
  /** Failures by kind (the message without its numbers), with the first example of each. */
  readonly failures = new Map<string, { count: number; example: string }>();
  failureCount = 0;
  hangs = 0;
  stopped = false;
  overBudget = false;
  laneMs: Record<string, number> = {};

  constructor(
    readonly seed: number,
    readonly round: string,
  ) {}

  input(category: Category): void {
    this.inputs.set(category, (this.inputs.get(category) ?? 0) + 1);
  }

  outcome(name: string): void {
    this.outcomes.set(name, (this.outcomes.get(name) ?? 0) + 1);
  }

  fail(category: Category | 'sweep' | 'node' | 'budget', index: number, what: string, input?: Buffer): void {
    const hang = what.startsWith('hang');
    this.outcome(hang ? 'HANG' : 'FAILURE');
    this.failureCount++;
    if (hang) this.hangs++;
    const kind = `${category}: ${what.replace(/[0-9a-f]{8,}|\d+/g, '#').slice(0, 90)}`;
    const entry = this.failures.get(kind);
    if (entry) entry.count++;
    else {
      const detail = input ? `\n      input: ${hex(input)}` : '';
      this.failures.set(kind, { count: 1, example: `[${this.round} ${category} #${index}] ${what}${detail}` });
    }
    // Keep going past one bug to find the others, within bounds: hangs cost time.
    if (this.failureCount >= MAX_FAILURES || this.hangs >= MAX_HANGS) this.stopped = true;
  }

  total(): number {
    return [...this.inputs.values()].reduce((a, b) => a + b, 0);
  }

  report(): string {
    const kinds = [...this.failures.entries()].sort((a, b) => b[1].count - a[1].count);
    return (
      kinds
        .slice(0, 12)
        .map(([kind, { count, example }]) => `  ${count} × ${kind}\n    e.g. ${example}`)
        .join('\n') + (kinds.length > 12 ? `\n  ... and ${kinds.length - 12} more kinds` : '')
    );
  }

  summary(elapsedMs: number): string {
    const inputs = CATEGORIES.map((c) => `${c}=${this.inputs.get(c) ?? 0}`).join(' ');
    const outcomes = [...this.outcomes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}:${v}`)
      .join(', ');
    return (
      `agent fuzz ${this.round}: seed=${this.seed} inputs=${this.total()} (${inputs}) ` +
      `outcomes {${outcomes}} in ${(elapsedMs / 1000).toFixed(1)} s ` +
      `(lanes: ${Object.entries(this.laneMs)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')})`
    );
  }
}

export function inputRng(round: Round, category: Category | 'sweep', index: number): Rng {
  const categoryIndex = category === 'sweep' ? 99 : CATEGORIES.indexOf(category);
  return new Rng(mix(round.seed, round.name === 'main' ? 1 : 2, categoryIndex, index));
}

export function shouldStop(round: Round): boolean {
  if (round.stats.stopped) return true;
  if (Date.now() > round.deadline) {
    round.stats.overBudget = true;
    return true;
  }
  return false;
}

/** Run fn over 0..count-1 with this many at a time. */
export async function pool(round: Round, count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !shouldStop(round)) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
