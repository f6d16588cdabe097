/**
 * The system view: what the shown node runs (versions, uptime, schedulers),
 * its counts against their limits (a warning from 80% of a limit, also as a
 * badge on the view), its memory by kind and its allocators (held from the
 * OS against in use). Read when shown, then every 5 s while visible: one
 * system/info costs the node about 0.2 ms.
 */
import * as vscode from 'vscode';
import type { SystemInfo } from '../protocol/agentProtocol';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { errorMessage } from '../shared/errors';
import { formatBytes } from '../shared/format';
import { allocatorLine, formatUptime, limitLine, Line } from '../shared/nodeFormat';
import { messageItem, NodeViewMessage, nodeMethodsOf, notConnectedMessage } from './nodeViewSupport';

type Group = 'versions' | 'limits' | 'memory' | 'allocators';

export type SystemNode =
  { kind: 'group'; id: string; group: Group; warning: boolean } | { kind: 'line'; id: string; line: Line } | NodeViewMessage;

const GROUP_LABELS: Record<Group, string> = { versions: 'Node', limits: 'Limits', memory: 'Memory', allocators: 'Allocators' };
const REFRESH_MS = 5000;

export class SystemProvider implements vscode.TreeDataProvider<SystemNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SystemNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly warningEmitter = new vscode.EventEmitter<string[]>();
  /** The limits at or above the warning share, after each read. */
  readonly onDidChangeWarnings = this.warningEmitter.event;
  private info: SystemInfo | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly registry: NodeRegistry) {
    this.disposables.push(registry.onDidChangeSelection(() => this.refresh()));
  }

  setVisible(visible: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = visible ? setInterval(() => this.refresh(), REFRESH_MS) : undefined;
    if (visible) this.refresh();
  }

  refresh(): void {
    this.info = undefined;
    this.changeEmitter.fire(undefined);
  }

  getTreeItem(node: SystemNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const expanded = node.group === 'limits' || node.group === 'versions';
        const item = new vscode.TreeItem(
          GROUP_LABELS[node.group],
          expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = node.id;
        if (node.warning) item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        return item;
      }
      case 'line': {
        const item = new vscode.TreeItem(node.line.label);
        item.id = node.id;
        item.description = node.line.description;
        item.tooltip = node.line.tooltip || `${node.line.label}: ${node.line.description}`;
        if (node.line.warning) item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        return item;
      }
      case 'message':
        return messageItem(node);
    }
  }

  async getChildren(node?: SystemNode): Promise<SystemNode[]> {
    if (node && node.kind !== 'group') return [];
    const methods = nodeMethodsOf(this.registry);
    if (!methods) return [notConnectedMessage(this.registry)];
    try {
      if (!node || !this.info) this.info = await methods.systemInfo();
      const info = this.info;
      if (!node) {
        const warnings = limitLines(info).filter((l) => l.warning);
        this.warningEmitter.fire(warnings.map((l) => `${l.label}: ${l.description}`));
        return (['versions', 'limits', 'memory', 'allocators'] as Group[]).map((group) => ({
          kind: 'group',
          id: `g:${group}`,
          group,
          warning: group === 'limits' && warnings.length > 0,
        }));
      }
      return linesOf(node.group, info).map((line, i) => ({ kind: 'line', id: `${node.id}/${i}`, line }));
    } catch (error) {
      return [{ kind: 'message', id: 'error', text: errorMessage(error), icon: 'error' }];
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
    this.warningEmitter.dispose();
  }
}

function limitLines(info: SystemInfo): Line[] {
  return [
    limitLine('Processes', info.limits.processes),
    limitLine('Ports', info.limits.ports),
    limitLine('Atoms', info.limits.atoms),
    limitLine('ETS tables', info.limits.etsTables),
  ];
}

function linesOf(group: Group, info: SystemInfo): Line[] {
  const line = (label: string, description: string, tooltip?: string): Line => ({ label, description, tooltip });
  switch (group) {
    case 'versions': {
      const s = info.schedulers;
      return [
        line('OTP', `${info.otpRelease} (ERTS ${info.ertsVersion})`),
        ...(info.elixirVersion ? [line('Elixir', info.elixirVersion)] : []),
        line('Uptime', formatUptime(info.uptimeMs)),
        line('Schedulers', `${s.online} of ${s.total} online · dirty CPU ${s.dirtyCpuOnline} of ${s.dirtyCpu} · dirty IO ${s.dirtyIo}`),
        line('Logical processors', `${info.logicalProcessors.online ?? '?'} online of ${info.logicalProcessors.total ?? '?'}`),
        line('Architecture', `${info.systemArchitecture}, ${info.wordSize * 8}-bit`),
      ];
    }
    case 'limits':
      return limitLines(info);
    case 'memory': {
      const m = info.memory;
      return [
        line('Total', formatBytes(m.total)),
        line('Processes', `${formatBytes(m.processes)} (${formatBytes(m.processesUsed)} used)`),
        line('Binaries', formatBytes(m.binary)),
        line('ETS', formatBytes(m.ets)),
        line('Atoms', `${formatBytes(m.atom)} (${formatBytes(m.atomUsed)} used)`),
        line('Code', formatBytes(m.code)),
        line('System', formatBytes(m.system)),
      ];
    }
    case 'allocators': {
      const a = info.allocators;
      const usage = a.usage === null ? '' : ` · ${Math.round(a.usage * 100)}% used`;
      return [
        line('All allocators', `${formatBytes(a.carriersBytes)} in carriers, ${formatBytes(a.blocksBytes)} in blocks${usage}`),
        ...a.families.map(allocatorLine),
      ];
    }
  }
}
