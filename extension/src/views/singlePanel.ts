/**
 * An editor panel of which there is at most one: the command reveals it when
 * it is open and creates it otherwise, and a panel left open when the window
 * reloads comes back (a webview panel serializer; package.json declares the
 * matching onWebviewPanel activation event). `drive` sets up a panel, new or
 * restored, and returns what to dispose with it.
 */
import * as vscode from 'vscode';

export function registerSinglePanel(
  viewType: string,
  command: string,
  title: () => string,
  localResourceRoots: vscode.Uri[],
  drive: (panel: vscode.WebviewPanel, reveal: () => void) => vscode.Disposable,
): vscode.Disposable {
  let current: vscode.WebviewPanel | undefined;

  const adopt = (panel: vscode.WebviewPanel) => {
    current = panel;
    panel.title = title();
    panel.webview.options = { enableScripts: true, localResourceRoots };
    const driven = drive(panel, open);
    panel.onDidDispose(() => {
      driven.dispose();
      if (current === panel) current = undefined;
    });
  };

  function open(): void {
    if (current) {
      current.reveal(undefined, false);
      return;
    }
    adopt(
      vscode.window.createWebviewPanel(
        viewType,
        title(),
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        { enableScripts: true, localResourceRoots },
      ),
    );
  }

  return vscode.Disposable.from(
    vscode.commands.registerCommand(command, open),
    vscode.window.registerWebviewPanelSerializer(viewType, {
      deserializeWebviewPanel: async (restored) => {
        if (current) restored.dispose();
        else adopt(restored);
      },
    }),
    { dispose: () => current?.dispose() },
  );
}
