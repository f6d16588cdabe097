/**
 * The process tree as a VS Code view: the provider, its TreeView, the view's
 * description (node, sort, filter) and the context keys the menus read
 * (package.json `when` clauses).
 */
import * as vscode from 'vscode';
import { Views } from '../commands/commandIds';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { settings } from '../settings';
import { ProcessTreeProvider, TreeNode } from './processTree';

export interface ProcessTreeView extends vscode.Disposable {
  tree: ProcessTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
}

export function createProcessTreeView(registry: NodeRegistry): ProcessTreeView {
  const tree = new ProcessTreeProvider(registry, { limit: settings.processLimit });
  const treeView = vscode.window.createTreeView<TreeNode>(Views.processes, { treeDataProvider: tree, showCollapseAll: true });
  const update = () => {
    treeView.description = tree.title;
    void vscode.commands.executeCommand('setContext', 'beamObserver.connected', registry.connected.length > 0);
    void vscode.commands.executeCommand('setContext', 'beamObserver.hasNodes', registry.all.length > 0);
  };
  tree.setVisible(treeView.visible);
  void vscode.commands.executeCommand('setContext', 'beamObserver.sortBy', tree.sortBy);
  update();
  const disposable = vscode.Disposable.from(
    tree,
    treeView,
    treeView.onDidChangeVisibility((e) => tree.setVisible(e.visible)),
    treeView.onDidCollapseElement((e) => {
      if (e.element.kind === 'state') tree.forgetState(e.element.pid);
    }),
    tree.onDidChangeTreeData(update),
    registry.onDidChangeNodes(update),
    registry.onDidChangeSelection(update),
  );
  return { tree, treeView, dispose: () => disposable.dispose() };
}
