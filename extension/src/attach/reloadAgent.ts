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
import { descendsFrom } from '../nodes/processAlive';
import type { ObservedNode } from '../nodes/nodeRegistry';

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
    `BEAM Observer: start the agent again by evaluating ${expression} in ${node.name}'s shell` +
      (terminal ? ` (terminal "${terminal.name}").` : '.'),
    ...(terminal ? [typeIt, copy] : [copy]));
  if (choice === typeIt && terminal) {
    terminal.show(true);
    terminal.sendText(expression, true);
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(expression);
  }
}
