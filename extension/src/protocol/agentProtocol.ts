/**
 * The agent protocol: every JSON-RPC method, notification, parameter, result
 * and error code exchanged between the BEAM Observer agent (agent/src) and its
 * clients. The extension, the webview and the tests import this module; its
 * prose twin is docs/protocol.md, which the Erlang side follows. Rename a
 * field here and there, nowhere else.
 *
 * Transport: WebSocket (RFC 6455) on loopback, one JSON-RPC 2.0 message per
 * text frame, `Authorization: Bearer <token>` on the upgrade request.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/** A pid in the node's own text form, e.g. "<0.123.0>". */
export type PidText = string;

/**
 * Any request may name a node of the cluster the agent's node is connected
 * to; the agent then runs it in that node, loading itself there on demand
 * (see "Cluster" in docs/protocol.md). Omitted: the agent's own node.
 */
export interface NodeParams {
  node?: string;
}

/** A module, function and arity. Elixir modules keep their "Elixir." prefix. */
export interface Mfa {
  module: string;
  function: string;
  arity: number;
}

// ---------------------------------------------------------------------------
// initialize

export interface SchedulerCounts {
  total: number;
  online: number;
  dirtyCpu: number;
  dirtyCpuOnline: number;
  dirtyIo: number;
}

export interface AgentLimits {
  maxFrameBytes: number;
  maxClients: number;
  maxInflight: number;
  ratePerSecond: number;
  maxListLimit: number;
  maxMailboxPeek: number;
  maxMessagesReturned: number;
  maxStateBytes: number;
  maxStateTimeoutMs: number;
  /** Requests beyond ratePerSecond the agent takes in a burst. */
  rateBurst: number;
  /** load/subscribe: one per node, at most this many per connection. */
  maxLoadSubscriptions: number;
  /** cluster/subscribe: at most this many members. */
  maxClusterMembers: number;
}

export type Capability =
  | 'load'
  | 'processes/list'
  | 'process/info'
  | 'process/state'
  | 'process/messages'
  | 'cluster'
  | 'cluster/subscribe'
  // The rest of the node (see NodeCapability below).
  | NodeCapability
  // Tracing (see "Tracing" below).
  | 'trace'
  | 'calls'
  // The recorder: history/get, history/configure.
  | 'history'
  // The budget for observing: budget/get, budget/set, processes/list's refresh.
  | 'budget';

export interface InitializeResult {
  node: string;
  otpRelease: string;
  ertsVersion: string;
  elixirVersion: string | null;
  /** The language state dumps are formatted in: Elixir when Elixir runs in the node. */
  language: 'elixir' | 'erlang';
  schedulers: SchedulerCounts;
  processLimit: number;
  osPid: number;
  wordSize: number;
  agentVersion: string;
  capabilities: Capability[];
  limits: AgentLimits;
  /** trace/start's limits: what it uses when a limit is left out, and the most a client may ask. */
  traceLimits: { defaults: TraceLimits; caps: TraceLimits };
  /** The node's budget for observing (agents with the `budget` capability). */
  budget?: BudgetInfo;
}

export const Initialize = new RequestType0<InitializeResult, void>('initialize');
/** initialize for another node of the cluster. */
export const InitializeNode = new RequestType<NodeParams, InitializeResult, void>('initialize');

// ---------------------------------------------------------------------------
// load

export interface LoadSubscribeParams extends NodeParams {
  /** Sample interval, 100 to 60000 ms; default: the agent's interval_ms (1000). */
  intervalMs?: number;
}
export interface LoadSubscribeResult {
  intervalMs: number;
  node: string;
}
export const LoadSubscribe = new RequestType<LoadSubscribeParams, LoadSubscribeResult, void>('load/subscribe');
/** Stop the subscription for `node`; without `node`, every subscription of the connection. */
export const LoadUnsubscribe = new RequestType<NodeParams, Record<string, never>, void>('load/unsubscribe');

export interface RunQueueStats {
  /** Average over the interval's readings. */
  avg: number;
  max: number;
}

