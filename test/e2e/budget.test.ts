/**
 * The budget for observing in a real VS Code: a node with 200,000 processes
 * (budget_fixture.erl, the agent started with a discovery file in the
 * workspace's directory, so autoAttach "terminals" picks it up) and a budget
 * of 0.5% (beamObserver.agentBudget, sent to the node on connect). The
 * process tree must say how often it refreshes and why; Refresh Processes
 * Now must sweep at once (the agent's `explicit` work grows within seconds);
 * the status bar's tooltip says where the agent's time went.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { widenSideBar } from './support/observedNode';
import { AGENT_EBIN, FixtureNode, ROOT, startFixture } from '../support/beamNode';
import { waitForAsync } from '../support/wait';

const PROCESSES = 200_000;
const BUDGET_EBIN = join(ROOT, 'out', 'budget-fixture-ebin');
const scratch = scratchDirs('beam-observer-budget-');

let workbench: Workbench;
let node: FixtureNode;

before(async () => {
  mkdirSync(BUDGET_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', BUDGET_EBIN, join(ROOT, 'test', 'fixtures', 'budget_fixture.erl')]);
  node = await startFixture('erl', ['-noshell', '+P', '1000000', '-pa', AGENT_EBIN, '-pa', BUDGET_EBIN, '-eval', 'budget_fixture:main()'], {
    env: { BEAM_OBSERVER_DIR: scratch.discovery },
    cwd: scratch.workspace,
  });
  await node.command(`spawn ${PROCESSES}`, 60_000);
  await node.command('start_agent', 30_000);
  workbench = await startObserverWorkbench(scratch, {
    name: 'budget',
    settings: { 'beamObserver.autoAttach': 'terminals', 'beamObserver.agentBudget': 0.5 },
  });
});

after(async () => {
  await node?.stop();
  await teardown(scratch, workbench);
});

describe(`the budget for observing, ${PROCESSES.toLocaleString('en')} processes`, () => {
  it('the process tree says how often it refreshes to stay within the budget', async () => {
    const { page } = workbench;
    // The node runs before the workbench starts: wait for it, not for the welcome text.
    await workbench.openDebugSidebar();
    await workbench.step('the node attached', () =>
      page
        .locator('.statusbar-item', { hasText: /nonode@nohost \d+%/ })
        .first()
        .waitFor({ timeout: 60_000 }),
    );
    const processes = await workbench.expandedView('BEAM Processes');
    const header = processes.locator('.pane-header').first();
    await workbench.step('the description names the interval and the budget', () =>
      header
        .filter({ hasText: /(refreshing every|next in) [\d.]+ (s|min) to stay within 0\.5% of a scheduler \(last sweep [\d.]+ (ms|s)\)/ })
        .waitFor({ timeout: 60_000 }),
    );
    console.log(`# ${await header.innerText()}`);
    // For the README: room for the tree and its description (fold the debugger's "Run" welcome, widen the
    // side bar), the pointer away from the header (hovered, it shows its actions instead).
    const run = page.locator('.pane-header', { hasText: /^Run$/ }).first();
    if ((await run.getAttribute('aria-expanded')) === 'true') await run.click({ position: { x: 12, y: 10 } });
    await widenSideBar(workbench, 450);
    await processes.locator('.monaco-list-row').first().waitFor({ timeout: 30_000 });
    await page.mouse.move(900, 500);
    await workbench.screenshot('budget-1-tree-description');
  });

  it('Refresh Processes Now sweeps at once, whatever the budget', async () => {
    const processes = await workbench.expandedView('BEAM Processes');
    const header = processes.locator('.pane-header').first();
    const before = await node.command<{ explicit: number }>('busy');
    const clicked = Date.now();
    await header.hover();
    await processes.locator('.actions .action-label[aria-label^="Refresh Processes Now"]').first().click();
    await workbench.step("the agent's explicit sweep within 5 s", () =>
      waitForAsync(async () => (await node.command<{ explicit: number }>('busy')).explicit > before.explicit, 5000, 'an explicit sweep'),
    );
    console.log(`# explicit sweep seen ${Date.now() - clicked} ms after the click`);
    await workbench.step('the description says the rows are fresh', () =>
      header.filter({ hasText: /refreshing every [\d.]+ (s|min) to stay within 0\.5%/ }).waitFor({ timeout: 10_000 }),
    );
  });

  it("the status bar's tooltip says where the agent's time went and the budget", async () => {
    const { page } = workbench;
    const item = page.locator('.statusbar-item', { hasText: /nonode@nohost \d+%/ }).first();
    await item.hover();
    const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'periodic work is kept within 0.5%' }).first();
    await workbench.step('the tooltip', () => hover.waitFor({ timeout: 15_000 }));
    const text = await hover.innerText();
    assert.match(text, /BEAM Observer's agent: .* over \d+ s: [\d.]+% of one scheduler \(.*load sampler [\d.]+%/s);
    await workbench.screenshot('budget-2-status-tooltip');
  });
});
