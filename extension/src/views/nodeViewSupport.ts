/**
 * What the views of the rest of the node (supervision tree, ETS tables,
 * ports, system) share: the requests that reach the shown node, the line a
 * view shows instead of rows (not connected, an error), and a process row
 * that takes the process tree's context menu (Inspect State, Reveal...).
 */
import * as vscode from 'vscode';
import { NodeMethods } from '../agent/nodeMethods';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { formatName } from '../shared/format';

/** The requests about the shown node (a member of the agent's cluster, or its own). */
export function nodeMethodsOf(registry: NodeRegistry): NodeMethods | undefined {
  const shown = registry.shown;
  return shown ? new NodeMethods(shown.client, shown.member) : undefined;
}

/** A line in place of rows: why there are none, an error, or an action. */
export interface NodeViewMessage {
  kind: 'message';
  id: string;
  text: string;
  icon?: string;
  command?: string;
  args?: unknown[];
}

export function messageItem(node: NodeViewMessage): vscode.TreeItem {
  const item = new vscode.TreeItem(node.text);
  item.id = node.id;
  item.tooltip = node.text;
  if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
  if (node.command) item.command = { command: node.command, title: node.text, arguments: node.args ?? [] };
  return item;
}

/** A label and its figure under a row (a table's type, a port's bytes, a child's restart type). */
export function detailItem(node: { id: string; label: string; description: string }): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label);
  item.id = node.id;
  item.description = node.description;
  return item;
}

/** What a view says while no node is shown, or while its node is not connected. */
export function notConnectedMessage(registry: NodeRegistry): NodeViewMessage {
  const node = registry.selected;
  const text = !node
    ? 'No node is connected.'
    : node.state === 'connecting' || node.state === 'lost'
      ? `${node.name}: connecting…`
      : `${node.name}: disconnected`;
  return { kind: 'message', id: 'status', text, icon: node ? 'debug-disconnect' : 'info' };
}

/** A process shown in one of these views (a table's owner, a port's): the process tree's context menu applies. */
export interface ProcessRef {
  kind: 'process';
  id: string;
  pid: string;
  name: string | null;
  /** What the process is to the row it hangs under ("owner", "heir"). */
  role: string;
}

export function processRefItem(node: ProcessRef): vscode.TreeItem {
  const item = new vscode.TreeItem(node.role);
  item.id = node.id;
  item.description = node.name ? `${formatName(node.name)} ${node.pid}` : node.pid;
  item.iconPath = new vscode.ThemeIcon('symbol-event');
  item.tooltip = `${node.role}: ${item.description} (right-click: Reveal in Process Tree, Inspect State…)`;
  item.contextValue = 'beamProcess';
  return item;
}
