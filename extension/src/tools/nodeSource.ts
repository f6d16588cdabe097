/**
 * What the tools need of the nodes, and nothing else: which nodes are
 * attached, a client for a node by its Erlang name, and its newest load
 * samples. The VS Code tools answer through the extension's NodeRegistry
 * (registryNodeSource.ts), the MCP server through connections of its own
 * (mcp/agentNodeSource.ts); the tools are the same.
 */
import type { AgentClient } from '../agent/agentClient';
import type { InitializeResult, LoadSample } from '../protocol/agentProtocol';

/**
 * The requests the tools send: read-only, bounded ones only. `send` carries
 * the reads of the rest of the node (toolSpec.ts's readsOf: system,
 * applications, supervisors, ETS, ports), `history` the recorder's moments.
 */
export type ToolClient = Pick<
  AgentClient,
  'listProcesses' | 'processInfo' | 'processState' | 'resolvePid' | 'nodeInfo' | 'send' | 'history'
>;

/** A node the tools can ask, reached through an agent's connection. */
export interface ToolNode {
  /** Its Erlang name. */
  name: string;
  /** The node whose agent the connection reaches (the same as `name` unless this is a member of its cluster). */
  agentName: string;
  /** `node` for requests: undefined for the agent's own node. */
  member: string | undefined;
  client: ToolClient;
  /** What `initialize` said about it, when known. */
  info: InitializeResult | undefined;
}

/** An attached node (one agent connection) and the other nodes of its cluster. */
export interface AttachedNode {
  name: string;
  members: string[];
}

export interface NodeSource {
  /** The nodes attached now. */
  attached(): Promise<AttachedNode[]>;
  /**
   * The node named `name` (an attached node or a member of its cluster), or
   * without a name the default one (the node VS Code shows; the only attached
   * node). Throws a ToolError saying which nodes exist otherwise.
   */
  node(name: string | undefined): Promise<ToolNode>;
  /** The node's newest load samples, oldest first: at least `count` if they arrive within `waitMs`. */
  samples(node: ToolNode, count: number, waitMs: number): Promise<LoadSample[]>;
}

/** A failure whose message is written for the model: what was wrong and what to do instead. */
export class ToolError extends Error {}

/** The error for a node name that names nothing attached. */
export function unknownNodeError(name: string, attached: readonly AttachedNode[]): ToolError {
  return new ToolError(`node ${name} is not attached. ${attachedSentence(attached)}`);
}

/** "Attached: a@h (its cluster: b@h, c@h)." or why there is none. */
export function attachedSentence(attached: readonly AttachedNode[]): string {
  if (attached.length === 0) {
    return 'No node is attached: start one with the BEAM Observer agent loaded (see the README), or attach one in VS Code.';
  }
  const named = attached.map((n) => (n.members.length ? `${n.name} (its cluster: ${n.members.join(', ')})` : n.name));
  return `Attached: ${named.join('; ')}.`;
}
