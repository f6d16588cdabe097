/**
 * BEAM Observer: activation wires the parts together.
 *
 *   attach strategies (debug configs, DAP evaluate, terminals, discovery, URL)
 *        └─► node registry (one AgentClient per node, cached samples)
 *              ├─► process tree, state documents, hovers, terminal links
 *              ├─► status bar
 *              └─► load charts (webview, samples forwarded)
 */
import * as vscode from 'vscode';
import { AgentInstall, installAgent } from './agent/agentInstall';
import { AgentDebugConfigurationProvider, BEAM_DEBUG_TYPES, injectThroughAdapter } from './attach/debugSessions';
import { DebugSessionNodes } from './attach/debugSessionNodes';
import { AutoConnect } from './attach/autoConnect';
import { ATTACH_COMMAND, registerAttachToNode } from './attach/attachToNode';
import { ReloadWays, loadAgentAgain } from './attach/reloadAgent';
import { AutoAttach, applyTerminalEnvironment } from './attach/terminals';
import { registerCommands } from './commands';
import { DiscoveryWatcher, discoveryDir } from './nodes/discovery';
import { NodeRegistry } from './nodes/nodeRegistry';
import { PID_HOVER_SELECTOR, PidHoverProvider } from './pids/pidHovers';
import { RecentPids } from './pids/recentPids';
import { PidTerminalLinkProvider } from './pids/terminalLinks';
import { registerClusterOverview } from './views/clusterOverview';
import { registerLoadCharts } from './views/loadCharts';
import { ProcessTreeProvider, TreeNode } from './views/processTree';
import { STATE_SCHEME, StateDocuments } from './views/stateDocuments';
import { LoadStatusBar } from './views/statusBar';
import { TEXT_SCHEME, TextDocuments } from './views/textDocuments';

