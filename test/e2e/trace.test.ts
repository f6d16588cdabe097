/**
 * Tracing from the code in a real VS Code (code-server), with the packaged
 * extension: the demo project (examples/overload) runs `iex -S mix` in the
 * integrated terminal; its Overload.Orders module, called by a shopper ten
 * times a second, gets Trace and Count Calls CodeLenses; Count Calls puts a
 * live figure after the function heads; Trace opens the BEAM Trace panel,
 * whose events carry the arguments (the order's card token, redacted by the
 * application, stays hidden), an exception shows as a diagnostic, a click on
 * a call opens its source; Trace Messages from the process tree; Stop All.
 * Each step saves a screenshot in test-output/e2e/.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extensionActive, filterProcesses, statusBecomes } from './support/observedNode';
import { ROOT, type Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { sleep, waitForAsync } from '../support/wait';

const scratch = scratchDirs('beam-observer-trace-', 'overload');
let workbench: Workbench;

before(async () => {
  cpSync(join(ROOT, 'examples', 'overload'), scratch.workspace, { recursive: true, filter: (src) => !src.includes('_build') });
  workbench = await startObserverWorkbench(scratch, {
    name: 'trace',
    settings: { 'beamObserver.autoAttach': 'terminals', 'editor.codeLens': true },
  });
});

after(async () => {
  await teardown(scratch, workbench);
});

/** Open a workspace file with Go to File and wait for its text. */
async function openFile(name: string, text: string): Promise<void> {
  const { page } = workbench;
  await workbench.runCommand('Go to File...');
  await page.locator('.quick-input-widget input').fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await workbench.step(`${name} in the editor`, () =>
    page.locator('.monaco-editor .view-lines .view-line', { hasText: text }).first().waitFor({ timeout: 15_000 }),
  );
}

