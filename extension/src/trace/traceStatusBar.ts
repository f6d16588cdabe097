/**
 * The status bar says when a trace or a call count runs: what, where, how
 * many events; a click stops them all. It sets the context keys the palette's
 * Stop commands show with (beamObserver.tracing, beamObserver.counting).
 */
import * as vscode from 'vscode';
import { Commands } from '../commands/commandIds';
import type { CallCounters } from './callCounters';
import type { TracePanel } from './tracePanel';

export class TraceStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('beamObserver.trace', vscode.StatusBarAlignment.Left, 49);
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly panel: TracePanel,
    private readonly counters: CallCounters,
  ) {
    this.item.name = 'BEAM Observer tracing';
    this.item.command = Commands.stopAllTraces;
    this.disposables = [panel.onDidChange(() => this.update()), counters.onDidChange(() => this.update())];
    this.update();
  }

  private update(): void {
    const trace = this.panel.running;
    const counting = this.counters.count;
    void vscode.commands.executeCommand('setContext', 'beamObserver.tracing', !!trace);
    void vscode.commands.executeCommand('setContext', 'beamObserver.counting', counting > 0);
    if (!trace && counting === 0) {
      this.item.hide();
      return;
    }
    const parts: string[] = [];
    if (trace) parts.push(`Tracing ${trace.label} · ${trace.events.toLocaleString('en-US')} events`);
    if (counting > 0) parts.push(`Counting ${counting} ${counting === 1 ? 'module' : 'modules'}`);
    this.item.text = `$(record) ${parts.join(' · ')}`;
    this.item.tooltip = `BEAM Observer${trace ? ` is tracing ${trace.label} on ${trace.node}` : ''}${trace && counting ? ' and' : ''}${
      counting ? ` is counting calls of ${counting} ${counting === 1 ? 'module' : 'modules'}` : ''
    }.\n\nClick to stop them all.`;
    this.item.backgroundColor = trace ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.item.dispose();
  }
}
