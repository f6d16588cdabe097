/**
 * The BEAM Trace page as the extension host serves it: a bare document under
 * the load charts' Content-Security-Policy (webviewPage: a nonce for the one
 * script, styles from the extension only), dist/trace.css and dist/trace.js.
 * Traced terms come from the node and are never written here: the webview
 * builds the table from messages. No `vscode` import.
 */
import { webviewPage, type WebviewPage } from './loadChartsHtml';

export function traceHtml(page: WebviewPage): string {
  return webviewPage(page, 'BEAM Trace');
}
