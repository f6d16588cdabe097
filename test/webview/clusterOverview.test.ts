/**
 * The cluster overview webview (dist/cluster.js) in headless Chromium,
 * without VS Code, served by the page the extension host builds
 * (extension/src/views/clusterOverviewHtml.ts, same CSP) through
 * test/support/chartPage.ts. An acquireVsCodeApi stand-in records what the
 * page posts, so the page runs the very code path it runs in VS Code. Checks
 * what the table shows, the overload rule, picking a node by mouse and
 * keyboard, focus across re-renders, that names from the network stay text,
 * the empty states, and no CSP violation. Screenshots go to
 * test-output/webview/cluster-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type {
  ClusterFigures,
  ClusterRow,
  ClusterWebviewToHost,
  HostToClusterWebview,
  QueueLoad,
} from '../../extension/src/protocol/webviewProtocol';
import { launchChromium, startChartsServer, type ChartsBrowser, type ChartsServer } from '../support/chartPage';
import { ROOT } from '../support/beamNode';
import { themeColor, type ThemeName } from '../support/vscodeThemes';
import { waitForAsync } from '../support/wait';

const SHOTS = join(ROOT, 'test-output', 'webview');

/** The page's globals the functions below run against (this compilation has no DOM library). */
declare const window: {
  __posted: ClusterWebviewToHost[];
  __violations: string[];
  postMessage(message: unknown, targetOrigin: string): void;
};
declare const document: {
  activeElement: { getAttribute(name: string): string | null; blur(): void } | null;
  body: { appendChild(node: unknown): void };
  createElement(tag: string): { setAttribute(name: string, value: string): void };
  documentElement: { scrollWidth: number };
  querySelector(selector: string): { scrollWidth: number; clientWidth: number } | null;
};
declare function getComputedStyle(element: unknown): { color: string; backgroundColor: string; opacity: string };

/**
 * Runs before the page's own script: VS Code's acquireVsCodeApi (once per
 * page, as VS Code allows), and a log of CSP violations as the document
 * reports them.
 */
const INIT_SCRIPT = `(() => {
  const posted = [];
  const violations = [];
  let acquired = false;
  Object.defineProperty(window, '__posted', { value: posted });
  Object.defineProperty(window, '__violations', { value: violations });
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (message) => posted.push(JSON.parse(JSON.stringify(message))),
      getState: () => undefined,
      setState: () => {},
    });
  };
})();`;