export interface LoadSample {
  /** The node the sample describes. */
  node: string;
  /** Wall clock, ms since the epoch, when the sample was taken. */
  timestamp: number;
  /** Length of the interval the deltas cover. */
  intervalMs: number;
  schedulers: SchedulerCounts;
  /** Busy fraction 0..1 per scheduler over the interval (scheduler_wall_time deltas). */
  utilisation: {
    normal: number[];
    dirtyCpu: number[];
    dirtyIo: number[];
    /** Average over the online normal schedulers (offline ones read 0 and are left out). */
    normalAvg: number;
    dirtyCpuAvg: number;
  };
  /** Run-queue lengths, read several times per interval. */
  runQueue: {
    readings: number;
    normal: { avg: number[]; max: number[] };
    dirtyCpu: RunQueueStats;
    dirtyIo: RunQueueStats;
    /** Sum of the normal queues, averaged over the readings, and its maximum. */
    totalAvg: number;
    totalMax: number;
  };
  /** Bytes, as erlang:memory/0 reports them. */
  memory: {
    total: number;
    processes: number;
    processesUsed: number;
    binary: number;
    ets: number;
    atom: number;
    atomUsed: number;
    code: number;
    system: number;
  };
  /** Bytes through ports during the interval. */
  io: { inBytes: number; outBytes: number };
  processes: { count: number; limit: number };
  ports: { count: number; limit: number };
  atoms: { count: number; limit: number };
  /** Reductions executed during the interval, node-wide. */
  reductions: number;
  garbageCollections: { count: number; wordsReclaimed: number };
  /** CPU of the VM's OS process (Linux /proc/self/stat); null elsewhere. */
  osCpu: { cores: number; share: number; logicalCpus: number } | null;
  /**
   * What the agent itself cost during the interval: all its work (busyUs), the periodic work charged to
   * the node's budget by kind (byKind; busyUs less their sum is requests: states, info, lists' rows), and
   * the budget now. byKind and budget: agents from 0.1.0 on with the `budget` capability.
   */
  agent: { reductions: number; busyUs: number; byKind?: Record<BudgetKind, number>; budget?: BudgetStatus };
  /**
   * What a debugger running in the node (OTP's interpreter, ElixirLS's adapter)
   * ran during the interval: the reductions of its processes; null when none runs.
   */
  debugger: { reductions: number; processes: number } | null;
}

export const LoadSampleNotification = new NotificationType<LoadSample>('load/sample');

/** A subscription ended without being asked to: its node left ("nodeDown") or its sampler crashed. */
export interface LoadStopped {
  node: string;
  /** "nodeDown" when the node left; otherwise why, in words. */
  reason: 'nodeDown' | string;
  /** The error code of why (e.g. -32010 when the agent could not load itself there). */
  code?: number;
}
export const LoadStoppedNotification = new NotificationType<LoadStopped>('load/stopped');

// ---------------------------------------------------------------------------
// cluster/nodes and pid/resolve

export interface ClusterNode {
  name: string;
  /** Hidden nodes (remote shells, attach helpers) are connected but not part of nodes(). */
  hidden: boolean;
}

export interface ClusterNodesResult {
  /** The node that answered; it is the first entry of `nodes`. */
  node: string;
  nodes: ClusterNode[];
}
export const ClusterNodes = new RequestType<NodeParams, ClusterNodesResult, void>('cluster/nodes');

export interface PidResolveResult {
  /** The process's node. */
  node: string;
  /** The pid as its own node prints it ("<0.Y.Z>"). */
  pid: PidText;
  /** The node whose view of the first number was used. */
  printedBy: string;
}
/** Which process a pid printed by `node` (default: the agent's node) names. */
export const PidResolve = new RequestType<PidParams, PidResolveResult, void>('pid/resolve');

// ---------------------------------------------------------------------------
// processes/list

export type SortKey = 'reductions' | 'memory' | 'messageQueueLen';
export const SORT_KEYS: readonly SortKey[] = ['reductions', 'memory', 'messageQueueLen'];

export interface ProcessesListParams extends NodeParams {
  sortBy?: SortKey;
  /** 1..1000, default 200. */
  limit?: number;
  /** Case-insensitive substring of the pid, registered name or initial call. */
  filter?: string | null;
  /**
   * "periodic" (default): a refresh that may be answered from the last sweep of the same rows while the
   * node's budget is spent; "explicit": a user's request, swept at once (in debt: once, until it is paid back).
   */
  refresh?: 'periodic' | 'explicit';
}

export type ProcessStatus = 'exiting' | 'garbage_collecting' | 'waiting' | 'running' | 'runnable' | 'suspended';

export interface ProcessRow {
  pid: PidText;
  name: string | null;
  /** proc_lib processes show the real initial call (e.g. MyServer:init/1). */
  initialCall: Mfa | null;
  currentFunction: Mfa | null;
  /** Reductions since the previous sweep (a process new since then: its total). */
  reductions: number;
  reductionsTotal: number;
  /** Bytes. */
  memory: number;
  messageQueueLen: number;
  status: ProcessStatus;
  /** One of the agent's own processes. */
  agent: boolean;
  /** One of a debugger's own processes (OTP's interpreter, ElixirLS's adapter). */
  debugger: boolean;
  /** How a debugger holds this process (it runs interpreted code); null when none does. */
  heldByDebugger: DebuggerHold | null;
}

/**
 * A process that runs interpreted code (ElixirLS and OTP's debugger interpret
 * the project's modules): it handles no system message until the debugger lets
 * it go, so its state cannot be read meanwhile.
 */
export interface DebuggerHold {
  /** The interpreter's status: "break" (at a breakpoint), "running", "waiting" (in a receive), or "unknown". */
  status: 'break' | 'running' | 'waiting' | 'idle' | 'exit' | 'unknown' | string;
  /** The OTP callback it is in, from its stack ("init/1", "handle_call/3"...), when known. */
  callback: string | null;
  /** At a breakpoint: its module and line, and the module's source file. */
  module: string | null;
  line: number | null;
  source: string | null;
}

