/**
 * Messages between the extension host and the load-charts webview. The
 * webview never talks to the agent: the host forwards samples it already
 * has, and the webview sends back only UI events.
 */
import type { LoadSample, SchedulerCounts } from './agentProtocol';
import type { Mfa, PidText, TraceCall, TraceEvent, TraceLimits, TraceStopReason } from './agentProtocol';
import type { RecordedTime } from './recordingFormat';
import type { QueueLoad } from '../shared/overload';

/** 'recording': the charts show a recording opened from a file, with no node attached (issue 14). */
export type ChartConnectionState = 'connecting' | 'connected' | 'lost' | 'disconnected' | 'recording';

export interface ChartNode {
  id: string;
  name: string;
  otpRelease: string;
  schedulers: SchedulerCounts;
  state: ChartConnectionState;
}

export type HostToWebview =
  /** Replace everything: a new node was selected (or none), with its recorded history. */
  | { type: 'reset'; node: ChartNode | null; samples: LoadSample[] }
  /** One new sample of the shown node. */
  | { type: 'sample'; nodeId: string; sample: LoadSample }
  /** The shown node's connection changed. */
  | { type: 'state'; nodeId: string; state: ChartConnectionState }
  /** The nodes the user may switch to (every connection's node and its cluster's members). */
  | { type: 'nodes'; choices: NodeChoice[]; selected: string | null }
  /** issue 14: the instant or range the process tree shows (marked on every chart), or null for the present. */
  | { type: 'asOf'; asOf: RecordedTime | null };

/** A node the charts can show; `id` is the ChartNode id it gets when selected. */
export interface NodeChoice {
  id: string;
  label: string;
  /** E.g. "via a@host", "left the cluster". */
  detail: string;
}

export type WebviewToHost =
  /** The webview has loaded and wants a reset. */
  | { type: 'ready' }
  /** Save recorded samples: the webview formats them, the host asks where to write. */
  | { type: 'export'; format: 'json' | 'csv'; fileName: string; content: string }
  /** From the sidebar: open the roomy editor panel. */
  | { type: 'openPanel' }
  /** The user picked another node in the charts' node picker. */
  | { type: 'selectNode'; id: string }
  /** issue 14: a click on a chart: show the processes as of this instant (ms since the epoch). */
  | { type: 'pickTime'; at: number }
  /** issue 14: a drag across a chart: show the processes that ranked highest over this range. */
  | { type: 'pickRange'; from: number; to: number };

// ---------------------------------------------------------------------------
// The cluster overview webview (one editor panel): every node of the cluster
// the selected agent's node belongs to, side by side.

/** up: samples arrive; loading: the agent is loading itself there; gone: the node left; error: it could not be observed. */
export type ClusterRowState = 'up' | 'loading' | 'gone' | 'error';

/** The latest figures of one node, from its newest load sample. */
export interface ClusterFigures {
  timestamp: number;
  /** Average busy fraction 0..1 of the online normal schedulers. */
  utilisation: number;
  dirtyCpuUtilisation: number;
  schedulersOnline: number;
  /** Sum of the normal run queues, averaged over the interval, and its maximum. */
  runQueue: number;
  runQueueMax: number;
  /** Bytes (erlang:memory(total)). */
  memory: number;
  processes: number;
  processLimit: number;
}

export interface ClusterRow {
  name: string;
  state: ClusterRowState;
  hidden: boolean;
  /** The node the agent runs in (the one the extension is connected to). */
  agentNode: boolean;
  /** When it left (ms since the epoch), for state 'gone'. */
  goneAt: number | null;
  /** Why it cannot be observed, for state 'error'. */
  error: string | null;
  figures: ClusterFigures | null;
  /** Recent utilisation values 0..1, oldest first (at most 60), for a sparkline. */
  utilisationHistory: number[];
  /**
   * The shared overload rule (shared/overload.ts) over the node's recorded
   * samples: the newest run queue above the guide, or above it for
   * OVERLOAD_MIN_SAMPLES samples in a row. 'normal' for a node not sending samples.
   */
  queueLoad: QueueLoad;
}

export type { QueueLoad };

export type HostToClusterWebview =
  /** The whole table; sent on every change, at most a few times a second. */
  {
    type: 'cluster';
    agentNode: string | null;
    selected: string | null;
    rows: ClusterRow[];
    /** Not 'connected': the rows are the last known ones while the extension reconnects. */
    connection?: 'connected' | 'connecting' | 'lost';
  };

export type ClusterWebviewToHost =
  | { type: 'ready' }
  /** The user picked a node: the process tree and charts switch to it. */
  | { type: 'selectNode'; node: string };

// ---------------------------------------------------------------------------
// The BEAM Trace panel (one editor panel): a trace's set-up (its limits,
// editable before it starts), its events as a table, and why it ended. The
// host runs the trace through the agent; the webview only shows and asks.

/** What a trace follows: calls of some functions, or one process's messages. */
export type TraceTarget = { kind: 'calls'; label: string; calls: TraceCall[] } | { kind: 'messages'; label: string; pid: PidText };

export type HostToTraceWebview =
  /** A new target: the form, with the limits to start with and the agent's caps. */
  | {
      type: 'setup';
      node: string;
      target: TraceTarget;
      limits: TraceLimits;
      caps: TraceLimits;
      detail: 'arity' | 'args';
      returns: boolean;
    }
  /** The trace runs; `notes` say what to know (processes left to another tracer, interpreted modules, the mode). */
  | { type: 'started'; traceId: number; limits: TraceLimits; returns: boolean; notes: string[] }
  /** New events, oldest first; `dropped` so far. */
  | { type: 'events'; events: TraceEvent[]; dropped: number }
  /** The trace ended: `text` says why. */
  | { type: 'stopped'; reason: TraceStopReason; text: string; events: number; dropped: number }
  /** Starting or stopping failed. */
  | { type: 'error'; message: string }
  /** The answer to a pidInfo request: a one-line summary of the process. */
  | { type: 'pidInfo'; pid: PidText; text: string };

export type TraceWebviewToHost =
  | { type: 'ready' }
  | { type: 'start'; limits: TraceLimits; detail: 'arity' | 'args'; returns: boolean }
  | { type: 'stop' }
  /** A click on a call: open the function's source. */
  | { type: 'openFunction'; function: Mfa }
  | { type: 'revealPid'; pid: PidText }
  /** Hovering a pid: ask for its summary. */
  | { type: 'pidInfo'; pid: PidText };
