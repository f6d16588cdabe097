/**
 * The status bar item while connected: node, average scheduler utilisation
 * and run queue; a warning colour when the run queue stays above half the
 * online schedulers (the "overloaded" rule of thumb) for several samples.
 */
import * as vscode from 'vscode';
import { Commands } from '../commands/commandIds';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { OVERLOAD_MIN_SAMPLES, overloaded } from '../shared/overload';
import { formatPercent } from '../shared/format';
import { formatAgentCost, formatDebuggerShare } from './format';
import { agentWork, formatAgentWork } from '../shared/budget';
import type { LoadSample } from '../protocol/agentProtocol';

/** Where the agent's time went is averaged over this many samples (the budget's own window is 5 s). */
const AGENT_WORK_SAMPLES = 10;

function agentWorkLine(samples: LoadSample[]): string {
  const work = agentWork(samples);
  return work ? `; ${formatAgentWork(work)}` : '';
}

export class LoadStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('beamObserver.status', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly registry: NodeRegistry) {
    this.item.name = 'BEAM Observer';
    this.item.command = Commands.openLoadCharts;
    this.disposables.push(
      registry.onSample(({ node, sample }) => {
        if (registry.isTargetSample(node, sample)) this.update();
      }),
      registry.onDidChangeSelection(() => this.update()),
      registry.onDidChangeNodes(() => this.update()),
    );
    this.update();
  }

  private update(): void {
    const target = this.registry.target;
    const node = target?.agent;
    if (!target || !node) {
      this.item.hide();
      return;
    }
    const name = target.name;
    if (node.state !== 'connected') {
      // The connection is the agent's node's, whichever node of its cluster is shown.
      this.item.text = `$(debug-disconnect) ${node.name}: ${node.state === 'lost' ? 'reconnecting' : node.state}`;
      this.item.backgroundColor = undefined;
      this.item.tooltip = node.lastError ?? `BEAM Observer: ${node.state}`;
      this.item.show();
      return;
    }
    const samples = target.history.latest(OVERLOAD_MIN_SAMPLES);
    const last = samples[samples.length - 1];
    if (!last) {
      this.item.text = `$(pulse) ${name}`;
    } else {
      const util = formatPercent(last.utilisation.normalAvg);
      const dirty = last.utilisation.dirtyCpuAvg > 0.05 ? ` dirty ${formatPercent(last.utilisation.dirtyCpuAvg)}` : '';
      this.item.text = `$(pulse) ${name} ${util}${dirty} rq ${last.runQueue.totalAvg.toFixed(1)}`;
      const hot = overloaded(samples);
      const debuggerShare = formatDebuggerShare(last);
      this.item.backgroundColor = hot ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.tooltip = new vscode.MarkdownString(
        `**${name}** — schedulers ${last.schedulers.online} online of ${last.schedulers.total}\n\n` +
          `Utilisation ${util} (dirty CPU ${formatPercent(last.utilisation.dirtyCpuAvg)}), ` +
          `run queue ${last.runQueue.totalAvg.toFixed(1)} avg / ${last.runQueue.totalMax} max` +
          (hot
            ? `\n\n$(warning) Run queue above half the online schedulers for ${OVERLOAD_MIN_SAMPLES} samples: the node is overloaded.`
            : '') +
          (debuggerShare
            ? `\n\n$(debug-alt) A debugger runs in this node: ${debuggerShare} in the last sample. ` +
              "Interpreted code runs far slower than compiled code, so much of this load may be the debugger's."
            : '') +
          `\n\nBEAM Observer's agent: ${formatAgentCost(last.agent, last.intervalMs)}` +
          agentWorkLine(target.history.latest(AGENT_WORK_SAMPLES)) +
          '\n\nClick to open the load charts.',
        true,
      );
    }
    this.item.show();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
