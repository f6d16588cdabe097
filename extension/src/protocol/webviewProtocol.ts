/**
 * Messages between the extension host and the load-charts webview. The
 * webview never talks to the agent: the host forwards samples it already
 * has, and the webview sends back only UI events.
 */
import type { LoadSample, SchedulerCounts } from './agentProtocol';

export type ChartConnectionState = 'connecting' | 'connected' | 'lost' | 'disconnected';

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
  | { type: 'state'; nodeId: string; state: ChartConnectionState };

export type WebviewToHost =
  /** The webview has loaded and wants a reset. */
  | { type: 'ready' }
  /** Save recorded samples: the webview formats them, the host asks where to write. */
  | { type: 'export'; format: 'json' | 'csv'; fileName: string; content: string }
  /** From the sidebar: open the roomy editor panel. */
  | { type: 'openPanel' };