export interface ProcessesListResult {
  /** The node the rows belong to. */
  node: string;
  rows: ProcessRow[];
  /** Processes looked at (those alive during the sweep that passed the filter or not). */
  scanned: number;
  /** process_count when the sweep ended. */
  total: number;
  sortBy: SortKey;
  /** Time since the previous sweep (the reductions window); null on the first. */
  windowMs: number | null;
  /** What the sweep of these rows took (an answer from an earlier sweep: what that one took). */
  sweepMs: number;
  /** Whether these rows were swept for this request, and when the next periodic sweep is allowed (budget). */
  refresh?: RefreshInfo;
}

export interface RefreshInfo {
  /** false: answered from the last sweep of the same sort, limit and filter, ageMs old. */
  fresh: boolean;
  ageMs: number;
  /** A periodic request before this is answered from this sweep. */
  nextSweepInMs: number;
  /** The node's budget, a share of one scheduler. */
  budgetShare: number;
}

export const ProcessesList = new RequestType<ProcessesListParams, ProcessesListResult, void>('processes/list');

// ---------------------------------------------------------------------------
// process/info

export interface PidParams extends NodeParams {
  /**
   * "<0.Y.Z>" for a process of `node`; a pid printed by `node` for a process
   * of another node ("<9003.Y.Z>") is resolved there and answered by its own node.
   */
  pid: PidText;
}

export interface StackFrame extends Mfa {
  /** The file as the stack trace names it (often relative to where it was compiled). */
  file: string | null;
  line: number | null;
  /** Absolute path of the module's source when it was compiled (module_info(compile)). */
  source: string | null;
}

export type MonitorEntry =
  | { type: 'process'; pid: PidText }
  | { type: 'process'; name: string; node: string }
  | { type: 'port'; port: string }
  | { type: string; description: string };

export interface ProcessInfo {
  /** The node the process runs on; `pid` is in that node's own form. */
  node: string;
  pid: PidText;
  name: string | null;
  status: ProcessStatus;
  initialCall: Mfa | null;
  currentFunction: Mfa | null;
  stacktrace: StackFrame[];
  /** Linked pids and ports, as text. */
  links: string[];
  monitors: MonitorEntry[];
  monitoredBy: string[];
  trapExit: boolean;
  groupLeader: PidText;
  priority: 'low' | 'normal' | 'high' | 'max';
  wordSize: number;
  /** Words. */
  heapSize: number;
  stackSize: number;
  totalHeapSize: number;
  /** Bytes. */
  memory: number;
  messageQueueLen: number;
  reductions: number;
  garbageCollection: Record<string, unknown>;
  /** Formatted keys and values, at most 100 entries. */
  dictionary: { key: string; value: string }[];
  otp: { isOtp: boolean; behaviour: string | null; sysAware: boolean };
  agent: boolean;
  debugger: boolean;
  heldByDebugger: DebuggerHold | null;
}

export const ProcessInfoRequest = new RequestType<PidParams, ProcessInfo, void>('process/info');

// ---------------------------------------------------------------------------
// process/state

export interface ProcessStateParams extends PidParams {
  /** 1..30000, default 5000. */
  timeoutMs?: number;
}

export interface ProcessState {
  node: string;
  pid: PidText;
  behaviour: string;
  language: 'elixir' | 'erlang';
  text: string;
  /** The text was cut or shows elisions ("..."); a hint, see docs/protocol.md. */
  truncated: boolean;
  bytes: number;
  elapsedMs: number;
}

export const ProcessStateRequest = new RequestType<ProcessStateParams, ProcessState, void>('process/state');

// ---------------------------------------------------------------------------
// process/messages

export interface ProcessMessagesParams extends PidParams {
  /** 1..100, default 20. */
  limit?: number;
}

export interface ProcessMessages {
  node: string;
  pid: PidText;
  /** Messages in the queue when it was copied. */
  total: number;
  language: 'elixir' | 'erlang';
  messages: { text: string; truncated: boolean }[];
}

export const ProcessMessagesRequest = new RequestType<ProcessMessagesParams, ProcessMessages, void>('process/messages');

// ---------------------------------------------------------------------------
// The rest of the node (issue 12): system, applications, supervisors, ETS
// tables, ports and sockets, and guarded actions on a process.

/** What these methods add to `initialize`'s capabilities. */
export type NodeCapability =
  'system/info' | 'applications/list' | 'supervisor/children' | 'ets' | 'ports/list' | 'process/gc' | 'process/kill';

/** A count against its limit; `ratio` is count / limit. ETS's limit is not enforced since OTP 20. */
export interface CountAndLimit {
  count: number;
  limit: number;
  ratio: number;
  enforced: boolean;
}

/** One allocator family: bytes its carriers hold from the OS, and bytes of blocks in use in them. */
export interface AllocatorFamily {
  name: string;
  instances: number;
  carriersBytes: number;
  multiblockCarriersBytes: number;
  singleblockCarriersBytes: number;
  blocksBytes: number;
  /** blocksBytes / carriersBytes; low means fragmented; null without carriers. */
  usage: number | null;
}

