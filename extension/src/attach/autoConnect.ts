/**
 * Which discovered agents BEAM Observer connects to on its own: only those the
 * user obviously wants.
 * - A debug session's (its marker in the discovery file): the session decides
 *   (DebugSessionNodes); a marker outranks every other rule, whatever
 *   `beamObserver.autoAttach` says.
 * - With `autoAttach: "terminals"`: any other agent whose VM runs in the
 *   workspace (its working directory is in a workspace folder).
 * An agent already attached only has its endpoint refreshed (an agent started
 * again in the same VM has a new port and token).
 */
import * as path from 'node:path';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import type { DiscoveryFile } from '../protocol/agentProtocol';
import type { DebugSessionNodes } from './debugSessionNodes';
import type { AutoAttach } from './terminalVariables';

/** Is `cwd` one of the folders or inside one? */
export function inFolders(cwd: string | null, folders: readonly string[]): boolean {
  return !!cwd && folders.some((f) => cwd === f || cwd.startsWith(f + path.sep));
}

export class AutoConnect {
  private last: readonly DiscoveryFile[] = [];

  constructor(
    private readonly registry: NodeRegistry,
    private readonly sessions: DebugSessionNodes,
    private readonly mode: () => AutoAttach,
    private readonly workspaceFolders: () => readonly string[],
  ) {}

  /** Discovery saw the live agents change. */
  agentsChanged(agents: readonly DiscoveryFile[]): void {
    this.last = agents;
    this.sessions.agentsChanged(agents);
    for (const found of agents) {
      if (this.registry.get(String(found.osPid))) {
        this.registry.updateFromDiscovery(found);
      } else if (!this.sessions.claims(found) && this.mode() === 'terminals' && inFolders(found.cwd, this.workspaceFolders())) {
        void this.registry.attach({ port: found.port, token: found.token }, 'terminal', found);
      }
    }
  }

  /** The setting changed: apply the rules to the agents known now. */
  reapply(): void {
    this.agentsChanged(this.last);
  }
}
