/**
 * The load-charts webview in plain headless Chromium, without VS Code: a
 * loopback HTTP server serves the very page the extension host builds
 * (extension/src/views/loadChartsHtml.ts, same CSP) with dist/webview.js and
 * a stand-in for VS Code's theme variables; tests drive it with
 * window.postMessage, as the host does, and read window.__beamCharts.
 * Shared by test/webview and test/bench.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { HostToWebview } from '../../extension/src/protocol/webviewProtocol';
import { chartsHtml, newNonce, type ChartsSurface } from '../../extension/src/views/loadChartsHtml';
import { clusterHtml } from '../../extension/src/views/clusterOverviewHtml';
import { ROOT } from './beamNode';
import type { BeamChartsTestHook, ChartsSnapshot } from '../../webview/src/testHookTypes';
import { BODY_CLASS, themeCss, type ThemeName } from './vscodeThemes';

/** The page's globals that the functions below run against (this compilation has no DOM library). */
declare const window: { __beamCharts?: BeamChartsTestHook; postMessage(message: unknown, targetOrigin: string): void };

export const CHROMIUM = '/usr/bin/chromium';
const DIST = join(ROOT, 'dist');

export interface ChartsServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves /charts?theme=&surface=, /cluster?theme= (the cluster overview), /theme/<name>.css
 * and /dist/{webview,cluster}.{js,css} on 127.0.0.1.
 */
export async function startChartsServer(): Promise<ChartsServer> {
  for (const file of ['webview.js', 'webview.css']) {
    if (!existsSync(join(DIST, file))) throw new Error(`dist/${file} is missing: run node scripts/build.mjs first`);
  }
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const send = (type: string, body: string | Buffer) => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (url.pathname === '/charts') {
      const theme = (url.searchParams.get('theme') ?? 'dark') as ThemeName;
      const surface = (url.searchParams.get('surface') ?? 'panel') as ChartsSurface;
      send(
        'text/html; charset=utf-8',
        chartsHtml({
          cspSource: origin,
          nonce: newNonce(),
          scriptUri: `${origin}/dist/webview.js`,
          styleUri: `${origin}/dist/webview.css`,
          extraStyleUris: [`${origin}/theme/${theme}.css`],
          bodyClass: BODY_CLASS[theme],
          surface,
        }),
      );
    } else if (url.pathname === '/cluster') {
      const theme = (url.searchParams.get('theme') ?? 'dark') as ThemeName;
      send(
        'text/html; charset=utf-8',
        clusterHtml({
          cspSource: origin,
          nonce: newNonce(),
          scriptUri: `${origin}/dist/cluster.js`,
          styleUri: `${origin}/dist/cluster.css`,
          extraStyleUris: [`${origin}/theme/${theme}.css`],
          bodyClass: BODY_CLASS[theme],
        }),
      );
    } else if (url.pathname.startsWith('/theme/')) {
      send('text/css', themeCss(url.pathname.slice('/theme/'.length).replace(/\.css$/, '') as ThemeName));
    } else if (/^\/dist\/(webview|cluster)\.(js|css)$/.test(url.pathname) && existsSync(join(DIST, url.pathname.slice('/dist/'.length)))) {
      const file = url.pathname.slice('/dist/'.length);
      send(file.endsWith('.js') ? 'text/javascript' : 'text/css', readFileSync(join(DIST, file)));
    } else if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface ChartsBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<ChartsBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'beam-charts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ChartsPageHandle {
  page: Page;
  /** Console errors and CSP violations seen so far. */
  errors: string[];
  post(message: HostToWebview): Promise<void>;
  /** Post messages in one task, as a burst from the host would arrive. */
  postAll(messages: HostToWebview[]): Promise<void>;
  /** Resolve after the charts drew at least one more frame than `after`. */
  nextFrame(after: number, timeoutMs?: number): Promise<void>;
  snapshot(): Promise<ChartsSnapshot>;
  /** How long the last frames took to draw, ms, as the page measured them. */
  frameTimes(): Promise<number[]>;
}

export async function openChartsPage(
  context: BrowserContext,
  server: ChartsServer,
  options: { theme: ThemeName; surface?: ChartsSurface; width: number; height: number },
): Promise<ChartsPageHandle> {
  const page = await context.newPage();
  await page.setViewportSize({ width: options.width, height: options.height });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.origin}/charts?theme=${options.theme}&surface=${options.surface ?? 'panel'}`);
  await page.waitForFunction(() => window.__beamCharts !== undefined);
  const snapshot = () => page.evaluate(() => window.__beamCharts!.snapshot());
  return {
    page,
    errors,
    snapshot,
    frameTimes: () => page.evaluate(() => window.__beamCharts!.frameTimes()),
    post: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
    postAll: (messages) =>
      page.evaluate((ms) => {
        for (const m of ms) window.postMessage(m, '*');
      }, messages),
    async nextFrame(after, timeoutMs = 5000) {
      await page.waitForFunction((n) => window.__beamCharts!.snapshot().frames > n, after, { timeout: timeoutMs, polling: 'raf' });
    },
  };
}
