/**
 * The cluster behind each connection: an agent whose node is connected to
 * other nodes serves them too (docs/protocol.md, "Cluster"). For each
 * connected node this keeps the list of its cluster's members (polled every
 * 2 s) and their load. Members are observed on demand: a member's load is
 * wanted only while it is the node shown or the cluster overview is open (a
 * watcher), so the agent loads itself into a member only when the user looks
 * at it.
 *
 * One request covers the whole set (`cluster/subscribe`, sent again whenever
 * the set changes) and the agent batches the members' samples, so a cluster of
 * a hundred nodes costs one request and one notification per interval. A member
 * whose subscription fails is tried again on its own, waiting twice as long
 * after each failure (1 s up to 30 s), and says why it failed meanwhile.
 *
 * The connection lifecycle stays in nodeRegistry.ts, which tells this module
 * when a connection starts and ends and hands it the samples of members.
 */
import * as vscode from 'vscode';
import type { AgentClient } from '../agent/agentClient';
import type { LoadSample, LoadStopped } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import { ClusterMember, MemberState, markGone, mergeListing, newMember, retryDelayMs } from './clusterMembers';

const CLUSTER_POLL_MS = 2000;

/** What this module needs of a connected node (nodeRegistry.ts's ObservedNode). */
export interface ClusterNode {
  readonly id: string;
  name: string;
  state: string;
  client: AgentClient | undefined;
  members: Map<string, ClusterMember>;
  /** Whose view of the cluster to list (a relay's target); undefined: the agent's own node. */
  clusterRoot: string | undefined;
}

export interface ClusterHost<N extends ClusterNode> {
  /** Is this member of this node the one the views show? */
  isShown(node: N, member: string): boolean;
  sampleIntervalMs(): number;
  log(message: string): void;
}

