/**
 * The process tree in the Run and Debug sidebar: the selected node's top N
 * processes by the chosen key, each expandable into its info, links,
 * monitors, stack (frames open the source) and state (dumped inline, lazily).
 *
 * It refreshes with the node's sample interval while visible and not at all
 * while hidden or paused. Everything it shows comes from the node registry's
 * client; it opens no connection of its own.
 */
import * as vscode from 'vscode';
import { Commands, InternalCommands } from '../commands/commandIds';
import { agentErrorCode } from '../agent/agentClient';
import { ErrorCodes, ProcessInfo, ProcessRow, RefreshInfo, SortKey, StackFrame } from '../protocol/agentProtocol';
import { nextRefreshDelay, refreshDescription } from '../shared/budget';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { errorMessage } from '../shared/errors';
import { rowLabel, SORT_LABELS } from './format';
import { asOfRows, asOfTitle, recordLines, type AsOfRows, type AsOfView } from './asOfTree';
import type { RecordedRow } from '../shared/rewind';
import {
  frameLabel,
  infoLines,
  ownerGroupItem,
  ownerOf,
  ProcessOwner,
  rowDescription,
  rowIcon,
  rowTooltip,
  stateLines,
} from './processDetails';

export type TreeNode =
  | { kind: 'process'; id: string; pid: string; row?: ProcessRow }
  | { kind: 'ownerGroup'; id: string; owner: ProcessOwner; rows: ProcessRow[] }
  | { kind: 'group'; id: string; pid: string; group: 'info' | 'links' | 'monitors' | 'stack' }
  | { kind: 'detail'; id: string; label: string; description: string; tooltip?: string }
  | { kind: 'frame'; id: string; frame: StackFrame }
  | { kind: 'state'; id: string; pid: string }
  | { kind: 'stateLine'; id: string; text: string }
  | { kind: 'openState'; id: string; pid: string; more: number }
  | { kind: 'message'; id: string; text: string; icon?: string }
  /** A row that runs a command (as of a recorded moment: Back to Live). */
  | { kind: 'action'; id: string; label: string; command: string; icon: string; tooltip: string };

/** A top-level process row (its id is what reveal looks for). */
function processNode(row: ProcessRow): TreeNode {
  return { kind: 'process', id: `p:${row.pid}`, pid: row.pid, row };
}

export interface TreeSettings {
  limit: () => number;
}

