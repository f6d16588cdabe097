/**
 * The load-charts page as the extension host serves it: a bare document with
 * a strict Content-Security-Policy, one stylesheet and one nonce-tagged
 * script (dist/webview.css, dist/webview.js). Nothing from a node's data is
 * ever written here; the webview builds everything visible from messages.
 * No `vscode` import, so the headless-Chromium tests serve exactly this page.
 */
import { randomBytes } from 'node:crypto';

export type ChartsSurface = 'sidebar' | 'panel';

export interface ChartsPage {
  /** webview.cspSource in VS Code; the test server's origin in tests. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  surface: ChartsSurface;
  /** A fresh one per load; see newNonce(). */
  nonce: string;
  /** Extra stylesheets, after ours: the test pages' stand-in for VS Code's theme variables. */
  extraStyleUris?: string[];
  /** Body classes, as VS Code sets them (vscode-dark, vscode-light, vscode-high-contrast). */
  bodyClass?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** Content-Security-Policy of the charts page: nothing but our own script (by nonce) and styles. */
export function chartsCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function chartsHtml(page: ChartsPage): string {
  return webviewPage(page, 'BEAM Load', { 'data-surface': page.surface });
}

/** The parts of a page that every BEAM Observer webview shares. */
export interface WebviewPage {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  extraStyleUris?: string[];
  bodyClass?: string;
}

const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A bare document under chartsCsp: our stylesheets, one nonce-tagged script, an empty #app. */
export function webviewPage(page: WebviewPage, title: string, bodyAttributes: Record<string, string> = {}): string {
  const styles = [page.styleUri, ...(page.extraStyleUris ?? [])].map((uri) => `<link rel="stylesheet" href="${attr(uri)}">`).join('\n    ');
  const attributes = Object.entries({ ...bodyAttributes, ...(page.bodyClass ? { class: page.bodyClass } : {}) })
    .map(([name, value]) => ` ${name}="${attr(value)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(chartsCsp(page.cspSource, page.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    ${styles}
    <title>${attr(title)}</title>
  </head>
  <body${attributes}>
    <div id="app"></div>
    <script nonce="${attr(page.nonce)}" src="${attr(page.scriptUri)}"></script>
  </body>
</html>
`;
}
