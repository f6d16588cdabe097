/**
 * One node per debug session, bound to it from its first moment.
 *
 * A session BEAM Observer prepared carries a marker (`debug:<id>`, see
 * debugSessions.ts) that every VM started with the session's environment
 * writes into its agent's discovery file. More than one VM can carry it:
 * ElixirLS's launch script first runs a short-lived `elixir quiet_install.exs`
 * with the same environment, then the VM that runs the adapter and, inside it,
 * the task; a task may start VMs of its own (rebar3, `System.cmd("elixir")`);
 * Restart starts a new VM. The session's VM is chosen by these rules:
 *
 * - Nothing is attached before the debug adapter has spoken (its first DAP
 *   message). ElixirLS's launcher VM has exited by then: it runs before the
 *   adapter's VM exists. So it is never shown, nor reported lost.
 * - Among the live VMs carrying the marker, the newest one that does not
 *   descend from another of them: a VM the task starts is its child.
 * - A marker outranks every other rule (terminals, discovery): an agent
 *   carrying one is only ever attached as its session's node.
 * - At most one connection per session: a new VM replaces the old one's node.
 *
 * How a session ends, the same every time (README, "Debug sessions"):
 * - Stopped (VS Code asks the adapter to disconnect or terminate) while its VM
 *   runs: the node leaves the views at once, before the VM exits: no "connection
 *   lost", no "disconnected", no reconnection attempts.
 * - Its VM ended on its own while the session ran (a crash, a kill, halt): the
 *   node stays listed as disconnected, so the user sees what happened, until
 *   another node attaches.
 *
 * Sessions BEAM Observer did not prepare (attach requests, other clients) get
 * the agent through the adapter itself (DAP evaluate) and are bound the same way.
 */
import type * as vscode from 'vscode';
import type { AgentInstall } from '../agent/agentInstall';
import { descendsFrom, parentPid, processAlive } from '../nodes/processAlive';
import type { NodeRegistry, ObservedNode } from '../nodes/nodeRegistry';
import type { DiscoveryFile } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import { SESSION_MARKER_KEY, isBeamSession } from '../shared/debugTypes';
import { injectThroughAdapter } from './debugSessions';

/** How long a session BEAM Observer did not prepare runs before the agent is loaded through its debugger. */
const INJECT_AFTER_MS = 5000;

/** The marker an agent's discovery file carries when a debug session launched its VM. */
export function sessionMarker(found: Pick<DiscoveryFile, 'launchedBy'>): string | undefined {
  return found.launchedBy?.startsWith('debug:') ? found.launchedBy.slice('debug:'.length) : undefined;
}

/**
 * The session's VM among the live agents carrying its marker: the newest that
 * does not descend from another of them (a VM the task started is its child).
 */
export function sessionVm(
  agents: readonly DiscoveryFile[],
  parentOf: (pid: number) => number | undefined = parentPid,
): DiscoveryFile | undefined {
  const roots = agents.filter((a) => !agents.some((b) => b !== a && b.osPid !== a.osPid && descendsFrom(a.osPid, b.osPid, parentOf)));
  return roots.reduce<DiscoveryFile | undefined>((newest, a) => (!newest || a.startedAt > newest.startedAt ? a : newest), undefined);
}

/** Is this DAP message VS Code asking the adapter to end the session (not to restart it)? */
export function isStopRequest(message: { type?: string; command?: string; arguments?: { restart?: boolean } }): boolean {
  return message.type === 'request' && (message.command === 'disconnect' || message.command === 'terminate') && !message.arguments?.restart;
}

/** Is this DAP message VS Code asking the adapter to restart the session? */
export function isRestartRequest(message: { type?: string; command?: string; arguments?: { restart?: boolean } }): boolean {
  return (
    message.type === 'request' &&
    (message.command === 'restart' ||
      ((message.command === 'disconnect' || message.command === 'terminate') && message.arguments?.restart === true))
  );
}

interface SessionEntry {
  /** The marker, or the session id of a session BEAM Observer did not prepare. */
  key: string;
  session: vscode.DebugSession | undefined;
  /** The adapter has sent its first message: the session's own VM is up. */
  adapterSpoke: boolean;
  /** The registry id of the session's node. */
  nodeId: string | undefined;
  ended: boolean;
}

export interface SessionNodesOptions {
  registry: NodeRegistry;
  install: () => AgentInstall;
  /** Load the agent through the debugger into sessions BEAM Observer did not prepare? */
  injectThroughDebugger: () => boolean;
  log: (message: string) => void;
}

export class DebugSessionNodes implements vscode.DebugAdapterTrackerFactory, vscode.Disposable {
  private readonly entries = new Map<string, SessionEntry>();
  private agents: readonly DiscoveryFile[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SessionNodesOptions) {}

  /** Does this agent belong to a debug session (ours or another window's)? Then no other rule attaches it. */
  claims(found: DiscoveryFile): boolean {
    return sessionMarker(found) !== undefined;
  }

