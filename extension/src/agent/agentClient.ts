/**
 * One connection to one agent: a WebSocket carrying JSON-RPC, typed by the
 * shared protocol module. The extension keeps one AgentClient per node and
 * every view reads from it; the tests drive the real agent through it too.
 */
import WebSocket from 'ws';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  DataCallback,
  Disposable,
  Emitter,
  Message,
  MessageConnection,
  MessageReader,
  MessageWriter,
  ResponseError,
  ErrorCodes as RpcErrorCodes,
  RequestType,
  createMessageConnection,
} from 'vscode-jsonrpc/node';
import {
  ClusterNodes,
  ClusterNodesResult,
  ClusterSubscribe,
  ClusterSubscribeResult,
  ErrorCodes,
  Initialize,
  InitializeNode,
  InitializeResult,
  LoadSample,
  LoadSampleNotification,
  LoadSamplesNotification,
  LoadStopped,
  LoadStoppedNotification,
  LoadSubscribe,
  LoadSubscribeResult,
  LoadUnsubscribe,
  PidResolve,
  PidResolveResult,
  PidText,
  ProcessInfo,
  ProcessInfoRequest,
  ProcessMessages,
  ProcessMessagesRequest,
  ProcessState,
  ProcessStateRequest,
  ProcessesList,
  ProcessesListParams,
  ProcessesListResult,
  CallsRead,
  CallsReadResult,
  CallsStart,
  CallsStartParams,
  CallsStartResult,
  CallsStop,
  CallsStopped,
  CallsStoppedNotification,
  ModulesLoaded,
  TraceEventBatch,
  TraceEventNotification,
  TraceStart,
  TraceStartParams,
  TraceStartResult,
  TraceStop,
  TraceStopped,
  TraceStoppedNotification,
  BudgetGet,
  BudgetInfo,
  BudgetSet,
  HistoryConfigure,
  HistoryConfigureParams,
  HistoryGet,
  HistoryGetParams,
  HistoryResult,
  HistoryState,
} from '../protocol/agentProtocol';
import { Priority, RequestQueue } from './requestQueue';

export interface AgentEndpoint {
  host?: string;
  port: number;
  token: string;
}

/** Why a connection attempt failed, in words a user can act on. */
export class AgentConnectError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Reads one JSON-RPC message per WebSocket text frame. */
class WebSocketReader extends AbstractMessageReader implements MessageReader {
  private callback: DataCallback | undefined;
  private readonly buffered: Message[] = [];

  constructor(socket: WebSocket) {
    super();
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.fireError(new Error('the agent sent a binary frame'));
        return;
      }
      let message: Message;
      try {
        message = JSON.parse(data.toString()) as Message;
      } catch (error) {
        this.fireError(error);
        return;
      }
      if (this.callback) this.callback(message);
      else this.buffered.push(message);
    });
    socket.on('close', () => this.fireClose());
    socket.on('error', (error) => this.fireError(error));
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const message of this.buffered.splice(0)) callback(message);
    return { dispose: () => (this.callback = undefined) };
  }
}

/** Writes each JSON-RPC message as one text frame. */
class WebSocketWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) {
        const error = new Error('the connection to the agent is closed');
        this.fireError(error, message, 1);
        reject(error);
        return;
      }
      this.socket.send(JSON.stringify(message), (error) => {
        if (error) {
          this.fireError(error, message, 1);
          reject(error);
        } else {
          resolve();
        }
      });
    });
  }

  end(): void {
    this.socket.close();
  }
}