/** How long a node stays "lost" before the extension offers to load its agent again. */
const LOST_OFFER_DELAY_MS = 3000;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('BEAM Observer', { log: true });
  const settings = () => vscode.workspace.getConfiguration('beamObserver');
  const version = String(context.extension.packageJSON.version);

  let install: AgentInstall | undefined;
  const agent = (): AgentInstall => (install ??= installAgent(context.extensionPath, context.globalStorageUri.fsPath, version));

  const dir = discoveryDir();
  const registry = new NodeRegistry({
    sampleIntervalMs: () => settings().get<number>('sampleIntervalMs', 1000),
    log: (message) => log.info(message),
  });

  const sessions = new DebugSessionNodes({
    registry,
    install: agent,
    injectThroughDebugger: () => settings().get<AutoAttach>('autoAttach', 'debugSessions') !== 'off' &&
      settings().get<boolean>('injectThroughDebugger', true),
    log: (message) => log.info(message),
  });
  const autoConnect = new AutoConnect(registry, sessions, () => settings().get<AutoAttach>('autoAttach', 'debugSessions'),
    () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
  const watcher = new DiscoveryWatcher(dir, (agents) => autoConnect.agentsChanged(agents));

  const tree = new ProcessTreeProvider(registry, { limit: () => settings().get<number>('processLimit', 200) });
  const treeView = vscode.window.createTreeView<TreeNode>('beamObserver.processes', {
    treeDataProvider: tree, showCollapseAll: true,
  });
  const updateTitle = () => {
    treeView.description = tree.title;
    void vscode.commands.executeCommand('setContext', 'beamObserver.connected', registry.connected.length > 0);
    void vscode.commands.executeCommand('setContext', 'beamObserver.hasNodes', registry.all.length > 0);
  };
  tree.setVisible(treeView.visible);

  const states = new StateDocuments(registry);
  const texts = new TextDocuments();
  const recent = new RecentPids();

  context.subscriptions.push(
    log, registry, sessions, tree, treeView, states, texts, watcher,
    treeView.onDidChangeVisibility((e) => tree.setVisible(e.visible)),
    treeView.onDidCollapseElement((e) => { if (e.element.kind === 'state') tree.forgetState(e.element.pid); }),
    tree.onDidChangeTreeData(updateTitle),
    registry.onDidChangeNodes(updateTitle),
    registry.onDidChangeSelection(updateTitle),
    vscode.workspace.registerTextDocumentContentProvider(STATE_SCHEME, states),
    vscode.workspace.registerTextDocumentContentProvider(TEXT_SCHEME, texts),
    vscode.languages.registerHoverProvider(PID_HOVER_SELECTOR, new PidHoverProvider(registry)),
    vscode.window.registerTerminalLinkProvider(new PidTerminalLinkProvider(registry,
      (pid) => void vscode.commands.executeCommand('beamObserver.revealProcess', pid))),
    vscode.debug.registerDebugAdapterTrackerFactory('*', recent),
    new LoadStatusBar(registry),
    registerLoadCharts(context, registry),
    registerClusterOverview(registry, context.extensionUri),
    registerAttachToNode(context, registry, log),
    ...registerCommands({ registry, tree, treeView, states, texts, recent, discovery: watcher, log }),
  );

  // Debug sessions: prepare launches, follow their agents, clean up after them.
  const provider = new AgentDebugConfigurationProvider(agent, dir,
    () => settings().get<AutoAttach>('autoAttach', 'debugSessions') !== 'off');
  for (const type of BEAM_DEBUG_TYPES) {
    context.subscriptions.push(vscode.debug.registerDebugConfigurationProvider(type, provider));
  }
  for (const type of BEAM_DEBUG_TYPES) context.subscriptions.push(vscode.debug.registerDebugAdapterTrackerFactory(type, sessions));
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((session) => sessions.sessionStarted(session)),
    vscode.debug.onDidTerminateDebugSession((session) => sessions.sessionEnded(session)),
  );

  // A node whose agent stopped while the node lives on: offer to load it again.
  const reloadWays: ReloadWays = {
    async throughDebugger(node) {
      const session = sessions.sessionOf(node.id);
      if (!session) return false;
      await injectThroughAdapter(session, agent());
      return true;
    },
    // A node attached over distribution: attach again (the cookie is remembered).
    async overDistribution(node) {
      if (node.source !== 'distribution') return false;
      await vscode.commands.executeCommand(ATTACH_COMMAND, { node: node.name });
      return true;
    },
  };
  const loadAgentAgainCommand = async (nodeId?: string) => {
    const node = (nodeId ? registry.get(nodeId) : undefined) ??
      (registry.selected?.state === 'lost' ? registry.selected : registry.all.find((n) => n.state === 'lost'));
    if (!node) {
      void vscode.window.showInformationMessage('BEAM Observer: no node has lost its agent.');
      return;
    }
    try {
      await loadAgentAgain(node, reloadWays);
    } catch (error) {
      void vscode.window.showErrorMessage(`BEAM Observer: cannot load the agent again into ${node.name}: ${(error as Error).message}`);
    }
  };
  const offered = new Set<string>();
  context.subscriptions.push(
    vscode.commands.registerCommand('beamObserver.loadAgentAgain', loadAgentAgainCommand),
    registry.onDidChangeNodes((node) => {
      if (!node || node.state === 'connected') { if (node) offered.delete(node.id); return; }
      if (node.state !== 'lost' || offered.has(node.id)) return;
      offered.add(node.id);
      // A reconnect a moment later (an agent restarted by hand) needs no offer.
      setTimeout(() => {
        if (node.state !== 'lost') return;
        void vscode.window.showWarningMessage(
          `BEAM Observer: the agent in ${node.name} stopped; the node is still running.`, 'Load Agent Again')
          .then((choice) => { if (choice) void loadAgentAgainCommand(node.id); });
      }, LOST_OFFER_DELAY_MS);
    }),
  );

  // Terminals: the environment follows the setting.
  const applyTerminals = () => {
    const mode = settings().get<AutoAttach>('autoAttach', 'debugSessions');
    try {
      applyTerminalEnvironment(context.environmentVariableCollection, mode, agent(), dir);
      log.info(`terminals: autoAttach is ${mode}`);
    } catch (error) {
      log.error(`cannot prepare terminals: ${(error as Error).message}`);
    }
  };
  applyTerminals();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('beamObserver.autoAttach')) {
      applyTerminals();
      autoConnect.reapply();
    }
  }));

  void vscode.commands.executeCommand('setContext', 'beamObserver.sortBy', tree.sortBy);
  updateTitle();
  watcher.start();
  // Last: the welcome text waits for this, so terminals opened after it have the agent's environment.
  void vscode.commands.executeCommand('setContext', 'beamObserver.active', true);
  log.info(`BEAM Observer ${version} watching ${dir}`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
