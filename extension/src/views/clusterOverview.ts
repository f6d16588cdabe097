/**
 * "BEAM Observer: Show Cluster Overview": an editor panel with every node of
 * the selected agent's cluster side by side (utilisation, run queue, memory,
 * processes). While it is open the registry keeps a load subscription for
 * every visible member (registry.watchCluster), which is what makes the
 * agent load itself into those nodes; closing it ends them. Clicking a row
 * selects that node for the process tree and the charts.
 */
import * as vscode from 'vscode';
import { Commands } from '../commands/commandIds';
import type { ClusterMember, NodeRegistry } from '../nodes/nodeRegistry';
import type { ClusterWebviewToHost, HostToClusterWebview } from '../protocol/webviewProtocol';
import { clusterHtml } from './clusterOverviewHtml';
import { newNonce } from './loadChartsHtml';
import { clusterRows, type RowSource } from './clusterRows';
import { registerSinglePanel } from './singlePanel';

const PANEL_TYPE = 'beamObserver.clusterOverview';
/** Samples of N nodes arrive separately; one table update per this many ms at most. */
const POST_EVERY_MS = 250;

export function registerClusterOverview(registry: NodeRegistry, extensionUri: vscode.Uri): vscode.Disposable {
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  return registerSinglePanel(
    PANEL_TYPE,
    Commands.openClusterOverview,
    () => 'BEAM Cluster',
    [dist],
    (created) => {
      const webview = created.webview;
      webview.html = clusterHtml({
        cspSource: webview.cspSource,
        nonce: newNonce(),
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'cluster.js')).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'cluster.css')).toString(),
      });
      let ready = false;
      let timer: NodeJS.Timeout | undefined;
      const post = () => {
        timer = undefined;
        if (!ready || !created.visible) return;
        void webview.postMessage(tableMessage(registry));
      };
      const schedule = () => {
        timer ??= setTimeout(post, POST_EVERY_MS);
      };
      return vscode.Disposable.from(
        registry.watchCluster(),
        registry.onDidChangeCluster(schedule),
        registry.onDidChangeNodes(schedule),
        registry.onDidChangeSelection(schedule),
        registry.onSample(schedule),
        created.onDidChangeViewState(() => {
          if (!created.visible) ready = false;
        }),
        webview.onDidReceiveMessage((message: ClusterWebviewToHost) => {
          if (message?.type === 'ready') {
            ready = true;
            post();
          } else if (message?.type === 'selectNode' && typeof message.node === 'string') {
            const agent = registry.selected;
            if (agent) registry.select(agent.id, message.node);
            post();
          }
        }),
        {
          dispose: () => {
            if (timer) clearTimeout(timer);
          },
        },
      );
    },
  );
}

function tableMessage(registry: NodeRegistry): HostToClusterWebview {
  const agent = registry.selected;
  if (!agent || agent.state === 'disconnected') return { type: 'cluster', agentNode: null, selected: null, rows: [] };
  const source = (m: ClusterMember): RowSource => ({
    name: m.name,
    hidden: m.hidden,
    state: m.state,
    goneAt: m.goneAt,
    error: m.error,
    samples: m.history.toArray(),
  });
  const members = [...agent.members.values()];
  const root = agent.clusterRoot ? agent.members.get(agent.clusterRoot) : undefined;
  const rows = root
    ? // Through a relay: the target's cluster, without the helper the agent runs in.
      clusterRows(source(root), members.filter((m) => m !== root).map(source), false)
    : clusterRows(
        { name: agent.name, hidden: false, state: 'up', goneAt: undefined, error: undefined, samples: agent.history.toArray() },
        members.map(source),
      );
  return {
    type: 'cluster',
    agentNode: root?.name ?? agent.name,
    selected: registry.target?.name ?? null,
    rows,
    connection: agent.state,
  };
}
