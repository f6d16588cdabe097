/**
 * The client keeps to the agent's limits by construction: at most
 * `maxInflight` requests in flight on a connection and `ratePerSecond`
 * sustained (bursts up to `rateBurst`), the figures the agent gives in
 * `initialize`, not a copy of its numbers. Requests beyond them wait here,
 * by priority: a user's click (a state, a hover) goes before the process
 * tree's refresh, which goes before background work (cluster polls,
 * subscriptions), so a burst of the latter never holds the former back.
 *
 * The agent answers -32007 (rate) or -32008 (in flight) when its count and
 * ours disagree (its bucket refills from when requests arrive, ours from when
 * they leave): such a request is sent again a moment later, never reported
 * as a failure of the node.
 */
export type Priority = 'user' | 'view' | 'background';

export interface QueueLimits {
  maxInflight: number;
  ratePerSecond: number;
  rateBurst: number;
}

/** Is this error the agent refusing for its limits (to be retried)? */
export type IsLimitRefusal = (error: unknown) => boolean;

const PRIORITIES: readonly Priority[] = ['user', 'view', 'background'];
/** Retries of a request the agent refused for its limits, and the wait before each (× attempt). */
const MAX_RETRIES = 8;
const RETRY_MS = 100;

interface Waiting {
  priority: Priority;
  send: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  attempts: number;
}

export class RequestQueue {
  private readonly waiting: Record<Priority, Waiting[]> = { user: [], view: [], background: [] };
  private inFlight = 0;
  private tokens: number;
  private refilledAt: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Requests the agent refused for its limits and that were sent again (diagnostics, tests). */
  retried = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly isLimitRefusal: IsLimitRefusal,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.rateBurst;
    this.refilledAt = now();
  }

  /** Send when the limits allow, in priority order; settles with the agent's answer. */
  run<T>(priority: Priority, send: () => Promise<T>): Promise<T> {
    if (this.closed) return send();
    return new Promise<T>((resolve, reject) => {
      this.waiting[priority].push({ priority, send, resolve: resolve as (value: unknown) => void, reject, attempts: 0 });
      this.pump();
    });
  }

  /** How many requests wait, by priority. */
  get queued(): Record<Priority, number> {
    return { user: this.waiting.user.length, view: this.waiting.view.length, background: this.waiting.background.length };
  }

  /** The connection ended: everything still waiting fails with `error`. */
  close(error: Error): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const priority of PRIORITIES) for (const w of this.waiting[priority].splice(0)) w.reject(error);
  }

  private pump(): void {
    if (this.closed) return;
    this.refill();
    while (this.inFlight < this.limits.maxInflight && this.tokens >= 1) {
      const next = this.next();
      if (!next) return;
      this.tokens -= 1;
      this.inFlight++;
      next.send().then(
        (value) => this.settled(() => next.resolve(value)),
        (error: unknown) => {
          if (this.isLimitRefusal(error) && next.attempts < MAX_RETRIES && !this.closed) {
            this.retried++;
            next.attempts++;
            this.settled(() => setTimeout(() => this.requeue(next), RETRY_MS * next.attempts));
          } else {
            this.settled(() => next.reject(error));
          }
        },
      );
    }
    // Waiting for tokens: come back when one is due.
    if (this.hasWaiting() && this.inFlight < this.limits.maxInflight && !this.timer) {
      const due = Math.ceil(((1 - this.tokens) * 1000) / this.limits.ratePerSecond);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(1, due));
    }
  }

  private settled(then: () => void): void {
    this.inFlight--;
    then();
    this.pump();
  }

  private requeue(request: Waiting): void {
    if (this.closed) {
      request.reject(new Error('the connection to the agent is closed'));
      return;
    }
    // Back at the head of the line it was in: it has waited already.
    this.waiting[request.priority].unshift(request);
    this.pump();
  }

  private next(): Waiting | undefined {
    for (const priority of PRIORITIES) {
      const request = this.waiting[priority].shift();
      if (request) return request;
    }
    return undefined;
  }

  private hasWaiting(): boolean {
    return PRIORITIES.some((p) => this.waiting[p].length > 0);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.limits.rateBurst, this.tokens + ((now - this.refilledAt) * this.limits.ratePerSecond) / 1000);
    this.refilledAt = now;
  }
}
