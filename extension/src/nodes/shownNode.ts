/**
 * The node the views show, with the requests that reach it: they go through
 * its agent's connection and name the node when it is a member of that
 * agent's cluster. Views and commands ask through this instead of threading
 * the member into every call.
 */
import type { AgentClient } from '../agent/agentClient';
import type {
  HistoryGetParams,
  HistoryResult,
  PidResolveResult,
  PidText,
  ProcessInfo,
  ProcessMessages,
  ProcessState,
  ProcessesListParams,
  ProcessesListResult,
} from '../protocol/agentProtocol';
import type { NodeTarget } from './nodeRegistry';

/**
 * A process on a node of this connection, named exactly: `member` undefined is
 * the agent's own node (not "whichever node is shown").
 */
export interface ProcessAt {
  pid: PidText;
  member: string | undefined;
}

export class ShownNode {
  constructor(
    readonly target: NodeTarget,
    readonly client: AgentClient,
  ) {}

  /** The Erlang node name shown. */
  get name(): string {
    return this.target.name;
  }

  /** `node` for requests about the shown node: undefined for the agent's own. */
  get member(): string | undefined {
    return this.target.member;
  }

  /** The connection's own node (the agent's). */
  get agentName(): string {
    return this.target.agent.name;
  }

  listProcesses(params: Omit<ProcessesListParams, 'node'>): Promise<ProcessesListResult> {
    return this.client.listProcesses(this.member ? { ...params, node: this.member } : params);
  }

  /** A process of the shown node (a pid), or of any node of the cluster (a ProcessAt). */
  processInfo(process: PidText | ProcessAt): Promise<ProcessInfo> {
    const { pid, member } = this.at(process);
    return this.client.processInfo(pid, member);
  }

  processState(process: PidText | ProcessAt, timeoutMs?: number): Promise<ProcessState> {
    const { pid, member } = this.at(process);
    return this.client.processState(pid, timeoutMs, member);
  }

  processMessages(process: PidText | ProcessAt, limit: number): Promise<ProcessMessages> {
    const { pid, member } = this.at(process);
    return this.client.processMessages(pid, limit, member);
  }

  private at(process: PidText | ProcessAt): ProcessAt {
    return typeof process === 'string' ? { pid: process, member: this.member } : process;
  }

  /** What the shown node's recorder holds between `since` and `until` (issue 14). */
  history(params: Omit<HistoryGetParams, 'node'> = {}): Promise<HistoryResult> {
    return this.client.history(this.member ? { ...params, node: this.member } : params);
  }

  /** Does the shown node's agent record a history (capability `history`)? */
  get records(): boolean {
    return this.client.info.capabilities.includes('history');
  }

  /** Which process a pid the agent's node printed names (it may be another node's). */
  resolvePid(pid: PidText): Promise<PidResolveResult> {
    return this.client.resolvePid(pid);
  }
}
