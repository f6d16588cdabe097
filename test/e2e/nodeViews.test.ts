/**
 * The rest of the node (issue 12) in a real VS Code (code-server), installed
 * from the packaged .vsix, on the demo node started with `iex -S mix` in the
 * integrated terminal: BEAM Observer's own view container, the supervision
 * tree expanded three levels below the application (with its next page),
 * an ETS table's contents opened and paged (a secret field hidden), the
 * ports sorted by queued bytes, the system view, Reveal in Supervision Tree
 * from a PID hover, and a process killed after the confirmation that names
 * its supervisor, shown restarted by it. Screenshots in test-output/e2e/.
 */
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { discoveryFiles, extensionActive, widenSideBar } from './support/observedNode';
import { ROOT, type Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { waitFor, waitForAsync } from '../support/wait';

const scratch = scratchDirs('beam-observer-e2e-nodeviews-', 'overload');
const { workspace, discovery } = scratch;

let workbench: Workbench;
let agent: AgentClient | undefined;

/** The demo node's agent, reached from the test itself to check what the views show. */
async function demoAgent(): Promise<AgentClient> {
  if (agent) return agent;
  await waitFor(() => discoveryFiles(discovery).length > 0, 90_000, "the demo node's discovery file");
  agent = await AgentClient.connect(discoveryFiles(discovery)[0]);
  return agent;
}

async function pidOf(name: string): Promise<string> {
  const { rows } = await (await demoAgent()).listProcesses({ filter: name, limit: 5 });
  const row = rows.find((r) => r.name === `Elixir.${name}`);
  assert.ok(row, `${name} runs in the demo node`);
  return row.pid;
}

/** A row of a tree view by its text. */
function row(view: Locator, text: string | RegExp): Locator {
  return view.locator('.monaco-list-row', { hasText: text }).first();
}

/** Expand a collapsed tree row (select it, then the right arrow key, as a keyboard user does). */
async function expand(target: Locator): Promise<void> {
  if ((await target.getAttribute('aria-expanded')) === 'true') return;
  await target.click();
  await workbench.page.keyboard.press('ArrowRight');
}

/** Open a row's context menu and choose `label` (menus ignore a click that comes too soon: point, then Enter). */
async function contextMenu(target: Locator, label: string): Promise<void> {
  const { page } = workbench;
  await target.click({ button: 'right' });
  const item = page.locator('.monaco-menu .action-label', { hasText: label });
  await item.hover();
  await page.keyboard.press('Enter');
}

before(async () => {
  cpSync(join(ROOT, 'examples', 'overload'), workspace, { recursive: true, filter: (src) => !src.includes('_build') });
  workbench = await startObserverWorkbench(scratch, {
    name: 'nodeViews',
    settings: { 'beamObserver.autoAttach': 'terminals', 'beamObserver.sampleIntervalMs': 1000 },
  });
});

after(async () => {
  agent?.dispose();
  await teardown(scratch, workbench);
});

describe('the rest of the node in VS Code', () => {
  it("opens BEAM Observer's own view container on the demo node", async () => {
    const { page } = workbench;
    await extensionActive(workbench, 30_000);
    await workbench.startInTerminal('iex -S mix', /iex\(1\)>/);
    await workbench.step('the status bar shows the connected node', () =>
      page
        .locator('.statusbar-item', { hasText: /nonode@nohost \d+%/ })
        .first()
        .waitFor({ timeout: 60_000 }),
    );
    await workbench.screenshot('15a-debug-sidebar');
    await page.locator('.activitybar [aria-label^="BEAM Observer"]').first().click();
    await widenSideBar(workbench);
    for (const title of ['Supervision', 'ETS Tables', 'Ports and Sockets', 'System']) await workbench.expandedView(title);
    await workbench.screenshot('15b-observer-container');
  });

  it('expands the supervision tree three levels below the application, a page at a time', async () => {
    const view = await workbench.expandedView('Supervision');
    // Room for the tree.
    for (const title of ['ETS Tables', 'Ports and Sockets', 'System']) await collapse(title);
    const app = row(view, /^overload/);
    await workbench.step('the overload application', () => app.waitFor({ timeout: 30_000 }));
    await expand(app);
    const top = row(view, 'Overload.Supervisor');
    await workbench.step('its top supervisor', () => top.waitFor({ timeout: 20_000 }));
    await expand(top);
    const sessions = row(view, 'Overload.Sessions');
    await workbench.step('the DynamicSupervisor of sessions', () => sessions.waitFor({ timeout: 20_000 }));
    await expand(sessions);
    const sessionRows = view.locator('.monaco-list-row', { hasText: /Session\s*worker · transient · <0\.\d+\.0>/ });
    await workbench.step('session workers, transient, under the DynamicSupervisor', () => sessionRows.first().waitFor({ timeout: 20_000 }));
    assert.equal(await sessions.getAttribute('aria-level'), '3', 'the sessions supervisor is the third level');
    assert.equal(await sessionRows.first().getAttribute('aria-level'), '4', 'its workers: three levels below the application');
    await workbench.screenshot('16-supervision-tree');
    const more = row(view, /200 more…/);
    await workbench.step('the first page of 300 sessions, then "200 more…"', () => scrollTo(more, 20_000));
    await more.click();
    await workbench.step('the next page: "100 more…"', () => scrollTo(row(view, /100 more…/), 20_000));
    await workbench.screenshot('16b-supervision-next-page');
    await workbench.page.keyboard.press('Home');
  });

  it("opens a table's contents in a read-only document and reads the next page; the secret field stays hidden", async () => {
    const { page } = workbench;
    await collapse('Supervision');
    const view = await workbench.expandedView('ETS Tables');
    const customers = row(view, 'overload_customers');
    await workbench.step('the customers table, listed by memory', () => customers.waitFor({ timeout: 30_000 }));
    assert.match(await customers.innerText(), /100k rows · \d+(\.\d)? MB · set · public/);
    await workbench.screenshot('17-ets-tables');
    await contextMenu(customers, 'Show Table Contents');
    const editor = page.locator('.monaco-editor .view-lines');
    await workbench.step('the first page of rows', () =>
      editor
        .filter({ hasText: /ETS\s+table\s+overload_customers\s+on\s+nonode@nohost:\s+100\s+of\s+100,000\s+rows/ })
        .waitFor({ timeout: 30_000 }),
    );
    const text = await editor.first().innerText();
    assert.match(text, /#Overload\.Cache\.Customer</);
    assert.doesNotMatch(text, /api_token|tok_\d/, "the API token is hidden by the struct's Inspect");
    await workbench.step('the "Elixir term" language, not Elixir', () =>
      page.locator('.statusbar-item', { hasText: 'Elixir term (BEAM Observer)' }).first().waitFor({ timeout: 10_000 }),
    );
    await workbench.runCommand('BEAM Observer: Load More Rows');
    // The next page arrives a moment later, and the editor renders only the lines in view (it keeps its scroll
    // position as the document grows): go to the header until it says 200 rows, then to the footer.
    await workbench.step('200 rows in the header after Load More Rows', () =>
      waitForAsync(
        async () => {
          await goToLine(1);
          return /200\s+of\s+100,000\s+rows/.test(await editor.first().innerText());
        },
        30_000,
        'the header of 200 rows',
      ),
    );
    await goToLine(99_999);
    await workbench.step('the footer after Load More Rows', () =>
      editor.filter({ hasText: /200\s+rows\s+shown;\s+"Load\s+More\s+Rows"\s+reads\s+the\s+next\s+100/ }).waitFor({ timeout: 30_000 }),
    );
    await goToLine(1);
    // Room for the rows in the screenshot.
    await workbench.runCommand('View: Toggle Panel Visibility');
    await workbench.step('200 rows in the header', () =>
      editor.filter({ hasText: /200\s+of\s+100,000\s+rows/ }).waitFor({ timeout: 10_000 }),
    );
    await workbench.screenshot('18-table-contents');
    await workbench.runCommand('View: Toggle Panel Visibility');
    await workbench.runCommand('View: Close All Editors');
  });

  it('lists the sockets, the backed-up one first by queued bytes', async () => {
    const { page } = workbench;
    await collapse('ETS Tables');
    const view = await workbench.expandedView('Ports and Sockets');
    await workbench.step('sockets in the view', () => row(view, /tcp 127\.0\.0\.1:\d+/).waitFor({ timeout: 30_000 }));
    await workbench.runCommand('BEAM Observer: Sort Ports and Sockets By…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Queued Bytes' }).first().click();
    await workbench.step('the view sorted by queued bytes', () =>
      view.locator('.pane-header', { hasText: 'by Queued Bytes' }).waitFor({ timeout: 15_000 }),
    );
    const first = view.locator('.monaco-list-row').first();
    await workbench.step('a socket with bytes queued leads', () =>
      first.filter({ hasText: /tcp 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+.*\d+(\.\d)? (KB|MB) queued/ }).waitFor({ timeout: 30_000 }),
    );
    await expand(first);
    await workbench.step('its owner, a process row', () => row(view, /Owner/).waitFor({ timeout: 10_000 }));
    await workbench.screenshot('19-ports');
  });

  it('shows the limits, memory and allocators', async () => {
    await collapse('Ports and Sockets');
    const view = await workbench.expandedView('System');
    await workbench.step('the limits', () => row(view, /Atoms/).waitFor({ timeout: 30_000 }));
    assert.match(await row(view, 'Processes').innerText(), /\d[\d,]* of [\d,]+ \(\d/);
    await expand(row(view, 'Allocators'));
    await workbench.step('the allocators', () => row(view, /eheap_alloc/).waitFor({ timeout: 10_000 }));
    await workbench.screenshot('20-system');
    await collapse('System');
  });

  it('reveals a session from a PID hover in the supervision tree', async () => {
    const session = (await (await demoAgent()).listProcesses({ filter: 'Overload.Sessions.Session', limit: 1, sortBy: 'memory' })).rows[0];
    assert.ok(session, 'a session process');
    writeFileSync(join(workspace, 'sessions.log'), `12:00:00.001 [info] session #PID${session.pid} logged in\n`);
    const hover = await workbench.hoverIn('sessions.log', session.pid, 'Reveal in Supervision Tree');
    assert.match(hover, /Reveal in Supervision Tree/);
    await workbench.screenshot('21a-pid-hover-reveal-link');
    await workbench.page.locator('.monaco-hover a', { hasText: 'Reveal in Supervision Tree' }).first().click();
    // The reveal itself opens the view (clicking its header meanwhile could fold it again as the reveal opens it).
    const header = workbench.page.locator('.pane-header', { hasText: 'Supervision' }).first();
    await workbench.step('the Supervision view opened by the reveal', () =>
      waitForAsync(async () => (await header.getAttribute('aria-expanded')) === 'true', 15_000, 'the view expanded'),
    );
    const view = workbench.page.locator('.pane', { has: header });
    await workbench.step('the session selected under Overload.Sessions', () =>
      view.locator('.monaco-list-row.selected', { hasText: session.pid }).waitFor({ timeout: 30_000 }),
    );
    await workbench.screenshot('21-reveal-in-supervision-tree');
    await workbench.runCommand('View: Close All Editors');
  });

  it('kills a process after a confirmation naming its supervisor, and shows it restarted', async () => {
    const { page } = workbench;
    const before = await pidOf('Overload.Probe');
    const view = await workbench.expandedView('Supervision');
    // Fold the sessions (Reveal expanded them): Overload.Probe comes after them.
    await row(view, 'overload').click();
    await page.keyboard.press('Home');
    const sessions = row(view, 'Overload.Sessions');
    if ((await sessions.getAttribute('aria-expanded')) === 'true') {
      await sessions.click();
      await page.keyboard.press('ArrowLeft');
    }
    const probe = row(view, 'Overload.Probe');
    await workbench.step('Overload.Probe under Overload.Supervisor', () => probe.waitFor({ timeout: 20_000 }));
    assert.match(await probe.innerText(), new RegExp(`worker · permanent · ${before.replace(/[.<>]/g, '\\$&')}`));
    await contextMenu(probe, 'Kill Process…');
    const dialog = page.locator('.monaco-dialog-box');
    await workbench.step('the confirmation', () => dialog.waitFor({ timeout: 15_000 }));
    const asked = await dialog.innerText();
    assert.match(asked, new RegExp(`Kill Overload\\.Probe \\(${before.replace(/[.<>]/g, '\\$&')}\\)\\?`));
    assert.match(
      asked,
      /Its supervisor Overload\.Supervisor \(<0\.\d+\.0>\) will restart it \(a permanent worker, child id Overload\.Probe\)/,
    );
    await workbench.screenshot('22-kill-confirmation');
    await dialog.locator('.monaco-button', { hasText: 'Kill Process' }).click();
    const outcome = await workbench.waitForNotification(/restarted it as <0\.\d+\.0>/, 20_000);
    const after = /restarted it as (<0\.\d+\.0>)/.exec(outcome)![1];
    assert.notEqual(after, before);
    assert.equal(await pidOf('Overload.Probe'), after, 'the agent sees the new process under that name');
    await workbench.step('the tree shows the new pid', () =>
      view.locator('.monaco-list-row', { hasText: 'Overload.Probe' }).filter({ hasText: after }).waitFor({ timeout: 20_000 }),
    );
    await workbench.screenshot('23-killed-and-restarted');
  });
});

/**
 * Move the tree's focus down a page at a time until `target` is rendered (a
 * tree renders only the rows in view).
 */
async function scrollTo(target: Locator, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await target.isVisible())) {
    if (Date.now() > deadline) throw new Error('not shown after paging down the tree');
    await workbench.page.keyboard.press('PageDown');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** "Go to Line/Column..." in the active editor (past the last line: the last line). */
async function goToLine(line: number): Promise<void> {
  await workbench.runCommand('Go to Line/Column...');
  await workbench.page.keyboard.type(String(line));
  await workbench.page.keyboard.press('Enter');
}

/** Fold a view of the container (its header's twistie end). */
async function collapse(title: string): Promise<void> {
  const header = workbench.page.locator('.pane-header', { hasText: title }).first();
  if ((await header.getAttribute('aria-expanded')) === 'true') await header.click({ position: { x: 12, y: 10 } });
}
