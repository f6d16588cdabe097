/**
 * The extension's commands. Each one does a little and reports failure as
 * one clear message; details go to the "BEAM Observer" output channel.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { AgentConnectError } from './agent/agentClient';
import { parseAgentUrl } from './agent/agentUrl';
import type { DiscoveryWatcher } from './nodes/discovery';
import type { NodeRegistry } from './nodes/nodeRegistry';
import type { ProcessRow, SortKey, StackFrame } from './protocol/agentProtocol';
import { SORT_KEYS } from './protocol/agentProtocol';
import type { RecentPids } from './pids/recentPids';
import { isLocalPid, otherNodeMessage, parsePid, pidAt } from './pids/pidText';
import { formatBytes, formatMfa, rowLabel, SORT_LABELS } from './views/format';
import type { ProcessTreeProvider, TreeNode } from './views/processTree';
import { STATE_SCHEME, StateDocuments } from './views/stateDocuments';
import type { TextDocuments } from './views/textDocuments';

export interface CommandContext {
  registry: NodeRegistry;
  tree: ProcessTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  states: StateDocuments;
  texts: TextDocuments;
  recent: RecentPids;
  discovery: DiscoveryWatcher;
  log: vscode.LogOutputChannel;
}

/** A process: its pid as its own node prints it, and that node (undefined: the agent's own). */
interface ProcessRef {
  pid: string;
  member: string | undefined;
}

