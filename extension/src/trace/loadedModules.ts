/**
 * Which modules the attached node has loaded (modules/loaded), asked for the
 * modules of the documents shown and remembered per connection for a few
 * seconds, so the CodeLens shows only where tracing can start.
 */
import type { AgentClient } from '../agent/agentClient';

const FRESH_MS = 10_000;

export class LoadedModules {
  private readonly known = new WeakMap<AgentClient, Map<string, { loaded: boolean; at: number }>>();

  async loaded(client: AgentClient, modules: string[]): Promise<Set<string>> {
    let known = this.known.get(client);
    if (!known) this.known.set(client, (known = new Map()));
    const now = Date.now();
    const ask = modules.filter((m) => {
      const entry = known.get(m);
      return !entry || now - entry.at > FRESH_MS;
    });
    if (ask.length > 0) {
      const loaded = new Set(await client.modulesLoaded(ask.slice(0, 200)));
      for (const m of ask) known.set(m, { loaded: loaded.has(m), at: now });
    }
    return new Set(modules.filter((m) => known.get(m)?.loaded));
  }

  /** Forget what a connection said (a module was loaded or reloaded since). */
  reset(client: AgentClient): void {
    this.known.delete(client);
  }
}
