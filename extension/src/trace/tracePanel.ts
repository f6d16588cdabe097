/**
 * The BEAM Trace panel (one editor panel) and the trace it runs. A target
 * (functions, or one process's messages) opens the panel with its set-up;
 * Start asks the node's agent (trace/start, in the node the connection
 * attached to), the events stream into the table, Stop or any limit ends it
 * and the panel says why. Closing the panel, a new target, the connection
 * closing or VS Code going away: the trace ends with them (the agent also
 * ends it on its own when the connection closes).
 */
import * as vscode from 'vscode';
import type { AgentClient } from '../agent/agentClient';
import type { ObservedNode } from '../nodes/nodeRegistry';
import type { TraceEventBatch, TraceLimits, TraceStartResult, TraceStopped } from '../protocol/agentProtocol';
import type { HostToTraceWebview, TraceTarget, TraceWebviewToHost } from '../protocol/webviewProtocol';
import { errorMessage } from '../shared/errors';
import { stopReasonText } from '../shared/traceFormat';
import { newNonce } from '../views/loadChartsHtml';
import { traceHtml } from '../views/traceHtml';
import { Commands } from '../commands/commandIds';
import { showFunction, type SourceLocator } from './sourceLocator';
import type { CallCounters } from './callCounters';
import type { TraceDiagnostics } from './traceDiagnostics';

export const TRACE_PANEL_TYPE = 'beamObserver.tracePanel';

/** The trace the panel shows: its node and connection, and once started, its id. */
interface Run {
  node: ObservedNode;
  client: AgentClient;
  target: TraceTarget;
  traceId?: number;
  limits?: TraceLimits;
  events: number;
  ended: boolean;
  listeners: vscode.Disposable[];
}

