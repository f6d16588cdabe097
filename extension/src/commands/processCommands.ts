/**
 * Commands about one process: Inspect Process State (with Refresh and Compare),
 * Peek Messages, Copy PID, Go to Current Function, open a stack frame's source,
 * Reveal in Process Tree. A process comes from a tree item, a pid string (a
 * hover's link), the pid under the cursor, or a quick pick.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ProcessRow, StackFrame } from '../protocol/agentProtocol';
import { isLocalPid, otherNodeMessage, parsePid, pidAt } from '../pids/pidText';
import { errorMessage, userMessage } from '../shared/errors';
import { formatBytes, formatMfa } from '../shared/format';
import type { ProcessAt } from '../nodes/shownNode';
import { rowLabel } from '../views/format';
import { STATE_SCHEME } from '../views/stateDocuments';
import { Commands, InternalCommands, Views } from './commandIds';
import { CommandContext, pidOf, reportFailure } from './context';

export function registerProcessCommands(ctx: CommandContext): vscode.Disposable[] {
  const commands = new ProcessCommands(ctx);
  return [
    vscode.commands.registerCommand(Commands.inspectState, (arg?: unknown) => commands.inspectState(arg)),
    vscode.commands.registerCommand(Commands.refreshState, (uri?: vscode.Uri) => commands.refreshState(uri)),
    vscode.commands.registerCommand(Commands.compareState, (uri?: vscode.Uri) => commands.compareState(uri)),
    vscode.commands.registerCommand(Commands.peekMessages, (arg?: unknown) => commands.peekMessages(arg)),
    vscode.commands.registerCommand(Commands.copyPid, (arg?: unknown) => commands.copyPid(arg)),
    vscode.commands.registerCommand(Commands.goToCurrentFunction, (arg?: unknown) => commands.goToCurrentFunction(arg)),
    vscode.commands.registerCommand(InternalCommands.openFrame, (frame: StackFrame) => commands.openFrame(frame)),
    vscode.commands.registerCommand(Commands.revealProcess, (arg?: unknown) => commands.revealProcess(arg)),
  ];
}

class ProcessCommands {
  constructor(private readonly ctx: CommandContext) {}

  async inspectState(arg?: unknown): Promise<void> {
    const { registry, tree, states } = this.ctx;
    try {
      const raw =
        pidOf(arg) ?? pidUnderCursor() ?? (await this.pickProcess('Process whose state to inspect (search by name, pid or initial call)'));
      const process = raw ? await this.resolveProcess(raw) : undefined;
      if (!process) return;
      const { pid, member } = process;
      const name =
        (member === registry.target?.member ? tree.rowFor(pid)?.name : undefined) ?? (await registry.shown?.processInfo(process))?.name;
      const uri = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: userMessage(`fetching the state of ${pid}`) },
        () => states.fetch(pid, name, member),
      );
      await vscode.window.showTextDocument(uri, { preview: false });
    } catch (error) {
      reportFailure(this.ctx.log, 'cannot show the state', error);
    }
  }

  async refreshState(uri?: vscode.Uri): Promise<void> {
    const { states } = this.ctx;
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const process = target && target.scheme === STATE_SCHEME ? states.processOf(target) : undefined;
    if (!process) return;
    try {
      const next = await states.fetch(process.pid, process.name, process.member);
      await vscode.window.showTextDocument(next, { preview: false });
    } catch (error) {
      reportFailure(this.ctx.log, 'cannot refresh the state', error);
    }
  }

  async compareState(uri?: vscode.Uri): Promise<void> {
    const { states } = this.ctx;
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== STATE_SCHEME) return;
    try {
      const process = states.processOf(target);
      // Only one snapshot so far: take a second one to compare with.
      if (!states.previousAndLatest(target) && process) await states.fetch(process.pid, process.name, process.member);
      const pair = states.previousAndLatest(target);
      if (!pair || !process) return;
      const time = (u: vscode.Uri) => states.snapshotTime(u)?.toLocaleTimeString() ?? '';
      await vscode.commands.executeCommand('vscode.diff', pair[0], pair[1], `State of ${process.pid}: ${time(pair[0])} ↔ ${time(pair[1])}`);
    } catch (error) {
      reportFailure(this.ctx.log, 'cannot compare states', error);
    }
  }

  async peekMessages(arg?: unknown): Promise<void> {
    const raw = pidOf(arg) ?? (await this.pickProcess('Process whose mailbox to peek'));
    const process = raw ? await this.resolveProcess(raw) : undefined;
    const shown = process && this.requireShown();
    if (!process || !shown) return;
    const { pid } = process;
    try {
      const peek = await shown.processMessages(process, 50);
      const comment = peek.language === 'elixir' ? '#' : '%';
      const body =
        peek.messages.length === 0
          ? `${comment} (mailbox empty)`
          : peek.messages.map((m, i) => `${comment} message ${i + 1}${m.truncated ? ' (bounded)' : ''}\n${m.text}`).join('\n\n');
      const text = `${comment} Mailbox of ${pid}: showing ${peek.messages.length} of ${peek.total} queued messages\n\n${body}\n`;
      const uri = this.ctx.texts.put(peek.language, `${pid} mailbox.${peek.language === 'elixir' ? 'ex' : 'erl'}`, text);
      await vscode.window.showTextDocument(uri, { preview: false });
    } catch (error) {
      reportFailure(this.ctx.log, `cannot peek the mailbox of ${pid}`, error);
    }
  }

  async copyPid(arg?: unknown): Promise<void> {
    const pid = pidOf(arg);
    if (pid) await vscode.env.clipboard.writeText(pid);
  }

  async openFrame(frame: StackFrame): Promise<void> {
    try {
      const file = await resolveSource(frame);
      if (!file) {
        void vscode.window.showWarningMessage(
          userMessage(`source of ${formatMfa(frame)} not found (${frame.file ?? 'no file recorded'}).`),
        );
        return;
      }
      const line = Math.max(0, (frame.line ?? 1) - 1);
      await vscode.window.showTextDocument(file, { selection: new vscode.Range(line, 0, line, 0), preview: true });
    } catch (error) {
      reportFailure(this.ctx.log, 'cannot open the source', error);
    }
  }

  async goToCurrentFunction(arg?: unknown): Promise<void> {
    const pid = pidOf(arg);
    const shown = pid && this.requireShown();
    if (!pid || !shown) return;
    try {
      const frame = (await shown.processInfo(pid)).stacktrace[0];
      if (!frame) {
        void vscode.window.showInformationMessage(userMessage(`${pid} has no stack to show.`));
        return;
      }
      await this.openFrame(frame);
    } catch (error) {
      reportFailure(this.ctx.log, `cannot find the current function of ${pid}`, error);
    }
  }

  async revealProcess(arg?: unknown): Promise<void> {
    const { registry, tree, treeView } = this.ctx;
    const raw = pidOf(arg) ?? pidUnderCursor();
    const process = raw ? await this.resolveProcess(raw) : undefined;
    if (!process || !this.requireShown()) return;
    const { pid, member } = process;
    // A process of another node of the cluster: show that node.
    if (member !== registry.target?.member) registry.select(registry.selected?.id, member);
    await vscode.commands.executeCommand(`${Views.processes}.focus`);
    if (!tree.rowFor(pid)) {
      // Not among the top rows: show it alone through the filter.
      tree.setFilter(pid);
      await waitForRow(() => tree.rowFor(pid), 3000);
    }
    const row = tree.rowFor(pid);
    if (!row) {
      void vscode.window.showWarningMessage(userMessage(`${pid} is not alive on ${registry.target?.name}.`));
      return;
    }
    await treeView.reveal({ kind: 'process', id: `p:${pid}`, pid, row }, { select: true, focus: true });
  }

  /**
   * Resolve a pid argument to a process: "<0.Y.Z>" is one of the shown node's;
   * a pid of another node ("<9003.Y.Z>", as the agent's node prints it in logs
   * and terminals) is resolved by the agent to its own node. Explains failures.
   */
  private async resolveProcess(text: string): Promise<ProcessAt | undefined> {
    const match = parsePid(text);
    if (!match) {
      void vscode.window.showErrorMessage(userMessage(`"${text}" is not a pid (expected <0.123.0> or #PID<0.123.0>).`));
      return undefined;
    }
    const shown = this.ctx.registry.shown;
    if (isLocalPid(match)) return { pid: match.pid, member: shown?.member };
    if (!shown) {
      void vscode.window.showWarningMessage(userMessage(otherNodeMessage(match)));
      return undefined;
    }
    try {
      const resolved = await shown.resolvePid(match.pid);
      return { pid: resolved.pid, member: resolved.node === shown.agentName ? undefined : resolved.node };
    } catch (error) {
      void vscode.window.showWarningMessage(userMessage(errorMessage(error)));
      return undefined;
    }
  }

  private requireShown() {
    const shown = this.ctx.registry.shown;
    if (!shown) void vscode.window.showWarningMessage(userMessage('no node connected. Run "BEAM Observer: Connect to Agent…".'));
    return shown;
  }

  /** Quick pick of processes: pids seen in debug output first, then the node's processes. */
  private async pickProcess(placeHolder: string): Promise<string | undefined> {
    const shown = this.requireShown();
    if (!shown) return undefined;
    // A user's pick: swept at once whatever the budget (once; then from the last sweep).
    const list = await shown.listProcesses({ sortBy: 'memory', limit: 1000, refresh: 'explicit' });
    const byPid = new Map(list.rows.map((r) => [r.pid, r]));
    const item = (row: ProcessRow, recent: boolean): vscode.QuickPickItem & { pid: string } => ({
      label: `${recent ? '$(history) ' : ''}${rowLabel(row)}`,
      description: row.pid,
      detail: `${formatMfa(row.initialCall)} · ${formatBytes(row.memory)} · queue ${row.messageQueueLen}`,
      pid: row.pid,
    });
    const seen = this.ctx.recent.pids;
    const recent = seen.filter((p) => byPid.has(p)).map((p) => item(byPid.get(p)!, true));
    const rest = list.rows.filter((r) => !seen.includes(r.pid) && !r.agent).map((r) => item(r, false));
    const picked = await vscode.window.showQuickPick([...recent, ...rest], { placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picked?.pid;
  }
}

/** The pid under the cursor, in any editor. */
function pidUnderCursor(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const position = editor.selection.active;
  return pidAt(editor.document.lineAt(position.line).text, position.character)?.text;
}

/** The source file of a stack frame: the agent's absolute path, else a search of the workspace. */
async function resolveSource(frame: StackFrame): Promise<vscode.Uri | undefined> {
  if (frame.source && fs.existsSync(frame.source)) return vscode.Uri.file(frame.source);
  if (frame.file) {
    if (frame.file.startsWith('/') && fs.existsSync(frame.file)) return vscode.Uri.file(frame.file);
    const [found] = await vscode.workspace.findFiles(`**/${frame.file.replace(/^\.\//, '')}`, '**/{deps,_build,node_modules}/**', 1);
    if (found) return found;
  }
  return undefined;
}

async function waitForRow(row: () => unknown, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!row() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
