/**
 * BEAM Observer: activation wires the parts together.
 *
 *   attach strategies (debug configs, DAP evaluate, terminals, discovery, URL)
 *        └─► node registry (one AgentClient per node, cached samples)
 *              ├─► process tree, state documents, hovers, terminal links
 *              ├─► status bar
 *              └─► load charts (webview, samples forwarded)
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AgentInstall, installAgent } from './agent/agentInstall';
import {
  AgentDebugConfigurationProvider, BEAM_DEBUG_TYPES, SESSION_MARKER_KEY, injectThroughAdapter, isBeamSession,
} from './attach/debugSessions';
import { ATTACH_COMMAND, registerAttachToNode } from './attach/attachToNode';
import { ReloadWays, loadAgentAgain } from './attach/reloadAgent';
import { AutoAttach, applyTerminalEnvironment } from './attach/terminals';
import { registerCommands } from './commands';
import { DiscoveryWatcher, discoveryDir } from './nodes/discovery';
import { NodeRegistry } from './nodes/nodeRegistry';
import type { DiscoveryFile } from './protocol/agentProtocol';
import { PID_HOVER_SELECTOR, PidHoverProvider } from './pids/pidHovers';
import { RecentPids } from './pids/recentPids';
import { PidTerminalLinkProvider } from './pids/terminalLinks';
import { registerClusterOverview } from './views/clusterOverview';
import { registerLoadCharts } from './views/loadCharts';
import { ProcessTreeProvider, TreeNode } from './views/processTree';
import { STATE_SCHEME, StateDocuments } from './views/stateDocuments';
import { LoadStatusBar } from './views/statusBar';
import { TEXT_SCHEME, TextDocuments } from './views/textDocuments';

/** How long a debug session may run before the agent is loaded through the debugger instead. */
const INJECT_AFTER_MS = 5000;
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

  // Debug sessions the extension prepared, by the marker their VM carries.
  const debugSessions = new Map<string, vscode.DebugSession>();
  const nodeOfSession = new Map<string, string>();
  /** The debug session a node runs under, to load its agent again through the debugger. */
  const sessionOfNode = new Map<string, vscode.DebugSession>();
  const runningSessions = new Set<string>();
  let lastAgents: DiscoveryFile[] = [];

  const inWorkspace = (cwd: string | null) =>
    !!cwd && (vscode.workspace.workspaceFolders ?? []).some((f) => cwd === f.uri.fsPath || cwd.startsWith(f.uri.fsPath + path.sep));

  /** Connect on its own only to agents the user obviously wants: their debug session's, or (terminals mode) their workspace's. */
  const autoConnect = (agents: DiscoveryFile[]) => {
    lastAgents = agents;
    const mode = settings().get<AutoAttach>('autoAttach', 'debugSessions');
    for (const found of agents) {
      if (registry.get(String(found.osPid))) {
        registry.updateFromDiscovery(found);
        continue;
      }
      const marker = found.launchedBy?.startsWith('debug:') ? found.launchedBy.slice('debug:'.length) : undefined;
      const endpoint = { port: found.port, token: found.token };
      if (marker && debugSessions.has(marker)) {
        nodeOfSession.set(marker, String(found.osPid));
        sessionOfNode.set(String(found.osPid), debugSessions.get(marker)!);
        void registry.attach(endpoint, 'debug', found).then((node) => registry.select(node.id));
      } else if (mode === 'terminals' && inWorkspace(found.cwd)) {
        void registry.attach(endpoint, 'terminal', found);
      }
    }
  };
  const watcher = new DiscoveryWatcher(dir, autoConnect);

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
    log, registry, tree, treeView, states, texts, watcher,
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
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((session) => {
      if (!isBeamSession(session.type)) return;
      const marker = session.configuration[SESSION_MARKER_KEY] as string | undefined;
      if (marker) {
        debugSessions.set(marker, session);
        autoConnect(lastAgents);
        return;
      }
      if (settings().get<AutoAttach>('autoAttach', 'debugSessions') === 'off' || !settings().get<boolean>('injectThroughDebugger', true)) return;
      // Not prepared by us (an attach request, another client): load the agent through the adapter.
      runningSessions.add(session.id);
      setTimeout(() => {
        if (!runningSessions.has(session.id)) return;
        injectThroughAdapter(session, agent())
          .then((endpoint) => registry.attach(endpoint, 'debug'))
          .then((node) => { nodeOfSession.set(session.id, node.id); sessionOfNode.set(node.id, session); registry.select(node.id); })
          .catch((error: Error) => log.warn(`${session.name}: ${error.message}`));
      }, INJECT_AFTER_MS);
    }),
    vscode.debug.onDidTerminateDebugSession((session) => {
      runningSessions.delete(session.id);
      const marker = (session.configuration[SESSION_MARKER_KEY] as string | undefined) ?? session.id;
      debugSessions.delete(marker);
      const nodeId = nodeOfSession.get(marker);
      nodeOfSession.delete(marker);
      if (nodeId) sessionOfNode.delete(nodeId);
      // The VM may outlive the session (mix run --no-halt under ElixirLS): keep watching it while it lives.
      if (nodeId) registry.sessionEnded(nodeId);
    }),
  );

  // A node whose agent stopped while the node lives on: offer to load it again.
  const reloadWays: ReloadWays = {
    async throughDebugger(node) {
      const session = sessionOfNode.get(node.id);
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
      autoConnect(lastAgents);
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
