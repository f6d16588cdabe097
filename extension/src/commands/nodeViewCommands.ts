/**
 * Commands of the rest of the node (issue 12): the supervision tree (Reveal
 * in Supervision Tree, next page of children), the guarded actions on a
 * process (Garbage Collect, Kill Process… with a confirmation that names
 * who restarts it), the ETS tables (sort, filter, Show Table Contents, Load
 * More Rows), the ports and the system view. A process comes from a tree
 * row (process tree, supervision tree, a table's or a port's owner) or a
 * pid string (a hover's link).
 */
import * as vscode from 'vscode';
import type { NodeMethods } from '../agent/nodeMethods';
import { ETS_SORT_KEYS, EtsSortKey, EtsTable, PORT_SORT_KEYS, PortSortKey, ProcessRow, SupervisorChild } from '../protocol/agentProtocol';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { isLocalPid, parsePid } from '../pids/pidText';
import { errorMessage, userMessage } from '../shared/errors';
import { formatBytes, formatName } from '../shared/format';
import { childLabel, killConfirmation, killOutcome } from '../shared/nodeFormat';
import { ETS_SORT_LABELS } from '../views/etsTables';
import { rowLabel } from '../views/format';
import { nodeMethodsOf } from '../views/nodeViewSupport';
import type { NodeViews } from '../views/nodeViews';
import { PORT_SORT_LABELS } from '../views/portsView';
import type { ProcessTreeProvider } from '../views/processTree';
import { TABLE_SCHEME } from '../views/tableDocuments';
import { Commands, InternalCommands, Views } from './commandIds';
import { pidOf, reportFailure } from './context';

export interface NodeViewCommandContext {
  registry: NodeRegistry;
  views: NodeViews;
  processTree: ProcessTreeProvider;
  log: vscode.LogOutputChannel;
}

export function registerNodeViewCommands(ctx: NodeViewCommandContext): vscode.Disposable[] {
  const c = new NodeViewCommands(ctx);
  const { views } = ctx;
  const register = vscode.commands.registerCommand;
  return [
    register(Commands.refreshSupervision, () => views.supervision.refresh()),
    register(InternalCommands.moreChildren, (pid: string) => c.moreChildren(pid)),
    register(Commands.revealInSupervisionTree, (arg?: unknown) => c.revealInSupervisionTree(arg)),
    register(Commands.garbageCollect, (arg?: unknown) => c.garbageCollect(arg)),
    register(Commands.killProcess, (arg?: unknown) => c.killProcess(arg)),
    register(Commands.refreshEts, () => views.ets.refresh()),
    register(Commands.sortEtsBy, (key?: EtsSortKey) => c.sortEtsBy(key)),
    register(Commands.filterEts, () => c.filterEts()),
    register(Commands.clearEtsFilter, () => views.ets.setFilter(undefined)),
    register(Commands.showTableContents, (arg?: unknown) => c.showTableContents(arg)),
    register(Commands.loadMoreRows, (uri?: vscode.Uri) => c.loadMoreRows(uri)),
    register(Commands.refreshPorts, () => views.ports.refresh()),
    register(Commands.sortPortsBy, (key?: PortSortKey) => c.sortPortsBy(key)),
    register(Commands.refreshSystem, () => views.system.refresh()),
  ];
}

class NodeViewCommands {
  constructor(private readonly ctx: NodeViewCommandContext) {}

  private methods(): NodeMethods | undefined {
    const methods = nodeMethodsOf(this.ctx.registry);
    if (!methods) void vscode.window.showWarningMessage(userMessage('no node connected.'));
    return methods;
  }

  async moreChildren(pid: string): Promise<void> {
    try {
      await this.ctx.views.supervision.loadMore(pid);
    } catch (error) {
      reportFailure(this.ctx.log, `cannot read more children of ${pid}`, error);
    }
  }

  async revealInSupervisionTree(arg?: unknown): Promise<void> {
    const pid = await this.localPid(arg);
    const methods = pid && this.methods();
    if (!pid || !methods) return;
    const { supervision, supervisionView } = this.ctx.views;
    try {
      const path = await methods.supervisorPath(pid);
      if (!path.supervised && path.path.length <= 1 && path.why) {
        void vscode.window.showInformationMessage(userMessage(`${pid} is not in a supervision tree: ${path.why}.`));
        return;
      }
      await vscode.commands.executeCommand(`${Views.supervision}.focus`);
      const node = await supervision.nodeFor(path);
      if (!node) {
        void vscode.window.showInformationMessage(
          userMessage(`${pid} is supervised, but its top supervisor ${path.path[0].pid} belongs to no application.`),
        );
        return;
      }
      await supervisionView.reveal(node, { select: true, focus: true, expand: false });
    } catch (error) {
      reportFailure(this.ctx.log, `cannot reveal ${pid} in the supervision tree`, error);
    }
  }

  async garbageCollect(arg?: unknown): Promise<void> {
    const pid = await this.localPid(arg);
    const methods = pid && this.methods();
    if (!pid || !methods) return;
    try {
      const gc = await methods.garbageCollect(pid);
      void vscode.window.showInformationMessage(
        userMessage(
          `garbage-collected ${labelOf(arg, pid)}: ${formatBytes(gc.memoryBefore)} → ${formatBytes(gc.memoryAfter)} ` +
            `(${formatBytes(Math.max(0, gc.freed))} freed).`,
        ),
      );
      this.ctx.processTree.refresh();
    } catch (error) {
      reportFailure(this.ctx.log, `cannot garbage-collect ${pid}`, error);
    }
  }

