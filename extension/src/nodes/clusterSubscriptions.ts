/**
 * The cluster behind each connection: an agent whose node is connected to
 * other nodes serves them too (docs/protocol.md, "Cluster"). For each
 * connected node this keeps the list of its cluster's members (polled every
 * 2 s) and their load subscriptions. Members are observed on demand: a
 * member's load is subscribed only while it is the node shown or the cluster
 * overview is open (a watcher), so the agent loads itself into a member only
 * when the user looks at it.
 *
 * The connection lifecycle stays in nodeRegistry.ts, which tells this module
 * when a connection starts and ends and hands it the samples of members.
 */
import * as vscode from 'vscode';
import type { AgentClient } from '../agent/agentClient';
import type { LoadSample, LoadStopped } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import { ClusterMember, MemberState, markGone, mergeListing, newMember } from './clusterMembers';

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
  private readonly timers = new Map<string, NodeJS.Timeout>();
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
    for (const node of this.connectedNodes()) this.refresh(node);
    return new vscode.Disposable(() => {
      this.watchers--;
      for (const node of this.connectedNodes()) this.refresh(node);
    });
  }

  /** A connection is up: follow its agent's view of the cluster while this client lasts. */
  started(node: N, client: AgentClient): void {
    client.onLoadStopped((stopped) => this.loadStopped(node, stopped));
    this.poll(node, client);
  }

  /** A connection ended: stop polling; its members' subscriptions ended with it. */
  stopped(node: N): void {
    this.stopPoll(node.id);
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
    if (member.state !== 'up') this.setMember(node, member, 'up');
    return member;
  }

  /** The member shown is `name` now: subscribe it (and try again if it was in error). */
  show(node: N, name: string): void {
    if (!node.members.has(name)) node.members.set(name, newMember(name));
    const member = node.members.get(name)!;
    if (member.state === 'error') member.state = 'up';
    this.update(node, name);
  }

  /** The member shown before is no longer: unsubscribe it unless something else wants it. */
  hide(node: N, name: string): void {
    this.update(node, name);
  }

  private poll(node: N, client: AgentClient): void {
    const poll = async () => {
      this.timers.delete(node.id);
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
      if (node.client === client) this.timers.set(node.id, setTimeout(poll, CLUSTER_POLL_MS));
    };
    void poll();
  }

  private stopPoll(id: string): void {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
  }

  private listed(node: N, listed: { name: string; hidden: boolean }[]): void {
    const changed = mergeListing(node.members, listed, Date.now());
    this.refresh(node);
    if (changed) this.changeEmitter.fire(node);
  }

  private loadStopped(node: N, { node: name, reason }: LoadStopped): void {
    const member = node.members.get(name);
    if (!member) return;
    member.subscribed = false;
    if (reason === 'nodeDown') {
      markGone(member, Date.now());
      this.changeEmitter.fire(node);
    } else {
      this.setMember(node, member, 'error', reason);
    }
  }

  private setMember(node: N, member: ClusterMember, state: MemberState, error?: string): void {
    member.state = state;
    member.error = error;
    this.changeEmitter.fire(node);
  }

  private wanted(node: N, member: ClusterMember): boolean {
    if (member.state === 'gone' || member.state === 'error') return false;
    return this.host.isShown(node, member.name) || (this.watchers > 0 && !member.hidden);
  }

  private refresh(node: N): void {
    for (const member of node.members.values()) this.update(node, member.name);
  }

  /** Open or close a member's load subscription to match what is wanted. */
  private update(node: N, name: string): void {
    const member = node.members.get(name);
    const client = node.client;
    if (!member || !client || node.state !== 'connected') return;
    const wanted = this.wanted(node, member);
    if (wanted && !member.subscribed) {
      member.subscribed = true;
      if (member.history.size === 0) this.setMember(node, member, 'loading');
      client.subscribeLoad(this.host.sampleIntervalMs(), name).then(
        () => {
          // Its OTP release and schedulers, for the charts' header; a failure here is no failure of the node's.
          if (!member.info) {
            client.nodeInfo(name).then(
              (info) => {
                member.info = info;
              },
              () => undefined,
            );
          }
        },
        (error: unknown) => {
          member.subscribed = false;
          if (node.client === client) this.setMember(node, member, 'error', errorMessage(error));
        },
      );
    } else if (!wanted && member.subscribed) {
      member.subscribed = false;
      client.unsubscribeLoad(name).catch(() => undefined);
    }
  }

  dispose(): void {
    for (const id of [...this.timers.keys()]) this.stopPoll(id);
    this.changeEmitter.dispose();
  }
}