export interface SystemInfo {
  node: string;
  otpRelease: string;
  ertsVersion: string;
  elixirVersion: string | null;
  systemArchitecture: string;
  wordSize: number;
  uptimeMs: number;
  schedulers: SchedulerCounts;
  logicalProcessors: { total: number | null; online: number | null; available: number | null };
  limits: { processes: CountAndLimit; ports: CountAndLimit; atoms: CountAndLimit; etsTables: CountAndLimit };
  /** Bytes, as erlang:memory/0 reports them. */
  memory: LoadSample['memory'];
  allocators: { families: AllocatorFamily[]; carriersBytes: number; blocksBytes: number; usage: number | null };
  /** Time the agent took to read all of it. */
  elapsedMs: number;
}
export const SystemInfoRequest = new RequestType<NodeParams, SystemInfo, void>('system/info');

export interface TimeoutParams extends NodeParams {
  /** 1..30000, default 5000. */
  timeoutMs?: number;
}

export interface RunningApplication {
  name: string;
  description: string;
  version: string;
  /** The application master; null for none. */
  master: PidText | null;
  /** The top supervisor its start/2 returned; null for a library application. */
  supervisor: PidText | null;
  supervisorName: string | null;
}
export interface ApplicationsList {
  node: string;
  /** Sorted by name. */
  applications: RunningApplication[];
}
export const ApplicationsListRequest = new RequestType<TimeoutParams, ApplicationsList, void>('applications/list');

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type ChildType = 'worker' | 'supervisor';

export interface SupervisorChildrenParams extends PidParams {
  /** 0.., default 0. */
  offset?: number;
  /** 1..500, default 100. */
  limit?: number;
  /** 1..30000, default 5000. */
  timeoutMs?: number;
}

export interface SupervisorChild {
  /** The child id, formatted; null for the children of a simple_one_for_one or DynamicSupervisor. */
  id: string | null;
  /** null while it is restarting or not running. */
  pid: PidText | null;
  status: 'running' | 'restarting' | 'undefined';
  /** Registered name of a running child. */
  name: string | null;
  type: ChildType;
  /** null when the supervisor's state could not be read and which_children answered. */
  restart: RestartType | null;
  modules: string[] | 'dynamic';
}

export interface SupervisorChildren {
  node: string;
  pid: PidText;
  name: string | null;
  /** The callback module (Elixir's Supervisor.Default for Supervisor.start_link/2 and DynamicSupervisor). */
  module: string;
  strategy: string | null;
  /** Children in all. */
  total: number;
  offset: number;
  children: SupervisorChild[];
  /** "state": read inside the supervisor; "which_children": the fallback for a state of unknown shape. */
  source: 'state' | 'which_children';
}
export const SupervisorChildrenRequest = new RequestType<SupervisorChildrenParams, SupervisorChildren, void>('supervisor/children');

/** One process on the way from the application's top supervisor down. */
export interface SupervisionStep {
  pid: PidText;
  name: string | null;
  supervisor: boolean;
  /** How the supervisor above lists it; null for the top. */
  id: string | null;
  restart: RestartType | null;
  type: ChildType | null;
}
export interface SupervisorPath {
  node: string;
  pid: PidText;
  application: string | null;
  /** The path has a supervisor above the process. */
  supervised: boolean;
  /** Why it is not supervised (its parent is not a supervisor...); null otherwise. */
  why: string | null;
  /** Top supervisor first, the process last. */
  path: SupervisionStep[];
}
export const SupervisorPathRequest = new RequestType<TimeoutParams & PidParams, SupervisorPath, void>('supervisor/path');

export type EtsSortKey = 'memory' | 'size' | 'name';
export const ETS_SORT_KEYS: readonly EtsSortKey[] = ['memory', 'size', 'name'];

export interface EtsListParams extends NodeParams {
  sortBy?: EtsSortKey;
  /** 1..1000, default 200. */
  limit?: number;
  /** Case-insensitive substring of the table's name or id, or of its owner's registered name. */
  filter?: string | null;
}

export interface EtsTable {
  /** What ets/rows takes: the name of a named table, else the id ("#Ref<0.1.2.3>"). */
  id: string;
  name: string;
  named: boolean;
  type: 'set' | 'ordered_set' | 'bag' | 'duplicate_bag';
  protection: 'public' | 'protected' | 'private';
  owner: PidText;
  ownerName: string | null;
  heir: PidText | null;
  /** Rows. */
  size: number;
  /** Bytes. */
  memory: number;
  keypos: number;
  compressed: boolean;
  /** ets/rows can read it: not private, not the agent's. */
  readable: boolean;
  agent: boolean;
}

export interface EtsList {
  node: string;
  tables: EtsTable[];
  /** Tables in the node. */
  total: number;
  /** Tables that passed the filter. */
  matched: number;
  sortBy: EtsSortKey;
  wordSize: number;
  elapsedMs: number;
}
export const EtsListRequest = new RequestType<EtsListParams, EtsList, void>('ets/list');

export interface EtsRowsParams extends NodeParams {
  /** An EtsTable's id. */
  table: string;
  /** 1..500, default 100. */
  limit?: number;
  /** The previous page's continuation; omitted or null for the first page. */
  continuation?: string | null;
}

