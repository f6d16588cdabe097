/**
 * The load charts in two places: a compact WebviewView in the Run and Debug
 * sidebar (view `beamObserver.loadCharts`) and a roomy editor WebviewPanel
 * (command `beamObserver.openLoadCharts`, one panel, reused). Both show the
 * selected node and only forward what the registry already has: a `reset`
 * with its history when the node changes or the webview (re)loads, then each
 * of its samples. Nothing is posted while a webview is hidden; it gets a
 * fresh reset when shown again. Messages: protocol/webviewProtocol.ts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, Views } from '../commands/commandIds';
import type { NodeRegistry, NodeTarget, ObservedNode } from '../nodes/nodeRegistry';
import type { LoadSample } from '../protocol/agentProtocol';
import { errorMessage, userMessage } from '../shared/errors';
import type { ChartNode, HostToWebview, NodeChoice, WebviewToHost } from '../protocol/webviewProtocol';
import { idOfTarget, nodeChoices, parseTargetId } from '../nodes/nodeChoices';
import { chartsHtml, newNonce, type ChartsSurface } from './loadChartsHtml';
import { registerSinglePanel } from './singlePanel';
import type { OpenRecording, Rewind } from './rewind';

const PANEL_TYPE = 'beamObserver.loadChartsPanel';

export function registerLoadCharts(context: vscode.ExtensionContext, registry: NodeRegistry, rewind?: Rewind): vscode.Disposable {
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');

  // The roomy editor panel: one at most, restored after a window reload.
  const panel = registerSinglePanel(
    PANEL_TYPE,
    Commands.openLoadCharts,
    () => panelTitle(registry.target),
    [dist],
    (created, openPanel) => {
      const charts = new ChartsWebview(created.webview, 'panel', registry, dist, () => created.visible, openPanel, rewind);
      return vscode.Disposable.from(
        charts,
        created.onDidChangeViewState(() => charts.visibilityChanged()),
        registry.onDidChangeSelection(() => (created.title = panelTitle(registry.target))),
      );
    },
  );

  const provider: vscode.WebviewViewProvider = {
    resolveWebviewView(view) {
      const charts = new ChartsWebview(
        view.webview,
        'sidebar',
        registry,
        dist,
        () => view.visible,
        () => void vscode.commands.executeCommand(Commands.openLoadCharts),
        rewind,
      );
      view.onDidChangeVisibility(() => charts.visibilityChanged());
      view.onDidDispose(() => charts.dispose());
    },
  };

  return vscode.Disposable.from(vscode.window.registerWebviewViewProvider(Views.loadCharts, provider), panel);
}

function panelTitle(target: NodeTarget | undefined): string {
  return target ? `BEAM Load: ${target.name}` : 'BEAM Load';
}

/** What the webview needs to know about a node, from what the registry has. */
export function chartNode(target: NodeTarget): ChartNode {
  const latest: LoadSample | undefined = target.history.latest(1)[0];
  const info = target.info;
  return {
    id: idOfTarget(target),
    name: target.name,
    otpRelease: info?.otpRelease ?? '?',
    schedulers: info?.schedulers ?? latest?.schedulers ?? { total: 0, online: 0, dirtyCpu: 0, dirtyCpuOnline: 0, dirtyIo: 0 },
    state: target.agent.state,
  };
}

/**
 * One webview showing the charts, whichever the surface: its HTML, and the
 * messages both ways, following the registry's selected node.
 */