  /** Discovery saw the live agents change. */
  agentsChanged(agents: readonly DiscoveryFile[]): void {
    this.agents = agents;
    for (const entry of this.entries.values()) this.reconcile(entry);
  }

  /** The debug session a node runs under, to load its agent again through the debugger. */
  sessionOf(nodeId: string): vscode.DebugSession | undefined {
    return [...this.entries.values()].find((e) => e.nodeId === nodeId && !e.ended)?.session;
  }

  /** A tracker per adapter of a BEAM session: it tells when the adapter speaks, and when the user stops it. */
  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker | undefined {
    if (!isBeamSession(session.type)) return undefined;
    const marker = session.configuration[SESSION_MARKER_KEY] as string | undefined;
    if (!marker) return undefined;
    // A new adapter for this session (a restart VS Code carries out itself): wait for it to speak again.
    const entry = this.entry(marker);
    entry.session = session;
    entry.adapterSpoke = false;
    entry.ended = false;
    return {
      onDidSendMessage: () => {
        if (entry.adapterSpoke) return;
        entry.adapterSpoke = true;
        this.reconcile(entry);
      },
      onWillReceiveMessage: (message: { type?: string; command?: string; arguments?: { restart?: boolean } }) => {
        if (isStopRequest(message)) this.end(entry, 'stopped');
        else if (isRestartRequest(message)) this.restarting(entry);
      },
    };
  }

  /** A BEAM session started: one BEAM Observer did not prepare gets the agent through its debugger. */
  sessionStarted(session: vscode.DebugSession): void {
    if (!isBeamSession(session.type) || session.configuration[SESSION_MARKER_KEY]) return;
    if (!this.options.injectThroughDebugger()) return;
    const entry = this.entry(session.id);
    entry.session = session;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (entry.ended) return;
      injectThroughAdapter(session, this.options.install())
        .then((endpoint) => this.options.registry.attach(endpoint, 'debug'))
        .then((node) => {
          if (entry.ended) return this.options.registry.disconnect(node.id);
          entry.nodeId = node.id;
          this.options.registry.select(node.id);
        })
        .catch((error: unknown) => this.options.log(`${session.name}: ${errorMessage(error)}`));
    }, INJECT_AFTER_MS);
    this.timers.add(timer);
  }

  /** VS Code says the session is over (after any stop request the tracker saw). */
  sessionEnded(session: vscode.DebugSession): void {
    const key = (session.configuration[SESSION_MARKER_KEY] as string | undefined) ?? session.id;
    const entry = this.entries.get(key);
    if (!entry) return;
    this.end(entry, 'ended');
    this.entries.delete(key);
  }

  private entry(key: string): SessionEntry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, session: undefined, adapterSpoke: false, nodeId: undefined, ended: false };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Attach the session's VM, replacing the node of an earlier one. */
  private reconcile(entry: SessionEntry): void {
    if (!entry.adapterSpoke || entry.ended) return;
    // Alive now: discovery's list may still hold a VM that has just exited (ElixirLS's launcher).
    const vm = sessionVm(this.agents.filter((a) => sessionMarker(a) === entry.key && processAlive(a.osPid)));
    if (!vm) return;
    const { registry } = this.options;
    const id = String(vm.osPid);
    if (entry.nodeId === id) {
      registry.updateFromDiscovery(vm);
      return;
    }
    if (entry.nodeId) this.dropNode(entry.nodeId, `replaced by OS pid ${vm.osPid}`);
    entry.nodeId = id;
    this.options.log(`debug session "${entry.session?.name ?? entry.key}": its VM is OS pid ${vm.osPid}`);
    void registry.attach({ port: vm.port, token: vm.token }, 'debug', vm).then((node) => {
      if (entry.nodeId === node.id && !entry.ended) registry.select(node.id);
    });
  }

  /** Restart: the running VM is about to be replaced; its node leaves now, the new VM's comes when it is up. */
  private restarting(entry: SessionEntry): void {
    if (entry.nodeId) this.dropNode(entry.nodeId, 'the session restarts');
    entry.nodeId = undefined;
  }

  /**
   * The session ends. A VM still running (the user stopped the session) leaves
   * the views at once; a VM that ended on its own stays listed as disconnected.
   */
  private end(entry: SessionEntry, how: 'stopped' | 'ended'): void {
    if (entry.ended) return;
    entry.ended = true;
    const node = entry.nodeId ? this.options.registry.get(entry.nodeId) : undefined;
    if (!node) return;
    if (this.options.registry.vmGone(node)) {
      this.options.registry.sessionEnded(node.id);
      this.options.log(`debug session "${entry.session?.name ?? entry.key}" ${how}; its VM had already exited`);
    } else {
      this.dropNode(node.id, `the debug session ${how}`);
    }
  }

  private dropNode(id: string, why: string): void {
    const node: ObservedNode | undefined = this.options.registry.get(id);
    if (!node) return;
    this.options.log(`${node.name} (OS pid ${node.osPid}) leaves the views: ${why}`);
    this.options.registry.disconnect(id);
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.entries.clear();
  }
}
