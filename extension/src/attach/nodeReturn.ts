/**
 * Watching for a node to come back. A node attached over distribution has no
 * agent after a restart (the agent was pushed into the VM that died), and a
 * relay ends with its target. So when such a VM goes, its name is watched in
 * its host's epmd, and once the name is registered again the node is
 * attached again with the cookie that worked: what an Observer user does by
 * hand from the Nodes menu after a restart.
 *
 * One epmd NAMES request per watched node every 2 s, for at most 10 minutes.
 * A name still registered when the watch starts (a relay whose target only
 * dropped its connection) is tried after a grace period rather than at once.
 * Each failed attach (a helper VM booted for nothing) doubles the wait, up to
 * 30 s; a node that refuses the cookie ends the watch (asking is for the user).
 */
import type * as vscode from 'vscode';

export interface ReturnWatch {
  /** Full node name, name@host. */
  node: string;
  epmdPort?: number;
}

export interface NodeReturnDeps {
  /** The names epmd on `host` lists (throws when epmd does not answer). */
  names(host: string, epmdPort: number | undefined): Promise<string[]>;
  /** Attach again: attached; failed (try again later); or refused (the cookie: stop watching). */
  attach(watch: ReturnWatch): Promise<AttachOutcome>;
  log(message: string): void;
  pollMs?: number;
  graceMs?: number;
  giveUpMs?: number;
  now?: () => number;
}

export type AttachOutcome = 'attached' | 'failed' | 'refused';

const MAX_BACKOFF_MS = 30_000;

interface Watching {
  watch: ReturnWatch;
  started: number;
  seenAbsent: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

export class NodeReturnWatcher implements vscode.Disposable {
  private readonly watches = new Map<string, Watching>();
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly giveUpMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: NodeReturnDeps) {
    this.pollMs = deps.pollMs ?? 2000;
    this.graceMs = deps.graceMs ?? 5000;
    this.giveUpMs = deps.giveUpMs ?? 10 * 60_000;
    this.now = deps.now ?? Date.now;
  }

  /** Start watching (again) for `watch.node` to be registered in its host's epmd. */
  watch(watch: ReturnWatch): void {
    if (!watch.node.includes('@')) return;
    this.cancel(watch.node);
    const entry: Watching = { watch, started: this.now(), seenAbsent: false, failures: 0, timer: undefined };
    this.watches.set(watch.node, entry);
    this.deps.log(`watching epmd for ${watch.node} to come back (for ${Math.round(this.giveUpMs / 60_000)} min)`);
    this.schedule(entry);
  }

  cancel(node: string): void {
    const entry = this.watches.get(node);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.watches.delete(node);
  }

  watching(): string[] {
    return [...this.watches.keys()];
  }

  dispose(): void {
    for (const node of this.watching()) this.cancel(node);
  }

  private schedule(entry: Watching): void {
    const delay = Math.min(this.pollMs * 2 ** entry.failures, Math.max(MAX_BACKOFF_MS, this.pollMs));
    entry.timer = setTimeout(() => void this.poll(entry), delay);
  }

  private async poll(entry: Watching): Promise<void> {
    const { node, epmdPort } = entry.watch;
    if (this.watches.get(node) !== entry) return;
    const at = node.indexOf('@');
    const [name, host] = [node.slice(0, at), node.slice(at + 1)];
    let present = false;
    try {
      present = (await this.deps.names(host, epmdPort)).includes(name);
    } catch {
      present = false; // epmd itself is down while the host or container restarts
    }
    if (this.watches.get(node) !== entry) return;
    if (!present) entry.seenAbsent = true;
    if (present && (entry.seenAbsent || this.now() - entry.started >= this.graceMs)) {
      const outcome = await this.deps.attach(entry.watch).catch((): AttachOutcome => 'failed');
      if (this.watches.get(node) !== entry) return;
      if (outcome === 'attached') {
        this.deps.log(`${node} is back: attached again`);
        this.watches.delete(node);
        return;
      }
      if (outcome === 'refused') {
        this.deps.log(`${node} is back but refused the cookie that worked before: no longer watching`);
        this.watches.delete(node);
        return;
      }
      entry.failures++;
    }
    if (this.now() - entry.started >= this.giveUpMs) {
      this.deps.log(`${node} did not come back within ${Math.round(this.giveUpMs / 60_000)} min: no longer watching`);
      this.watches.delete(node);
      return;
    }
    this.schedule(entry);
  }
}