interface ClusterPage {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  dialogs: string[];
  post(message: HostToClusterWebview): Promise<void>;
  posted(): Promise<ClusterWebviewToHost[]>;
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

let server: ChartsServer;
let browser: ChartsBrowser;

before(async () => {
  for (const file of ['cluster.js', 'cluster.css']) {
    if (!existsSync(join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run node scripts/build.mjs first`);
  }
  mkdirSync(SHOTS, { recursive: true });
  server = await startChartsServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(theme: ThemeName, width = 1100, height = 320): Promise<ClusterPage> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.addInitScript({ content: INIT_SCRIPT });
  await page.goto(`${server.origin}/cluster?theme=${theme}`);
  await page.waitForFunction(() => window.__posted.length > 0);
  return {
    page,
    errors,
    dialogs,
    // The table is rendered synchronously on the message: one evaluate later, it is in the DOM.
    post: async (message) => {
      await page.evaluate((m) => window.postMessage(m, '*'), message);
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    },
    posted: () => page.evaluate(() => [...window.__posted]),
    violations: () => page.evaluate(() => [...window.__violations]),
    close: () => page.close(),
  };
}

// ---------------------------------------------------------------------------
// The table the tests show: one node up and overloaded (the agent's), one
// loading, one gone (hidden).

const T0 = Date.UTC(2024, 4, 6, 13, 0, 0);
const GONE_AT = Date.UTC(2024, 4, 6, 12, 34, 56);
const GiB = 1024 ** 3;

function busyFigures(timestamp: number, runQueue = 9.4): ClusterFigures {
  return {
    timestamp,
    utilisation: 0.83,
    dirtyCpuUtilisation: 0.12,
    schedulersOnline: 4,
    runQueue,
    runQueueMax: 17,
    memory: 1.5 * GiB,
    processes: 52_428,
    processLimit: 262_144,
  };
}

const history = Array.from({ length: 60 }, (_, i) => 0.4 + 0.4 * Math.sin(i / 6) ** 2);

function rows(timestamp = T0, runQueue = 9.4, queueLoad: QueueLoad = 'overloaded'): ClusterRow[] {
  return [
    {
      name: 'app@host1',
      state: 'up',
      hidden: false,
      agentNode: true,
      goneAt: null,
      error: null,
      figures: busyFigures(timestamp, runQueue),
      utilisationHistory: history,
      queueLoad,
    },
    {
      name: 'worker@host2',
      state: 'loading',
      hidden: false,
      agentNode: false,
      goneAt: null,
      error: null,
      figures: null,
      utilisationHistory: [],
      queueLoad: 'normal',
    },
    {
      name: 'old@host3',
      state: 'gone',
      hidden: true,
      agentNode: false,
      goneAt: GONE_AT,
      error: null,
      figures: {
        timestamp: GONE_AT - 1000,
        utilisation: 0.05,
        dirtyCpuUtilisation: 0,
        schedulersOnline: 2,
        runQueue: 0,
        runQueueMax: 1,
        memory: 48 * 1024 ** 2,
        processes: 312,
        processLimit: 1_048_576,
      },
      utilisationHistory: history.slice(0, 20).map((v) => v / 4),
      // The host's last verdict for a node that left is never shown.
      queueLoad: 'overloaded',
    },
  ];
}

function cluster(list: ClusterRow[], selected: string | null = 'app@host1'): HostToClusterWebview {
  return { type: 'cluster', agentNode: 'app@host1', selected, rows: list };
}

/** The host's verdict (clusterRows.ts, overloadRule.ts): overloaded. */
async function showOverloaded(page: ClusterPage): Promise<void> {
  await page.post(cluster(rows(T0)));
}

const row = (page: ClusterPage, node: string) => page.page.locator(`tr.cluster-row[data-node="${node}"]`);
const cellText = (page: ClusterPage, node: string, selector: string) => row(page, node).locator(selector).textContent();

/** The page's own clock format, so the test holds in any time zone. */
const localClock = (page: ClusterPage, ms: number) => page.page.evaluate((t) => new Date(t).toTimeString().slice(0, 8), ms);

function rgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

describe('cluster overview webview', () => {
  let dark: ClusterPage;

  before(async () => {
    dark = await open('dark');
  });

  after(async () => {
    await dark?.close();
  });

  test('asks the host for the table once, and says it is not connected until told otherwise', async () => {
    assert.deepEqual(await dark.posted(), [{ type: 'ready' }]);
    const empty = dark.page.locator('.empty');
    assert.equal(await empty.isVisible(), true);
    assert.match((await empty.textContent()) ?? '', /^Not connected to a node\./);
    assert.equal(await dark.page.locator('.cluster-table').isVisible(), false);
  });

  test('shows every node: names, states, figures, the agent and hidden markers, the selection', async () => {
    await dark.post(cluster(rows()));
    assert.equal(await dark.page.locator('.empty').isVisible(), false);
    assert.equal(await dark.page.locator('.summary-title').textContent(), 'Cluster of app@host1');
    assert.equal(await dark.page.locator('.summary-counts').textContent(), '3 nodes, 1 up, 1 gone, 1 overloaded');

    // Names, in the host's order, as the grid exposes them.
    assert.deepEqual(await dark.page.locator('tbody .node-name').allTextContents(), ['app@host1', 'worker@host2', 'old@host3']);
    assert.deepEqual(await dark.page.getByRole('row').locator('.node-name').allTextContents(), ['app@host1', 'worker@host2', 'old@host3']);

    // The agent's node is marked, and only it; the hidden node is marked and dimmed.
    assert.equal(await row(dark, 'app@host1').locator('.badge-agent').isVisible(), true);
    assert.equal(await row(dark, 'worker@host2').locator('.badge-agent').isVisible(), false);
    assert.equal(await row(dark, 'old@host3').locator('.badge-agent').isVisible(), false);
    assert.equal(await row(dark, 'old@host3').locator('.badge-hidden').isVisible(), true);
    assert.equal(await row(dark, 'app@host1').locator('.badge-hidden').isVisible(), false);
    const nameColour = (node: string) =>
      row(dark, node)
        .locator('.node-name')
        .evaluate((e) => getComputedStyle(e).color);
    assert.equal(await nameColour('old@host3'), rgb(themeColor('dark', 'descriptionForeground')), 'hidden node dimmed');
    assert.equal(await nameColour('worker@host2'), rgb(themeColor('dark', 'foreground')));

    // States.
    assert.equal(await cellText(dark, 'app@host1', '.state'), 'up');
    assert.equal(await cellText(dark, 'worker@host2', '.state'), 'loading…');
    assert.equal(await cellText(dark, 'old@host3', '.state'), `gone since ${await localClock(dark, GONE_AT)}`);

    // Utilisation: the figure, the bar as wide as the figure, dirty CPU apart, a 60-sample sparkline.
    assert.equal(await cellText(dark, 'app@host1', '.util-pct'), '83%');
    assert.equal(await cellText(dark, 'app@host1', '.util-dirty'), 'dirty 12%');
    assert.equal(await cellText(dark, 'old@host3', '.util-pct'), '5%');
    const barShare = async (node: string, bar: string) => {
      const track = await row(dark, node).locator(`${bar}`).boundingBox();
      const fill = await row(dark, node).locator(`${bar} .bar-fill`).boundingBox();
      return fill!.width / track!.width;
    };
    assert.ok(Math.abs((await barShare('app@host1', '.bar-normal')) - 0.83) < 0.02);
    assert.ok(Math.abs((await barShare('app@host1', '.bar-dirty')) - 0.12) < 0.02);
    const line = await row(dark, 'app@host1').locator('.sparkline-line').getAttribute('d');
    assert.equal(line?.match(/[ML]/g)?.length, 60, 'a point per history value');
    const shortLine = await row(dark, 'old@host3').locator('.sparkline-line').getAttribute('d');
    assert.equal(shortLine?.match(/[ML]/g)?.length, 20);
    assert.match(shortLine ?? '', /^M40,/, 'a short history ends at the right edge, "now"');

    // Run queue, memory, processes.
    assert.equal(await cellText(dark, 'app@host1', '.queue-avg'), '9.4');
    assert.equal(await cellText(dark, 'app@host1', '.queue-max'), 'max 17');
    assert.equal(await cellText(dark, 'app@host1', '.memory'), '1.5 GB');
    assert.equal(await cellText(dark, 'old@host3', '.memory'), '48 MB');
    assert.equal(await cellText(dark, 'app@host1', '.process-count'), '52k');
    assert.equal(await cellText(dark, 'app@host1', '.process-share'), '20% of 262k');
    assert.equal(await cellText(dark, 'old@host3', '.process-share'), '<1% of 1M');

    // A loading node has no figures yet: dashes, no bars.
    for (const selector of ['.util-pct', '.queue-avg', '.memory', '.process-count']) {
      assert.equal(await cellText(dark, 'worker@host2', selector), '—', selector);
    }
    assert.equal(await row(dark, 'worker@host2').locator('.bar-normal').isVisible(), false);

    // The selected node's row, and only it.
    assert.deepEqual(await dark.page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('aria-selected'))), [
      'true',
      'false',
      'false',
    ]);
    const background = (node: string) => row(dark, node).evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(await background('app@host1'), rgb(themeColor('dark', 'list-activeSelectionBackground')));
    assert.notEqual(await background('worker@host2'), rgb(themeColor('dark', 'list-activeSelectionBackground')));

    await dark.post(cluster(rows(), 'old@host3'));
    assert.equal(await row(dark, 'old@host3').getAttribute('aria-selected'), 'true');
    assert.equal(await row(dark, 'app@host1').getAttribute('aria-selected'), 'false');
  });

  test("run queue: the host's verdict shows as colour, badge and explanation", async () => {
    const queue = row(dark, 'app@host1').locator('.cell-queue');
    await dark.post(cluster(rows(T0, 1, 'normal')));
    assert.equal(await queue.getAttribute('data-load'), null);

    await dark.post(cluster(rows(T0 + 1000, 9.4, 'above-guide')));
    assert.equal(await queue.getAttribute('data-load'), 'above-guide');
    assert.equal(await queue.locator('.badge-load').isVisible(), false);
    assert.equal(
      await queue.locator('.queue-avg').evaluate((e) => getComputedStyle(e).color),
      rgb(themeColor('dark', 'editorWarning-foreground')),
    );

    await dark.post(cluster(rows(T0 + 2000, 9.4, 'overloaded')));
    assert.equal(await queue.getAttribute('data-load'), 'overloaded');
    assert.equal(await queue.locator('.badge-load').isVisible(), true);
    assert.equal(await queue.locator('.badge-load').textContent(), 'overloaded');
    assert.equal(await queue.locator('.queue-avg').evaluate((e) => getComputedStyle(e).color), rgb(themeColor('dark', 'errorForeground')));
    assert.match((await queue.getAttribute('title')) ?? '', /guide 2: half the 4 online schedulers.*overloaded/);
    // A node that left keeps its last figures but is never marked.
    assert.equal(await row(dark, 'old@host3').locator('.cell-queue').getAttribute('data-load'), null);

    await dark.post(cluster(rows(T0 + 3000, 1.5, 'normal')));
    assert.equal(await queue.getAttribute('data-load'), null, 'back under the guide');
    assert.equal(await queue.locator('.badge-load').isVisible(), false);
  });

  test('while the extension reconnects, the last table stays, dimmed, and says so', async () => {
    await dark.post({ ...cluster(rows(T0)), connection: 'lost' });
    assert.equal(await dark.page.locator('.summary-counts').textContent(), 'connection lost, reconnecting…');
    assert.equal(await row(dark, 'app@host1').isVisible(), true);
    assert.ok(Number(await dark.page.locator('.table-scroller').evaluate((e) => getComputedStyle(e).opacity)) < 1);
    await dark.post({ ...cluster(rows(T0)), connection: 'connected' });
    assert.equal(await dark.page.locator('.summary-counts').textContent(), '3 nodes, 1 up, 1 gone, 1 overloaded');
    assert.equal(await dark.page.locator('.table-scroller').evaluate((e) => getComputedStyle(e).opacity), '1');
  });

  test('a hundred nodes: the counts say what is wrong, and typing filters the rows by name', async () => {
    const many: ClusterRow[] = Array.from({ length: 100 }, (_, i) => ({
      name: `node${String(i).padStart(3, '0')}@host${i % 7}`,
      state: i === 3 ? 'error' : i === 5 || i === 6 ? 'gone' : 'up',
      hidden: false,
      agentNode: i === 0,
      goneAt: i === 5 || i === 6 ? GONE_AT : null,
      error: i === 3 ? 'could not load the agent into node003@host3: it did not answer within 15 s' : null,
      figures: busyFigures(T0, i % 10 === 9 ? 9.4 : 0.2),
      utilisationHistory: history,
      queueLoad: i % 10 === 9 ? 'overloaded' : 'normal',
    }));
    await dark.post(cluster(many, 'node000@host0'));
    assert.equal(await dark.page.locator('tbody tr.cluster-row').count(), 100);
    assert.equal(await dark.page.locator('.summary-counts').textContent(), '100 nodes, 97 up, 1 in error, 2 gone, 10 overloaded');
    const filter = dark.page.locator('input.filter');
    await filter.fill('host3');
    // node003, node010, node017 … node094: every seventh.
    assert.equal(await dark.page.locator('tbody tr.cluster-row').count(), 14);
    assert.match((await dark.page.locator('.summary-counts').textContent()) ?? '', /, showing 14$/);
    // A new table from the host keeps the filter.
    await dark.post(cluster(many.slice(0, 50), 'node000@host0'));
    assert.equal(await dark.page.locator('tbody tr.cluster-row').count(), 7);
    await filter.fill('nothing-like-this');
    assert.match((await dark.page.locator('.empty').textContent()) ?? '', /No node's name contains "nothing-like-this"/);
    await filter.fill('');
    assert.equal(await dark.page.locator('tbody tr.cluster-row').count(), 50);
  });

  test('a click on a row asks the host to select that node', async () => {
    await showOverloaded(dark);
    const before = (await dark.posted()).length;
    await row(dark, 'worker@host2').click();
    await row(dark, 'old@host3').locator('.memory').click();
    assert.deepEqual((await dark.posted()).slice(before), [
      { type: 'selectNode', node: 'worker@host2' },
      { type: 'selectNode', node: 'old@host3' },
    ]);
    // The host decides: until it answers, the selection stays where it was.
    assert.equal(await row(dark, 'app@host1').getAttribute('aria-selected'), 'true');
  });

  test('keyboard: one tab stop, arrows move between rows, Enter and Space select', async () => {
    await showOverloaded(dark);
    const tabStops = await dark.page
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => (tr as unknown as { tabIndex: number }).tabIndex));
    assert.equal(tabStops.filter((t) => t === 0).length, 1, `one row in the tab order: ${tabStops}`);
    // From nothing focused, Tab goes to the filter box above the table, then enters the table on that row.
    await dark.page.evaluate(() => document.activeElement?.blur());
    await dark.page.keyboard.press('Tab');
    assert.equal(await dark.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Filter nodes by name');
    await dark.page.keyboard.press('Tab');
    assert.equal(await dark.page.evaluate(() => document.activeElement?.getAttribute('tabindex')), '0');
    assert.ok(await dark.page.evaluate(() => document.activeElement?.getAttribute('data-node')));

    await row(dark, 'old@host3').focus();
    const before = (await dark.posted()).length;
    await dark.page.keyboard.press('Enter');
    await dark.page.keyboard.press('ArrowUp');
    assert.equal(await dark.page.evaluate(() => document.activeElement?.getAttribute('data-node')), 'worker@host2');
    await dark.page.keyboard.press(' ');
    await dark.page.keyboard.press('Home');
    await dark.page.keyboard.press('Enter');
    assert.deepEqual((await dark.posted()).slice(before), [
      { type: 'selectNode', node: 'old@host3' },
      { type: 'selectNode', node: 'worker@host2' },
      { type: 'selectNode', node: 'app@host1' },
    ]);
    // Tab lands on the row last focused.
    assert.equal(await row(dark, 'app@host1').getAttribute('tabindex'), '0');
    assert.equal(await row(dark, 'old@host3').getAttribute('tabindex'), '-1');
  });

  test('a re-render keeps focus on the same node, even when the rows move', async () => {
    await showOverloaded(dark);
    await row(dark, 'worker@host2').focus();
    const focused = () => dark.page.evaluate(() => document.activeElement?.getAttribute('data-node'));
    // The focused row moves from second to last: focus must follow the node, not the position.
    const [app, worker, old] = rows(T0 + 5000);
    await dark.post(cluster([old, app, { ...worker, state: 'up', figures: busyFigures(T0 + 5000, 0.5), utilisationHistory: [0.2, 0.3] }]));
    assert.deepEqual(await dark.page.locator('tbody .node-name').allTextContents(), ['old@host3', 'app@host1', 'worker@host2']);
    assert.equal(await cellText(dark, 'worker@host2', '.state'), 'up');
    assert.equal(await focused(), 'worker@host2');

    await dark.post(cluster(rows(T0 + 6000)));
    assert.equal(await focused(), 'worker@host2');
    await dark.page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'old@host3', 'arrows follow the new order');

    // The focused node leaves: focus stays in the table, where its row was.
    await dark.post(cluster(rows(T0 + 7000).slice(0, 2)));
    assert.equal(await focused(), 'worker@host2');
  });

  test('a re-render never takes the keyboard from the window around the webview', async () => {
    // As in VS Code: the overview is a cross-origin frame, and the user has moved on to an
    // input of the workbench (the quick input) after clicking a row.
    const page = await browser.context.newPage();
    await page.addInitScript({ content: INIT_SCRIPT });
    await page.setContent(`<input id="outside"><iframe src="${server.origin}/cluster?theme=dark" width="900" height="300"></iframe>`);
    const overview = () => page.frames().find((f) => f.url().includes('/cluster'));
    await waitForAsync(async () => overview() !== undefined, 10_000, 'the overview frame');
    const frame = overview()!;
    await frame.waitForFunction(() => window.__posted.length > 0);
    const post = async (message: HostToClusterWebview) => {
      await frame.evaluate((m) => window.postMessage(m, '*'), message);
      await frame.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    };
    try {
      await post(cluster(rows(T0)));
      await frame.locator('tr.cluster-row[data-node="worker@host2"]').click();
      await page.locator('#outside').focus();
      // The row that had the keyboard moves to the top (out of the document and back):
      // the frame must not take the focus back.
      const [app, worker, old] = rows(T0 + 5000);
      await post(cluster([worker, app, old]));
      assert.deepEqual(await frame.locator('tbody .node-name').allTextContents(), ['worker@host2', 'app@host1', 'old@host3']);
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('id')),
        'outside',
        'the input outside the webview keeps the keyboard',
      );
    } finally {
      await page.close();
    }
  });

  test('names and error messages from the network render as text, never as markup', async () => {
    const evil = '<img src=x onerror=alert(1)>@h';
    const list: ClusterRow[] = [
      ...rows(T0),
      {
        name: evil,
        state: 'error',
        hidden: false,
        agentNode: false,
        goneAt: null,
        error: '<b>erpc</b> {badrpc,nodedown}',
        figures: null,
        utilisationHistory: [],
        queueLoad: 'normal',
      },
    ];
    await dark.post(cluster(list, evil));
    const tr = row(dark, evil);
    assert.equal(await tr.count(), 1, 'found by its name as an attribute value');
    assert.equal(await tr.locator('.node-name').textContent(), evil);
    assert.equal(await tr.getAttribute('aria-selected'), 'true');
    assert.equal(await tr.locator('.state').textContent(), 'error: <b>erpc</b> {badrpc,nodedown}');
    assert.equal(await tr.locator('.state').getAttribute('title'), '<b>erpc</b> {badrpc,nodedown}', 'the message as a tooltip too');
    assert.equal(await dark.page.locator('#app img, #app b').count(), 0, 'no element made from the text');
    await dark.page.waitForTimeout(100);
    assert.deepEqual(dark.dialogs, []);

    const before = (await dark.posted()).length;
    await tr.click();
    assert.deepEqual((await dark.posted()).slice(before), [{ type: 'selectNode', node: evil }]);
  });

  test('empty states: no node connected, or no nodes reported yet', async () => {
    await dark.post({ type: 'cluster', agentNode: null, selected: null, rows: [] });
    assert.match((await dark.page.locator('.empty').textContent()) ?? '', /^Not connected to a node\./);
    assert.equal(await dark.page.locator('.empty').isVisible(), true);
    assert.equal(await dark.page.locator('.cluster-table').isVisible(), false);
    assert.equal(await dark.page.locator('.summary').isVisible(), false);
    assert.equal(await dark.page.locator('tbody tr').count(), 0);

    await dark.post({ type: 'cluster', agentNode: 'app@host1', selected: null, rows: [] });
    assert.equal(await dark.page.locator('.empty').textContent(), "Waiting for the nodes of app@host1's cluster…");
    assert.equal(await dark.page.locator('.cluster-table').isVisible(), false);

    // Rows without an agent node mean nothing to show either.
    await dark.post({ type: 'cluster', agentNode: null, selected: null, rows: rows() });
    assert.equal(await dark.page.locator('.empty').isVisible(), true);
    assert.equal(await dark.page.locator('tbody tr').count(), 0);

    await dark.post(cluster(rows()));
    assert.equal(await dark.page.locator('.empty').isVisible(), false);
    assert.equal(await dark.page.locator('tbody tr').count(), 3);
  });

  test('ignores messages that are not the table', async () => {
    await dark.post(cluster(rows()));
    await dark.page.evaluate(() => {
      window.postMessage({ type: 'reset', node: null, samples: [] }, '*');
      window.postMessage({ type: 'cluster', agentNode: null, selected: null }, '*');
      window.postMessage('cluster', '*');
    });
    await dark.page.waitForTimeout(50);
    assert.equal(await dark.page.locator('tbody tr').count(), 3);
    assert.deepEqual(dark.errors, []);
  });

  test('runs under the CSP without a violation; the detector does catch one', async () => {
    await showOverloaded(dark);
    assert.deepEqual(await dark.violations(), []);
    assert.deepEqual(dark.errors, [], 'no console error and no CSP violation');

    // A page of its own, since it is spoiled on purpose: an inline style attribute, as innerHTML-built bars would need.
    const spoiled = await open('dark');
    await spoiled.page.evaluate(() => {
      const div = document.createElement('div');
      div.setAttribute('style', 'width: 50%');
      document.body.appendChild(div);
    });
    await spoiled.page.waitForFunction(() => window.__violations.length > 0);
    assert.match((await spoiled.violations())[0], /^style-src/);
    await spoiled.close();
  });

  test('screenshots: dark, light, high contrast, narrow and empty', async () => {
    const shoot = async (page: ClusterPage, theme: ThemeName) => {
      await showOverloaded(page);
      await page.post(
        cluster([
          ...rows(T0 + 2000),
          {
            name: 'reporting@db-primary.internal.example.com',
            state: 'error',
            hidden: false,
            agentNode: false,
            goneAt: null,
            error: 'could not load the agent: {badrpc,{EXIT,{undef,[{code,load_binary,3}]}}}',
            figures: null,
            utilisationHistory: [],
            queueLoad: 'normal',
          },
          {
            name: 'remsh12345@host1',
            state: 'up',
            hidden: true,
            agentNode: false,
            goneAt: null,
            error: null,
            figures: { ...busyFigures(T0 + 2000, 0.3), utilisation: 0.02, dirtyCpuUtilisation: 0, memory: 31 * 1024 ** 2, processes: 80 },
            utilisationHistory: [0.01, 0.03, 0.02, 0.02],
            queueLoad: 'normal',
          },
        ]),
      );
      await row(page, 'worker@host2').focus();
      await page.page.screenshot({ path: join(SHOTS, `cluster-${theme}.png`), fullPage: true });
      assert.deepEqual(page.errors, []);
      assert.deepEqual(await page.violations(), []);
    };
    await shoot(dark, 'dark');
    for (const theme of ['light', 'high-contrast'] as const) {
      const page = await open(theme);
      await shoot(page, theme);
      await page.close();
    }
    // A narrow editor group: the table scrolls sideways inside its box, the page does not.
    const narrow = await open('dark', 520, 260);
    await narrow.post(cluster(rows()));
    const widths = await narrow.page.evaluate(() => {
      const scroller = document.querySelector('.table-scroller')!;
      return { page: document.documentElement.scrollWidth, table: scroller.scrollWidth, box: scroller.clientWidth };
    });
    assert.ok(widths.page <= 520, `no page-wide horizontal scrolling (${widths.page})`);
    assert.ok(widths.table > widths.box, `the table scrolls inside its box (${widths.table} > ${widths.box})`);
    await narrow.page.screenshot({ path: join(SHOTS, 'cluster-narrow-dark.png') });
    await narrow.post({ type: 'cluster', agentNode: null, selected: null, rows: [] });
    await narrow.page.screenshot({ path: join(SHOTS, 'cluster-empty-dark.png') });
    await narrow.close();
  });
});