export class ClusterSubscriptions<N extends ClusterNode> implements vscode.Disposable {
  private watchers = 0;
  private readonly polls = new Map<string, NodeJS.Timeout>();
  /** The set last sent per connection (its names, sorted and joined), to send a set only when it changes. */
  private readonly sent = new Map<string, string>();
  /** A sync per connection waits for the end of the current turn: several changes, one request. */
  private readonly pendingSync = new Map<string, NodeJS.Timeout>();
  /** The next retry of members in error, per connection. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /**
   * Connections with a cluster/subscribe in flight, and whether the set changed
   * meanwhile: one at a time, so the agent applies the sets in the order sent.
   */
  private readonly inFlight = new Map<string, { again: boolean }>();
  private readonly changeEmitter = new vscode.EventEmitter<N>();
  /** A connection's cluster members changed (joined, left, loaded, failed). */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly host: ClusterHost<N>,
    private readonly connectedNodes: () => N[],
  ) {}

  /** While at least one watcher (the cluster overview) is open, every visible member of every connection is subscribed. */
  watch(): vscode.Disposable {
    this.watchers++;
    for (const node of this.connectedNodes()) this.sync(node);
    return new vscode.Disposable(() => {
      this.watchers--;
      for (const node of this.connectedNodes()) this.sync(node);
    });
  }

  /** A connection is up: follow its agent's view of the cluster while this client lasts. */
  started(node: N, client: AgentClient): void {
    client.onLoadStopped((stopped) => this.loadStopped(node, stopped));
    this.poll(node, client);
  }

  /** A connection ended: stop polling; its members' subscriptions ended with it. */
  stopped(node: N): void {
    for (const timers of [this.polls, this.pendingSync, this.retries]) {
      clearTimeout(timers.get(node.id));
      timers.delete(node.id);
    }
    this.sent.delete(node.id);
    this.inFlight.delete(node.id);
    for (const member of node.members.values()) member.subscribed = false;
  }

  /**
   * A sample arrived through a node's connection: the member it describes, if it
   * is a member (undefined: the agent's own node), or 'unknown' for a node that
   * is neither (a sample that crossed an unsubscription).
   */
  sampleOf(node: N, sample: LoadSample): ClusterMember | undefined | 'unknown' {
    if (!sample.node || sample.node === node.name) return undefined;
    const member = node.members.get(sample.node);
    if (!member) return 'unknown';
    member.history.push(sample);
    member.attempts = 0;
    if (member.state !== 'up') this.setMember(node, member, 'up');
    return member;
  }

  /** The member shown is `name` now: subscribe it (and try again at once if it was in error). */
  show(node: N, name: string): void {
    if (!node.members.has(name)) node.members.set(name, newMember(name));
    const member = node.members.get(name)!;
    if (member.state === 'error') member.retryAt = 0;
    this.sync(node);
  }

  /** The member shown before is no longer: unsubscribe it unless something else wants it. */
  hide(node: N): void {
    this.sync(node);
  }

  private poll(node: N, client: AgentClient): void {
    const poll = async () => {
      this.polls.delete(node.id);
      if (node.client !== client) return;
      try {
        const cluster = await client.clusterNodes(node.clusterRoot);
        // The root's own entry is a member when it is not the agent's node (a relay's target);
        // the agent's node never is (a relay's helper shows in its target's list as hidden).
        this.listed(
          node,
          cluster.nodes.filter((n) => n.name !== node.name),
        );
      } catch (error) {
        this.host.log(`cluster/nodes of ${node.name} failed: ${errorMessage(error)}`);
      }
      if (node.client === client) this.polls.set(node.id, setTimeout(poll, CLUSTER_POLL_MS));
    };
    void poll();
  }

  private listed(node: N, listed: { name: string; hidden: boolean }[]): void {
    const changed = mergeListing(node.members, listed, Date.now());
    this.sync(node);
    if (changed) this.changeEmitter.fire(node);
  }

  private loadStopped(node: N, { node: name, reason }: LoadStopped): void {
    const member = node.members.get(name);
    if (!member) return;
    member.subscribed = false;
    this.sent.delete(node.id); // the agent dropped it: the next set must name it again
    if (reason === 'nodeDown') {
      markGone(member, Date.now());
      this.changeEmitter.fire(node);
    } else {
      this.failed(node, member, reason);
    }
  }

  /** A member's subscription failed: say why, and try it again later (twice as late each time). */
  private failed(node: N, member: ClusterMember, why: string): void {
    member.attempts++;
    member.retryAt = Date.now() + retryDelayMs(member.attempts);
    this.setMember(node, member, 'error', why);
    this.scheduleRetry(node);
  }

  private scheduleRetry(node: N): void {
    clearTimeout(this.retries.get(node.id));
    const due = [...node.members.values()].filter((m) => m.state === 'error' && m.retryAt !== undefined).map((m) => m.retryAt!);
    if (due.length === 0) return;
    const wait = Math.max(0, Math.min(...due) - Date.now());
    this.retries.set(
      node.id,
      setTimeout(() => {
        this.retries.delete(node.id);
        this.sync(node);
      }, wait),
    );
  }

  private setMember(node: N, member: ClusterMember, state: MemberState, error?: string): void {
    member.state = state;
    member.error = error;
    this.changeEmitter.fire(node);
  }

  /** Is this member's load wanted now? A member in error only once its retry is due. */
  private wanted(node: N, member: ClusterMember, now: number): boolean {
    if (member.state === 'gone') return false;
    if (member.state === 'error' && (member.retryAt ?? Infinity) > now) return false;
    return this.host.isShown(node, member.name) || (this.watchers > 0 && !member.hidden);
  }

  /** Send the wanted set, once the current turn's changes are all in. */
  private sync(node: N): void {
    if (this.pendingSync.has(node.id)) return;
    this.pendingSync.set(
      node.id,
      setTimeout(() => {
        this.pendingSync.delete(node.id);
        this.sendWanted(node);
      }, 0),
    );
  }

  private sendWanted(node: N): void {
    const client = node.client;
    if (!client || node.state !== 'connected') return;
    if (!client.info.capabilities.includes('cluster/subscribe')) return;
    const busy = this.inFlight.get(node.id);
    if (busy) {
      busy.again = true;
      return;
    }
    const now = Date.now();
    const wanted = [...node.members.values()].filter((m) => this.wanted(node, m, now));
    const key = wanted
      .map((m) => m.name)
      .sort()
      .join('\n');
    if (this.sent.get(node.id) === key) return;
    this.sent.set(node.id, key);
    for (const member of node.members.values()) member.subscribed = wanted.includes(member);
    for (const member of wanted) {
      if (member.state === 'error') member.retryAt = undefined; // asked again now
      if (member.history.size === 0 && member.state !== 'loading') this.setMember(node, member, 'loading');
    }
    this.inFlight.set(node.id, { again: false });
    const done = () => {
      const again = this.inFlight.get(node.id)?.again;
      this.inFlight.delete(node.id);
      if (again && node.client === client) this.sync(node);
    };
    client
      .subscribeCluster(
        wanted.map((m) => m.name),
        this.host.sampleIntervalMs(),
      )
      .then(
        (result) => {
          done();
          for (const refused of result.refused) {
            const member = node.members.get(refused.node);
            if (member && node.client === client) this.failed(node, member, refused.message);
          }
          // Their OTP release and schedulers, for the charts' header; a failure here is no failure of the node's.
          for (const member of wanted) {
            if (!member.info && result.nodes.includes(member.name)) {
              client.nodeInfo(member.name).then(
                (info) => (member.info = info),
                () => undefined,
              );
            }
          }
        },
        (error: unknown) => {
          done();
          if (node.client !== client) return;
          this.sent.delete(node.id);
          for (const member of wanted) this.failed(node, member, errorMessage(error));
        },
      );
  }

  dispose(): void {
    for (const timers of [this.polls, this.pendingSync, this.retries]) {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    }
    this.changeEmitter.dispose();
  }
}
