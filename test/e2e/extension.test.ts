/**
 * BEAM Observer in a real VS Code (code-server) in a real browser, installed
 * from the packaged .vsix: a user opens the demo project, starts
 * `iex -S mix` in the integrated terminal with auto-attach on, and works
 * with the process tree, the state documents, PID hovers and the charts.
 * Each step saves a screenshot in test-output/e2e/.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentClient } from '../../extension/src/agent/agentClient';
import type { DiscoveryFile } from '../../extension/src/protocol/agentProtocol';
import { extensionActive, filterProcesses } from './support/observedNode';
import { ROOT, type Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { waitFor } from '../support/wait';

const scratch = scratchDirs('beam-observer-e2e-', 'overload');
const { workspace, discovery } = scratch;

let workbench: Workbench;
let agent: AgentClient | undefined;

/** The demo node's agent, reached from the test itself to learn real pids. */
async function demoAgent(): Promise<AgentClient> {
  if (agent) return agent;
  await waitFor(() => readdirSync(discovery).some((f) => f.endsWith('.json')), 90_000, "the demo node's discovery file");
  const file = readdirSync(discovery).find((f) => f.endsWith('.json'))!;
  const info = JSON.parse(readFileSync(join(discovery, file), 'utf8')) as DiscoveryFile;
  agent = await AgentClient.connect(info);
  return agent;
}

async function pidOf(name: string): Promise<string> {
  const client = await demoAgent();
  const { rows } = await client.listProcesses({ filter: name, limit: 5 });
  const row = rows.find((r) => r.name === `Elixir.${name}`);
  assert.ok(row, `${name} is running in the demo node`);
  return row.pid;
}

before(async () => {
  // A copy of the demo project, so the test's files and build stay out of the repository.
  cpSync(join(ROOT, 'examples', 'overload'), workspace, { recursive: true, filter: (src) => !src.includes('_build') });
  workbench = await startObserverWorkbench(scratch, {
    name: 'extension',
    settings: { 'beamObserver.autoAttach': 'terminals', 'beamObserver.sampleIntervalMs': 1000 },
  });
});

after(async () => {
  agent?.dispose();
  await teardown(scratch, workbench);
});