export class TracePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pending: HostToTraceWebview[] = [];
  private run: Run | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** A trace started, ended or delivered events (the status bar listens). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly locator: SourceLocator,
    private readonly diagnostics: TraceDiagnostics,
    private readonly counters: CallCounters,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The running trace, for the status bar: what it follows and how many events so far. */
  get running(): { label: string; events: number; node: string } | undefined {
    const run = this.run;
    return run && run.traceId !== undefined && !run.ended
      ? { label: run.target.label, events: run.events, node: run.node.name }
      : undefined;
  }

  /** Show a target's set-up (stopping a trace that runs). */
  async open(node: ObservedNode, client: AgentClient, target: TraceTarget): Promise<void> {
    await this.stop();
    this.end();
    this.run = { node, client, target, events: 0, ended: false, listeners: [] };
    this.diagnostics.clear();
    const { defaults, caps } = client.info.traceLimits;
    this.show();
    this.post({ type: 'setup', node: node.name, target, limits: defaults, caps, detail: 'args', returns: target.kind === 'calls' });
  }

  /** End the running trace, if any. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run || run.traceId === undefined || run.ended) return;
    try {
      await run.client.traceStop(run.traceId);
    } catch (error) {
      // It ended meanwhile (its trace/stopped says why), or the connection is gone.
      this.log.info(`stopping trace ${run.traceId}: ${errorMessage(error)}`);
    }
  }

  private show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(
      TRACE_PANEL_TYPE,
      'BEAM Trace',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      // Kept while hidden: the table is the trace's record.
      { enableScripts: true, localResourceRoots: [dist], retainContextWhenHidden: true },
    );
    panel.webview.html = traceHtml({
      cspSource: panel.webview.cspSource,
      nonce: newNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'trace.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'trace.css')).toString(),
    });
    panel.webview.onDidReceiveMessage((message: TraceWebviewToHost) => void this.received(message));
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      this.pending = [];
      void this.stop().then(() => this.end());
      this.diagnostics.clear();
    });
    this.panel = panel;
  }

  private post(message: HostToTraceWebview): void {
    if (this.panel && this.ready) void this.panel.webview.postMessage(message);
    else this.pending.push(message);
  }

  private async received(message: TraceWebviewToHost): Promise<void> {
    switch (message?.type) {
      case 'ready':
        this.ready = true;
        for (const queued of this.pending.splice(0)) void this.panel?.webview.postMessage(queued);
        break;
      case 'start':
        await this.start(message);
        break;
      case 'stop':
        await this.stop();
        break;
      case 'openFunction': {
        const place = await this.locator.find(message.function);
        if (place) await showFunction(place);
        else {
          void vscode.window.showWarningMessage(`BEAM Observer: the source of ${message.function.module} was not found in the workspace.`);
        }
        break;
      }
      case 'revealPid':
        await vscode.commands.executeCommand(Commands.revealProcess, message.pid);
        break;
      case 'pidInfo':
        await this.pidInfo(message.pid);
        break;
    }
  }

  private async start(request: Extract<TraceWebviewToHost, { type: 'start' }>): Promise<void> {
    const run = this.run;
    if (!run || run.traceId !== undefined) return;
    const { target, client } = run;
    try {
      const what = target.kind === 'calls' ? { calls: target.calls } : { messages: { pid: target.pid } };
      await this.counters.lendTimes(run.node);
      const result = await client.traceStart({ ...what, limits: request.limits, detail: request.detail, returns: request.returns });
      run.traceId = result.traceId;
      run.limits = result.limits;
      run.listeners.push(
        client.onTraceEvents((batch) => this.events(run, batch)),
        client.onTraceStopped((stopped) => this.stopped(run, stopped)),
        client.onClose(() =>
          this.stopped(run, {
            traceId: result.traceId,
            reason: 'disconnected',
            events: run.events,
            dropped: 0,
            elapsedMs: 0,
            cleanup: { verified: false, processesLeft: 0, patternsLeft: 0 },
          }),
        ),
      );
      this.post({ type: 'started', traceId: result.traceId, limits: result.limits, returns: result.returns, notes: notes(result) });
      this.log.info(`trace ${result.traceId} of ${target.label} started on ${run.node.name} (${result.mode} mode)`);
      this.changeEmitter.fire();
    } catch (error) {
      void this.counters.takeTimesBack(run.node);
      this.post({ type: 'error', message: `The trace did not start: ${errorMessage(error)}` });
    }
  }

  private events(run: Run, batch: TraceEventBatch): void {
    if (batch.traceId !== run.traceId || run !== this.run) return;
    run.events += batch.events.filter((e) => e.kind !== 'return' && e.kind !== 'exception').length;
    this.post({ type: 'events', events: batch.events, dropped: batch.dropped });
    void this.diagnostics.add(batch.events);
    this.changeEmitter.fire();
  }

  private stopped(run: Run, stopped: TraceStopped): void {
    if (stopped.traceId !== run.traceId || run.ended) return;
    run.ended = true;
    run.listeners.forEach((l) => l.dispose());
    run.listeners = [];
    const text = stopReasonText(stopped.reason, run.limits);
    if (run === this.run) this.post({ type: 'stopped', reason: stopped.reason, text, events: stopped.events, dropped: stopped.dropped });
    this.log.info(`trace ${stopped.traceId} ended: ${stopped.reason}; cleanup verified: ${stopped.cleanup.verified}`);
    void this.counters.takeTimesBack(run.node);
    this.changeEmitter.fire();
  }

  private async pidInfo(pid: string): Promise<void> {
    const run = this.run;
    if (!run) return;
    const text = await run.client.processInfo(pid).then(
      (info) =>
        `${pid} ${info.name ?? ''}\n${info.initialCall ? `started as ${info.initialCall.module}:${info.initialCall.function}/${info.initialCall.arity}` : ''}` +
        `\n${info.status}, ${info.messageQueueLen} queued, ${Math.round(info.memory / 1024)} KB`,
      (error: unknown) => `${pid}: ${errorMessage(error)}`,
    );
    this.post({ type: 'pidInfo', pid, text: text.replace(/\n+/g, '\n').trim() });
  }

  /** Forget the run (its listeners too). */
  private end(): void {
    this.run?.listeners.forEach((l) => l.dispose());
    this.run = undefined;
    this.changeEmitter.fire();
  }

  dispose(): void {
    void this.stop();
    this.end();
    this.panel?.dispose();
    this.changeEmitter.dispose();
  }
}

/** What to know about a trace that started: the runtime mode, processes left to another tracer, interpreted modules. */
function notes(result: TraceStartResult): string[] {
  const list = [
    result.mode === 'session'
      ? 'Runs in an isolated trace session of its own (OTP 27+).'
      : 'Runs with the node’s global trace settings (OTP 25/26): a process traced by another tool is left to it.',
  ];
  if (result.skippedProcesses > 0) {
    list.push(
      `${result.skippedProcesses} ${result.skippedProcesses === 1 ? 'process is' : 'processes are'} not traced: already traced by ${result.skippedHolders.join(', ')}.`,
    );
  }
  for (const module of result.interpreted) {
    list.push(
      `${module} is interpreted by a debugger: calls into it from compiled code are traced, calls made inside interpreted code are not.`,
    );
  }
  return list;
}