export interface EtsRows {
  node: string;
  table: string;
  /** Rows in the table now. */
  size: number;
  rows: { text: string; truncated: boolean }[];
  returned: number;
  /** The page size used (lower than asked for a table of big rows). */
  limit: number;
  language: 'elixir' | 'erlang';
  /** For the next page; null after the last. */
  continuation: string | null;
}
export const EtsRowsRequest = new RequestType<EtsRowsParams, EtsRows, void>('ets/rows');

export type PortSortKey = 'input' | 'output' | 'queueSize' | 'memory';
export const PORT_SORT_KEYS: readonly PortSortKey[] = ['input', 'output', 'queueSize', 'memory'];

export interface PortsListParams extends NodeParams {
  sortBy?: PortSortKey;
  /** 1..1000, default 200. */
  limit?: number;
  /** Case-insensitive substring of the id, the driver's name or the owner's registered name. */
  filter?: string | null;
}

export interface PortRow {
  /** "#Port<0.12>", or "#Socket<...>" for a socket-module socket. */
  id: string;
  kind: 'port' | 'socket';
  /** The driver ("tcp_inet", "udp_inet", "efile", a spawned command...) or "socket". */
  name: string;
  owner: PidText | null;
  ownerName: string | null;
  /** Bytes read and written. */
  input: number;
  output: number;
  /** Bytes queued in the driver (a socket's unsent data); null for socket-module sockets. */
  queueSize: number | null;
  memory: number | null;
  osPid: number | null;
  /** "tcp", "udp", "sctp" for sockets; null for other ports. */
  protocol: string | null;
  /** "127.0.0.1:4000". */
  local: string | null;
  peer: string | null;
  /** "listen", "connected", "open"... for sockets. */
  state: string | null;
  /** One of the agent's own (its listener, its clients' connections). */
  agent: boolean;
}

export interface PortsList {
  node: string;
  ports: PortRow[];
  total: number;
  matched: number;
  sortBy: PortSortKey;
  elapsedMs: number;
}
export const PortsListRequest = new RequestType<PortsListParams, PortsList, void>('ports/list');

export interface ProcessGc {
  node: string;
  pid: PidText;
  /** Bytes. */
  memoryBefore: number;
  memoryAfter: number;
  freed: number;
  elapsedMs: number;
}
export const ProcessGcRequest = new RequestType<TimeoutParams & PidParams, ProcessGc, void>('process/gc');

export interface ProcessKillParams extends PidParams {
  /** "kill" (default, cannot be trapped) or "shutdown" (as a supervisor stops a child). */
  reason?: 'kill' | 'shutdown';
  /** Only say who would restart it; kill nothing. */
  dryRun?: boolean;
  timeoutMs?: number;
}

export interface ProcessKill {
  node: string;
  pid: PidText;
  reason: 'kill' | 'shutdown';
  application: string | null;
  /** Its supervisor and how it lists the process; null when none does. */
  supervisor: { pid: PidText; name: string | null; childId: string | null; restart: RestartType | null; type: ChildType } | null;
  /** Who restarts it after this exit, by OTP's restart rules. */
  restartedBy: 'supervisor' | 'nobody' | 'unknown';
  unsupervisedBecause: string | null;
  killed: boolean;
  dryRun?: boolean;
  /** After a kill: whether it exited within 5 s, why, and its new pid once its supervisor restarted it (children with an id). */
  exited?: boolean;
  exitReason?: string | null;
  restartedAs?: PidText | null;
}
export const ProcessKillRequest = new RequestType<ProcessKillParams, ProcessKill, void>('process/kill');
// Tracing: calls and messages traced in the node, with limits the agent's own
// tracer enforces there; call counts and times read as deltas. A trace belongs
// to the connection that starts it and ends when it closes. Tracing runs in
// the node of the agent the client is connected to (a `node` naming another
// member is refused with TraceOnOtherNode).

export interface TraceLimits {
  /** Events (calls, sends, receives) in all; returns and exceptions ride with their call. */
  maxEvents: number;
  /** Events a second; above it the rest of the second is dropped at the source. */
  maxPerSecond: number;
  durationMs: number;
}

/** A function, a function of any arity (no arity), or a whole module (no function). */
export interface TraceCall {
  module: string;
  function?: string;
  arity?: number;
}

export interface TraceStartParams extends NodeParams {
  /** The functions whose calls to trace (1..32 entries); or give `messages`. */
  calls?: TraceCall[];
  /** Only calls made by these processes (1..100); every process when left out. */
  pids?: PidText[];
  /** Each limit left out takes its default (initialize's traceLimits). */
  limits?: Partial<TraceLimits>;
  /** "arity" (default): calls without their arguments, cheapest; "args": arguments formatted. */
  detail?: 'arity' | 'args';
  /** Also each call's result or exception, and its duration. */
  returns?: boolean;
  /** Trace what this process sends and receives, instead of calls. */
  messages?: { pid: PidText };
}

/** "global": OTP 25/26, trace settings shared with every tool in the node; "session": an isolated OTP 27+ trace session. */
export type TraceMode = 'global' | 'session';

