/**
 * The extension's commands, by concern: nodes, processes, the process tree.
 * Each one does a little and reports failure as one clear message; details go
 * to the "BEAM Observer" output channel.
 */
import type * as vscode from 'vscode';
import type { CommandContext } from './context';
import { registerNodeCommands } from './nodeCommands';
import { registerProcessCommands } from './processCommands';
import { registerTreeCommands } from './treeCommands';

export type { CommandContext } from './context';

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [...registerNodeCommands(ctx), ...registerProcessCommands(ctx), ...registerTreeCommands(ctx.tree)];
}
