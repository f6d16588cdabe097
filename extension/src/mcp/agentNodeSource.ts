/**
 * The MCP server's nodes: the agents it finds in the discovery directory
 * (read again at every call, so agents started later are found and agents
 * that stopped are gone), or the one agent given by --url and --token. It
 * connects to each with the extension's own AgentClient, once, and keeps the
 * connection; a connection that closed is opened again at the next call.
 * Load samples are subscribed per node on first need (one 1 Hz sampler per
 * node asked about, as the extension keeps for the node it shows).
 */
import { AgentClient, AgentEndpoint } from '../agent/agentClient';
import { readDiscoveryDir } from '../nodes/discovery';
import { SampleHistory } from '../nodes/sampleHistory';
import type { LoadSample } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import { AttachedNode, attachedSentence, NodeSource, ToolError, ToolNode, unknownNodeError } from '../tools/nodeSource';

/** Where the agents are: a discovery directory, or one endpoint. */
export type AgentLocation = { discoveryDir: string } | { endpoint: AgentEndpoint };

interface Connection {
  key: string;
  client: AgentClient;
  /** Each node's samples that arrived through this connection, by node name. */
  histories: Map<string, SampleHistory>;
  /** Nodes with a load subscription on this connection. */
  subscribed: Set<string>;
}

const CONNECT_TIMEOUT_MS = 3000;
const SAMPLE_INTERVAL_MS = 1000;

export class AgentNodeSource implements NodeSource {
  private readonly connections = new Map<string, Connection>();
  /** Connection attempts under way, so concurrent calls share one. */
  private readonly connecting = new Map<string, Promise<Connection>>();

  constructor(
    private readonly location: AgentLocation,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** The endpoints to reach now: the live agents of the discovery directory, or the one given. */
  private endpoints(): { key: string; endpoint: AgentEndpoint }[] {
    if ('endpoint' in this.location) {
      const { endpoint } = this.location;
      return [{ key: `${endpoint.host ?? '127.0.0.1'}:${endpoint.port}`, endpoint }];
    }
    return readDiscoveryDir(this.location.discoveryDir).map((file) => ({
      key: `${file.osPid}:${file.port}:${file.token}`,
      endpoint: { port: file.port, token: file.token },
    }));
  }

  /** Open connections to every agent found, dropping those to agents gone. Failures are logged, not thrown. */
  private async connectAll(): Promise<{ connections: Connection[]; failures: string[] }> {
    const wanted = this.endpoints();
    const keys = new Set(wanted.map((w) => w.key));
    for (const [key, connection] of this.connections) {
      if (!keys.has(key) || connection.client.isClosed) {
        connection.client.dispose();
        this.connections.delete(key);
      }
    }
    const failures: string[] = [];
    const results = await Promise.all(
      wanted.map(({ key, endpoint }) =>
        this.connect(key, endpoint).catch((error: unknown) => {
          failures.push(`${endpoint.host ?? '127.0.0.1'}:${endpoint.port}: ${errorMessage(error)}`);
          return undefined;
        }),
      ),
    );
    for (const failure of failures) this.log(`cannot connect to the agent at ${failure}`);
    return { connections: results.filter((c): c is Connection => c !== undefined), failures };
  }

  private connect(key: string, endpoint: AgentEndpoint): Promise<Connection> {
    const open = this.connections.get(key);
    if (open) return Promise.resolve(open);
    let attempt = this.connecting.get(key);
    if (!attempt) {
      attempt = AgentClient.connect(endpoint, CONNECT_TIMEOUT_MS)
        .then((client) => {
          const connection: Connection = { key, client, histories: new Map(), subscribed: new Set() };
          client.onSample((sample) => this.history(connection, sample.node ?? client.info.node).push(sample));
          client.onClose(() => this.connections.delete(key));
          this.connections.set(key, connection);
          this.log(`connected to ${client.info.node} (port ${endpoint.port})`);
          return connection;
        })
        .finally(() => this.connecting.delete(key));
      this.connecting.set(key, attempt);
    }
    return attempt;
  }

  private history(connection: Connection, node: string): SampleHistory {
    let history = connection.histories.get(node);
    if (!history) connection.histories.set(node, (history = new SampleHistory(60)));
    return history;
  }

  private async listing(): Promise<{ nodes: AttachedNode[]; connections: Connection[]; failures: string[] }> {
    const { connections, failures } = await this.connectAll();
    const nodes = await Promise.all(
      connections.map(async (c) => {
        const members = await c.client.clusterNodes().then(
          (result) => result.nodes.filter((n) => !n.hidden && n.name !== c.client.info.node).map((n) => n.name),
          () => [],
        );
        return { name: c.client.info.node, members };
      }),
    );
    return { nodes, connections, failures };
  }

  async attached(): Promise<AttachedNode[]> {
    return (await this.listing()).nodes;
  }

  async node(name: string | undefined): Promise<ToolNode> {
    const { nodes, connections, failures } = await this.listing();
    const unreachable = failures.length ? ` (agents that did not answer: ${failures.join('; ')})` : '';
    if (name === undefined) {
      if (nodes.length === 1) return this.toolNode(connections[0], nodes[0].name);
      if (nodes.length === 0) throw new ToolError(`${attachedSentence(nodes)}${unreachable}`);
      throw new ToolError(`several nodes are attached; say which with "node". ${attachedSentence(nodes)}`);
    }
    const index = nodes.findIndex((n) => n.name === name || n.members.includes(name));
    if (index < 0) throw new ToolError(`${unknownNodeError(name, nodes).message}${unreachable}`);
    return this.toolNode(connections[index], name);
  }

  private toolNode(connection: Connection, name: string): ToolNode {
    const own = connection.client.info.node;
    return {
      name,
      agentName: own,
      member: name === own ? undefined : name,
      client: connection.client,
      info: name === own ? connection.client.info : undefined,
    };
  }

  async samples(node: ToolNode, count: number, waitMs: number): Promise<LoadSample[]> {
    const connection = [...this.connections.values()].find((c) => c.client === node.client);
    if (!connection) return [];
    const history = this.history(connection, node.name);
    if (!connection.subscribed.has(node.name)) {
      connection.subscribed.add(node.name);
      await connection.client.subscribeLoad(SAMPLE_INTERVAL_MS, node.member).catch((error: unknown) => {
        connection.subscribed.delete(node.name);
        throw new ToolError(`${node.name}: cannot sample its load: ${errorMessage(error)}`);
      });
    }
    const deadline = Date.now() + waitMs;
    while (history.size < count && Date.now() < deadline && !connection.client.isClosed) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return history.latest(10);
  }

  dispose(): void {
    for (const connection of this.connections.values()) connection.client.dispose();
    this.connections.clear();
  }
}