describe('BEAM Observer in VS Code', () => {
  it('shows a welcome text in the Run and Debug sidebar while no node is connected', async () => {
    await extensionActive(workbench, 30_000);
    await workbench.screenshot('1-welcome');
  });

  it('observes iex -S mix started in the integrated terminal, with no further step', async () => {
    const { page } = workbench;
    await workbench.startInTerminal('OVERLOAD_SCENARIOS=mailbox,pool iex -S mix', /iex\(1\)>/);
    await workbench.step('the status bar shows the connected node', () =>
      page
        .locator('.statusbar-item', { hasText: /nonode@nohost \d+%/ })
        .first()
        .waitFor({ timeout: 60_000 }),
    );
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.step('processes in the tree', () =>
      processes
        .locator('.monaco-list-row', { hasText: /reds\/s/ })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    await workbench.screenshot('2-process-tree');
  });

  it("keeps the agent's own processes under one row, with what they cost", async () => {
    await filterProcesses(workbench, 'beam_observer'); // the agent's registered processes
    const processes = await workbench.expandedView('BEAM Processes');
    const group = processes.locator('.monaco-list-row', { hasText: 'BEAM Observer agent' }).first();
    await workbench.step("the agent's row", () => group.waitFor({ timeout: 20_000 }));
    assert.match(await group.innerText(), /\d+ process(es)? · [\d.]+k? reds\/s/);
    const rows = await processes.locator('.monaco-list-row').allInnerTexts();
    assert.equal(rows.length, 1, `only the group at the top level while collapsed: ${JSON.stringify(rows)}`);
    await group.click();
    await workbench.step('its processes inside', () =>
      processes.locator('.monaco-list-row', { hasText: 'beam_observer_ranking' }).first().waitFor({ timeout: 10_000 }),
    );
    await workbench.screenshot('2b-agent-group');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');
  });

  it('sorts by memory: the copying pool workers and the big state lead', async () => {
    await workbench.runCommand('BEAM Observer: Sort Processes by Memory');
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.step('the view says it sorts by memory', () =>
      processes.locator('.pane-header', { hasText: 'by Memory' }).waitFor({ timeout: 15_000 }),
    );
    await workbench.step('a memory figure leads the first row', async () => {
      const first = processes.locator('.monaco-list-row').first();
      await first.locator('.label-description', { hasText: /MB/ }).waitFor({ timeout: 20_000 });
    });
    const labels = await processes.locator('.monaco-list-row .label-name').allInnerTexts();
    assert.ok(
      labels.slice(0, 10).some((l) => /Overload\.(BigState|Pool\.CopyingWorker)/.test(l)),
      `top rows by memory: ${labels.slice(0, 10).join(', ')}`,
    );
    await workbench.screenshot('3-sorted-by-memory');
  });

  it('expands a GenServer and reads its state inline, with the secret field hidden', async () => {
    const { page } = workbench;
    // Room for the tree: fold the debugger's own "Run" welcome.
    const run = page.locator('.pane-header', { hasText: /^Run$/ }).first();
    if ((await run.getAttribute('aria-expanded')) === 'true') await run.click({ position: { x: 12, y: 10 } });
    const processes = await workbench.expandedView('BEAM Processes');
    // Show just the big state, then expand it and its State node.
    await workbench.runCommand('BEAM Observer: Filter Processes…');
    await page.locator('.quick-input-widget input').fill('Overload.BigState');
    await page.keyboard.press('Enter');
    const row = processes.locator('.monaco-list-row', { hasText: 'Overload.BigState' }).first();
    await workbench.step('the filtered row', () => row.waitFor({ timeout: 20_000 }));
    await row.click();
    await page.keyboard.press('ArrowRight');
    const stateRow = processes.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^State$/ }) }).first();
    await workbench.step('the State node', () => stateRow.waitFor({ timeout: 20_000 }));
    await stateRow.click();
    await page.keyboard.press('ArrowRight');
    // Move into the state so the list scrolls its first lines into view.
    await page.keyboard.press('ArrowDown');
    await workbench.step('state lines under it', () =>
      processes
        .locator('.monaco-list-row', { hasText: /Overload\.BigState\.Catalogue/ })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    const text = (await processes.locator('.monaco-list-row').allInnerTexts()).join('\n');
    assert.match(text, /sku: "SKU-1"/);
    assert.doesNotMatch(text, /sk_live_demo_only/, 'the field marked secret is not shown');
    await workbench.screenshot('4-state-inline');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');
  });

  it('Inspect Process State from the palette opens a read-only state document', async () => {
    const { page } = workbench;
    const probe = await pidOf('Overload.Probe');
    await workbench.runCommand('BEAM Observer: Inspect Process State…');
    const input = page.locator('.quick-input-widget input');
    await workbench.step('the process quick pick', () =>
      page.locator('.quick-input-list .monaco-list-row', { hasText: 'Overload.' }).first().waitFor({ timeout: 20_000 }),
    );
    await input.fill('Overload.Probe');
    await workbench.step('the probe in the quick pick', () =>
      page.locator('.quick-input-list .monaco-list-row', { hasText: probe }).first().waitFor({ timeout: 10_000 }),
    );
    await page.keyboard.press('Enter');
    await workbench.step('the state document tab', () =>
      page.locator('.editor-group-container .tab', { hasText: `${probe} Overload.Probe` }).waitFor({ timeout: 20_000 }),
    );
    await workbench.step('the state text', () =>
      page.locator('.monaco-editor .view-lines', { hasText: 'work_ms_max_last_10' }).waitFor({ timeout: 10_000 }),
    );
    // Terms, not Elixir source: a language of BEAM Observer's own, so no Elixir language server starts for it.
    await workbench.step('the document in the "Elixir term" language', () =>
      page.locator('.statusbar-item', { hasText: 'Elixir term (BEAM Observer)' }).first().waitFor({ timeout: 10_000 }),
    );
    await workbench.screenshot('5-inspect-state');
  });

  it('hovering a PID in a log file shows its live summary', async () => {
    const mailbox = await pidOf('Overload.Mailbox.Server');
    writeFileSync(join(workspace, 'server.log'), `12:00:00.001 [warning] GenServer #PID${mailbox} is slow to answer\n`);
    const summary = await workbench.hoverIn('server.log', mailbox, 'Overload.Mailbox.Server');
    assert.match(summary, /Queue \d/);
    assert.match(summary, /gen_server/);
    assert.match(summary, /Reveal in Process Tree/);
    await workbench.screenshot('6-pid-hover');
  });

  it("the context menu peeks a mailbox and goes to a process's current function", async () => {
    const { page } = workbench;
    await page.keyboard.press('Escape');
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.runCommand('BEAM Observer: Filter Processes…');
    await page.locator('.quick-input-widget input').fill('Overload.Probe');
    await page.keyboard.press('Enter');
    const row = processes.locator('.monaco-list-row', { hasText: 'Overload.Probe' }).first();
    await workbench.step('the probe alone in the tree', () => row.waitFor({ timeout: 20_000 }));

    // Menus ignore a click that comes too soon after they open: point, then press Enter.
    const menuItem = async (label: string) => {
      await row.click({ button: 'right' });
      const item = page.locator('.monaco-menu .action-label', { hasText: label });
      await item.hover();
      await page.keyboard.press('Enter');
    };
    await menuItem('Peek Messages');
    await workbench.step('the mailbox document', () =>
      page
        .locator('.monaco-editor .view-lines', { hasText: /Mailbox\s+of\s+<0\.\d+\.0>:\s+showing\s+\d+\s+of\s+\d+\s+queued\s+messages/ })
        .waitFor({ timeout: 15_000 }),
    );

    await menuItem('Go to Current Function');
    // The probe waits in gen_server's loop: the agent gives the absolute path of OTP's source.
    await workbench.step('gen_server.erl opened at the current line', () =>
      page.locator('.editor-group-container .tab', { hasText: 'gen_server.erl' }).waitFor({ timeout: 15_000 }),
    );
    await workbench.screenshot('6b-current-function');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');
  });

  it('the BEAM Load view draws live charts of the node', async () => {
    const { page } = workbench;
    await page.keyboard.press('Escape');
    await workbench.runCommand('BEAM Observer: Open Load Charts');
    const frame = workbench.webview();
    await workbench.step('the charts in the editor panel', () =>
      frame.getByText('Scheduler utilisation', { exact: false }).first().waitFor({ timeout: 30_000 }),
    );
    await workbench.step('the node name in the charts', () => frame.getByText('nonode@nohost').first().waitFor({ timeout: 30_000 }));
    await workbench.runCommand('Notifications: Clear All Notifications');
    await new Promise((r) => setTimeout(r, 3000)); // a few live samples
    await workbench.screenshot('7-load-charts');
  });

  it('the BEAM Load view in the Run and Debug sidebar draws them too', async () => {
    const { page } = workbench;
    await workbench.runCommand('View: Close All Editors');
    // Fold the process tree to give the sidebar's charts the room.
    const tree = page.locator('.pane-header', { hasText: 'BEAM Processes' }).first();
    // Click the twistie end of the header: its middle holds the view's action buttons.
    if ((await tree.getAttribute('aria-expanded')) === 'true') await tree.click({ position: { x: 12, y: 10 } });
    await workbench.expandedView('BEAM Load');
    const frame = workbench.webview();
    await workbench.step('the charts in the sidebar', () => frame.getByText('nonode@nohost').first().waitFor({ timeout: 30_000 }));
    await workbench.step('samples drawn in the sidebar', async () => {
      // The legend shows the latest utilisation once samples have arrived.
      const body = frame.locator('body');
      const deadline = Date.now() + 15_000;
      while (!/Average\s*\d+%/.test(await body.innerText())) {
        if (Date.now() > deadline) throw new Error(`no utilisation in the legend: ${(await body.innerText()).slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    await new Promise((r) => setTimeout(r, 2000));
    await workbench.screenshot('8-load-sidebar');
  });
});