/** Open the WebSocket, with the token, and report refusals precisely. */
export function openAgentSocket(endpoint: AgentEndpoint, timeoutMs = 5000): Promise<WebSocket> {
  const host = endpoint.host ?? '127.0.0.1';
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${endpoint.port}/`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      headers: { Authorization: `Bearer ${endpoint.token}` },
      handshakeTimeout: timeoutMs,
      maxPayload: 64 * 1024 * 1024,
    });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        socket.terminate();
        const reason = body.trim() || response.statusMessage || 'refused';
        reject(new AgentConnectError(`agent refused the connection (HTTP ${response.statusCode}): ${reason}`,
          response.statusCode));
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const message = error.code === 'ECONNREFUSED'
        ? `no agent listens on ${host}:${endpoint.port}`
        : `cannot reach the agent on ${host}:${endpoint.port}: ${error.message}`;
      reject(new AgentConnectError(message));
    });
  });
}

export class AgentClient implements Disposable {
  private readonly closeEmitter = new Emitter<void>();
  private readonly sampleEmitter = new Emitter<LoadSample>();
  private readonly loadStoppedEmitter = new Emitter<LoadStopped>();
  private closed = false;
  /** Keeps to the agent's limits (initialize's `limits`): requests beyond them wait, by priority. */
  private readonly queue: RequestQueue;

  /** Fired once when the connection ends, whoever ended it. */
  readonly onClose = this.closeEmitter.event;
  /** Every load/sample notification, while subscribed. */
  readonly onSample = this.sampleEmitter.event;
  /** A node's subscription ended on its own (the node left the cluster). */
  readonly onLoadStopped = this.loadStoppedEmitter.event;

  // Tracing: the events and ends of this connection's traces and call counters.
  private readonly traceEventEmitter = new Emitter<TraceEventBatch>();
  private readonly traceStoppedEmitter = new Emitter<TraceStopped>();
  private readonly callsStoppedEmitter = new Emitter<CallsStopped>();
  readonly onTraceEvents = this.traceEventEmitter.event;
  readonly onTraceStopped = this.traceStoppedEmitter.event;
  readonly onCallsStopped = this.callsStoppedEmitter.event;

  private constructor(
    private readonly socket: WebSocket,
    private readonly connection: MessageConnection,
    readonly info: InitializeResult,
  ) {
    const { maxInflight, ratePerSecond, rateBurst } = info.limits;
    this.queue = new RequestQueue(
      // An agent older than rateBurst in its limits: a burst of one second's worth, as the agent allows.
      { maxInflight, ratePerSecond, rateBurst: rateBurst ?? ratePerSecond },
      (error) => {
        const code = agentErrorCode(error);
        return code === ErrorCodes.RateLimited || code === ErrorCodes.TooManyInflight;
      },
    );
    connection.onNotification(LoadSampleNotification, (sample) => this.sampleEmitter.fire(sample));
    // A cluster subscription's batch: each member's sample, as if it came alone.
    connection.onNotification(LoadSamplesNotification, ({ samples }) => samples.forEach((sample) => this.sampleEmitter.fire(sample)));
    connection.onNotification(LoadStoppedNotification, (stopped) => this.loadStoppedEmitter.fire(stopped));
    connection.onNotification(TraceEventNotification, (batch) => this.traceEventEmitter.fire(batch));
    connection.onNotification(TraceStoppedNotification, (stopped) => this.traceStoppedEmitter.fire(stopped));
    connection.onNotification(CallsStoppedNotification, (stopped) => this.callsStoppedEmitter.fire(stopped));
    connection.onClose(() => this.markClosed());
    socket.on('close', () => this.markClosed());
  }

  /** Connect, then ask the agent who it is. */
  static async connect(endpoint: AgentEndpoint, timeoutMs = 5000): Promise<AgentClient> {
    const socket = await openAgentSocket(endpoint, timeoutMs);
    const connection = createMessageConnection(new WebSocketReader(socket), new WebSocketWriter(socket));
    connection.listen();
    try {
      const info = await withTimeout(connection.sendRequest(Initialize), timeoutMs, 'initialize');
      return new AgentClient(socket, connection, info);
    } catch (error) {
      connection.dispose();
      socket.terminate();
      throw error;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Every request goes through here. vscode-jsonrpc settles pending requests only
   * when the connection is disposed, not when the socket closes: without this, a
   * request in flight when the node dies would never settle (and a view waiting
   * on it would never refresh again). markClosed disposes the connection, and the
   * rejection it causes gets a message that says what happened.
   */
  private request<R>(priority: Priority, send: () => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new AgentConnectError('the connection to the agent is closed'));
    return this.queue.run(priority, send).catch((error: unknown) => {
      if (this.closed && error instanceof ResponseError && error.code === RpcErrorCodes.PendingResponseRejected) {
        throw new AgentConnectError('the connection to the agent closed before it answered');
      }
      throw error;
    });
  }

  /** Samples of `node` (default: the agent's own node). One subscription per node. */
  subscribeLoad(intervalMs?: number, node?: string): Promise<LoadSubscribeResult> {
    return this.request('background', () => this.connection.sendRequest(LoadSubscribe, withNode(intervalMs === undefined ? {} : { intervalMs }, node)));
  }

  /** Stop `node`'s subscription; without `node`, all of them. */
  unsubscribeLoad(node?: string): Promise<void> {
    return this.request('background', () => this.connection.sendRequest(LoadUnsubscribe, withNode({}, node))).then(() => undefined);
  }

  listProcesses(params: ProcessesListParams): Promise<ProcessesListResult> {
    return this.request('view', () => this.connection.sendRequest(ProcessesList, params));
  }

  processInfo(pid: PidText, node?: string): Promise<ProcessInfo> {
    return this.request('user', () => this.connection.sendRequest(ProcessInfoRequest, withNode({ pid }, node)));
  }

  processState(pid: PidText, timeoutMs?: number, node?: string): Promise<ProcessState> {
    return this.request('user', () => this.connection.sendRequest(ProcessStateRequest,
      withNode(timeoutMs === undefined ? { pid } : { pid, timeoutMs }, node)));
  }

  processMessages(pid: PidText, limit?: number, node?: string): Promise<ProcessMessages> {
    return this.request('user', () => this.connection.sendRequest(ProcessMessagesRequest,
      withNode(limit === undefined ? { pid } : { pid, limit }, node)));
  }

  /** The agent's node and the nodes it is connected to (as seen from `node`, by default the agent's). */
  clusterNodes(node?: string): Promise<ClusterNodesResult> {
    return this.request('background', () => this.connection.sendRequest(ClusterNodes, withNode({}, node)));
  }

  /** What `initialize` says about another node of the cluster. */
  nodeInfo(node: string): Promise<InitializeResult> {
    return this.request('background', () => this.connection.sendRequest(InitializeNode, { node }));
  }

  /** The load of these members of the cluster, batched (exactly these from now on; [] stops them all). */
  subscribeCluster(nodes: string[], intervalMs?: number): Promise<ClusterSubscribeResult> {
    return this.request('background', () =>
      this.connection.sendRequest(ClusterSubscribe, intervalMs === undefined ? { nodes } : { nodes, intervalMs }),
    );
  }

  /** Requests waiting for the agent's limits, by priority, and how many were sent again after a refusal. */
  get pending(): { queued: Record<Priority, number>; retried: number } {
    return { queued: this.queue.queued, retried: this.queue.retried };
  }

  /** Which process a pid printed by `node` (default: the agent's node) names. */
  resolvePid(pid: PidText, node?: string): Promise<PidResolveResult> {
    return this.request('user', () => this.connection.sendRequest(PidResolve, withNode({ pid }, node)));
  }

  /**
   * Any request of the protocol, typed by its RequestType (extension/src/agent/nodeMethods.ts sends the rest of
   * the node's through it); by default with a user's priority (the views of the rest of the node answer clicks).
   */
  send<P, R>(type: RequestType<P, R, void>, params: P, priority: Priority = 'user'): Promise<R> {
    return this.request(priority, () => this.connection.sendRequest<R>(type.method, params));
  }

  // -------------------------------------------------------------------------
  // Tracing (docs/protocol.md, "Tracing"): in the node of this connection's agent.

  traceStart(params: TraceStartParams): Promise<TraceStartResult> {
    return this.request('user', () => this.connection.sendRequest(TraceStart, params));
  }

  traceStop(traceId: number): Promise<TraceStopped> {
    return this.request('user', () => this.connection.sendRequest(TraceStop, { traceId }));
  }

  callsStart(params: CallsStartParams): Promise<CallsStartResult> {
    return this.request('user', () => this.connection.sendRequest(CallsStart, params));
  }

  /** Read every second while counting: a view's refresh, behind a user's click. */
  callsRead(module: string): Promise<CallsReadResult> {
    return this.request('view', () => this.connection.sendRequest(CallsRead, { module }));
  }

  callsStop(module: string): Promise<CallsStopped> {
    return this.request('user', () => this.connection.sendRequest(CallsStop, { module }));
  }

  /** Which of these modules are loaded in the node (for the CodeLens: a view's priority). */
  modulesLoaded(modules: string[]): Promise<string[]> {
    return this.request('view', () => this.connection.sendRequest(ModulesLoaded, { modules })).then((r) => r.modules);
  }

  // -------------------------------------------------------------------------
  // The budget for observing (docs/protocol.md, "The budget"): the node's, shared by its clients.

  /** The budget of `node` (default: the agent's node). */
  budget(node?: string): Promise<BudgetInfo> {
    return this.request('background', () => this.connection.sendRequest(BudgetGet, withNode({}, node)));
  }

  /** share: of one scheduler, within the agent's range (0.001..0.5); for `node` (default: the agent's node). */
  setBudget(share: number, node?: string): Promise<BudgetInfo> {
    return this.request('background', () => this.connection.sendRequest(BudgetSet, withNode({ share }, node)));
  }

  // -------------------------------------------------------------------------
  // The recorder's history (docs/protocol.md, "History").

  /** What the node recorded between `since` and `until` (ms since the epoch; default: all it holds). */
  history(params: HistoryGetParams = {}): Promise<HistoryResult> {
    return this.request('user', () => this.connection.sendRequest(HistoryGet, params));
  }

  /** Change the recorder's window, top N, interval or byte cap; answers with its settings. */
  configureHistory(params: HistoryConfigureParams): Promise<HistoryState> {
    return this.request('user', () => this.connection.sendRequest(HistoryConfigure, params));
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close(new AgentConnectError('the connection to the agent closed before the request was sent'));
    this.connection.dispose(); // rejects the requests still pending (see request())
    this.closeEmitter.fire();
  }

  dispose(): void {
    this.connection.dispose();
    this.socket.close();
    this.markClosed();
  }
}

/** The agent's error code, when a request failed with a JSON-RPC error. */
export function agentErrorCode(error: unknown): number | undefined {
  return error instanceof ResponseError ? error.code : undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new AgentConnectError(`the agent did not answer ${what} within ${ms} ms`)), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}

/** Parameters with `node` only when one is given (omitted means the agent's node). */
function withNode<T extends object>(params: T, node: string | undefined): T & { node?: string } {
  return node === undefined ? params : { ...params, node };
}
