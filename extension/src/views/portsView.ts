/**
 * The ports and sockets view: the shown node's ports (gen_tcp/gen_udp
 * sockets with their addresses, files, spawned programs...) and its
 * `socket`-module sockets, sorted by bytes in, bytes out, queued bytes or
 * memory; each expands into its owner (a process row: Reveal, Inspect
 * State...) and its figures. Read when shown and on Refresh.
 */
import * as vscode from 'vscode';
import type { PortRow, PortSortKey } from '../protocol/agentProtocol';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { errorMessage } from '../shared/errors';
import { formatBytes } from '../shared/format';
import { portDescription, portLabel } from '../shared/nodeFormat';
import {
  detailItem,
  messageItem,
  NodeViewMessage,
  nodeMethodsOf,
  notConnectedMessage,
  ProcessRef,
  processRefItem,
} from './nodeViewSupport';

export type PortNode =
  | { kind: 'port'; id: string; port: PortRow }
  | { kind: 'detail'; id: string; label: string; description: string }
  | ProcessRef
  | NodeViewMessage;

export const PORT_SORT_LABELS: Record<PortSortKey, string> = {
  input: 'Bytes In',
  output: 'Bytes Out',
  queueSize: 'Queued Bytes',
  memory: 'Memory',
};
const LIMIT = 200;

export class PortsProvider implements vscode.TreeDataProvider<PortNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<PortNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Called after each read of the list (the view's description shows its counts). */
  afterLoad: () => void = () => undefined;
  sortBy: PortSortKey = 'input';
  counts: { total: number } | undefined;

  constructor(private readonly registry: NodeRegistry) {
    this.disposables.push(registry.onDidChangeSelection(() => this.refresh()));
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  setSort(sortBy: PortSortKey): void {
    this.sortBy = sortBy;
    this.refresh();
  }

  get title(): string {
    const node = this.registry.target;
    return node ? `${node.name} · by ${PORT_SORT_LABELS[this.sortBy]}${this.counts ? ` · ${this.counts.total}` : ''}` : '';
  }

  getTreeItem(node: PortNode): vscode.TreeItem {
    switch (node.kind) {
      case 'port':
        return portItem(node);
      case 'detail':
        return detailItem(node);
      case 'process':
        return processRefItem(node);
      case 'message':
        return messageItem(node);
    }
  }

  async getChildren(node?: PortNode): Promise<PortNode[]> {
    if (node?.kind === 'port') return portChildren(node);
    if (node) return [];
    const methods = nodeMethodsOf(this.registry);
    if (!methods) return [notConnectedMessage(this.registry)];
    try {
      const list = await methods.ports({ sortBy: this.sortBy, limit: LIMIT });
      this.counts = { total: list.total };
      this.afterLoad();
      return list.ports.map((port) => ({ kind: 'port', id: `port:${port.id}`, port }));
    } catch (error) {
      return [{ kind: 'message', id: 'error', text: errorMessage(error), icon: 'error' }];
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}

function portItem(node: Extract<PortNode, { kind: 'port' }>): vscode.TreeItem {
  const { port } = node;
  const item = new vscode.TreeItem(portLabel(port), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = portDescription(port);
  item.tooltip = `${portLabel(port)}\n${portDescription(port)}\nowner ${port.ownerName ?? ''} ${port.owner ?? ''}`;
  item.iconPath = new vscode.ThemeIcon(port.agent ? 'eye' : port.protocol ? 'globe' : port.kind === 'socket' ? 'radio-tower' : 'plug');
  item.contextValue = 'beamPort';
  return item;
}

function portChildren(node: Extract<PortNode, { kind: 'port' }>): PortNode[] {
  const { port } = node;
  const detail = (label: string, description: string): PortNode => ({ kind: 'detail', id: `${node.id}/${label}`, label, description });
  const rows: PortNode[] = [];
  if (port.owner) rows.push({ kind: 'process', id: `${node.id}/owner`, pid: port.owner, name: port.ownerName, role: 'Owner' });
  rows.push(detail('Id', port.id), detail('Driver', port.name));
  if (port.local) rows.push(detail('Local address', port.local));
  if (port.peer) rows.push(detail('Peer address', port.peer));
  if (port.state) rows.push(detail('State', port.state));
  rows.push(detail('Bytes in', formatBytes(port.input)), detail('Bytes out', formatBytes(port.output)));
  if (port.queueSize !== null) rows.push(detail('Queued', formatBytes(port.queueSize)));
  if (port.memory !== null) rows.push(detail('Memory', formatBytes(port.memory)));
  if (port.osPid !== null) rows.push(detail('OS pid', String(port.osPid)));
  return rows;
}
