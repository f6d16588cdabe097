/** Hang errors and a semaphore (withTimeout is in test/support/wait.ts). */

/** A failure message for an exception: a timeout anywhere is a hang. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('hang')) return message;
  return /^no .+ within \d+ ms/.test(message) ? `hang: ${message}` : `error: ${message}`;
}

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