class ChartsWebview implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** The page has loaded and asked for data; false again once hidden (VS Code unloads hidden webviews). */
  private ready = false;
  private shown: { id: string; state: ObservedNode['state'] } | undefined;

  constructor(
    private readonly webview: vscode.Webview,
    surface: ChartsSurface,
    private readonly registry: NodeRegistry,
    dist: vscode.Uri,
    private readonly isVisible: () => boolean,
    private readonly openPanel: () => void,
    private readonly rewind?: Rewind,
  ) {
    webview.options = { enableScripts: true, localResourceRoots: [dist] };
    webview.html = chartsHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      surface,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: WebviewToHost) => this.received(message)),
      registry.onDidChangeSelection(() => {
        this.selectionChanged();
        this.postChoices();
      }),
      registry.onDidChangeNodes(() => this.postChoices()),
      registry.onDidChangeCluster(() => this.postChoices()),
      registry.onSample(({ node, sample }) => {
        if (this.shown && !this.rewind?.recording && registry.isTargetSample(node, sample)) {
          this.post({ type: 'sample', nodeId: this.shown.id, sample });
        }
      }),
    );
    if (rewind) this.disposables.push(rewind.onDidChange(() => this.rewound()));
  }

  /** issue 14: a recording opened or closed replaces the node shown; otherwise the moment marked moves. */
  private rewound(): void {
    const recording = this.rewind?.recording;
    const id = recording ? recordingId(recording) : undefined;
    if (id !== this.shown?.id && (recording || this.shown?.id.startsWith(RECORDING_ID))) this.reset();
    else this.post({ type: 'asOf', asOf: this.rewind?.asOf ?? null });
  }

  /**
   * VS Code deallocates a hidden webview's document (no retainContextWhenHidden:
   * the charts rebuild from a reset in milliseconds) and recreates it when
   * shown, and the new page asks with `ready`. So: stop posting on hide, and
   * let `ready` bring the fresh reset.
   */
  visibilityChanged(): void {
    if (!this.isVisible()) this.ready = false;
  }

  private selectionChanged(): void {
    if (this.rewind?.recording) return; // the recording stays until it is closed
    const target = this.registry.target;
    const id = target ? idOfTarget(target) : undefined;
    if (id !== this.shown?.id) this.reset();
    else if (target && id && target.agent.state !== this.shown?.state) {
      this.shown = { id, state: target.agent.state };
      this.post({ type: 'state', nodeId: id, state: target.agent.state });
    }
  }

  private reset(): void {
    const recording = this.rewind?.recording;
    if (recording) {
      const node = recordingNode(recording);
      this.shown = { id: node.id, state: 'disconnected' };
      this.post({ type: 'reset', node, samples: recording.recording.history.moments.map((m) => m.sample) });
    } else {
      const target = this.registry.target;
      this.shown = target ? { id: idOfTarget(target), state: target.agent.state } : undefined;
      this.post({ type: 'reset', node: target ? chartNode(target) : null, samples: target ? target.history.toArray() : [] });
    }
    this.post({ type: 'asOf', asOf: this.rewind?.asOf ?? null });
  }

  /** The node picker's choices: each connection's node, then the members of its cluster. */
  private postChoices(): void {
    const choices: NodeChoice[] = nodeChoices(this.registry.all).map((c) => ({
      id: c.id,
      label: c.name,
      detail: c.member ? (c.state === 'gone' ? 'left the cluster' : `via ${c.via}`) : c.state === 'connected' ? '' : c.state,
    }));
    const target = this.registry.target;
    this.post({ type: 'nodes', choices, selected: target ? idOfTarget(target) : null });
  }

  private post(message: HostToWebview): void {
    if (!this.ready || !this.isVisible()) return;
    void this.webview.postMessage(message);
  }

  private received(message: WebviewToHost): void {
    switch (message?.type) {
      case 'ready':
        this.ready = true;
        this.reset();
        this.postChoices();
        break;
      case 'selectNode': {
        const { agentId, member } = parseTargetId(String(message.id));
        if (this.registry.get(agentId)) this.registry.select(agentId, member);
        break;
      }
      case 'openPanel':
        this.openPanel();
        break;
      case 'export':
        void exportSamples(message).catch((error: unknown) =>
          vscode.window.showErrorMessage(userMessage(`exporting the load samples failed: ${errorMessage(error)}`)),
        );
        break;
      // issue 14: a click or a drag on a chart goes back in time.
      case 'pickTime':
        if (Number.isFinite(message.at)) void this.rewind?.showTime(message.at);
        break;
      case 'pickRange':
        if (Number.isFinite(message.from) && Number.isFinite(message.to)) void this.rewind?.showRange(message.from, message.to);
        break;
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

const RECORDING_ID = 'recording:';

function recordingId(recording: OpenRecording): string {
  return `${RECORDING_ID}${recording.name}`;
}

/** The charts' node for a recording opened from a file: its node as saved, with no connection. */
function recordingNode(recording: OpenRecording): ChartNode {
  const info = recording.recording.node;
  return { id: recordingId(recording), name: info.node, otpRelease: info.otpRelease, schedulers: info.schedulers, state: 'recording' };
}

/** Ask where, then write what the webview formatted. */
async function exportSamples(message: Extract<WebviewToHost, { type: 'export' }>): Promise<void> {
  if ((message.format !== 'json' && message.format !== 'csv') || typeof message.content !== 'string') return;
  // The name comes from the webview: keep only a plain file name.
  const fileName = path.basename(String(message.fileName || `beam-load.${message.format}`)).replace(/[^\w.@-]+/g, '_');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
    filters: message.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    saveLabel: 'Export Samples',
    title: 'Export BEAM Load Samples',
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(message.content, 'utf8'));
  const open = await vscode.window.showInformationMessage(
    userMessage(`load samples saved to ${vscode.workspace.asRelativePath(target)}.`),
    'Open',
  );
  if (open) await vscode.window.showTextDocument(target);
}