export interface TraceStartResult {
  node: string;
  traceId: number;
  mode: TraceMode;
  kind: 'calls' | 'messages';
  /** The functions traced (at most 200 listed; functionsTotal counts them all). */
  functions: Mfa[];
  functionsTotal: number;
  /** "all", or the processes traced. */
  processes: 'all' | PidText[];
  tracedProcesses: number;
  /** Processes left alone because another tracer holds them (OTP 25: one tracer per process), and who. */
  skippedProcesses: number;
  skippedHolders: string[];
  /** Processes spawned from now on are traced too. */
  newProcesses: boolean;
  /**
   * Modules among the traced ones that a debugger interprets (ElixirLS interprets the
   * project's modules): calls into them from compiled code are traced, calls made inside
   * interpreted code never are.
   */
  interpreted: string[];
  limits: TraceLimits;
  detail: 'arity' | 'args';
  returns: boolean;
}

export type TraceEventKind = 'call' | 'return' | 'exception' | 'send' | 'receive' | 'sendToDead';

export interface TraceEvent {
  /** Increasing within the trace. */
  id: number;
  kind: TraceEventKind;
  /** When it happened, microseconds since the epoch. */
  timeUs: number;
  pid: PidText;
  /** call, return, exception. */
  function?: Mfa;
  /** call: the arguments, each formatted on one line and bounded; null with detail "arity". */
  args?: string[] | null;
  /** return: the result. */
  result?: string;
  /** exception: "class: reason". */
  exception?: string;
  /** return, exception: the call it ends, and the time since it. */
  callId?: number;
  durationUs?: number;
  /** send, receive, sendToDead: the message. */
  message?: string;
  /** send, sendToDead: where to. */
  to?: string;
  /** A formatted term was cut or elided. */
  truncated: boolean;
}

/** Events of a trace, in batches (every 200 ms, or 100 events), oldest first. */
export interface TraceEventBatch {
  traceId: number;
  events: TraceEvent[];
  /** Events dropped so far (over maxPerSecond, after the end). */
  dropped: number;
}
export const TraceEventNotification = new NotificationType<TraceEventBatch>('trace/event');

export type TraceStopReason =
  | 'stopped'
  | 'maxEvents'
  | 'duration'
  | 'overload'
  | 'disconnected'
  | 'agentStopped'
  /** The module was reloaded (recompiled, or interpreted by a debugger), which drops its patterns. */
  | 'moduleReloaded'
  /** The traced process (or every named one) ended. */
  | 'processExited';

/** What a session left behind, read back with erlang:trace_info/2 after it switched everything off. */
export interface TraceCleanup {
  verified: boolean;
  processesLeft: number;
  patternsLeft: number;
}

export interface TraceStopped {
  traceId: number;
  reason: TraceStopReason;
  events: number;
  dropped: number;
  elapsedMs: number;
  cleanup: TraceCleanup;
}
/** Sent when a trace ends, whatever ended it (also after trace/stop). */
export const TraceStoppedNotification = new NotificationType<TraceStopped>('trace/stopped');

export const TraceStart = new RequestType<TraceStartParams, TraceStartResult, void>('trace/start');
export const TraceStop = new RequestType<{ traceId: number }, TraceStopped & { node: string }, void>('trace/stop');

export interface CallsStartParams extends NodeParams {
  module: string;
  /** Also accumulated time per function (needs the call flag on the processes: same rules as a trace). */
  time?: boolean;
}

export interface CallsStartResult {
  node: string;
  traceId: number;
  mode: TraceMode;
  kind: 'counter';
  module: string;
  time: boolean;
  functionsTotal: number;
  tracedProcesses: number;
  skippedProcesses: number;
  skippedHolders: string[];
  newProcesses: boolean;
  interpreted: string[];
}

export interface FunctionCalls {
  function: string;
  arity: number;
  /** Calls since the previous read. */
  calls: number;
  /** Microseconds spent in it since the previous read (time: true), else null. */
  timeUs: number | null;
}

export interface CallsReadResult {
  node: string;
  module: string;
  time: boolean;
  /** Since the previous read (or the start). */
  intervalMs: number;
  /** The functions whose counters moved; the others had no call. */
  functions: FunctionCalls[];
}

export interface CallsStopped {
  module: string;
  reason: TraceStopReason;
  cleanup: TraceCleanup;
}
/** A call counter ended (also after calls/stop). */
export const CallsStoppedNotification = new NotificationType<CallsStopped>('calls/stopped');

export const CallsStart = new RequestType<CallsStartParams, CallsStartResult, void>('calls/start');
export const CallsRead = new RequestType<{ module: string }, CallsReadResult, void>('calls/read');
export const CallsStop = new RequestType<{ module: string }, CallsStopped & { node: string }, void>('calls/stop');

/** Which of these modules (at most 200 names) are loaded in the node. */
export const ModulesLoaded = new RequestType<{ modules: string[] }, { node: string; modules: string[] }, void>('modules/loaded');

// ---------------------------------------------------------------------------
// Errors

