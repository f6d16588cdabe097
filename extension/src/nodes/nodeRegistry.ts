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
 *
 * The views show one *target*: the selected connection and, within it, the
 * selected member of its cluster (by default the agent's own node); `shown`
 * gives the requests that reach it. The cluster behind each connection (its
 * members and their load subscriptions) is kept by clusterSubscriptions.ts.
 */
import * as vscode from 'vscode';
import { AgentClient, AgentEndpoint } from '../agent/agentClient';
import type { DiscoveryFile, InitializeResult, LoadSample } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import type { ClusterMember } from './clusterMembers';
import { ClusterSubscriptions } from './clusterSubscriptions';
import { processAlive } from './processAlive';
import { SampleHistory } from './sampleHistory';
import { ShownNode } from './shownNode';

export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'disconnected';
export type NodeSource = 'debug' | 'terminal' | 'discovery' | 'manual' | 'distribution';

export type { ClusterMember, MemberState } from './clusterMembers';

/** What the views show: a node, reached through an agent connection. */
export interface NodeTarget {
  agent: ObservedNode;
  /** The Erlang node name shown. */
  name: string;
  /** `node` to send with requests: undefined for the agent's own node. */
  member: string | undefined;
  history: SampleHistory;
  info: InitializeResult | undefined;
}

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
  /** The other nodes of its cluster, by name (kept when they leave, as 'gone'). */
  members: Map<string, ClusterMember>;
  /**
   * Whose view of the cluster to list: a relay's agent runs in a helper
   * connected to one node (the target), so the cluster is the target's.
   * Undefined: the agent's own node.
   */
  clusterRoot: string | undefined;
}

export interface RegistryOptions {
  sampleIntervalMs: () => number;
  log: (message: string) => void;
  /** Is an OS process alive? Injected so tests can run without VS Code. */
  processAlive?: (osPid: number) => boolean;
  /** The budget for observing to set in each node connected to (a share of one scheduler); none: leave the node's. */
  agentBudget?: () => number | undefined;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/** A node in the log: its name, and its OS pid when known (several VMs are called nonode@nohost). */
function describe(node: ObservedNode): string {
  return node.osPid === undefined ? node.name : `${node.name} (OS pid ${node.osPid})`;
}

export class NodeRegistry implements vscode.Disposable {
  private readonly nodes = new Map<string, ObservedNode>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** The newest connection attempt of each node, while it runs (attempts may overlap). */
  private readonly inFlight = new Map<string, Promise<void>>();
  private selectedId: string | undefined;
  /** Within the selected connection: the member shown (undefined: the agent's own node). */
  private selectedMember: string | undefined;
  private disposed = false;
  private readonly cluster: ClusterSubscriptions<ObservedNode>;

  private readonly changeEmitter = new vscode.EventEmitter<ObservedNode | undefined>();
  private readonly selectionEmitter = new vscode.EventEmitter<ObservedNode | undefined>();
  private readonly sampleEmitter = new vscode.EventEmitter<{ node: ObservedNode; sample: LoadSample }>();

  /** A node was added, removed or changed state (undefined: several). */
  readonly onDidChangeNodes = this.changeEmitter.event;
  /** The node the views show changed. */
  readonly onDidChangeSelection = this.selectionEmitter.event;
  /** A load sample arrived through a connection: `sample.node` says which node it describes. */
  readonly onSample = this.sampleEmitter.event;
  /** A connection's cluster members changed (joined, left, loaded, failed). */
  readonly onDidChangeCluster: vscode.Event<ObservedNode>;

  constructor(private readonly options: RegistryOptions) {
    this.cluster = new ClusterSubscriptions<ObservedNode>(
      {
        isShown: (node, member) => this.selectedId === node.id && this.selectedMember === member,
        sampleIntervalMs: options.sampleIntervalMs,
        log: options.log,
      },
      () => this.connected,
    );
    this.onDidChangeCluster = this.cluster.onDidChange;
  }

  get all(): ObservedNode[] {
    return [...this.nodes.values()];
  }

  /** The budget setting changed: every connected node gets it (each node's budget is shared by all its clients). */
  applyBudget(): void {
    for (const node of this.connected) if (node.client) void this.setBudget(node, node.client);
  }

