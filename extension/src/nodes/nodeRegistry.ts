/**
 * The nodes the extension knows: discovered agents and the ones it is
 * connected to. One AgentClient per node; every view (process tree, charts,
 * status bar, hovers, state documents) reads through this registry and its
 * cached samples, and none opens a socket of its own.
 *
 * Lifecycle of an attached node: connecting -> connected -> lost (the socket
 * closed while the OS process still lives: reconnect with backoff, picking up
 * a new port or token from discovery) -> disconnected (the process is gone or
 * the user disconnected).
 */
import * as vscode from 'vscode';
import { AgentClient, AgentEndpoint } from '../agent/agentClient';
import type { DiscoveryFile, InitializeResult, LoadSample } from '../protocol/agentProtocol';
import { processAlive } from './processAlive';
import { SampleHistory } from './sampleHistory';

export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'disconnected';
export type NodeSource = 'debug' | 'terminal' | 'discovery' | 'manual';

export interface ObservedNode {
  /** Stable key: the OS pid when known, else host:port. */
  readonly id: string;
  endpoint: AgentEndpoint;
  osPid: number | undefined;
  source: NodeSource;
  state: ConnectionState;
  /** What the agent said about itself on connect. */
  info: InitializeResult | undefined;
  /** Node name from discovery or initialize. */
  name: string;
  client: AgentClient | undefined;
  history: SampleHistory;
  lastError: string | undefined;
}

export interface RegistryOptions {
  sampleIntervalMs: () => number;
  log: (message: string) => void;
  /** Is an OS process alive? Injected so tests can run without VS Code. */
  processAlive?: (osPid: number) => boolean;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

export class NodeRegistry implements vscode.Disposable {
  private readonly nodes = new Map<string, ObservedNode>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private selectedId: string | undefined;
  private disposed = false;

  private readonly changeEmitter = new vscode.EventEmitter<ObservedNode | undefined>();
  private readonly selectionEmitter = new vscode.EventEmitter<ObservedNode | undefined>();
  private readonly sampleEmitter = new vscode.EventEmitter<{ node: ObservedNode; sample: LoadSample }>();

  /** A node was added, removed or changed state (undefined: several). */
  readonly onDidChangeNodes = this.changeEmitter.event;
  /** The node the views show changed. */
  readonly onDidChangeSelection = this.selectionEmitter.event;
  /** A load sample arrived from a connected node. */
  readonly onSample = this.sampleEmitter.event;

  constructor(private readonly options: RegistryOptions) {}

  get all(): ObservedNode[] {
    return [...this.nodes.values()];
  }

  get connected(): ObservedNode[] {
    return this.all.filter((n) => n.state === 'connected');
  }

  get selected(): ObservedNode | undefined {
    return this.selectedId ? this.nodes.get(this.selectedId) : undefined;
  }

  /** The selected node's client, when it is connected. */
  get client(): AgentClient | undefined {
    const node = this.selected;
    return node?.state === 'connected' ? node.client : undefined;
  }

  get(id: string): ObservedNode | undefined {
    return this.nodes.get(id);
  }

  select(id: string | undefined): void {
    if (this.selectedId === id) return;
    this.selectedId = id;
    this.selectionEmitter.fire(this.selected);
  }

  /**
   * Attach to an agent (from a discovery file, a debug session or a URL).
   * Connecting again to a known node updates its endpoint and reconnects.
   */
  async attach(endpoint: AgentEndpoint, source: NodeSource, discovery?: DiscoveryFile): Promise<ObservedNode> {
    const id = discovery ? String(discovery.osPid) : `${endpoint.host ?? '127.0.0.1'}:${endpoint.port}`;
    let node = this.nodes.get(id);
    if (node) {
      const moved = node.endpoint.port !== endpoint.port || node.endpoint.token !== endpoint.token;
      node.endpoint = endpoint;
      if (node.state === 'connected' && !moved) return node;
      if (node.state === 'connecting') return node;
    } else {
      node = {
        id,
        endpoint,
        osPid: discovery?.osPid,
        source,
        state: 'connecting',
        info: undefined,
        name: discovery?.node ?? `${endpoint.host ?? '127.0.0.1'}:${endpoint.port}`,
        client: undefined,
        history: new SampleHistory(),
        lastError: undefined,
      };
      this.nodes.set(id, node);
    }
    await this.connect(node, 0);
    if (!this.selected || this.selected.state === 'disconnected') this.select(node.id);
    return node;
  }

