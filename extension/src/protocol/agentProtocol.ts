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
}

export type Capability =
  | 'load'
  | 'processes/list'
  | 'process/info'
  | 'process/state'
  | 'process/messages'
  | 'cluster'
  // issue 14: history/get, history/configure
  | 'history';

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
  /** What the agent itself cost during the interval. */
  agent: { reductions: number; busyUs: number };
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
  reason: 'nodeDown' | string;
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
  sweepMs: number;
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
  // issue 14: the recorder
  /** history/get or history/configure while the node's recorder is not running (it restarts with the agent). */
  HistoryUnavailable: -32040,
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
