/**
 * The nodes a user can show, as the pickers list them (Select Node…, the
 * charts' node picker): each connection's node, then the members of its
 * cluster, those with a problem first (gone, in error, overloaded), then by name. A hidden node (a remote shell, an attach helper) that left
 * is noise and is left out. Each choice has a target id, the one key for "this
 * connection, and this member within it" (the charts key their data by it).
 */
import { OVERLOAD_MIN_SAMPLES, problemRank, queueLoad } from '../shared/overload';
import type { ClusterMember, ConnectionState, MemberState, NodeTarget, ObservedNode } from './nodeRegistry';

export interface NodeChoice {
  /** targetId(agentId, member). */
  id: string;
  agentId: string;
  /** The cluster member, or undefined for the connection's own node. */
  member: string | undefined;
  name: string;
  state: ConnectionState | MemberState;
  hidden: boolean;
  /** For a member: the connection's node it is reached through. */
  via: string | undefined;
  osPid: number | undefined;
}

const SEPARATOR = '|';

/** The id of a connection's node, or of a member of its cluster. */
export function targetId(agentId: string, member?: string): string {
  return member ? `${agentId}${SEPARATOR}${member}` : agentId;
}

export function parseTargetId(id: string): { agentId: string; member: string | undefined } {
  const at = id.indexOf(SEPARATOR);
  return at < 0 ? { agentId: id, member: undefined } : { agentId: id.slice(0, at), member: id.slice(at + 1) };
}

/** The id of what the views show. */
export function idOfTarget(target: NodeTarget): string {
  return targetId(target.agent.id, target.member);
}

export function nodeChoices(nodes: readonly ObservedNode[]): NodeChoice[] {
  const choices: NodeChoice[] = [];
  for (const node of nodes) {
    choices.push({
      id: targetId(node.id),
      agentId: node.id,
      member: undefined,
      name: node.name,
      state: node.state,
      hidden: false,
      via: undefined,
      osPid: node.osPid,
    });
    const rank = (m: ClusterMember) =>
      problemRank(m.state, m.state === 'up' ? queueLoad(m.history.latest(OVERLOAD_MIN_SAMPLES)) : 'normal');
    const members = [...node.members.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    for (const member of members) {
      if (member.hidden && member.state === 'gone') continue;
      choices.push({
        id: targetId(node.id, member.name),
        agentId: node.id,
        member: member.name,
        name: member.name,
        state: member.state,
        hidden: member.hidden,
        via: node.name,
        osPid: undefined,
      });
    }
  }
  return choices;
}