  /** A dry run first (it refuses vital processes and names the supervisor), then the confirmation, then the kill. */
  async killProcess(arg?: unknown): Promise<void> {
    const pid = await this.localPid(arg);
    const methods = pid && this.methods();
    if (!pid || !methods) return;
    const label = labelOf(arg, pid);
    try {
      const preview = await methods.kill(pid, { dryRun: true });
      const { message, detail } = killConfirmation(preview, label);
      const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Kill Process');
      if (answer !== 'Kill Process') return;
      const result = await methods.kill(pid);
      this.ctx.log.info(`process/kill ${pid}: ${JSON.stringify(result)}`);
      void vscode.window.showInformationMessage(userMessage(killOutcome(result, label)));
      if (result.supervisor) this.ctx.views.supervision.refreshSupervisor(result.supervisor.pid);
      this.ctx.processTree.refresh();
    } catch (error) {
      reportFailure(this.ctx.log, `cannot kill ${label}`, error);
    }
  }

  async sortEtsBy(key?: EtsSortKey): Promise<void> {
    const { ets } = this.ctx.views;
    const items = ETS_SORT_KEYS.map((k) => ({ label: `${k === ets.sortBy ? '$(check) ' : ''}${ETS_SORT_LABELS[k]}`, key: k }));
    const chosen = key ?? (await vscode.window.showQuickPick(items, { placeHolder: 'Sort ETS tables by' }))?.key;
    if (chosen) ets.setSort(chosen);
  }

  async filterEts(): Promise<void> {
    const { ets } = this.ctx.views;
    const value = await vscode.window.showInputBox({
      title: 'Filter ETS tables',
      prompt: "Part of a table's name or id, or of its owner's registered name; empty to clear",
      value: ets.filter ?? '',
      ignoreFocusOut: true,
    });
    if (value !== undefined) ets.setFilter(value);
  }

  async sortPortsBy(key?: PortSortKey): Promise<void> {
    const { ports } = this.ctx.views;
    const items = PORT_SORT_KEYS.map((k) => ({ label: `${k === ports.sortBy ? '$(check) ' : ''}${PORT_SORT_LABELS[k]}`, key: k }));
    const chosen = key ?? (await vscode.window.showQuickPick(items, { placeHolder: 'Sort ports and sockets by' }))?.key;
    if (chosen) ports.setSort(chosen);
  }

  async showTableContents(arg?: unknown): Promise<void> {
    const table = tableOf(arg) ?? (await this.pickTable());
    const methods = table && this.methods();
    if (!table || !methods) return;
    try {
      const nodeName = this.ctx.registry.target?.name ?? 'node';
      const uri = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: userMessage(`reading ${table}`) },
        () => this.ctx.views.tables.open(methods, nodeName, table),
      );
      await vscode.window.showTextDocument(uri, { preview: false });
    } catch (error) {
      reportFailure(this.ctx.log, `cannot show the contents of ${table}`, error);
    }
  }

  async loadMoreRows(uri?: vscode.Uri): Promise<void> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== TABLE_SCHEME) return;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.toString());
    const before = editor?.document.lineCount ?? 0;
    try {
      await this.ctx.views.tables.loadMore(target);
      // Show where the new rows start.
      const line = Math.max(0, before - 3);
      editor?.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
    } catch (error) {
      reportFailure(this.ctx.log, 'cannot read more rows', error);
    }
  }

  private async pickTable(): Promise<string | undefined> {
    const methods = this.methods();
    if (!methods) return undefined;
    const { tables } = await methods.etsList({ sortBy: 'memory', limit: 1000 });
    const picked = await vscode.window.showQuickPick(
      tables
        .filter((t) => t.readable)
        .map((t) => ({ label: t.name, description: t.named ? '' : t.id, detail: `${t.size} rows`, id: t.id })),
      { placeHolder: 'ETS table to show', matchOnDescription: true },
    );
    return picked?.id;
  }

  /**
   * The pid of the shown node a command is about. A pid another node of the
   * cluster printed ("<9003.Y.Z>", from a hover) is resolved by the agent and
   * that node is shown.
   */
  private async localPid(arg: unknown): Promise<string | undefined> {
    const text = pidOf(arg);
    const match = text ? parsePid(text) : undefined;
    if (!match) {
      void vscode.window.showWarningMessage(userMessage(text ? `"${text}" is not a pid.` : 'no process given.'));
      return undefined;
    }
    const { registry } = this.ctx;
    const shown = registry.shown;
    if (isLocalPid(match) || !shown) return match.pid;
    try {
      const resolved = await shown.resolvePid(match.pid);
      const member = resolved.node === shown.agentName ? undefined : resolved.node;
      if (member !== registry.target?.member) registry.select(registry.selected?.id, member);
      return resolved.pid;
    } catch (error) {
      void vscode.window.showWarningMessage(userMessage(errorMessage(error)));
      return undefined;
    }
  }
}

/** How a process row names the process: the tree's label, else the pid. */
function labelOf(arg: unknown, pid: string): string {
  if (arg && typeof arg === 'object') {
    const node = arg as { row?: ProcessRow; child?: SupervisorChild; name?: string | null };
    if (node.row) return rowLabel(node.row);
    if (node.child) return childLabel(node.child);
    if (node.name) return formatName(node.name);
  }
  return pid;
}

/** A table's id from an ETS view row, or a string. */
function tableOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'table' in arg) return (arg as { table: EtsTable }).table.id;
  return undefined;
}
