import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chartsCsp, chartsHtml, newNonce } from '../../extension/src/views/loadChartsHtml';

describe('load charts page', () => {
  const page = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'n0nce',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
    surface: 'sidebar' as const,
  };

  it('allows only our nonce-tagged script and styles from the extension', () => {
    const csp = chartsCsp(page.cspSource, page.nonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-n0nce'(;|$)/);
    assert.match(csp, /style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net(;|$)/);
    assert.doesNotMatch(csp, /unsafe-|\*|https?:(;| )/);
  });

  it('is a bare page: the CSP, one stylesheet, one script with the nonce', () => {
    const html = chartsHtml(page);
    assert.ok(html.includes(`content="${chartsCsp(page.cspSource, page.nonce)}"`));
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="n0nce" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.js"><\/script>/);
    assert.equal(html.match(/<link rel="stylesheet"/g)?.length, 1);
    assert.match(html, /<body data-surface="sidebar">/);
    assert.doesNotMatch(html, /\sstyle=|\son\w+=|<style/, 'no inline style or handler');
  });

  it('draws a fresh nonce each load', () => {
    const nonces = new Set(Array.from({ length: 20 }, newNonce));
    assert.equal(nonces.size, 20);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9_-]{24}$/);
  });
});