/** Put the cursor on the line holding `text` of the open file (Go to Line), so the editor shows it. */
async function goToLine(file: string, text: string): Promise<number> {
  const line =
    readFileSync(join(scratch.workspace, 'lib', 'overload', file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;
  // The trace panel may have the focus, and with it the keys: give it to the file's editor.
  await workbench.page.locator('.editor-group-container .tab', { hasText: file }).first().click();
  await workbench.runCommand('Go to Line/Column...');
  await workbench.page.locator('.quick-input-widget input').fill(`:${line}`);
  await workbench.page.keyboard.press('Enter');
  return line;
}

/**
 * The CodeLens link `title` above the line holding `head` (a CodeLens sits in
 * a zone just above its line, so: the lens line closest above the head),
 * waited for: lenses are drawn again after each change.
 */
async function codeLens(head: string, title: string) {
  const { page } = workbench;
  await goToLine('orders.ex', head);
  const headLine = page.locator('.monaco-editor .view-lines .view-line', { hasText: head }).first();
  await headLine.waitFor({ timeout: 15_000 });
  const links = page.locator('.monaco-editor .codelens-decoration a', { hasText: new RegExp(`^${title}$`) });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const headTop = (await headLine.boundingBox())?.y ?? 0;
    let best: { index: number; distance: number } | undefined;
    for (let i = 0; i < (await links.count()); i++) {
      const box = await links.nth(i).boundingBox();
      if (!box || box.y > headTop || headTop - box.y > 30) continue;
      if (!best || headTop - box.y < best.distance) best = { index: i, distance: headTop - box.y };
    }
    if (best) return links.nth(best.index);
    if (Date.now() > deadline) throw new Error(`no "${title}" CodeLens above "${head}"`);
    await sleep(250);
  }
}

/** A screenshot of the BEAM Trace panel's editor group, maximized for it (then restored). */
async function panelScreenshot(name: string): Promise<void> {
  // A context menu or hover left open (Trace Messages is picked from one) makes the workbench inert to the palette.
  await workbench.page.keyboard.press('Escape');
  await workbench.page.locator('.editor-group-container .tab', { hasText: 'BEAM Trace' }).first().click();
  if (await workbench.page.locator('.part.panel').isVisible()) await workbench.runCommand('View: Toggle Panel Visibility');
  await workbench.runCommand('View: Toggle Maximize Editor Group');
  await sleep(500);
  await workbench.screenshot(name);
  await workbench.runCommand('View: Toggle Maximize Editor Group');
}

/** The live figures after function heads: decorations drawn as ::after content (read in the page, whose DOM this file does not type). */
function figures(): Promise<string[]> {
  return workbench.page.evaluate(`
    [...document.querySelectorAll('.monaco-editor .view-lines .view-line span')]
      .map((span) => getComputedStyle(span, '::after').content)
      .filter((content) => /calls\\/s/.test(content))
      .map((content) => content.replace(/^"|"$/g, ''))
  `) as Promise<string[]>;
}

describe('tracing from the code', () => {
  it('shows Trace and Count Calls above each function of a module the node has loaded', async () => {
    await extensionActive(workbench, 30_000);
    await workbench.startInTerminal('iex -S mix', /iex\(1\)>/);
    await statusBecomes(workbench, /nonode@nohost \d+%/, 90_000);
    await openFile('orders.ex', 'defmodule Overload.Orders do');
    await workbench.step('the CodeLenses', () =>
      workbench.page
        .locator('.monaco-editor .codelens-decoration a', { hasText: /^Count Calls$/ })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    // One pair per function: new/2, total/1, apply_discount/2, discount_rate/1 (three clauses), and the shopper's.
    const traces = await workbench.page.locator('.monaco-editor .codelens-decoration a', { hasText: /^Trace$/ }).count();
    assert.ok(traces >= 4, `${traces} Trace lenses`);
    assert.ok(await codeLens('def total(%Order{items: items}) do', 'Trace'));
    await workbench.screenshot('15-trace-codelens');
  });

  it('Count Calls puts a live rate after the function heads, updated every second', async () => {
    await (await codeLens('def total(%Order{items: items}) do', 'Count Calls')).click();
    let seen: string[] = [];
    await workbench.step('a live figure', () =>
      waitForAsync(
        async () => (seen = await figures()).some((f) => /^[1-9][\d.,]* calls\/s · [\d.,]+ (µs|ms) avg$/.test(f)),
        20_000,
        'a figure',
      ),
    );
    assert.ok(
      seen.some((f) => /^([5-9]|1[0-5])(\.\d)? calls\/s/.test(f)),
      `total/1 is called about 10 times a second: ${JSON.stringify(seen)}`,
    );
    await statusBecomes(workbench, /Counting 1 module/, 10_000, /Counting/);
    await workbench.step('Stop Counting in the lens', async () =>
      (await codeLens('def total(%Order{items: items}) do', 'Stop Counting')).waitFor(),
    );
    await sleep(1500);
    await workbench.screenshot('16-count-calls');
  });

  it('Trace shows the calls with their arguments (the redacted field hidden), results and an exception', async () => {
    const { page } = workbench;
    await (await codeLens('def apply_discount(%Order{} = order, code) do', 'Trace')).click();
    const frame = workbench.webview();
    await workbench.step('the set-up with its limits', () => frame.locator('.setup vscode-textfield').first().waitFor({ timeout: 30_000 }));
    assert.match(await frame.locator('.title').innerText(), /Trace Overload\.Orders\.apply_discount\/2/);
    // The limits are editable before it starts: five minutes rather than the default 30 s.
    assert.equal(await frame.locator('.setup .duration input').inputValue(), '30');
    await frame.locator('.setup .duration input').fill('300');
    await workbench.screenshot('17-trace-setup');
    await frame.locator('vscode-button.start').click();
    await workbench.step('calls and an exception in the table', () =>
      waitForAsync(
        async () => (await frame.locator('tr.outcome-exception').count()) >= 1 && (await frame.locator('tr.outcome-return').count()) >= 2,
        30_000,
        'rows',
      ),
    );
    const table = await frame.locator('.event-table tbody').innerText();
    assert.match(table, /#Overload\.Orders\.Order<id: \d+, customer: "customer-\d", items: \[/);
    assert.doesNotMatch(table, /tok_demo/, 'the card token, redacted by the application, is not shown');
    assert.match(table, /ArgumentError/);
    assert.match(await frame.locator('.status').innerText(), /^Tracing: \d+ of 200 events .* for 300 s$/);
    await statusBecomes(workbench, /Tracing Overload\.Orders\.apply_discount\/2/, 10_000, /Tracing/);
    await page
      .locator('.notifications-toasts')
      .waitFor({ state: 'hidden', timeout: 1000 })
      .catch(() => undefined);
    await panelScreenshot('18-trace-events');
  });

  it('filters the events, and a click on a call opens its source', async () => {
    const frame = workbench.webview();
    await frame.locator('vscode-textfield.filter input').fill('WELCOME');
    await workbench.step('only the matching rows', () =>
      waitForAsync(
        async () => (await frame.locator('.event-table tbody tr').count()) > 0 && (await frame.locator('tr.outcome-return').count()) === 0,
        10_000,
        'filtered',
      ),
    );
    await panelScreenshot('19-trace-filtered');
    // The cursor elsewhere first, so that the status bar's line shows the jump.
    await goToLine('orders.ex', 'defmodule Overload.Orders do');
    await frame.locator('.event-table tbody tr a.function').first().click();
    const source = readFileSync(join(scratch.workspace, 'lib', 'overload', 'orders.ex'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('def apply_discount(')) + 1;
    await workbench.step(`orders.ex at apply_discount (line ${line})`, () =>
      workbench.page
        .locator('.statusbar-item', { hasText: new RegExp(`Ln ${line}, Col 1`) })
        .first()
        .waitFor({ timeout: 15_000 }),
    );
  });

  it('the exception shows as a diagnostic on the function', async () => {
    await workbench.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const problem = workbench.page.locator('.markers-panel .monaco-list-row', {
      hasText: /BEAM trace: Overload\.Orders\.apply_discount\/2 raised error: %ArgumentError/,
    });
    await workbench.step('the diagnostic in Problems', () => problem.first().waitFor({ timeout: 15_000 }));
    await workbench.screenshot('20-trace-diagnostic');
  });

  it('Stop ends the trace and says why', async () => {
    const frame = workbench.webview();
    await frame.locator('vscode-button.stop').click();
    await workbench.step('the end', () => frame.locator('.ended', { hasText: 'Stopped.' }).waitFor({ timeout: 15_000 }));
    await statusBecomes(workbench, /Counting 1 module/, 10_000, /Counting/);
    await panelScreenshot('21-trace-stopped');
  });

  it('Trace Messages on a process of the tree shows what it sends and receives', async () => {
    const { page } = workbench;
    await workbench.openDebugSidebar();
    const processes = await workbench.expandedView('BEAM Processes');
    await filterProcesses(workbench, 'Overload.Shopper');
    const row = processes.locator('.monaco-list-row', { hasText: 'Overload.Shopper' }).first();
    await workbench.step('the shopper in the tree', () => row.waitFor({ timeout: 20_000 }));
    await row.click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: 'Trace Messages' }).hover();
    await page.keyboard.press('Enter');
    const frame = workbench.webview();
    await workbench.step('the set-up', () =>
      frame.locator('.title', { hasText: /Trace messages of Overload\.Shopper/ }).waitFor({ timeout: 20_000 }),
    );
    await frame.locator('vscode-button.start').click();
    await workbench.step('receives of :shop', () =>
      frame.locator('tr.kind-receive', { hasText: ':shop' }).first().waitFor({ timeout: 20_000 }),
    );
    await panelScreenshot('22-trace-messages');
  });

  it('Stop All ends the trace and the counting, and the figures go', async () => {
    await workbench.runCommand('BEAM Observer: Stop All Traces and Call Counts');
    const frame = workbench.webview();
    await workbench.step('the trace ended', () => frame.locator('.ended', { hasText: 'Stopped.' }).waitFor({ timeout: 15_000 }));
    await workbench.step('the status bar item gone', () =>
      waitForAsync(
        async () => (await workbench.page.locator('.statusbar-item', { hasText: /Tracing|Counting/ }).count()) === 0,
        10_000,
        'gone',
      ),
    );
    await goToLine('orders.ex', 'def total(%Order{items: items}) do');
    await waitForAsync(async () => (await figures()).length === 0, 10_000, 'no figures');
    assert.ok(await codeLens('def total(%Order{items: items}) do', 'Count Calls'), 'Count Calls again in the lens');
  });
});
