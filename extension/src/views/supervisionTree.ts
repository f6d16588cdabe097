/**
 * The supervision tree: the shown node's running applications, each
 * expanding into its top supervisor, each supervisor into its children, a
 * page at a time ("N more…" loads the next page). A worker expands like a
 * row of the process tree: its info and its state, fetched when expanded.
 *
 * Everything is fetched lazily, on expansion, through the node registry's
 * connection (agent/nodeMethods.ts); Refresh forgets it all. Reveal in
 * Supervision Tree walks the path the agent gives (supervisor/path) down
 * from the application, loading pages until the process is there.
 */
import * as vscode from 'vscode';
import { Commands, InternalCommands } from '../commands/commandIds';
import type { NodeMethods } from '../agent/nodeMethods';
import type { RunningApplication, SupervisionStep, SupervisorChild, SupervisorPath } from '../protocol/agentProtocol';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { errorMessage } from '../shared/errors';
import { formatName } from '../shared/format';
import { applicationLine, childDescription, childLabel, childTooltip } from '../shared/nodeFormat';
import { infoLines, stateLines } from './processDetails';
import { detailItem, messageItem, NodeViewMessage, nodeMethodsOf, notConnectedMessage } from './nodeViewSupport';

export type SupervisionNode =
  | { kind: 'app'; id: string; app: RunningApplication }
  | { kind: 'child'; id: string; pid: string; child: SupervisorChild; parent: SupervisionNode }
  | { kind: 'more'; id: string; supervisor: string; loaded: number; total: number; parent: SupervisionNode }
  | { kind: 'detail'; id: string; label: string; description: string; parent: SupervisionNode }
  | { kind: 'state'; id: string; pid: string; parent: SupervisionNode }
  | { kind: 'stateLine'; id: string; text: string; parent: SupervisionNode }
  | (NodeViewMessage & { parent?: SupervisionNode });

/** The children read so far of one supervisor. */
interface Pages {
  children: SupervisorChild[];
  total: number;
}

export const CHILDREN_PAGE = 100;
/** Pages Reveal loads looking for a process before it shows it alone under its supervisor. */
const REVEAL_MAX_PAGES = 20;