export class ProcessTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;

  private rows: ProcessRow[] = [];
  private windowMs: number | null = null;
  private listError: string | undefined;
  private loading = false;
  /** A refresh asked for while a list was loading: it runs when that one is in. */
  private again: 'periodic' | 'explicit' | undefined;
  /** The next list is a user's request (Refresh Now, a new sort or filter): swept at once, whatever the budget. */
  private explicit = false;
  /** What the agent said of the last list: fresh or not, when the next sweep is allowed. */
  private lastRefresh: { info: RefreshInfo | undefined; sweepMs: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private visible = false;
  private readonly infoCache = new Map<string, Promise<ProcessInfo>>();
  private readonly stateCache = new Map<string, Promise<string>>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Shown instead of the present: a recorded moment or range (views/rewind.ts). */
  private asOf: { view: AsOfView; rows: AsOfRows } | undefined;

  sortBy: SortKey = 'reductions';
  filter: string | undefined;
  paused = false;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly settings: TreeSettings,
  ) {
    this.disposables.push(
      registry.onDidChangeSelection(() => {
        this.rows = [];
        this.lastRefresh = undefined;
        this.stateCache.clear();
        this.refresh();
      }),
      registry.onDidChangeNodes(() => this.schedule()),
    );
  }

  /** The tree view calls this as it is shown or hidden. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.refresh();
    else this.stopTimer();
  }

  setSort(sortBy: SortKey): void {
    this.sortBy = sortBy;
    void vscode.commands.executeCommand('setContext', 'beamObserver.sortBy', sortBy);
    this.refresh(false, true);
  }

  /** Show a recorded moment or range instead of the present; undefined: back to live. */
  showAsOf(view: AsOfView | undefined): void {
    this.asOf = view ? { view, rows: asOfRows(view, this.sortBy, this.settings.limit()) } : undefined;
    this.infoCache.clear();
    this.stateCache.clear();
    this.refresh();
  }

  /** The record of a row shown as of a recorded moment, when the tree shows one. */
  get shownAsOf(): AsOfView | undefined {
    return this.asOf?.view;
  }

  setFilter(filter: string | undefined): void {
    this.filter = filter && filter.trim() ? filter.trim() : undefined;
    void vscode.commands.executeCommand('setContext', 'beamObserver.filtered', this.filter !== undefined);
    this.refresh(false, true);
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    void vscode.commands.executeCommand('setContext', 'beamObserver.paused', paused);
    if (paused) this.stopTimer();
    else this.refresh();
  }

  /**
   * Re-fetch the list now (and the expanded processes' details and states). `explicit`: a user's
   * request, which the agent sweeps for at once even when its budget would wait (Refresh Now).
   */
  refresh(forgetStates = false, explicit = false): void {
    if (forgetStates) this.stateCache.clear();
    if (explicit) this.explicit = true;
    this.stopTimer();
    void this.load();
  }

  forgetState(pid: string): void {
    this.stateCache.delete(pid);
  }

  get title(): string {
    const node = this.registry.target;
    const sort = SORT_LABELS[this.sortBy];
    if (this.asOf) return `${asOfTitle(this.asOf.view)} · by ${sort}`;
    const filtered = this.filter ? ` · filter "${this.filter}"` : '';
    const budget = this.lastRefresh ? refreshDescription(this.lastRefresh.info, this.lastRefresh.sweepMs, this.usualInterval()) : '';
    return node ? `${node.name} · by ${sort}${filtered}${this.paused ? ' · paused' : budget ? ` · ${budget}` : ''}` : '';
  }

  private async load(): Promise<void> {
    if (this.asOf) return this.loadAsOf(this.asOf.view);
    const shown = this.registry.shown;
    if (!shown || !this.visible) {
      this.rows = [];
      this.changeEmitter.fire(undefined);
      return;
    }
    if (this.loading) {
      this.again = this.explicit ? 'explicit' : (this.again ?? 'periodic');
      return;
    }
    this.loading = true;
    const refresh = this.explicit ? 'explicit' : 'periodic';
    this.explicit = false;
    try {
      const filter = this.filter ?? null;
      const result = await shown.listProcesses({ sortBy: this.sortBy, limit: this.settings.limit(), filter, refresh });
      // Rows of a node no longer selected are dropped; the next tick loads the new one's.
      if (shown.member === this.registry.target?.member) {
        this.rows = result.rows;
        this.windowMs = result.windowMs;
        this.lastRefresh = { info: result.refresh, sweepMs: result.sweepMs };
        this.listError = undefined;
      }
    } catch (error) {
      this.listError = errorMessage(error);
      this.lastRefresh = undefined;
    } finally {
      this.loading = false;
    }
    this.infoCache.clear();
    this.changeEmitter.fire(undefined);
    if (this.again) {
      // A refresh asked for meanwhile (a new sort, Refresh Now) is not lost.
      this.explicit = this.again === 'explicit';
      this.again = undefined;
      return this.load();
    }
    this.schedule();
  }

  /** Rows of the recorded moment, by the sort key; no refresh timer: the past does not change. */
  private loadAsOf(view: AsOfView): void {
    this.asOf = { view, rows: asOfRows(view, this.sortBy, this.settings.limit()) };
    this.rows = this.asOf.rows.rows;
    this.windowMs = this.asOf.rows.windowMs;
    this.listError = undefined;
    this.changeEmitter.fire(undefined);
  }

  private schedule(): void {
    if (this.timer || this.paused || !this.visible || this.asOf) return;
    const node = this.registry.selected;
    if (node?.state !== 'connected') return;
    // Every sample interval, or later when the agent's budget allows no sooner sweep (it would answer from the last).
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.load();
      },
      nextRefreshDelay(this.lastRefresh?.info, this.usualInterval()),
    );
  }

  /** The tree refreshes with the load samples (1 s by default), at least every 500 ms. */
  private usualInterval(): number {
    return Math.max(500, this.registry.target?.history.latest()[0]?.intervalMs ?? 1000);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private info(pid: string): Promise<ProcessInfo> {
    let cached = this.infoCache.get(pid);
    if (!cached) {
      const shown = this.registry.shown;
      cached = shown ? shown.processInfo(pid) : Promise.reject(new Error('not connected'));
      this.infoCache.set(pid, cached);
    }
    return cached;
  }

  /** The state text of a process, fetched once until refreshed. */
  state(pid: string): Promise<string> {
    let cached = this.stateCache.get(pid);
    if (!cached) {
      const shown = this.registry.shown;
      cached = shown ? shown.processState(pid).then((s) => s.text) : Promise.reject(new Error('not connected'));
      this.stateCache.set(pid, cached);
      cached.catch(() => this.stateCache.delete(pid));
    }
    return cached;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'process':
        return this.processItem(node);
      case 'ownerGroup': {
        const { label, description, tooltip } = ownerGroupItem(node.owner, node.rows, this.sortBy, this.windowMs);
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.description = description;
        item.tooltip = tooltip;
        item.iconPath = new vscode.ThemeIcon(node.owner === 'agent' ? 'eye' : 'bug');
        return item;
      }
      case 'group': {
        const labels = { info: 'Info', links: 'Links', monitors: 'Monitors', stack: 'Stack trace' };
        const item = new vscode.TreeItem(labels[node.group], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon({ info: 'info', links: 'link', monitors: 'eye', stack: 'list-tree' }[node.group]);
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(node.label);
        item.id = node.id;
        item.description = node.description;
        item.tooltip = node.tooltip ?? `${node.label}: ${node.description}`;
        return item;
      }
      case 'frame': {
        const { label, description } = frameLabel(node.frame);
        const item = new vscode.TreeItem(label);
        item.id = node.id;
        item.description = description;
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        item.contextValue = 'beamFrame';
        item.command = { command: InternalCommands.openFrame, title: 'Open Source', arguments: [node.frame] };
        return item;
      }
      case 'state': {
        const item = new vscode.TreeItem('State', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        item.tooltip = 'The process state, formatted by the agent (bounded). Expand to fetch it.';
        item.contextValue = 'beamState';
        return item;
      }
      case 'stateLine': {
        const item = new vscode.TreeItem(node.text.replace(/\t/g, '  ') || ' ');
        item.id = node.id;
        item.tooltip = node.text;
        return item;
      }
      case 'openState': {
        const label = node.more > 0 ? `… ${node.more} more lines: Open in Editor` : 'Open in Editor';
        const item = new vscode.TreeItem(label);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon('go-to-file');
        item.command = { command: Commands.inspectState, title: 'Open in Editor', arguments: [node.pid] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.id = node.id;
        item.iconPath = node.icon ? new vscode.ThemeIcon(node.icon) : undefined;
        item.tooltip = node.text;
        return item;
      }
      case 'action': {
        const item = new vscode.TreeItem(node.label);
        item.id = node.id;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip;
        item.command = { command: node.command, title: node.label };
        return item;
      }
    }
  }

  private processItem(node: Extract<TreeNode, { kind: 'process' }>): vscode.TreeItem {
    const row = node.row;
    const item = new vscode.TreeItem(row ? rowLabel(row) : node.pid, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = node.id;
    const recorded = row ? this.recordOnly(row.pid) : undefined;
    if (row && recorded) {
      // As of a recorded moment: a process that has exited since (or any, in a recording).
      const exited = this.asOf?.rows.records.get(row.pid)?.exited;
      item.description = `${exited ? 'exited · ' : ''}${rowDescription(row, this.sortBy, this.windowMs)}  ${row.pid}`;
      item.tooltip = new vscode.MarkdownString(
        `${rowTooltip(row, this.windowMs)}\n\n${exited ? 'It has exited since: this is its record.' : 'Recorded; no node is attached.'}`,
        true,
      );
      item.iconPath = new vscode.ThemeIcon(exited ? 'circle-slash' : 'history');
      item.contextValue = 'beamRecordedProcess';
      return item;
    }
    if (row) {
      item.description = `${rowDescription(row, this.sortBy, this.windowMs)}  ${row.pid}`;
      item.tooltip = new vscode.MarkdownString(rowTooltip(row, this.windowMs), true);
      const icon = rowIcon(row);
      // A process at a breakpoint wears the gutter's red dot.
      item.iconPath = new vscode.ThemeIcon(
        icon,
        icon === 'debug-breakpoint' ? new vscode.ThemeColor('debugIcon.breakpointForeground') : undefined,
      );
    } else {
      item.description = node.pid;
      item.iconPath = new vscode.ThemeIcon('circle-outline');
    }
    item.contextValue = row?.agent ? 'beamProcess.agent' : 'beamProcess';
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.rootChildren();
    try {
      switch (node.kind) {
        case 'process':
          return this.processChildren(node);
        case 'ownerGroup':
          return node.rows.map(processNode);
        case 'group':
          return await this.groupChildren(node);
        case 'state':
          return await this.stateChildren(node);
        default:
          return [];
      }
    } catch (error) {
      return [this.errorNode(node.id, error)];
    }
  }

  private rootChildren(): TreeNode[] {
    if (this.asOf) return this.asOfChildren(this.asOf.view);
    const node = this.registry.selected;
    if (!node) return []; // the welcome view explains how to start
    if (node.state !== 'connected') {
      const text =
        node.state === 'lost'
          ? `${node.name}: connection lost, reconnecting…`
          : node.state === 'connecting'
            ? `${node.name}: connecting…`
            : `${node.name}: disconnected`;
      return [{ kind: 'message', id: 'status', text, icon: node.state === 'disconnected' ? 'debug-disconnect' : 'loading~spin' }];
    }
    if (this.listError) return [{ kind: 'message', id: 'error', text: this.listError, icon: 'error' }];
    if (this.rows.length === 0 && this.filter) {
      return [{ kind: 'message', id: 'empty', text: `No process matches "${this.filter}"`, icon: 'filter' }];
    }
    const nodes: TreeNode[] = this.rows.filter((row) => !ownerOf(row)).map(processNode);
    for (const owner of ['debugger', 'agent'] as const) {
      const group = this.ownerGroup(owner);
      if (group.rows.length) nodes.push(group);
    }
    return nodes;
  }

  /**
   * The record of a row when only the record is left to show: as of a
   * recorded moment, a process that has exited since, or any process of a
   * recording opened with no node attached.
   */
  private recordOnly(pid: string): RecordedRow | undefined {
    const record = this.asOf?.rows.records.get(pid);
    return record && (record.exited || this.asOf?.view.recording !== undefined) ? record : undefined;
  }

  /** As of a recorded moment: Back to Live first, then the recorded rows, grouped as live rows are. */
  private asOfChildren(view: AsOfView): TreeNode[] {
    const back: TreeNode = {
      kind: 'action',
      id: 'backToLive',
      label: view.recording ? 'Close Recording' : 'Back to Live',
      command: Commands.backToLive,
      icon: view.recording ? 'close' : 'debug-continue',
      tooltip: view.recording ? 'Close the recording and show the attached nodes' : 'Show the present again',
    };
    if (this.rows.length === 0) {
      return [back, { kind: 'message', id: 'asOfEmpty', text: 'No process was recorded then.', icon: 'history' }];
    }
    const nodes: TreeNode[] = [back, ...this.rows.filter((row) => !ownerOf(row)).map(processNode)];
    for (const owner of ['debugger', 'agent'] as const) {
      const group = this.ownerGroup(owner);
      if (group.rows.length) nodes.push(group);
    }
    return nodes;
  }

  private processChildren(node: Extract<TreeNode, { kind: 'process' }>): TreeNode[] {
    const record = this.recordOnly(node.pid);
    if (record) {
      return recordLines(record, this.windowMs ?? 0).map((line, i) => ({ kind: 'detail', id: `${node.id}/r${i}`, ...line }));
    }
    const groups: TreeNode[] = (['info', 'links', 'monitors', 'stack'] as const).map((group) => ({
      kind: 'group',
      id: `${node.id}/${group}`,
      pid: node.pid,
      group,
    }));
    return node.row?.agent ? groups : [...groups, { kind: 'state', id: `${node.id}/state`, pid: node.pid }];
  }

  private async groupChildren(node: Extract<TreeNode, { kind: 'group' }>): Promise<TreeNode[]> {
    const info = await this.info(node.pid);
    switch (node.group) {
      case 'info':
        return infoLines(info).map((line, i) => ({ kind: 'detail', id: `${node.id}/${i}`, ...line }));
      case 'links': {
        if (info.links.length === 0) return [{ kind: 'message', id: `${node.id}/none`, text: 'No links' }];
        const byPid = new Map(this.rows.map((r) => [r.pid, r]));
        return info.links.map((pid) =>
          pid.startsWith('#Port')
            ? { kind: 'detail', id: `${node.id}/${pid}`, label: pid, description: 'port' }
            : { kind: 'process', id: `${node.id}/p:${pid}`, pid, row: byPid.get(pid) },
        );
      }
      case 'monitors': {
        const lines = [
          ...info.monitors.map(
            (m) => `monitors ${'pid' in m ? m.pid : 'name' in m ? `${m.name} on ${m.node}` : 'port' in m ? m.port : m.description}`,
          ),
          ...info.monitoredBy.map((p) => `monitored by ${p}`),
        ];
        if (lines.length === 0) return [{ kind: 'message', id: `${node.id}/none`, text: 'No monitors' }];
        return lines.map((text, i) => ({ kind: 'message', id: `${node.id}/${i}`, text }));
      }
      case 'stack':
        return info.stacktrace.map((frame, i) => ({ kind: 'frame', id: `${node.id}/${i}`, frame }));
    }
  }

  private async stateChildren(node: Extract<TreeNode, { kind: 'state' }>): Promise<TreeNode[]> {
    const text = await this.state(node.pid);
    const { lines, more } = stateLines(text);
    return [
      ...lines.map((line, i): TreeNode => ({ kind: 'stateLine', id: `${node.id}/${i}`, text: line })),
      { kind: 'openState', id: `${node.id}/open`, pid: node.pid, more },
    ];
  }

  private errorNode(parentId: string, error: unknown): TreeNode {
    const code = agentErrorCode(error);
    const text = errorMessage(error);
    const icon =
      code === ErrorCodes.ProcessNotFound
        ? 'debug-disconnect'
        : code === ErrorCodes.Timeout
          ? 'watch'
          : code === ErrorCodes.NotOtpProcess
            ? 'info'
            : code === ErrorCodes.HeldByDebugger
              ? 'debug-pause'
              : 'error';
    return { kind: 'message', id: `${parentId}/error`, text, icon };
  }

  /** The row for a pid in the current list, if it is there. */
  rowFor(pid: string): ProcessRow | undefined {
    return this.rows.find((r) => r.pid === pid);
  }

  /** Reveal needs the way up: the agent's and the debugger's own processes sit under their group rows. */
  getParent(node: TreeNode): TreeNode | undefined {
    const owner = node.kind === 'process' && node.row ? ownerOf(node.row) : undefined;
    return owner ? this.ownerGroup(owner) : undefined;
  }

  /** The row under which the agent's (or the debugger's) own processes are listed. */
  private ownerGroup(owner: ProcessOwner): Extract<TreeNode, { kind: 'ownerGroup' }> {
    return { kind: 'ownerGroup', id: owner, owner, rows: this.rows.filter((row) => ownerOf(row) === owner) };
  }

  dispose(): void {
    this.stopTimer();
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}
