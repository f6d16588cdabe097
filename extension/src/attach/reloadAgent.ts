/**
 * "BEAM Observer: Load Agent Again": the agent of a node that still runs has
 * stopped (killed, crashed, stopped by hand). Starting it again is enough:
 * the new agent rewrites the node's discovery file, and the registry, which
 * keeps retrying a lost node while its OS process lives, reconnects with the
 * new port and token.
 *
 * How to reach into the node depends on how it was started:
 * - through its debug session (DAP `evaluate`, as when the session started);
 * - over Erlang distribution, for a named node (the attach helper);
 * - otherwise only through the node's own shell: the expression is typed into
 *   the VS Code terminal the node runs in, when the user agrees, or copied.
 */
import * as vscode from 'vscode';
import type { AgentInstall } from '../agent/agentInstall';
import { Commands } from '../commands/commandIds';
import type { NodeRegistry, ObservedNode } from '../nodes/nodeRegistry';
import { descendsFrom } from '../nodes/processAlive';
import { errorMessage, userMessage } from '../shared/errors';
import type { DebugSessionNodes } from './debugSessionNodes';
import { injectThroughAdapter } from './debugSessions';

/** How long a node stays "lost" before the extension offers to load its agent again. */
const LOST_OFFER_DELAY_MS = 3000;

export interface ReloadWays {
  /** The debug session the node runs under, if any: evaluate the injection there. */
  throughDebugger(node: ObservedNode): Promise<boolean>;
  /** Load it over distribution (named nodes); false when not possible. */
  overDistribution(node: ObservedNode): Promise<boolean>;
}

/** The expression a user would type in the node's shell. The agent's modules stay loaded after its processes die. */
export function startExpression(language: 'elixir' | 'erlang'): string {
  return language === 'elixir' ? ':beam_observer_agent.start()' : 'beam_observer_agent:start().';
}

/** The integrated terminal whose shell started the node, if any. */
export async function terminalOf(osPid: number): Promise<vscode.Terminal | undefined> {
  for (const terminal of vscode.window.terminals) {
    const shell = await terminal.processId;
    if (shell && descendsFrom(osPid, shell)) return terminal;
  }
  return undefined;
}

export async function loadAgentAgain(node: ObservedNode, ways: ReloadWays): Promise<void> {
  if (await ways.throughDebugger(node)) return;
  if (await ways.overDistribution(node)) return;
  const expression = startExpression(node.info?.language ?? 'erlang');
  const terminal = node.osPid ? await terminalOf(node.osPid) : undefined;
  const typeIt = 'Type in Terminal';
  const copy = 'Copy';
  const choice = await vscode.window.showInformationMessage(
    userMessage(`start the agent again by evaluating ${expression} in ${node.name}'s shell`) +
      (terminal ? ` (terminal "${terminal.name}").` : '.'),
    ...(terminal ? [typeIt, copy] : [copy]),
  );
  if (choice === typeIt && terminal) {
    terminal.show(true);
    terminal.sendText(expression, true);
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(expression);
  }
}

/** The ways into a node BEAM Observer knows: its debug session, or distribution (Attach to Node). */
export function reloadWays(sessions: DebugSessionNodes, install: () => AgentInstall): ReloadWays {
  return {
    async throughDebugger(node) {
      const session = sessions.sessionOf(node.id);
      if (!session) return false;
      await injectThroughAdapter(session, install());
      return true;
    },
    // A node attached over distribution: attach again (the cookie is remembered).
    async overDistribution(node) {
      if (node.source !== 'distribution') return false;
      await vscode.commands.executeCommand(Commands.attachToNode, { node: node.name });
      return true;
    },
  };
}

/**
 * The command "Load Agent Again", and its offer: a node whose agent stopped while
 * the node lives on ("lost" for a few seconds: an agent restarted by hand needs no
 * offer) gets a notification with the button.
 */
export function registerLoadAgentAgain(registry: NodeRegistry, ways: ReloadWays): vscode.Disposable {
  const loadAgain = async (nodeId?: string) => {
    const node =
      (nodeId ? registry.get(nodeId) : undefined) ??
      (registry.selected?.state === 'lost' ? registry.selected : registry.all.find((n) => n.state === 'lost'));
    if (!node) {
      void vscode.window.showInformationMessage(userMessage('no node has lost its agent.'));
      return;
    }
    try {
      await loadAgentAgain(node, ways);
    } catch (error) {
      void vscode.window.showErrorMessage(userMessage(`cannot load the agent again into ${node.name}: ${errorMessage(error)}`));
    }
  };
  const offered = new Set<string>();
  const offer = registry.onDidChangeNodes((node) => {
    if (!node || node.state === 'connected') {
      if (node) offered.delete(node.id);
      return;
    }
    if (node.state !== 'lost' || offered.has(node.id)) return;
    offered.add(node.id);
    setTimeout(() => {
      if (node.state !== 'lost') return;
      void vscode.window
        .showWarningMessage(userMessage(`the agent in ${node.name} stopped; the node is still running.`), 'Load Agent Again')
        .then((choice) => {
          if (choice) void loadAgain(node.id);
        });
    }, LOST_OFFER_DELAY_MS);
  });
  return vscode.Disposable.from(vscode.commands.registerCommand(Commands.loadAgentAgain, loadAgain), offer);
}
