/**
 * The members of a connected node's cluster, as the registry keeps them:
 * every node the agent's `cluster/nodes` listed, kept as 'gone' once it
 * stops being listed (so the overview can say when it left), and 'up' again
 * if it comes back. Pure bookkeeping, no `vscode` import: the registry
 * (nodeRegistry.ts) owns the subscriptions and the events.
 */
import type { InitializeResult } from '../protocol/agentProtocol';
import { SampleHistory } from './sampleHistory';

export type MemberState = 'up' | 'loading' | 'gone' | 'error';

/** A node of the cluster an agent's node belongs to, other than that node itself. */
export interface ClusterMember {
  name: string;
  hidden: boolean;
  state: MemberState;
  goneAt: number | undefined;
  error: string | undefined;
  /** It is in the set of members last subscribed. */
  subscribed: boolean;
  /** Failed subscriptions in a row (0 once it delivers a sample). */
  attempts: number;
  /** In error: when to try it again (ms since the epoch); undefined: not scheduled. */
  retryAt: number | undefined;
  history: SampleHistory;
  /** What `initialize` says about it, once it has been observed. */
  info: InitializeResult | undefined;
}

export function newMember(name: string, hidden = false): ClusterMember {
  return {
    name,
    hidden,
    state: 'up',
    goneAt: undefined,
    error: undefined,
    subscribed: false,
    attempts: 0,
    retryAt: undefined,
    history: new SampleHistory(),
    info: undefined,
  };
}

/** Mark a member as having left (keeping when it first left). */
export function markGone(member: ClusterMember, now: number): void {
  member.state = 'gone';
  member.goneAt = member.goneAt ?? now;
  member.subscribed = false;
}

/** Bring the members in line with a new listing; true when anything changed. */
export function mergeListing(members: Map<string, ClusterMember>, listed: { name: string; hidden: boolean }[], now: number): boolean {
  let changed = false;
  const present = new Set(listed.map((n) => n.name));
  for (const { name, hidden } of listed) {
    const member = members.get(name);
    if (!member) {
      members.set(name, newMember(name, hidden));
      changed = true;
    } else if (member.state === 'gone') {
      member.state = 'up';
      member.goneAt = undefined;
      changed = true;
    }
  }
  for (const member of members.values()) {
    if (!present.has(member.name) && member.state !== 'gone') {
      markGone(member, now);
      changed = true;
    }
  }
  return changed;
}

/** How long a member in error waits before its next try: 1 s after the first failure, twice as long after each, at most 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempts - 1));
}
