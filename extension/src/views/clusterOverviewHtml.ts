/**
 * The cluster overview page as the extension host serves it: a bare
 * document under the load charts' Content-Security-Policy (chartsCsp), one
 * stylesheet and one nonce-tagged script (dist/cluster.css, dist/cluster.js).
 * Node names come from the network and are never written here: the webview
 * builds the table from messages. No `vscode` import, so the
 * headless-Chromium tests serve exactly this page.
 */
import { chartsCsp, newNonce } from './loadChartsHtml';

export { newNonce };

export interface ClusterPage {
  /** webview.cspSource in VS Code; the test server's origin in tests. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** A fresh one per load; see newNonce(). */
  nonce: string;
  /** Extra stylesheets, after ours: the test pages' stand-in for VS Code's theme variables. */
  extraStyleUris?: string[];
  /** Body classes, as VS Code sets them (vscode-dark, vscode-light, vscode-high-contrast). */
  bodyClass?: string;
}

const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function clusterHtml(page: ClusterPage): string {
  const styles = [page.styleUri, ...(page.extraStyleUris ?? [])]
    .map((uri) => `<link rel="stylesheet" href="${attr(uri)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(chartsCsp(page.cspSource, page.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    ${styles}
    <title>BEAM Cluster</title>
  </head>
  <body${page.bodyClass ? ` class="${attr(page.bodyClass)}"` : ''}>
    <div id="app"></div>
    <script nonce="${attr(page.nonce)}" src="${attr(page.scriptUri)}"></script>
  </body>
</html>
`;
}