/** JSON-RPC error codes the agent returns, with what each means. */
export const ErrorCodes = {
  /** The frame was not valid JSON. */
  ParseError: -32700,
  /** Valid JSON but not a JSON-RPC 2.0 request (or a batch, which is not supported). */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  /** A parameter is missing, of the wrong type or out of range. */
  InvalidParams: -32602,
  /** A bug or crash inside the agent; the message says what. */
  InternalError: -32603,
  /** The process is not alive. */
  ProcessNotFound: -32001,
  /** The process does not run an OTP loop that can report its state. */
  NotOtpProcess: -32002,
  /** The process (or the request) did not answer in time. */
  Timeout: -32003,
  /** The mailbox is longer than the peek cap. */
  MailboxTooLarge: -32004,
  /** The process belongs to the agent itself. */
  AgentProcess: -32005,
  /** The pid names a node (by its first number) that the asked node is not connected to. */
  OtherNodePid: -32006,
  RateLimited: -32007,
  TooManyInflight: -32008,
  /** The request names a node the agent's node is not connected to (or that left during it). */
  NodeNotConnected: -32009,
  /** The agent could not load or start itself in the named node. */
  AgentUnavailable: -32010,
  /** The process runs interpreted code under a debugger (at a breakpoint, or in a slow interpreted callback). */
  HeldByDebugger: -32011,
  // The rest of the node (issue 12).
  /** supervisor/children of a process that is not a supervisor: it was sent nothing. */
  NotSupervisor: -32020,
  /** No ETS table by that name or id, or it was deleted since the previous page. */
  TableNotFound: -32021,
  /** A private ETS table: only its owner can read it. */
  TableNotReadable: -32022,
  /** process/kill of a process the runtime cannot lose (init, code server, kernel's processes...). */
  VitalProcess: -32023,
  /** A page of ETS rows too large to copy; ask for fewer rows. */
  PageTooLarge: -32024,
  /** One of the agent's own ETS tables (its registry holds the token). */
  AgentTable: -32025,
  // Tracing (trace/*, calls/*, modules/loaded).
  /** No such trace or call counter for this connection: it ended, or another client started it. */
  TraceNotFound: -32030,
  /** The module is not loaded (nothing is loaded on a trace's account). */
  ModuleNotLoaded: -32031,
  /** The module defines no such function (or arity). */
  FunctionNotFound: -32032,
  /** A target process has another tracer, or a function another tool's pattern or counter; the message names the holder. */
  AlreadyTraced: -32033,
  /** Too many traces or call counters on this connection. */
  TooManyTraces: -32034,
  /** The agent's own code or processes, or a whole module of the runtime. */
  NotTraceable: -32035,
  /** Tracing runs in the node of the agent the client is connected to, not in other nodes of its cluster. */
  TraceOnOtherNode: -32036,
  // issue 14: the recorder
  /** history/get or history/configure while the node's recorder is not running (it restarts with the agent). */
  HistoryUnavailable: -32040,
  // The budget for observing.
  /** A periodic processes/list while the budget is spent, with no earlier sweep of those rows to answer from. */
  BudgetExceeded: -32060,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** HTTP statuses the agent answers an upgrade request with, instead of 101. */
export const HandshakeStatus = {
  BadRequest: 400,
  /** Missing or wrong token. */
  Unauthorized: 401,
  /** An Origin header (a web page) or a Host that is not loopback. */
  Forbidden: 403,
  MethodNotAllowed: 405,
  /** The request head did not arrive within 5 s. */
  RequestTimeout: 408,
  /** Not a WebSocket upgrade, or not version 13. */
  UpgradeRequired: 426,
  /** maxClients authenticated clients already, or 32 connections still in their handshake. */
  ServiceUnavailable: 503,
} as const;

/** The discovery file `<dir>/<osPid>.json` written by every running agent. */
export interface DiscoveryFile {
  node: string;
  osPid: number;
  port: number;
  token: string;
  cwd: string | null;
  otpRelease: string;
  elixirVersion: string | null;
  agentVersion: string;
  startedAt: number;
  /** $BEAM_OBSERVER_LAUNCHED_BY of the VM: "debug:<id>" for a debug session, "terminal" for a VS Code terminal. */
  launchedBy: string | null;
}

// ---------------------------------------------------------------------------
// cluster/subscribe and load/samples: the load of a whole cluster, batched

export interface ClusterSubscribeParams {
  /** Sample interval for every member, 100 to 60000 ms; default: the agent's interval_ms (1000). */
  intervalMs?: number;
  /**
   * The members to sample, by name: exactly these from now on (others stop). At most
   * limits.maxClusterMembers; the agent's own node is refused (load/subscribe covers it).
   */
  nodes: string[];
}

export interface ClusterSubscribeResult {
  intervalMs: number;
  /** The members sampled from now on; each starts a moment later (one that cannot is reported by load/stopped). */
  nodes: string[];
  /** Names refused at once, with why. */
  refused: { node: string; code: number; message: string }[];
}

export const ClusterSubscribe = new RequestType<ClusterSubscribeParams, ClusterSubscribeResult, void>('cluster/subscribe');

/** Once per interval: the newest sample of every member of the cluster subscription. */
export interface LoadSamples {
  samples: LoadSample[];
}

export const LoadSamplesNotification = new NotificationType<LoadSamples>('load/samples');
// history (issue 14): what the node was doing over the last minutes, recorded
// inside the agent from the moment it starts (docs/protocol.md, "History").

/** A process as recorded at a moment: what identifies it after it is gone, and its figures then. */
export interface RecordedProcess {
  pid: PidText;
  name: string | null;
  /** The real initial call (proc_lib processes: from $initial_call). */
  initialCall: Mfa | null;
  /** What it was running when the moment was recorded. */
  currentFunction: Mfa | null;
  /** Reductions over the moment's interval, less what the agent's own reads cost it. */
  reductions: number;
  /** Bytes. */
  memory: number;
  messageQueueLen: number;
  status: ProcessStatus;
  agent: boolean;
  debugger: boolean;
  /** Whether it is alive when the history is asked for (false: it exited since). */
  alive: boolean;
}

/** One recorded moment: the load over its interval and the top processes. */
export interface RecordedMoment {
  /** Wall clock (ms since the epoch) when it was recorded: the end of its interval. */
  timestamp: number;
  /** The span it covers, ending at `timestamp`. */
  intervalMs: number;
  /** The interval the recorder aimed for (the configured one, or longer to stay within its budget). */
  plannedMs: number;
  /** The load sample over the same interval. */
  sample: LoadSample;
  /** Each process of the top lists once. */
  processes: RecordedProcess[];
  /** Indices into `processes`, highest first: by reductions (only those that ran), memory, queue (only those with one). */
  top: { reductions: number[]; memory: number[]; messageQueueLen: number[] };
  /** What recording this moment cost the node (µs of the recorder's work). */
  costUs: number;
  processCount: number;
  scanned: number;
}

/** The recorder's settings (history/configure changes them). */
export interface HistorySettings {
  /** Moments older than this are dropped (60..3600 s, default 600). */
  windowS: number;
  /** Processes kept per key and moment (1..100, default 20). */
  topN: number;
  /** The shortest interval between moments (1000..60000 ms, default 1000). */
  intervalMs: number;
  /** The history's size cap (flat size of what is kept, 65536..8388608 bytes, default 8 MiB). */
  maxBytes: number;
}

export interface HistoryState extends HistorySettings {
  node: string;
  /** The interval planned for the next moment (at least intervalMs; longer to stay within 1% of a scheduler). */
  plannedMs: number;
  /** The size of what is kept now, bytes. */
  bytes: number;
  /** When the recorder started (ms since the epoch). */
  recordingSince: number;
  /** The recorder's busy time since it started, µs. */
  busyUs: number;
  /** The share of one scheduler the recorder plans within: 1%, or half the node's budget when less. */
  budgetShare?: number;
}

export interface HistoryGetParams extends NodeParams {
  /** Only moments recorded at or after this time (ms since the epoch). */
  since?: number;
  /** Only moments recorded at or before this time. */
  until?: number;
}

export interface HistoryResult extends HistoryState {
  /** Oldest first. */
  moments: RecordedMoment[];
  /** Spans between the moments returned that no moment covers (the recorder started afresh). */
  gaps: { from: number; to: number }[];
  /** The oldest moment held (whatever since was asked), or null. */
  oldest: number | null;
}

export const HistoryGet = new RequestType<HistoryGetParams, HistoryResult, void>('history/get');

export interface HistoryConfigureParams extends NodeParams, Partial<HistorySettings> {}
export const HistoryConfigure = new RequestType<HistoryConfigureParams, HistoryState, void>('history/configure');

// ---------------------------------------------------------------------------
// The budget for observing (issue 17): the agent's periodic work on a node
// (sampler, the tree's sweeps, recorder, cluster batches, traces'
// bookkeeping) shares one allowance, a share of one scheduler, set for the
// node (every client shares it). docs/protocol.md, "The budget".

/** The kinds of work charged to the budget. */
export type BudgetKind = 'sampler' | 'sweeps' | 'explicit' | 'recorder' | 'cluster' | 'trace';
export const BUDGET_KINDS: readonly BudgetKind[] = ['sampler', 'sweeps', 'explicit', 'recorder', 'cluster', 'trace'];

export interface BudgetStatus {
  /** A share of one scheduler (0.02: 2%). */
  share: number;
  /** The allowance is averaged over this window (the most it saves up). */
  windowMs: number;
  /** What it holds now, µs of scheduler time; below 0: in debt. */
  balanceUs: number;
  /** 0, or when a periodic sweep is allowed again. */
  nextPeriodicInMs: number;
}

export interface BudgetInfo extends BudgetStatus {
  /** The shares budget/set accepts. */
  range: [number, number];
  /** What each kind has cost since the agent started, µs. */
  byKindUs: Record<BudgetKind, number>;
  /** All the agent's work since it started, µs (byKindUs plus requests). */
  busyUs: number;
}

export const BudgetGet = new RequestType<NodeParams, BudgetInfo, void>('budget/get');

export interface BudgetSetParams extends NodeParams {
  /** Within BudgetInfo.range (0.001..0.5). */
  share: number;
}
export const BudgetSet = new RequestType<BudgetSetParams, BudgetInfo, void>('budget/set');