/** A pid from whatever invoked the command: a tree item, a string, or nothing. */
function pidOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'pid' in arg && typeof (arg as { pid: unknown }).pid === 'string') {
    return (arg as { pid: string }).pid;
  }
  return undefined;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { registry, tree, states, log } = ctx;

  const fail = (what: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`BEAM Observer: ${what}: ${message}`);
  };

  /**
   * Resolve a pid argument to a process: "<0.Y.Z>" is one of the shown node's;
   * a pid of another node ("<9003.Y.Z>", as the agent's node prints it in logs
   * and terminals) is resolved by the agent to its own node. Explains failures.
   */
  const resolveProcess = async (text: string): Promise<ProcessRef | undefined> => {
    const match = parsePid(text);
    if (!match) {
      void vscode.window.showErrorMessage(`BEAM Observer: "${text}" is not a pid (expected <0.123.0> or #PID<0.123.0>).`);
      return undefined;
    }
    if (isLocalPid(match)) return { pid: match.pid, member: registry.target?.member };
    const client = registry.client;
    const agent = registry.selected;
    if (!client || !agent) {
      void vscode.window.showWarningMessage(otherNodeMessage(match));
      return undefined;
    }
    try {
      const resolved = await client.resolvePid(match.pid);
      return { pid: resolved.pid, member: resolved.node === agent.name ? undefined : resolved.node };
    } catch (error) {
      void vscode.window.showWarningMessage(`BEAM Observer: ${(error as Error).message}`);
      return undefined;
    }
  };

  const requireClient = () => {
    const client = registry.client;
    if (!client) void vscode.window.showWarningMessage('BEAM Observer: no node connected. Run "BEAM Observer: Connect to Agent…".');
    return client;
  };

  /** The pid under the cursor, in any editor. */
  const pidUnderCursor = (): string | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const position = editor.selection.active;
    return pidAt(editor.document.lineAt(position.line).text, position.character)?.text;
  };

  /** Quick pick of processes: pids seen in debug output first, then the node's processes. */
  const pickProcess = async (placeHolder: string): Promise<string | undefined> => {
    const client = requireClient();
    if (!client) return undefined;
    const member = registry.target?.member;
    const list = await client.listProcesses({ sortBy: 'memory', limit: 1000, ...(member ? { node: member } : {}) });
    const byPid = new Map(list.rows.map((r) => [r.pid, r]));
    const item = (row: ProcessRow, recent: boolean): vscode.QuickPickItem & { pid: string } => ({
      label: `${recent ? '$(history) ' : ''}${rowLabel(row)}`,
      description: row.pid,
      detail: `${formatMfa(row.initialCall)} · ${formatBytes(row.memory)} · queue ${row.messageQueueLen}`,
      pid: row.pid,
    });
    const recent = ctx.recent.pids.filter((p) => byPid.has(p)).map((p) => item(byPid.get(p)!, true));
    const rest = list.rows.filter((r) => !ctx.recent.pids.includes(r.pid) && !r.agent).map((r) => item(r, false));
    const picked = await vscode.window.showQuickPick([...recent, ...rest], {
      placeHolder, matchOnDescription: true, matchOnDetail: true,
    });
    return picked?.pid;
  };

  const inspectState = async (arg?: unknown) => {
    try {
      const raw = pidOf(arg) ?? pidUnderCursor() ?? (await pickProcess('Process whose state to inspect (search by name, pid or initial call)'));
      if (!raw) return;
      const process = await resolveProcess(raw);
      if (!process) return;
      const { pid, member } = process;
      const name = (member === registry.target?.member ? tree.rowFor(pid)?.name : undefined) ??
        (await registry.client?.processInfo(pid, member))?.name;
      const uri = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `BEAM Observer: fetching the state of ${pid}` },
        () => states.fetch(pid, name, member));
      await vscode.window.showTextDocument(uri, { preview: false });
    } catch (error) {
      fail('cannot show the state', error);
    }
  };

  const refreshState = async (uri?: vscode.Uri) => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const process = target && target.scheme === STATE_SCHEME ? states.processOf(target) : undefined;
    if (!process) return;
    try {
      const next = await states.fetch(process.pid, process.name, process.member);
      await vscode.window.showTextDocument(next, { preview: false });
    } catch (error) {
      fail('cannot refresh the state', error);
    }
  };

  const compareState = async (uri?: vscode.Uri) => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== STATE_SCHEME) return;
    try {
      let pair = states.previousAndLatest(target);
      if (!pair) {
        // Only one snapshot so far: take a second one to compare with.
        const process = states.processOf(target);
        if (!process) return;
        await states.fetch(process.pid, process.name, process.member);
        pair = states.previousAndLatest(target);
      }
      if (!pair) return;
      const process = states.processOf(target)!;
      const time = (u: vscode.Uri) => states.snapshotTime(u)?.toLocaleTimeString() ?? '';
      await vscode.commands.executeCommand('vscode.diff', pair[0], pair[1],
        `State of ${process.pid}: ${time(pair[0])} ↔ ${time(pair[1])}`);
    } catch (error) {
      fail('cannot compare states', error);
    }
  };

  const peekMessages = async (arg?: unknown) => {
    const raw = pidOf(arg) ?? (await pickProcess('Process whose mailbox to peek'));
    const process = raw ? await resolveProcess(raw) : undefined;
    const client = process && requireClient();
    if (!process || !client) return;
    const { pid, member } = process;
    try {
      const peek = await client.processMessages(pid, 50, member);
      const comment = peek.language === 'elixir' ? '#' : '%';
      const body = peek.messages.length === 0 ? `${comment} (mailbox empty)`
        : peek.messages.map((m, i) => `${comment} message ${i + 1}${m.truncated ? ' (bounded)' : ''}\n${m.text}`).join('\n\n');
      const text = `${comment} Mailbox of ${pid}: showing ${peek.messages.length} of ${peek.total} queued messages\n\n${body}\n`;
      const uri = ctx.texts.put(peek.language, `${pid} mailbox.${peek.language === 'elixir' ? 'ex' : 'erl'}`, text);
      await vscode.window.showTextDocument(uri, { preview: false });
    } catch (error) {
      fail(`cannot peek the mailbox of ${pid}`, error);
    }
  };

  const openFrame = async (frame: StackFrame) => {
    try {
      const file = await resolveSource(frame);
      if (!file) {
        void vscode.window.showWarningMessage(`BEAM Observer: source of ${formatMfa(frame)} not found (${frame.file ?? 'no file recorded'}).`);
        return;
      }
      const line = Math.max(0, (frame.line ?? 1) - 1);
      await vscode.window.showTextDocument(file, { selection: new vscode.Range(line, 0, line, 0), preview: true });
    } catch (error) {
      fail('cannot open the source', error);
    }
  };

  const goToCurrentFunction = async (arg?: unknown) => {
    const pid = pidOf(arg);
    const client = pid && requireClient();
    if (!pid || !client) return;
    try {
      const info = await client.processInfo(pid, registry.target?.member);
      const frame = info.stacktrace[0];
      if (!frame) {
        void vscode.window.showInformationMessage(`BEAM Observer: ${pid} has no stack to show.`);
        return;
      }
      await openFrame(frame);
    } catch (error) {
      fail(`cannot find the current function of ${pid}`, error);
    }
  };

  const revealProcess = async (arg?: unknown) => {
    const raw = pidOf(arg) ?? pidUnderCursor();
    const process = raw ? await resolveProcess(raw) : undefined;
    if (!process || !requireClient()) return;
    const { pid, member } = process;
    // A process of another node of the cluster: show that node.
    if (member !== registry.target?.member) registry.select(registry.selected?.id, member);
    await vscode.commands.executeCommand('beamObserver.processes.focus');
    if (!tree.rowFor(pid)) {
      // Not among the top rows: show it alone through the filter.
      tree.setFilter(pid);
      await waitForRow(tree, pid, 3000);
    }
    if (!tree.rowFor(pid)) {
      void vscode.window.showWarningMessage(`BEAM Observer: ${pid} is not alive on ${registry.target?.name}.`);
      return;
    }
    await ctx.treeView.reveal({ kind: 'process', id: `p:${pid}`, pid, row: tree.rowFor(pid) }, { select: true, focus: true });
  };

  const sortBy = async (key?: SortKey) => {
    const chosen = key ?? (await vscode.window.showQuickPick(
      SORT_KEYS.map((k) => ({ label: `${k === tree.sortBy ? '$(check) ' : ''}${SORT_LABELS[k]}`, key: k })),
      { placeHolder: `Sort processes by (now: ${SORT_LABELS[tree.sortBy]})` }))?.key;
    if (chosen) tree.setSort(chosen);
  };

  const filter = async () => {
    const value = await vscode.window.showInputBox({
      title: 'Filter processes',
      prompt: 'Part of a registered name, initial call (e.g. MyApp.Worker) or pid; empty to clear',
      value: tree.filter ?? '',
      // Typed text survives a click elsewhere, and a webview that takes focus back as the palette closes.
      ignoreFocusOut: true,
    });
    if (value !== undefined) tree.setFilter(value);
  };

  const connect = async () => {
    const agents = ctx.discovery.scan();
    type Pick = vscode.QuickPickItem & { endpoint?: { port: number; token: string }; discovery?: (typeof agents)[number] };
    const items: Pick[] = agents.map((a) => ({
      label: a.node,
      description: `OS pid ${a.osPid} · port ${a.port}`,
      detail: `${a.cwd ?? ''} · OTP ${a.otpRelease}${a.elixirVersion ? ` · Elixir ${a.elixirVersion}` : ''}`,
      endpoint: { port: a.port, token: a.token },
      discovery: a,
    }));
    items.push({ label: '$(link) Enter URL and token…', description: 'an agent started by hand or forwarded from elsewhere' });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Agent to connect to' });
    if (!picked) return;
    try {
      if (picked.endpoint && picked.discovery) {
        await attachOrExplain(registry.attach(picked.endpoint, 'manual', picked.discovery));
        return;
      }
      const url = await vscode.window.showInputBox({
        title: 'Agent URL', prompt: 'ws://127.0.0.1:PORT (from beam_observer_agent:start/0)', placeHolder: 'ws://127.0.0.1:4040',
        validateInput: (v) => (parseAgentUrl(v) ? undefined : 'expected ws://HOST:PORT'),
        ignoreFocusOut: true, // the URL and token are copied from a terminal: clicking there must not close the box
      });
      const endpoint = url ? parseAgentUrl(url) : undefined;
      if (!endpoint) return;
      const token = await vscode.window.showInputBox({ title: 'Agent token', password: true, prompt: 'The token start/0 returned', ignoreFocusOut: true });
      if (!token) return;
      await attachOrExplain(registry.attach({ ...endpoint, token }, 'manual'));
    } catch (error) {
      fail('cannot connect', error);
    }
  };

  const attachOrExplain = async (attaching: ReturnType<NodeRegistry['attach']>) => {
    const node = await attaching;
    if (node.state !== 'connected') {
      const hint = node.lastError && /401/.test(node.lastError) ? ' Check the token.' : '';
      throw new AgentConnectError(`${node.lastError ?? 'not connected'}.${hint}`);
    }
    registry.select(node.id);
  };

  const disconnect = async () => {
    const nodes = registry.all;
    if (nodes.length === 0) return;
    const target = nodes.length === 1 ? nodes[0]
      : (await vscode.window.showQuickPick(nodes.map((n) => ({ label: n.name, description: n.state, node: n })),
        { placeHolder: 'Node to disconnect from' }))?.node;
    if (target) registry.disconnect(target.id);
  };

  /**
   * Pick the node the views show: each connected agent's node, and under it
   * the other nodes of its cluster (observed through that agent). Accepts
   * `{ node: "b@host" }` to select a cluster member without the picker.
   */
  const selectNode = async (arg?: { node?: string }) => {
    type Item = vscode.QuickPickItem & { id?: string; member?: string };
    const items: Item[] = [];
    const current = registry.target;
    for (const n of registry.all) {
      const isCurrent = current?.agent.id === n.id && !current.member;
      items.push({
        label: `${isCurrent ? '$(check) ' : ''}${n.name}`,
        description: `${n.state}${n.osPid ? ` · OS pid ${n.osPid}` : ''}`,
        id: n.id,
      });
      for (const m of [...n.members.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const isCurrentMember = current?.agent.id === n.id && current.member === m.name;
        items.push({
          label: `    ${isCurrentMember ? '$(check) ' : ''}${m.name}`,
          description: `${m.state === 'gone' ? 'left the cluster' : m.state}${m.hidden ? ' · hidden' : ''} · via ${n.name}`,
          id: n.id,
          member: m.name,
        });
      }
    }
    if (arg?.node) {
      const wanted = items.find((i) => i.member === arg.node) ?? items.find((i) => !i.member && registry.get(i.id!)?.name === arg.node);
      if (!wanted) throw new Error(`BEAM Observer: no connected node knows ${arg.node}`);
      registry.select(wanted.id, wanted.member);
      return;
    }
    const picked = await vscode.window.showQuickPick(items,
      { placeHolder: items.length ? 'Node to show' : 'No nodes: connect to an agent first', matchOnDescription: true });
    if (picked?.id) registry.select(picked.id, picked.member);
  };

  const copyPid = async (arg?: unknown) => {
    const pid = pidOf(arg);
    if (pid) await vscode.env.clipboard.writeText(pid);
  };

  return [
    vscode.commands.registerCommand('beamObserver.connect', connect),
    vscode.commands.registerCommand('beamObserver.disconnect', disconnect),
    vscode.commands.registerCommand('beamObserver.selectNode', selectNode),
    vscode.commands.registerCommand('beamObserver.inspectState', inspectState),
    vscode.commands.registerCommand('beamObserver.refreshState', refreshState),
    vscode.commands.registerCommand('beamObserver.compareState', compareState),
    vscode.commands.registerCommand('beamObserver.peekMessages', peekMessages),
    vscode.commands.registerCommand('beamObserver.copyPid', copyPid),
    vscode.commands.registerCommand('beamObserver.goToCurrentFunction', goToCurrentFunction),
    vscode.commands.registerCommand('beamObserver.openFrame', openFrame),
    vscode.commands.registerCommand('beamObserver.revealProcess', revealProcess),
    vscode.commands.registerCommand('beamObserver.sortBy', () => sortBy()),
    vscode.commands.registerCommand('beamObserver.sortByReductions', () => sortBy('reductions')),
    vscode.commands.registerCommand('beamObserver.sortByMemory', () => sortBy('memory')),
    vscode.commands.registerCommand('beamObserver.sortByMessageQueue', () => sortBy('messageQueueLen')),
    vscode.commands.registerCommand('beamObserver.filter', filter),
    vscode.commands.registerCommand('beamObserver.clearFilter', () => tree.setFilter(undefined)),
    vscode.commands.registerCommand('beamObserver.refresh', () => tree.refresh(true)),
    vscode.commands.registerCommand('beamObserver.pause', () => tree.setPaused(true)),
    vscode.commands.registerCommand('beamObserver.resume', () => tree.setPaused(false)),
    vscode.commands.registerCommand('beamObserver.showLog', () => log.show()),
  ];
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

async function waitForRow(tree: ProcessTreeProvider, pid: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!tree.rowFor(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
