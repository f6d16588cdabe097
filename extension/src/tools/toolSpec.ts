/**
 * What every tool is made of (its spec), and what every tool does the same
 * way: ask a node and say a failure in words that name it, check that the
 * node's agent can answer before asking. The catalog (catalog.ts) lists the
 * tools; the node overview, processes and pid tools live there, the tools of
 * the rest of the node in nodeTools.ts, the recorded history in historyTool.ts.
 */
import { agentErrorCode, AgentConnectError } from '../agent/agentClient';
import { NodeMethods } from '../agent/nodeMethods';
import { ErrorCodes, type Capability, type InitializeResult } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import { NodeSource, ToolError, ToolNode } from './nodeSource';
import type { RawInput } from './toolInputs';

/** A JSON Schema for a tool's input: an object of named properties. */
export interface InputSchema {
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties: false;
}

export interface ToolSpec {
  /** snake_case, unique: the name models call it by. */
  name: string;
  displayName: string;
  /** What a user types after `#` in a chat prompt. */
  referenceName: string;
  /** For the model: what it answers and what it costs the node, in plain words. */
  modelDescription: string;
  /** For the user, in VS Code's tool lists. */
  userDescription: string;
  inputSchema: InputSchema;
  /**
   * Whether the user may have to confirm before it runs (what it sends may hold
   * data the user does not want sent): it does when describe() gives a
   * confirmation title for that input.
   */
  needsConfirmation: boolean;
  /** The text shown while it runs, and the confirmation's title and message. */
  describe(input: RawInput): { running: string; confirmTitle?: string; confirmMessage?: string };
  run(input: RawInput, source: NodeSource): Promise<string>;
}

export const NODE_PROPERTY = {
  type: 'string',
  description: 'Erlang node name, e.g. "app@host"; default: the node shown in VS Code, or the only attached node',
};
export const PID_PROPERTY = { type: 'string', description: 'A pid as printed, e.g. "<0.123.0>" or "#PID<0.123.0>"', maxLength: 64 };

/**
 * A request to a node, its failure said in words that name the node; `hints`
 * adds what to do instead after the agent's message, by its error code.
 */
export async function asked<T>(node: ToolNode, request: () => Promise<T>, hints: Partial<Record<number, string>> = {}): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const hint = hints[agentErrorCode(error) ?? 0];
    throw new ToolError(hint ? `${errorMessage(error)}; ${hint}` : failureText(node, error));
  }
}

function failureText(node: ToolNode, error: unknown): string {
  const message = errorMessage(error);
  if (error instanceof AgentConnectError) {
    return `${node.name} cannot be reached: ${message} (the node may have stopped; beam_node_overview lists the nodes attached now)`;
  }
  switch (agentErrorCode(error)) {
    case ErrorCodes.ProcessNotFound:
      return `${message} (asked of ${node.name}; the process may have exited since its pid was seen)`;
    case ErrorCodes.NodeNotConnected:
      return `${message} (the node may have stopped or left the cluster)`;
    case undefined:
      return `${node.name}: ${message}`;
    default:
      return message;
  }
}

/** What `initialize` says of the node: known already, or asked. */
export async function nodeInfo(node: ToolNode): Promise<InitializeResult> {
  return node.info ?? (await asked(node, () => node.client.nodeInfo(node.name)));
}

/**
 * The node's agent announces `capability`, or a ToolError that says so in a
 * sentence: an older agent, or one whose feature is off, answers what it can
 * and the model learns why the rest is missing.
 */
export async function requireCapability(node: ToolNode, capability: Capability, what: string): Promise<void> {
  const info = await nodeInfo(node);
  if (info.capabilities.includes(capability)) return;
  throw new ToolError(
    `${node.name} cannot ${what}: its BEAM Observer agent (${info.agentVersion}) does not offer "${capability}". ` +
      'Load the agent of this BEAM Observer into it ("BEAM Observer: Load Agent Again" in VS Code); beam_node_overview and ' +
      'beam_top_processes work with any version.',
  );
}

/** The read requests of the rest of the node (issue 12), and none of its actions (process/gc, process/kill). */
export type NodeReads = Pick<NodeMethods, 'systemInfo' | 'applications' | 'supervisorChildren' | 'etsList' | 'etsRows' | 'ports'>;

/** The node's reads, for its own node or a member of its cluster. */
export function readsOf(node: ToolNode): NodeReads {
  return new NodeMethods(node.client, node.member);
}