  private async setBudget(node: ObservedNode, client: AgentClient): Promise<void> {
    const share = this.options.agentBudget?.();
    if (share === undefined || !client.info.capabilities.includes('budget')) return;
    try {
      const budget = await client.setBudget(share);
      if (node.client === client && node.info) node.info = { ...node.info, budget };
      this.options.log(`${node.name}: the agent's periodic work is kept within ${(budget.share * 100).toFixed(1)}% of one scheduler`);
    } catch (error) {
      this.options.log(`${node.name}: setting the agent's budget failed: ${errorMessage(error)}`);
    }
  }

  get connected(): ObservedNode[] {
    return this.all.filter((n) => n.state === 'connected');
  }

  get selected(): ObservedNode | undefined {
    return this.selectedId ? this.nodes.get(this.selectedId) : undefined;
  }

  /** The node the views show, when its connection is up: the requests that reach it. */
  get shown(): ShownNode | undefined {
    const target = this.target;
    const client = target?.agent.state === 'connected' ? target.agent.client : undefined;
    return target && client ? new ShownNode(target, client) : undefined;
  }

  get(id: string): ObservedNode | undefined {
    return this.nodes.get(id);
  }

  /** The node whose VM runs as this OS process, if any. */
  byOsPid(osPid: number): ObservedNode | undefined {
    return this.all.find((n) => n.osPid === osPid);
  }

  select(id: string | undefined, member?: string): void {
    const node = id ? this.nodes.get(id) : undefined;
    const memberName = node && member && member !== node.name ? member : undefined;
    if (this.selectedId === id && this.selectedMember === memberName) return;
    const previous = this.selected;
    const previousMember = this.selectedMember;
    this.selectedId = id;
    this.selectedMember = memberName;
    if (previous && previousMember) this.cluster.hide(previous);
    if (node && memberName) this.cluster.show(node, memberName);
    this.selectionEmitter.fire(this.selected);
  }

  /** List the cluster as `root` sees it (a relay's target), from the next poll on. */
  setClusterRoot(id: string, root: string): void {
    const node = this.nodes.get(id);
    if (node) node.clusterRoot = root;
  }

  /** The node the views show, if any. */
  get target(): NodeTarget | undefined {
    const agent = this.selected;
    if (!agent) return undefined;
    const member = this.selectedMember ? agent.members.get(this.selectedMember) : undefined;
    if (member) return { agent, name: member.name, member: member.name, history: member.history, info: member.info };
    return { agent, name: agent.name, member: undefined, history: agent.history, info: agent.info };
  }

  /** Is this sample (arrived through `node`) of the target the views show? */
  isTargetSample(node: ObservedNode, sample: LoadSample): boolean {
    const target = this.target;
    return !!target && target.agent === node && (sample.node ?? node.name) === target.name;
  }

