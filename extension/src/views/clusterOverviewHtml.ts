/**
 * The cluster overview page as the extension host serves it: a bare
 * document under the load charts' Content-Security-Policy (webviewPage), one
 * stylesheet and one nonce-tagged script (dist/cluster.css, dist/cluster.js).
 * Node names come from the network and are never written here: the webview
 * builds the table from messages. No `vscode` import, so the
 * headless-Chromium tests serve exactly this page.
 */
import { newNonce, webviewPage, type WebviewPage } from './loadChartsHtml';

export { newNonce };

export type ClusterPage = WebviewPage;

export function clusterHtml(page: ClusterPage): string {
  return webviewPage(page, 'BEAM Cluster');
}
