/**
 * Commands of the process tree's title bar and palette: sort, filter,
 * refresh, pause and resume.
 */
import * as vscode from 'vscode';
import type { SortKey } from '../protocol/agentProtocol';
import { SORT_KEYS } from '../protocol/agentProtocol';
import { SORT_LABELS } from '../views/format';
import type { ProcessTreeProvider } from '../views/processTree';
import { Commands } from './commandIds';

export function registerTreeCommands(tree: ProcessTreeProvider): vscode.Disposable[] {
  const sortBy = async (key?: SortKey) => {
    const chosen =
      key ??
      (
        await vscode.window.showQuickPick(
          SORT_KEYS.map((k) => ({ label: `${k === tree.sortBy ? '$(check) ' : ''}${SORT_LABELS[k]}`, key: k })),
          { placeHolder: `Sort processes by (now: ${SORT_LABELS[tree.sortBy]})` },
        )
      )?.key;
    if (chosen) tree.setSort(chosen);
  };

  const filter = async () => {
    const value = await vscode.window.showInputBox({
      title: 'Filter processes',
      prompt: 'Part of a registered name, initial call (e.g. MyApp.Worker) or pid; empty to clear',
      value: tree.filter ?? '',
      // Typed text survives a click elsewhere, and a webview that takes focus back as the palette closes.
      ignoreFocusOut: true,
    });
    if (value !== undefined) tree.setFilter(value);
  };

  return [
    vscode.commands.registerCommand(Commands.sortBy, () => sortBy()),
    vscode.commands.registerCommand(Commands.sortByReductions, () => sortBy('reductions')),
    vscode.commands.registerCommand(Commands.sortByMemory, () => sortBy('memory')),
    vscode.commands.registerCommand(Commands.sortByMessageQueue, () => sortBy('messageQueueLen')),
    vscode.commands.registerCommand(Commands.filter, filter),
    vscode.commands.registerCommand(Commands.clearFilter, () => tree.setFilter(undefined)),
    vscode.commands.registerCommand(Commands.refresh, () => tree.refresh(true, true)),
    vscode.commands.registerCommand(Commands.pause, () => tree.setPaused(true)),
    vscode.commands.registerCommand(Commands.resume, () => tree.setPaused(false)),
  ];
}