export class SupervisionTreeProvider implements vscode.TreeDataProvider<SupervisionNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SupervisionNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private apps: Promise<RunningApplication[]> | undefined;
  private readonly pages = new Map<string, Promise<Pages>>();
  /** Children shown out of page order (found by Reveal beyond the pages read). */
  private readonly pinned = new Map<string, SupervisorChild[]>();
  /** Nodes by id, so that Reveal and getParent see the objects the view holds. */
  private readonly nodes = new Map<string, SupervisionNode>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly registry: NodeRegistry) {
    this.disposables.push(registry.onDidChangeSelection(() => this.refresh()));
  }

  refresh(): void {
    this.apps = undefined;
    this.pages.clear();
    this.pinned.clear();
    this.nodes.clear();
    this.changeEmitter.fire(undefined);
  }

  /** Forget one supervisor's children (after a kill under it): they are read again when shown. */
  refreshSupervisor(pid: string): void {
    this.pages.delete(pid);
    this.pinned.delete(pid);
    const node = this.nodes.get(`p:${pid}`);
    this.changeEmitter.fire(node);
  }

  private methods(): NodeMethods | undefined {
    return nodeMethodsOf(this.registry);
  }

  getParent(node: SupervisionNode): SupervisionNode | undefined {
    return 'parent' in node ? node.parent : undefined;
  }

  getTreeItem(node: SupervisionNode): vscode.TreeItem {
    switch (node.kind) {
      case 'app':
        return this.appItem(node.app, node.id);
      case 'child':
        return childItem(node);
      case 'more': {
        const item = new vscode.TreeItem(`${(node.total - node.loaded).toLocaleString('en-US')} more…`);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.tooltip = `Children ${node.loaded + 1}-${Math.min(node.total, node.loaded + CHILDREN_PAGE)} of ${node.total}`;
        item.command = { command: InternalCommands.moreChildren, title: 'Load More Children', arguments: [node.supervisor] };
        return item;
      }
      case 'detail':
        return detailItem(node);
      case 'state': {
        const item = new vscode.TreeItem('State', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        return item;
      }
      case 'stateLine': {
        const item = new vscode.TreeItem(node.text.replace(/\t/g, '  ') || ' ');
        item.id = node.id;
        item.tooltip = node.text;
        return item;
      }
      case 'message':
        return messageItem(node);
    }
  }

  private appItem(app: RunningApplication, id: string): vscode.TreeItem {
    const line = applicationLine(app);
    const item = new vscode.TreeItem(
      line.label,
      app.supervisor ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = id;
    item.description = line.description;
    item.tooltip = line.tooltip;
    item.iconPath = new vscode.ThemeIcon(app.supervisor ? 'package' : 'library');
    item.contextValue = 'beamApplication';
    return item;
  }

  async getChildren(node?: SupervisionNode): Promise<SupervisionNode[]> {
    try {
      if (!node) return await this.rootChildren();
      switch (node.kind) {
        case 'app':
          return this.appChildren(node);
        case 'child':
          return node.child.type === 'supervisor' ? await this.supervisorChildren(node) : this.workerChildren(node);
        case 'state':
          return await this.stateChildren(node);
        default:
          return [];
      }
    } catch (error) {
      return [this.keep({ kind: 'message', id: `${node?.id ?? 'root'}/error`, text: errorMessage(error), icon: 'error', parent: node })];
    }
  }

  private async rootChildren(): Promise<SupervisionNode[]> {
    const methods = this.methods();
    if (!methods) return [notConnectedMessage(this.registry)];
    this.apps ??= methods.applications().then((r) => r.applications);
    const apps = await this.apps.catch((error: unknown) => {
      this.apps = undefined;
      throw error;
    });
    // The node's own applications first, OTP's and Elixir's after them.
    const sorted = [...apps].sort((a, b) => Number(isPlatformApp(a.name)) - Number(isPlatformApp(b.name)) || a.name.localeCompare(b.name));
    return sorted.map((app) => this.keep({ kind: 'app', id: `a:${app.name}`, app }));
  }

  private appChildren(node: Extract<SupervisionNode, { kind: 'app' }>): SupervisionNode[] {
    const { supervisor, supervisorName } = node.app;
    if (!supervisor) return [];
    const top: SupervisorChild = {
      id: null,
      pid: supervisor,
      status: 'running',
      name: supervisorName,
      type: 'supervisor',
      restart: null,
      modules: [],
    };
    return [this.keep({ kind: 'child', id: `p:${supervisor}`, pid: supervisor, child: top, parent: node })];
  }

  private pagesOf(pid: string): Promise<Pages> {
    let pages = this.pages.get(pid);
    if (!pages) {
      const methods = this.methods();
      pages = methods
        ? methods.supervisorChildren(pid, 0, CHILDREN_PAGE).then((r) => ({ children: r.children, total: r.total }))
        : Promise.reject(new Error('not connected'));
      pages.catch(() => this.pages.delete(pid));
      this.pages.set(pid, pages);
    }
    return pages;
  }

  private async supervisorChildren(node: Extract<SupervisionNode, { kind: 'child' }>): Promise<SupervisionNode[]> {
    const { children, total } = await this.pagesOf(node.pid);
    const pinned = (this.pinned.get(node.pid) ?? []).filter((p) => !children.some((c) => c.pid === p.pid));
    const nodes: SupervisionNode[] = [...pinned, ...children].map((child, i) =>
      this.keep({
        kind: 'child',
        id: child.pid ? `p:${child.pid}` : `${node.id}/${child.id ?? i}`,
        pid: child.pid ?? '',
        child,
        parent: node,
      }),
    );
    if (children.length === 0) nodes.push(this.keep({ kind: 'message', id: `${node.id}/none`, text: 'No children', parent: node }));
    if (total > children.length) {
      nodes.push(this.keep({ kind: 'more', id: `${node.id}/more`, supervisor: node.pid, loaded: children.length, total, parent: node }));
    }
    return nodes;
  }

  /** The next page of a supervisor's children ("N more…"). */
  async loadMore(supervisor: string): Promise<void> {
    const methods = this.methods();
    const current = await this.pages.get(supervisor);
    if (!methods || !current) return;
    const next = await methods.supervisorChildren(supervisor, current.children.length, CHILDREN_PAGE);
    const known = new Set(current.children.map((c) => c.pid));
    const added = next.children.filter((c) => c.pid === null || !known.has(c.pid));
    this.pages.set(supervisor, Promise.resolve({ children: [...current.children, ...added], total: next.total }));
    this.changeEmitter.fire(this.nodes.get(`p:${supervisor}`));
  }

  private async workerChildren(node: Extract<SupervisionNode, { kind: 'child' }>): Promise<SupervisionNode[]> {
    const methods = this.methods();
    const shown = this.registry.shown;
    if (!node.child.pid || !methods || !shown) return [];
    const info = await shown.processInfo(node.child.pid);
    const lines = infoLines(info).map((line, i): SupervisionNode =>
      this.keep({ kind: 'detail', id: `${node.id}/info/${i}`, ...line, parent: node }),
    );
    return info.otp.sysAware && !info.agent
      ? [...lines, this.keep({ kind: 'state', id: `${node.id}/state`, pid: node.pid, parent: node })]
      : lines;
  }

  private async stateChildren(node: Extract<SupervisionNode, { kind: 'state' }>): Promise<SupervisionNode[]> {
    const shown = this.registry.shown;
    if (!shown) return [];
    const { lines, more } = stateLines((await shown.processState(node.pid)).text);
    const nodes = lines.map((text, i): SupervisionNode => this.keep({ kind: 'stateLine', id: `${node.id}/${i}`, text, parent: node }));
    const open = `${more > 0 ? `… ${more} more lines: ` : ''}Open in Editor`;
    nodes.push(
      this.keep({
        kind: 'message',
        id: `${node.id}/open`,
        text: open,
        icon: 'go-to-file',
        command: Commands.inspectState,
        args: [node.pid],
        parent: node,
      }),
    );
    return nodes;
  }

  /**
   * One object per id for the view's lifetime (until Refresh): VS Code knows
   * a tree's elements by identity, so a change fired for (or a reveal of) a
   * node built again by another read must be the object it was given first.
   */
  private keep<T extends SupervisionNode>(node: T): T {
    const known = this.nodes.get(node.id);
    if (known && known.kind === node.kind) return Object.assign(known, node) as T;
    this.nodes.set(node.id, node);
    return node;
  }

  /**
   * The node of `pid` in the tree, its ancestors' children read on the way
   * (Reveal). Undefined when its top supervisor is no application's.
   */
  async nodeFor(path: SupervisorPath): Promise<SupervisionNode | undefined> {
    const apps = await this.rootChildren();
    let node = apps.find((a) => a.kind === 'app' && a.app.supervisor === path.path[0].pid);
    if (!node) return undefined;
    for (const step of path.path) {
      const children = await this.childrenFinding(node, step);
      node = children.find((c) => c.kind === 'child' && c.pid === step.pid);
      if (!node) return undefined;
    }
    return node;
  }

  /** A node's children, with `step` among them: more pages read, or the step pinned. */
  private async childrenFinding(node: SupervisionNode, step: SupervisionStep): Promise<SupervisionNode[]> {
    if (node.kind === 'app') return this.getChildren(node);
    if (node.kind !== 'child') return [];
    for (let page = 0; page < REVEAL_MAX_PAGES; page++) {
      const { children, total } = await this.pagesOf(node.pid);
      if (children.some((c) => c.pid === step.pid) || children.length >= total) break;
      await this.loadMore(node.pid);
    }
    const { children } = await this.pagesOf(node.pid);
    if (!children.some((c) => c.pid === step.pid)) {
      this.pinned.set(node.pid, [...(this.pinned.get(node.pid) ?? []), childOfStep(step)]);
    }
    return this.getChildren(node);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}

function childItem(node: Extract<SupervisionNode, { kind: 'child' }>): vscode.TreeItem {
  const { child } = node;
  const expandable = child.pid !== null;
  const item = new vscode.TreeItem(
    childLabel(child),
    expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  item.id = node.id;
  item.description =
    child.restart === null && child.id === null && node.parent.kind === 'app' ? `top supervisor · ${child.pid}` : childDescription(child);
  item.tooltip = childTooltip(child);
  item.iconPath = new vscode.ThemeIcon(
    child.status !== 'running' ? 'debug-restart' : child.type === 'supervisor' ? 'type-hierarchy-sub' : 'symbol-event',
  );
  // Process rows take the process tree's context menu (Inspect State, Reveal, Kill...).
  if (child.pid) item.contextValue = child.type === 'supervisor' ? 'beamProcess.supervisor' : 'beamProcess';
  return item;
}

function childOfStep(step: SupervisionStep): SupervisorChild {
  return {
    id: step.id,
    pid: step.pid,
    status: 'running',
    name: step.name,
    type: step.type ?? (step.supervisor ? 'supervisor' : 'worker'),
    restart: step.restart,
    modules: [],
  };
}

/** OTP's and Elixir's own applications, listed after the node's. */
export function isPlatformApp(name: string): boolean {
  return PLATFORM_APPS.has(formatName(name));
}

const PLATFORM_APPS = new Set([
  'kernel',
  'stdlib',
  'compiler',
  'elixir',
  'logger',
  'iex',
  'mix',
  'hex',
  'crypto',
  'public_key',
  'asn1',
  'ssl',
  'inets',
  'sasl',
  'runtime_tools',
  'os_mon',
  'tools',
  'syntax_tools',
  'eex',
  'ex_unit',
]);
