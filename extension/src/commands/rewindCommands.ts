/**
 * The commands of rewind and recordings (issue 14): Back to Live, Save
 * Recording…, Open Recording… (views/rewind.ts does the work).
 */
import * as vscode from 'vscode';
import type { Rewind } from '../views/rewind';
import { Commands } from './commandIds';

export function registerRewindCommands(rewind: Rewind): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.backToLive, () => rewind.backToLive()),
    vscode.commands.registerCommand(Commands.saveRecording, () => rewind.save()),
    vscode.commands.registerCommand(Commands.openRecording, (uri?: unknown) => rewind.open(uri instanceof vscode.Uri ? uri : undefined)),
  ];
}
