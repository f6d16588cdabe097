/**
 * The trace panel's side of webviewProtocol.ts ("The BEAM Trace panel").
 * Outside VS Code (no acquireVsCodeApi) posts go nowhere: tests install an
 * acquireVsCodeApi stand-in, so they exercise the very path VS Code uses.
 */
import type { HostToTraceWebview, TraceWebviewToHost } from '../../../extension/src/protocol/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

const TYPES = new Set(['setup', 'started', 'events', 'stopped', 'error', 'pidInfo']);

export class TraceBridge {
  // VS Code allows one acquireVsCodeApi() call per page: take it once, here.
  private readonly api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;

  post(message: TraceWebviewToHost): void {
    this.api?.postMessage(message);
  }

  /** Only messages of a known type reach the handler: anything else posted to the window is ignored. */
  onMessage(handler: (message: HostToTraceWebview) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { type?: unknown } | null | undefined;
      if (data && typeof data === 'object' && typeof data.type === 'string' && TYPES.has(data.type)) handler(data as HostToTraceWebview);
    });
  }
}
