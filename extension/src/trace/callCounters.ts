/**
 * Count Calls: the call counters of modules in the attached nodes (calls/start
 * with times, read every second as deltas), and the live figure each function
 * gets from them ("1,204 calls/s · 0.31 ms avg"). When times cannot be taken
 * (another tracer holds every process on OTP 25), counting goes on without
 * them. A counter ends with Stop Counting, Stop All, its connection, or the
 * module's reload; the agent also ends it when the connection closes.
 */
import * as vscode from 'vscode';
import { agentErrorCode, type AgentClient } from '../agent/agentClient';
import type { ObservedNode } from '../nodes/nodeRegistry';
import { ErrorCodes, type FunctionCalls } from '../protocol/agentProtocol';
import { errorMessage, userMessage } from '../shared/errors';
import { formatRate } from '../shared/traceFormat';

const READ_EVERY_MS = 1000;

interface Counter {
  node: ObservedNode;
  client: AgentClient;
  module: string;
  time: boolean;
  /** Times given up for a trace (restored when it ends). */
  timesLent: boolean;
  /** Being started again (with or without times): the old counter's calls/stopped is not an end. */
  restarting: boolean;
  /** The latest read, by "name/arity". */
  latest: Map<string, FunctionCalls>;
  intervalMs: number;
  timer: NodeJS.Timeout;
  listeners: vscode.Disposable[];
  reading: boolean;
}

export class CallCounters implements vscode.Disposable {
  private readonly counters = new Map<string, Counter>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** A counter started or stopped, or new figures came in. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  private static key(node: ObservedNode, module: string): string {
    return `${node.id}|${module}`;
  }

  isCounting(node: ObservedNode | undefined, module: string): boolean {
    return !!node && this.counters.has(CallCounters.key(node, module));
  }

  /** The modules counted in a node. */
  modules(node: ObservedNode | undefined): string[] {
    return [...this.counters.values()].filter((c) => c.node === node).map((c) => c.module);
  }

  get count(): number {
    return this.counters.size;
  }

  async start(node: ObservedNode, client: AgentClient, module: string): Promise<void> {
    const key = CallCounters.key(node, module);
    if (this.counters.has(key)) return;
    let time = true;
    try {
      await client.callsStart({ module, time: true });
    } catch (error) {
      // Times need the call flag on every process: without them, counts alone.
      if (agentErrorCode(error) !== ErrorCodes.AlreadyTraced) throw error;
      this.log.info(`counting ${module} without times: ${errorMessage(error)}`);
      await client.callsStart({ module });
      time = false;
    }
    const counter: Counter = {
      node,
      client,
      module,
      time,
      timesLent: false,
      restarting: false,
      latest: new Map(),
      intervalMs: READ_EVERY_MS,
      timer: setInterval(() => void this.read(counter), READ_EVERY_MS),
      listeners: [],
      reading: false,
    };
    counter.listeners.push(
      client.onClose(() => this.forget(counter)),
      client.onCallsStopped((stopped) => {
        if (stopped.module !== module || !this.counters.has(key) || counter.restarting) return;
        if (stopped.reason !== 'stopped') {
          void vscode.window.showWarningMessage(userMessage(`counting ${module} ended: ${stopped.reason}.`));
        }
        this.forget(counter);
      }),
    );
    this.counters.set(key, counter);
    this.changeEmitter.fire();
  }

  private async read(counter: Counter): Promise<void> {
    if (counter.reading) return;
    counter.reading = true;
    try {
      const result = await counter.client.callsRead(counter.module);
      counter.latest = new Map(result.functions.map((f) => [`${f.function}/${f.arity}`, f]));
      counter.intervalMs = result.intervalMs;
      this.changeEmitter.fire();
    } catch (error) {
      this.log.info(`reading the counts of ${counter.module}: ${errorMessage(error)}`);
      if (agentErrorCode(error) === ErrorCodes.TraceNotFound || counter.client.isClosed) this.forget(counter);
    } finally {
      counter.reading = false;
    }
  }

  /** The live figure of a function (summed over its arities), or undefined when its module is not counted. */
  figure(node: ObservedNode | undefined, module: string, name: string, arities: number[]): string | undefined {
    const counter = node && this.counters.get(CallCounters.key(node, module));
    if (!counter) return undefined;
    let calls = 0;
    let timeUs = 0;
    for (const arity of arities) {
      const f = counter.latest.get(`${name}/${arity}`);
      calls += f?.calls ?? 0;
      timeUs += f?.timeUs ?? 0;
    }
    return formatRate(calls, counter.intervalMs, counter.time ? timeUs : null);
  }

  /**
   * A trace is about to start in this node: counters with times give them up.
   * Times need the call flag on every process, and on OTP 25 a process has one
   * tracer: a counter with times would hold every process the trace needs.
   */
  async lendTimes(node: ObservedNode): Promise<void> {
    for (const counter of this.counters.values()) {
      if (counter.node !== node || !counter.time) continue;
      await this.restart(counter, false);
      counter.timesLent = true;
    }
    this.changeEmitter.fire();
  }

  /** The trace ended: counters that gave up their times take them again, if they can. */
  async takeTimesBack(node: ObservedNode): Promise<void> {
    for (const counter of this.counters.values()) {
      if (counter.node !== node || !counter.timesLent) continue;
      counter.timesLent = false;
      try {
        await this.restart(counter, true);
      } catch (error) {
        this.log.info(`counting ${counter.module} goes on without times: ${errorMessage(error)}`);
      }
    }
    this.changeEmitter.fire();
  }

  private async restart(counter: Counter, time: boolean): Promise<void> {
    counter.restarting = true;
    try {
      // The previous figures stay shown until the first read of the new counter.
      await counter.client.callsStart({ module: counter.module, time });
      counter.time = time;
    } finally {
      counter.restarting = false;
    }
  }

  async stop(node: ObservedNode | undefined, module: string): Promise<void> {
    const counter = node && this.counters.get(CallCounters.key(node, module));
    if (!counter) return;
    this.forget(counter);
    await counter.client.callsStop(module).catch((error: unknown) => this.log.info(`stopping ${module}: ${errorMessage(error)}`));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.counters.values()].map((c) => this.stop(c.node, c.module)));
  }

  private forget(counter: Counter): void {
    clearInterval(counter.timer);
    counter.listeners.forEach((l) => l.dispose());
    if (this.counters.delete(CallCounters.key(counter.node, counter.module))) this.changeEmitter.fire();
  }

  dispose(): void {
    void this.stopAll();
    for (const counter of [...this.counters.values()]) this.forget(counter);
    this.changeEmitter.dispose();
  }
}
