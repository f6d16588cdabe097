/** Timeouts, hang errors and a semaphore. */

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what}: no outcome within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A failure message for an exception: a timeout anywhere is a hang. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('hang')) return message;
  return /^no .+ within \d+ ms/.test(message) ? `hang: ${message}` : `error: ${message}`;
}

class HangError extends Error {}

export class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}