  /**
   * While at least one watcher (the cluster overview) is open, every visible
   * member of every connection is subscribed. Returns the disposer.
   */
  watchCluster(): vscode.Disposable {
    return this.cluster.watch();
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
      if (!moved && node.state === 'connected') return node;
      // The same endpoint, already being connected to: that attempt's outcome is this one's.
      const inFlight = this.inFlight.get(node.id);
      if (!moved && inFlight) {
        await inFlight;
        return node;
      }
      // Otherwise connect now, to the endpoint given: a retry of the old one (a restarted
      // agent's old port) is superseded, whether it waits for its timer or is under way.
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
        members: new Map(),
        clusterRoot: undefined,
      };
      this.nodes.set(id, node);
    }
    this.clearRetry(node.id);
    await this.connect(node, 0);
    if (!this.selected || this.selected.state === 'disconnected') this.select(node.id);
    if (node.state === 'connected') this.forgetDeadNodes();
    return node;
  }

  /**
   * Nodes whose OS process is gone stay listed as disconnected (the views say what happened)
   * until another node attaches: a restarted VM must not leave a trail of dead entries behind.
   */
  private forgetDeadNodes(): void {
    for (const node of [...this.nodes.values()]) {
      if (node.state === 'disconnected' && this.vmGone(node)) this.disconnect(node.id);
    }
  }

  /** Is the node's VM known to be gone (its OS process ended)? False when its OS pid is unknown. */
  vmGone(node: ObservedNode): boolean {
    return node.osPid !== undefined && !(this.options.processAlive ?? processAlive)(node.osPid);
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

  /**
   * A debug session ended after its VM did (a crash, a kill, halt): the node stays
   * listed as disconnected, so the views say what happened, and is never retried.
   */
  sessionEnded(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.clearRetry(id);
    const client = node.client;
    node.client = undefined;
    this.setState(node, 'disconnected');
    client?.dispose();
  }

  /** Disconnect on purpose: no reconnection. */
  disconnect(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.clearRetry(id);
    this.cluster.stopped(node);
    const client = node.client;
    node.client = undefined;
    this.setState(node, 'disconnected');
    client?.dispose();
    this.nodes.delete(id);
    if (this.selectedId === id) this.select(this.connected[0]?.id);
    this.changeEmitter.fire(undefined);
  }

  /**
   * Connect to the node's endpoint. Attempts may overlap (a retry under way when
   * discovery or Load Agent Again brings a new port): only the newest one owns the
   * node's state and client; an older one that ends later closes what it opened and
   * changes nothing.
   */
  private connect(node: ObservedNode, attempt: number): Promise<void> {
    // Read only after connectOnce's first await, when the map holds the newest attempt.
    const newest = (): boolean => this.inFlight.get(node.id) === attemptDone;
    const attemptDone: Promise<void> = this.connectOnce(node, attempt, newest).finally(() => {
      if (newest()) this.inFlight.delete(node.id);
    });
    this.inFlight.set(node.id, attemptDone);
    return attemptDone;
  }

  private async connectOnce(node: ObservedNode, attempt: number, newest: () => boolean): Promise<void> {
    if (this.disposed) return;
    this.setState(node, 'connecting');
    try {
      const client = await AgentClient.connect(node.endpoint);
      if (this.disposed || !this.nodes.has(node.id) || !newest()) {
        client.dispose();
        return;
      }
      // A client of an earlier attempt (connected meanwhile) gives way to this one.
      const previous = node.client;
      node.client = client;
      if (previous && previous !== client) previous.dispose();
      node.info = client.info;
      node.name = client.info.node;
      node.osPid = client.info.osPid;
      node.lastError = undefined;
      client.onSample((sample) => {
        const member = this.cluster.sampleOf(node, sample);
        if (member === 'unknown') return;
        if (!member) node.history.push(sample);
        this.sampleEmitter.fire({ node, sample });
      });
      client.onClose(() => this.lost(node, client));
      await client.subscribeLoad(this.options.sampleIntervalMs());
      if (!newest()) {
        if (node.client === client) node.client = undefined;
        client.dispose();
        return;
      }
      this.setState(node, 'connected');
      if (client.info.capabilities.includes('cluster')) this.cluster.started(node, client);
      this.options.log(`connected to ${node.name} (OS pid ${node.osPid}, port ${node.endpoint.port})`);
      void this.setBudget(node, client);
    } catch (error) {
      const message = errorMessage(error);
      if (!newest()) {
        this.options.log(`an earlier attempt to connect to ${describe(node)} failed: ${message}`);
        return;
      }
      node.lastError = message;
      this.options.log(`connecting to ${describe(node)} failed: ${node.lastError}`);
      this.scheduleRetry(node, attempt);
    }
  }

  private lost(node: ObservedNode, client: AgentClient): void {
    if (node.client !== client || this.disposed) return;
    node.client = undefined;
    this.cluster.stopped(node);
    this.options.log(`connection to ${describe(node)} lost`);
    this.scheduleRetry(node, 0);
  }

  /** Retry while the node's OS process lives; give up when it is gone. */
  private scheduleRetry(node: ObservedNode, attempt: number): void {
    if (node.osPid === undefined || this.vmGone(node)) {
      this.setState(node, 'disconnected');
      return;
    }
    this.setState(node, 'lost');
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    this.clearRetry(node.id);
    this.retryTimers.set(
      node.id,
      setTimeout(() => {
        this.retryTimers.delete(node.id);
        if (this.nodes.has(node.id) && node.state !== 'connected') void this.connect(node, attempt + 1);
      }, delay),
    );
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
    this.cluster.dispose();
    for (const id of this.retryTimers.keys()) this.clearRetry(id);
    for (const node of this.nodes.values()) node.client?.dispose();
    this.nodes.clear();
    this.changeEmitter.dispose();
    this.selectionEmitter.dispose();
    this.sampleEmitter.dispose();
  }
}
