/**
 * The cluster page's side of webviewProtocol.ts ("cluster overview"). Its
 * own small bridge rather than ../hostBridge.ts, whose types are the load
 * charts' messages. Outside VS Code (no acquireVsCodeApi) posts go nowhere:
 * the tests install an acquireVsCodeApi stand-in, so they exercise the very
 * path VS Code uses.
 */
import type { ClusterWebviewToHost, HostToClusterWebview } from '../../../extension/src/protocol/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

export type ClusterMessage = Extract<HostToClusterWebview, { type: 'cluster' }>;

export class ClusterBridge {
  // VS Code allows one acquireVsCodeApi() call per page: take it once, here.
  private readonly api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;

  post(message: ClusterWebviewToHost): void {
    this.api?.postMessage(message);
  }

  /** Only well-formed table messages reach the handler: anything else posted to the window is ignored. */
  onMessage(handler: (message: ClusterMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as Partial<ClusterMessage> | null | undefined;
      if (data && typeof data === 'object' && data.type === 'cluster' && Array.isArray(data.rows)) handler(data as ClusterMessage);
    });
  }
}
