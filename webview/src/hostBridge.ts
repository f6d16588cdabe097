/**
 * The webview's side of webviewProtocol.ts. Inside VS Code, messages go out
 * through acquireVsCodeApi(); outside it (a test page in plain Chromium),
 * they are kept in `undelivered` for the page to read. Messages come in as
 * window "message" events either way, so a test page drives the charts with
 * window.postMessage exactly as the extension host does.
 */
import type { HostToWebview, WebviewToHost } from '../../extension/src/protocol/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** What survives the webview being hidden and shown again (VS Code reloads it). */
export interface PersistedState {
  windowMs?: number;
}

export class HostBridge {
  readonly inVsCode: boolean;
  private readonly api: VsCodeApi | undefined;
  private readonly outbox: WebviewToHost[] = [];

  constructor() {
    this.api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
    this.inVsCode = this.api !== undefined;
  }

  post(message: WebviewToHost): void {
    if (this.api) this.api.postMessage(message);
    else this.outbox.push(message);
  }

  /** Outside VS Code: what would have gone to the host, oldest first. */
  get undelivered(): readonly WebviewToHost[] {
    return this.outbox;
  }

  onMessage(handler: (message: HostToWebview) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as HostToWebview | undefined;
      if (data && typeof data === 'object' && typeof data.type === 'string') handler(data);
    });
  }

  get state(): PersistedState {
    return (this.api?.getState() as PersistedState | undefined) ?? {};
  }

  set state(state: PersistedState) {
    this.api?.setState(state);
  }
}
