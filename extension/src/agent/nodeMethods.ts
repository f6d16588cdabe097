/**
 * The requests about the rest of a node (issue 12): system, applications,
 * supervisors, ETS tables, ports, and the guarded actions on a process. Each
 * names the node it is about when that node is a member of the agent's
 * cluster, like the requests of ShownNode.
 */
import type { AgentClient } from './agentClient';
import {
  ApplicationsList,
  ApplicationsListRequest,
  EtsList,
  EtsListParams,
  EtsListRequest,
  EtsRows,
  EtsRowsRequest,
  PidText,
  PortsList,
  PortsListParams,
  PortsListRequest,
  ProcessGc,
  ProcessGcRequest,
  ProcessKill,
  ProcessKillParams,
  ProcessKillRequest,
  SupervisorChildren,
  SupervisorChildrenRequest,
  SupervisorPath,
  SupervisorPathRequest,
  SystemInfo,
  SystemInfoRequest,
} from '../protocol/agentProtocol';

export class NodeMethods {
  constructor(
    private readonly client: Pick<AgentClient, 'send'>,
    /** The cluster member asked; undefined for the agent's own node. */
    readonly member: string | undefined,
  ) {}

  private params<T extends object>(params: T): T & { node?: string } {
    return this.member === undefined ? params : { ...params, node: this.member };
  }

  systemInfo(): Promise<SystemInfo> {
    return this.client.send(SystemInfoRequest, this.params({}));
  }

  applications(): Promise<ApplicationsList> {
    return this.client.send(ApplicationsListRequest, this.params({}));
  }

  supervisorChildren(pid: PidText, offset: number, limit: number): Promise<SupervisorChildren> {
    return this.client.send(SupervisorChildrenRequest, this.params({ pid, offset, limit }));
  }

  supervisorPath(pid: PidText): Promise<SupervisorPath> {
    return this.client.send(SupervisorPathRequest, this.params({ pid }));
  }

  etsList(params: Omit<EtsListParams, 'node'>): Promise<EtsList> {
    return this.client.send(EtsListRequest, this.params(params));
  }

  etsRows(table: string, limit: number, continuation: string | null): Promise<EtsRows> {
    return this.client.send(EtsRowsRequest, this.params({ table, limit, continuation }));
  }

  ports(params: Omit<PortsListParams, 'node'>): Promise<PortsList> {
    return this.client.send(PortsListRequest, this.params(params));
  }

  garbageCollect(pid: PidText): Promise<ProcessGc> {
    return this.client.send(ProcessGcRequest, this.params({ pid }));
  }

  kill(pid: PidText, options: Omit<ProcessKillParams, 'pid' | 'node'> = {}): Promise<ProcessKill> {
    return this.client.send(ProcessKillRequest, this.params({ pid, ...options }));
  }
}
