/**
 * BEAM Observer: activation wires the parts together.
 *
 *   attach strategies (debug configs, DAP evaluate, terminals, discovery, URL)
 *        └─► node registry (one AgentClient per node, cached samples)
 *              ├─► process tree, state documents, hovers, terminal links
 *              ├─► status bar
 *              ├─► load charts and cluster overview (webviews, samples forwarded)
 *              ├─► supervision, ETS, ports, system views
 *              └─► tracing (CodeLens, call counts, the BEAM Trace panel)
 */
import * as vscode from 'vscode';
import { AgentInstall, installAgent } from './agent/agentInstall';
import { registerAttachToNode } from './attach/attachToNode';
import { AutoConnect } from './attach/autoConnect';
import { DebugSessionNodes } from './attach/debugSessionNodes';
import { AgentDebugConfigurationProvider } from './attach/debugSessions';
import { registerLoadAgentAgain, reloadWays } from './attach/reloadAgent';
import { registerTerminalEnvironment } from './attach/terminals';
import { Commands } from './commands/commandIds';
import { registerCommands } from './commands';
import { DiscoveryWatcher, discoveryDir } from './nodes/discovery';
import { NodeRegistry } from './nodes/nodeRegistry';
import { PID_HOVER_SELECTOR, PidHoverProvider } from './pids/pidHovers';
import { RecentPids } from './pids/recentPids';
import { PidTerminalLinkProvider } from './pids/terminalLinks';
import { affects, settings } from './settings';
import { BEAM_DEBUG_TYPES } from './shared/debugTypes';
import { registerClusterOverview } from './views/clusterOverview';
import { registerLoadCharts } from './views/loadCharts';
import { createProcessTreeView } from './views/processTreeView';
import { registerNodeViewCommands } from './commands/nodeViewCommands';
import { createNodeViews } from './views/nodeViews';
import { STATE_SCHEME, StateDocuments } from './views/stateDocuments';
import { LoadStatusBar } from './views/statusBar';
import { registerMcpServerDefinition } from './mcp/mcpDefinitionProvider';
import { registerLanguageModelTools } from './tools/languageModelTools';
import { RegistryNodeSource } from './tools/registryNodeSource';
import { TEXT_SCHEME, TextDocuments } from './views/textDocuments';
import { registerTracing } from './trace';
import { registerRewindCommands } from './commands/rewindCommands';
import { Rewind } from './views/rewind';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('BEAM Observer', { log: true });
  const version = String(context.extension.packageJSON.version);
  let install: AgentInstall | undefined;
  const agent = (): AgentInstall => (install ??= installAgent(context.extensionPath, context.globalStorageUri.fsPath, version));
  const dir = discoveryDir();

  // Nodes: the registry, the debug sessions' nodes, and the rule for the rest.
  const registry = new NodeRegistry({
    sampleIntervalMs: settings.sampleIntervalMs,
    agentBudget: settings.agentBudget,
    log: (message) => log.info(message),
  });
  const sessions = new DebugSessionNodes({
    registry,
    install: agent,
    log: (message) => log.info(message),
    injectThroughDebugger: () => settings.autoAttach() !== 'off' && settings.injectThroughDebugger(),
  });
  const autoConnect = new AutoConnect(registry, sessions, settings.autoAttach, () =>
    (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  );
  const watcher = new DiscoveryWatcher(dir, (agents) => autoConnect.agentsChanged(agents));
  const provider = new AgentDebugConfigurationProvider(agent, dir, () => settings.autoAttach() !== 'off');

  // Views.
  const processTree = createProcessTreeView(registry);
  const { tree, treeView } = processTree;
  const states = new StateDocuments(registry);
  const texts = new TextDocuments();
  const recent = new RecentPids();
  // The rest of the node (issue 12): supervision tree, ETS tables, ports, system.
  const nodeViews = createNodeViews(registry);
  // Rewind (issue 14): the tree and the charts as of a recorded moment, and recordings.
  const rewind = new Rewind(registry, tree, treeView, version);

  context.subscriptions.push(
    log,
    registry,
    sessions,
    watcher,
    processTree,
    states,
    texts,
    ...BEAM_DEBUG_TYPES.flatMap((type) => [
      vscode.debug.registerDebugConfigurationProvider(type, provider),
      vscode.debug.registerDebugAdapterTrackerFactory(type, sessions),
    ]),
    vscode.debug.onDidStartDebugSession((session) => sessions.sessionStarted(session)),
    vscode.debug.onDidTerminateDebugSession((session) => sessions.sessionEnded(session)),
    vscode.debug.registerDebugAdapterTrackerFactory('*', recent),
    vscode.workspace.registerTextDocumentContentProvider(STATE_SCHEME, states),
    vscode.workspace.registerTextDocumentContentProvider(TEXT_SCHEME, texts),
    vscode.languages.registerHoverProvider(PID_HOVER_SELECTOR, new PidHoverProvider(registry, rewind)),
    vscode.window.registerTerminalLinkProvider(
      new PidTerminalLinkProvider(registry, (pid) => void vscode.commands.executeCommand(Commands.revealProcess, pid)),
    ),
    new LoadStatusBar(registry),
    registerLoadCharts(context, registry, rewind),
    registerClusterOverview(registry, context.extensionUri),
    registerAttachToNode(context, registry, log),
    registerLoadAgentAgain(registry, reloadWays(sessions, agent)),
    ...registerCommands({ registry, tree, treeView, states, texts, recent, discovery: watcher, log }),
    registerTerminalEnvironment(context.environmentVariableCollection, agent, dir, log, () => autoConnect.reapply()),
    nodeViews,
    ...registerNodeViewCommands({ registry, views: nodeViews, processTree: tree, log }),
    // Tracing from the code: CodeLens, live call counts, the BEAM Trace panel.
    registerTracing(context, registry, log),
    rewind,
    ...registerRewindCommands(rewind),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affects(event, 'agentBudget')) registry.applyBudget();
    }),
  );

  // Language models (issue 18): the read-only tools in VS Code's chat, and the MCP server for MCP clients.
  context.subscriptions.push(
    registerLanguageModelTools(new RegistryNodeSource(registry), (message) => log.info(message)),
    registerMcpServerDefinition(context.extensionPath, version, dir, (message) => log.info(message)),
  );

  watcher.start();
  // Last: the welcome text waits for this, so terminals opened after it have the agent's environment.
  void vscode.commands.executeCommand('setContext', 'beamObserver.active', true);
  log.info(`BEAM Observer ${version} watching ${dir}`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
