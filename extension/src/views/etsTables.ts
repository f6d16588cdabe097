/**
 * The ETS tables view: the shown node's tables, the largest first by memory
 * (or by rows, or by name), each expanding into its owner (a process row:
 * Reveal, Inspect State...), heir and properties. "Show Table Contents"
 * (inline and in the context menu of a readable table) opens its rows in a
 * read-only document (tableDocuments.ts). Read when shown and on Refresh.
 */
import * as vscode from 'vscode';
import type { EtsSortKey, EtsTable } from '../protocol/agentProtocol';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { errorMessage } from '../shared/errors';
import { formatBytes } from '../shared/format';
import { tableDescription, tableLabel } from '../shared/nodeFormat';
import {
  detailItem,
  messageItem,
  NodeViewMessage,
  nodeMethodsOf,
  notConnectedMessage,
  ProcessRef,
  processRefItem,
} from './nodeViewSupport';

export type EtsNode =
  | { kind: 'table'; id: string; table: EtsTable }
  | { kind: 'detail'; id: string; label: string; description: string }
  | ProcessRef
  | NodeViewMessage;

export const ETS_SORT_LABELS: Record<EtsSortKey, string> = { memory: 'Memory', size: 'Rows', name: 'Name' };
const LIMIT = 200;

export class EtsTablesProvider implements vscode.TreeDataProvider<EtsNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<EtsNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Called after each read of the list (the view's description shows its counts). */
  afterLoad: () => void = () => undefined;
  sortBy: EtsSortKey = 'memory';
  filter: string | undefined;
  /** Tables in the node and matching the filter, from the last read. */
  counts: { total: number; matched: number } | undefined;

  constructor(private readonly registry: NodeRegistry) {
    this.disposables.push(registry.onDidChangeSelection(() => this.refresh()));
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  setSort(sortBy: EtsSortKey): void {
    this.sortBy = sortBy;
    this.refresh();
  }

  setFilter(filter: string | undefined): void {
    this.filter = filter?.trim() || undefined;
    this.refresh();
  }

  get title(): string {
    const node = this.registry.target;
    if (!node) return '';
    const counts = this.counts ? ` · ${this.counts.matched} of ${this.counts.total}` : '';
    return `${node.name} · by ${ETS_SORT_LABELS[this.sortBy]}${this.filter ? ` · "${this.filter}"` : ''}${counts}`;
  }

  getTreeItem(node: EtsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'table':
        return tableItem(node);
      case 'detail':
        return detailItem(node);
      case 'process':
        return processRefItem(node);
      case 'message':
        return messageItem(node);
    }
  }

  async getChildren(node?: EtsNode): Promise<EtsNode[]> {
    if (node?.kind === 'table') return tableChildren(node);
    if (node) return [];
    const methods = nodeMethodsOf(this.registry);
    if (!methods) return [notConnectedMessage(this.registry)];
    try {
      const list = await methods.etsList({ sortBy: this.sortBy, limit: LIMIT, filter: this.filter ?? null });
      this.counts = { total: list.total, matched: list.matched };
      this.afterLoad();
      if (list.tables.length === 0) return [{ kind: 'message', id: 'empty', text: `No table matches "${this.filter}"`, icon: 'filter' }];
      return list.tables.map((table) => ({ kind: 'table', id: `t:${table.id}`, table }));
    } catch (error) {
      return [{ kind: 'message', id: 'error', text: errorMessage(error), icon: 'error' }];
    } finally {
      void vscode.commands.executeCommand('setContext', 'beamObserver.etsFiltered', this.filter !== undefined);
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}

function tableItem(node: Extract<EtsNode, { kind: 'table' }>): vscode.TreeItem {
  const { table } = node;
  const item = new vscode.TreeItem(tableLabel(table), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.description = tableDescription(table);
  item.iconPath = new vscode.ThemeIcon(table.readable ? 'table' : 'lock');
  const why = table.agent
    ? "BEAM Observer agent's own table: not shown"
    : table.protection === 'private'
      ? 'private: only its owner can read it'
      : '';
  item.tooltip = `${tableLabel(table)}: ${tableDescription(table)}${why ? `\n${why}` : ''}`;
  item.contextValue = table.readable ? 'beamEtsTable.readable' : 'beamEtsTable';
  return item;
}

function tableChildren(node: Extract<EtsNode, { kind: 'table' }>): EtsNode[] {
  const { table } = node;
  const detail = (label: string, description: string): EtsNode => ({ kind: 'detail', id: `${node.id}/${label}`, label, description });
  const rows: EtsNode[] = [{ kind: 'process', id: `${node.id}/owner`, pid: table.owner, name: table.ownerName, role: 'Owner' }];
  if (table.heir) rows.push({ kind: 'process', id: `${node.id}/heir`, pid: table.heir, name: null, role: 'Heir' });
  rows.push(
    detail('Rows', table.size.toLocaleString('en-US')),
    detail('Memory', formatBytes(table.memory)),
    detail('Type', table.type),
    detail('Protection', table.protection),
    detail('Key position', String(table.keypos)),
    detail('Compressed', String(table.compressed)),
    detail('Id', table.id),
  );
  return rows;
}