  /** Discovery saw this agent's file change (a restarted agent has a new port and token). */
  updateFromDiscovery(file: DiscoveryFile): void {
    const node = this.nodes.get(String(file.osPid));
    if (!node) return;
    const endpoint = { host: node.endpoint.host, port: file.port, token: file.token };
    if (node.endpoint.port === file.port && node.endpoint.token === file.token) return;
    node.endpoint = endpoint;
    if (node.state !== 'connected') {
      this.clearRetry(node.id);
      void this.connect(node, 0);
    }
  }

  /** Disconnect on purpose: no reconnection. */
  disconnect(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.clearRetry(id);
    const client = node.client;
    node.client = undefined;
    this.setState(node, 'disconnected');
    client?.dispose();
    this.nodes.delete(id);
    if (this.selectedId === id) this.select(this.connected[0]?.id);
    this.changeEmitter.fire(undefined);
  }

  private async connect(node: ObservedNode, attempt: number): Promise<void> {
    if (this.disposed) return;
    this.setState(node, 'connecting');
    try {
      const client = await AgentClient.connect(node.endpoint);
      if (this.disposed || !this.nodes.has(node.id)) {
        client.dispose();
        return;
      }
      node.client = client;
      node.info = client.info;
      node.name = client.info.node;
      node.osPid = client.info.osPid;
      node.lastError = undefined;
      client.onSample((sample) => {
        node.history.push(sample);
        this.sampleEmitter.fire({ node, sample });
      });
      client.onClose(() => this.lost(node, client));
      await client.subscribeLoad(this.options.sampleIntervalMs());
      this.setState(node, 'connected');
      this.options.log(`connected to ${node.name} (OS pid ${node.osPid}, port ${node.endpoint.port})`);
    } catch (error) {
      node.lastError = error instanceof Error ? error.message : String(error);
      this.options.log(`connecting to ${node.name} failed: ${node.lastError}`);
      this.scheduleRetry(node, attempt);
    }
  }

  private lost(node: ObservedNode, client: AgentClient): void {
    if (node.client !== client || this.disposed) return;
    node.client = undefined;
    this.options.log(`connection to ${node.name} lost`);
    this.scheduleRetry(node, 0);
  }

  /** Retry while the node's OS process lives; give up when it is gone. */
  private scheduleRetry(node: ObservedNode, attempt: number): void {
    const alive = this.options.processAlive ?? processAlive;
    if (node.osPid === undefined || !alive(node.osPid)) {
      this.setState(node, 'disconnected');
      return;
    }
    this.setState(node, 'lost');
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    this.clearRetry(node.id);
    this.retryTimers.set(node.id, setTimeout(() => {
      this.retryTimers.delete(node.id);
      if (this.nodes.has(node.id)) void this.connect(node, attempt + 1);
    }, delay));
  }

  private clearRetry(id: string): void {
    const timer = this.retryTimers.get(id);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(id);
  }

  private setState(node: ObservedNode, state: ConnectionState): void {
    if (node.state === state) return;
    node.state = state;
    this.changeEmitter.fire(node);
    if (node.id === this.selectedId) this.selectionEmitter.fire(node);
  }

  dispose(): void {
    this.disposed = true;
    for (const id of this.retryTimers.keys()) this.clearRetry(id);
    for (const node of this.nodes.values()) node.client?.dispose();
    this.nodes.clear();
    this.changeEmitter.dispose();
    this.selectionEmitter.dispose();
    this.sampleEmitter.dispose();
  }
}
