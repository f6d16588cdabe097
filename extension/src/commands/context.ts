/**
 * What the commands work with, and how they report failure: one clear
 * message to the user, the details in the "BEAM Observer" output channel.
 */
import * as vscode from 'vscode';
import type { DiscoveryWatcher } from '../nodes/discovery';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import type { RecentPids } from '../pids/recentPids';
import { errorMessage, userMessage } from '../shared/errors';
import type { ProcessTreeProvider, TreeNode } from '../views/processTree';
import type { StateDocuments } from '../views/stateDocuments';
import type { TextDocuments } from '../views/textDocuments';

export interface CommandContext {
  registry: NodeRegistry;
  tree: ProcessTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  states: StateDocuments;
  texts: TextDocuments;
  recent: RecentPids;
  discovery: DiscoveryWatcher;
  log: vscode.LogOutputChannel;
}

/** Log and show "BEAM Observer: <what>: <why>". */
export function reportFailure(log: vscode.LogOutputChannel, what: string, error: unknown): void {
  const message = errorMessage(error);
  log.error(`${what}: ${message}`);
  void vscode.window.showErrorMessage(userMessage(`${what}: ${message}`));
}

/** A pid from whatever invoked the command: a tree item, a string, or nothing. */
export function pidOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'pid' in arg && typeof (arg as { pid: unknown }).pid === 'string') {
    return (arg as { pid: string }).pid;
  }
  return undefined;
}
