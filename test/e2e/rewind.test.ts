/**
 * Rewind in a real VS Code (code-server), the packaged extension, the demo
 * node (examples/overload) with its burst scenario: Overload.Burst.Spike
 * burns every scheduler for 4 s and exits with its workers. By the time
 * anyone looks, the tree no longer has it; the spike on the load chart is
 * clicked, and the tree shows it as of then, marked exited, with what it
 * was running; Back to Live. The PID hover of a log line written during the
 * burst says what it was doing then. The history is saved to a file; the
 * node is killed and VS Code reloaded with no node; the recording is opened
 * and the same moment shown. Screenshots in test-output/e2e/ (rewind-*).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { AgentClient } from '../../extension/src/agent/agentClient';
import type { DiscoveryFile, RecordedMoment } from '../../extension/src/protocol/agentProtocol';
import { parseRecording } from '../../extension/src/shared/recordingFile';
import { clockTime } from '../../extension/src/shared/rewind';
import { sleep, waitFor } from '../support/wait';
import { extensionActive, killObservedNodes, statusBecomes } from './support/observedNode';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { ROOT, type Workbench } from './support/workbench';

const scratch = scratchDirs('beam-observer-e2e-rewind-', 'overload');
const { workspace, discovery } = scratch;
const SPIKE = 'Overload.Burst.Spike';
const RECORDING = join(workspace, 'incident.json');

let workbench: Workbench;
let agent: AgentClient | undefined;
/** The moment of the burst the test clicks, and the label the tree shows for it. */
let shownLabel = '';

async function demoAgent(): Promise<AgentClient> {
  if (agent) return agent;
  await waitFor(
    () => existsSync(discovery) && readdirSync(discovery).some((f) => f.endsWith('.json')),
    120_000,
    "the demo node's discovery file",
  );
  const file = readdirSync(discovery).find((f) => f.endsWith('.json'))!;
  agent = await AgentClient.connect(JSON.parse(readFileSync(join(discovery, file), 'utf8')) as DiscoveryFile);
  return agent;
}

/** The moments in which the spike ranked by reductions (from the agent, as the test's own view of the truth). */
async function burstMoments(): Promise<RecordedMoment[]> {
  const history = await (await demoAgent()).history();
  return history.moments.filter((m) => m.top.reductions.some((i) => m.processes[i].name === `Elixir.${SPIKE}`));
}

/**
 * Click the spike on the utilisation chart of the charts panel: with the
 * charts paused, move along the plot reading the tooltip, and click where the
 * average utilisation peaks. Returns the time the tooltip showed there.
 */
async function clickTheSpike(frame: FrameLocator): Promise<string> {
  const { page } = workbench;
  // Five minutes shown, so the burst is still in view however long the steps before took.
  await frame.locator('.window-select').click();
  await frame.getByRole('option', { name: '5 min' }).click();
  await frame.locator('vscode-button.pause').click(); // the spike stays where it is while the test looks for it
  await sleep(500);
  const plot = frame.locator('[data-chart="utilisation"] .plot');
  const box = (await plot.boundingBox())!;
  const tooltip = frame.locator('.tooltip');
  let best = { x: 0, average: -1, time: '' };
  for (let x = box.x + 48; x < box.x + box.width - 12; x += 2) {
    await page.mouse.move(x, box.y + box.height / 2);
    const text = await tooltip.innerText({ timeout: 1000 }).catch(() => '');
    const average = /Average of \d+ online\s*(\d+)%/.exec(text);
    const time = /· (\d\d:\d\d:\d\d)/.exec(text);
    if (average && time && Number(average[1]) > best.average) best = { x, average: Number(average[1]), time: time[1] };
  }
  assert.ok(best.average >= 80, `a spike on the chart (peak ${best.average}% at ${best.time})`);
  await page.mouse.click(best.x, box.y + box.height / 2);
  return best.time;
}

/** Drag the side bar's edge to the right, so the tree's rows show their figures whole (for the screenshots). */
async function widenSidebar(by: number): Promise<void> {
  const box = (await workbench.page.locator('.part.sidebar').boundingBox())!;
  const y = box.y + box.height / 2;
  await workbench.page.mouse.move(box.x + box.width + 2, y);
  await workbench.page.mouse.down();
  await workbench.page.mouse.move(box.x + box.width + 2 + by, y, { steps: 8 });
  await workbench.page.mouse.up();
}

/** Show the last minute on the charts (they stay paused where they were). */
async function lastMinute(frame: FrameLocator): Promise<void> {
  await frame.locator('.window-select').click();
  await frame.getByRole('option', { name: '1 min' }).click();
  await sleep(500);
}

/** code-server's file dialogs are a quick input: type the path, Enter. */
async function answerFileDialog(path: string): Promise<void> {
  const input = workbench.page.locator('.quick-input-widget input');
  await workbench.step('the file dialog', () => input.waitFor({ state: 'visible', timeout: 15_000 }));
  // The dialog fills in its starting folder a moment after it opens: type the path after that, and check it held.
  await workbench.step(`the path ${path} typed in the file dialog`, async () => {
    const deadline = Date.now() + 10_000;
    while ((await input.inputValue()) === '' && Date.now() < deadline) await sleep(100);
    await sleep(300);
    while ((await input.inputValue()) !== path) {
      if (Date.now() > deadline) throw new Error(`the dialog shows "${await input.inputValue()}"`);
      await input.fill(path);
      await sleep(300);
    }
  });
  // Enter while the dialog still lists the folder may go to the item it highlights: again, if it stays open.
  await workbench.step('the file dialog closed', async () => {
    for (let attempt = 1; ; attempt++) {
      await input.press('Enter');
      if (
        await input.waitFor({ state: 'hidden', timeout: 5000 }).then(
          () => true,
          () => false,
        )
      ) {
        return;
      }
      await workbench.screenshot(`rewind-file-dialog-open-${attempt}`);
      if (attempt === 3) throw new Error(`the dialog stays open, showing "${await input.inputValue()}"`);
      if ((await input.inputValue()) !== path) await input.fill(path);
      await sleep(500);
    }
  });
}

before(async () => {
  cpSync(join(ROOT, 'examples', 'overload'), workspace, { recursive: true, filter: (src) => !src.includes('_build') });
  workbench = await startObserverWorkbench(scratch, {
    name: 'rewind',
    settings: { 'beamObserver.autoAttach': 'terminals', 'beamObserver.sampleIntervalMs': 1000 },
    // The terminals inherit it: the first burst 15 s after the app starts, then none for 10 minutes.
    env: { OVERLOAD_SCENARIOS: 'burst', OVERLOAD_BURST_FIRST_MS: '15000', OVERLOAD_BURST_MS: '4000', OVERLOAD_BURST_EVERY_MS: '600000' },
  });
});

after(async () => {
  agent?.dispose();
  await teardown(scratch, workbench);
});

describe('Rewind in VS Code', () => {
  it('the demo bursts: a process burns every scheduler for 4 s and exits, gone from the tree', async () => {
    await extensionActive(workbench, 60_000);
    await workbench.startInTerminal('iex -S mix', /iex\(1\)>/);
    await statusBecomes(workbench, /nonode@nohost \d+%/, 60_000);
    await workbench.runCommand('BEAM Observer: Open Load Charts');
    await workbench.step('the burst recorded, and over', async () => {
      const deadline = Date.now() + 90_000;
      while ((await burstMoments()).length < 2 || (await (await demoAgent()).listProcesses({ filter: 'Burst.Spike' })).rows.length > 0) {
        if (Date.now() > deadline) throw new Error('no burst of Overload.Burst.Spike recorded');
        await sleep(1000);
      }
    });
    // Room for the tree: fold the debugger's own "Run" welcome.
    const run = workbench.page.locator('.pane-header', { hasText: /^Run$/ }).first();
    if ((await run.getAttribute('aria-expanded')) === 'true') await run.click({ position: { x: 12, y: 10 } });
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.step('the live tree', () =>
      processes
        .locator('.monaco-list-row', { hasText: /reds\/s/ })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    await workbench.step('the spike gone from the live tree', async () => {
      const deadline = Date.now() + 15_000;
      while ((await processes.locator('.monaco-list-row', { hasText: SPIKE }).count()) > 0) {
        if (Date.now() > deadline) throw new Error('the live tree still lists it');
        await sleep(250);
      }
    });
  });

  it('a click on the spike shows the tree as of then: the bursting process, exited, with what it ran', async () => {
    const { page } = workbench;
    const frame = workbench.webview();
    await workbench.step('the charts drawing the node', () => frame.getByText('nonode@nohost').first().waitFor({ timeout: 30_000 }));
    await workbench.runCommand('Notifications: Clear All Notifications');
    await widenSidebar(200);
    const time = await clickTheSpike(frame);
    const processes = await workbench.expandedView('BEAM Processes');
    shownLabel = `as of ${time}`;
    await workbench.step('the tree titled as of the spike', () =>
      page.locator('.pane-header', { hasText: shownLabel }).first().waitFor({ timeout: 15_000 }),
    );
    await workbench.step('the banner', () =>
      processes
        .getByText(/^As of \d\d:\d\d:\d\d: the moment recorded at/)
        .first()
        .waitFor({ timeout: 10_000 }),
    );
    // Its row (named by its registered name), not its workers' (named Overload.Burst.Spike.burn/1).
    const spike = processes
      .locator('.monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: /^Overload\.Burst\.Spike$/ }) })
      .first();
    await workbench.step('the bursting process in the tree', () => spike.waitFor({ timeout: 10_000 }));
    assert.match(await spike.innerText(), /exited · [\d.]+[kMG]? reds\/s/);
    const rows = await processes.locator('.monaco-list-row .label-name').allInnerTexts();
    assert.equal(rows[0], 'Back to Live');
    // The spike and its worker (one per other scheduler, named by its initial call) burned alike: they lead.
    assert.deepEqual(
      [...rows.slice(1, 3)].sort(),
      [SPIKE, 'Overload.Burst.Spike.burn/1'],
      `the burst leads: ${rows.slice(0, 6).join(', ')}`,
    );
    // The charts mark the moment shown.
    await workbench.step('the moment marked on the charts', () =>
      frame.locator('.as-of-line').first().waitFor({ state: 'attached', timeout: 10_000 }),
    );
    assert.equal(await frame.locator('.as-of-line').count(), 6);
    await lastMinute(frame);
    await workbench.screenshot('rewind-1-spike-clicked');
    await spike.click();
    // Its record, first lines (the tree renders only the rows in view).
    let record: string[] = [];
    await workbench.step('its record', async () => {
      const deadline = Date.now() + 10_000;
      while (!(record = await processes.locator('.monaco-list-row').allInnerTexts()).some((r) => /Running then/.test(r))) {
        if (Date.now() > deadline) throw new Error(`rows: ${record.join(' | ')}`);
        await sleep(250);
      }
    });
    assert.ok(
      record.some((r) => /Initial call\s*Overload\.Burst\.Spike\.run\/1/.test(r)),
      record.join(' | '),
    );
    assert.ok(
      record.some((r) => /Running then\s*Overload\.Burst\.Spike\.burn\/2/.test(r)),
      record.join(' | '),
    );
    await workbench.screenshot('rewind-1b-its-record');
  });

  it('Back to Live returns to the present', async () => {
    const processes = await workbench.expandedView('BEAM Processes');
    await processes.locator('.monaco-list-row', { hasText: 'Back to Live' }).first().click();
    await workbench.step('the live tree again', () =>
      workbench.page
        .locator('.pane-header', { hasText: /nonode@nohost · by Reductions/ })
        .first()
        .waitFor({ timeout: 15_000 }),
    );
    assert.equal(await workbench.page.locator('.pane-header', { hasText: 'as of' }).count(), 0);
    await workbench.step('the live rows again', async () => {
      const deadline = Date.now() + 15_000;
      while ((await processes.locator('.monaco-list-row', { hasText: SPIKE }).count()) > 0) {
        if (Date.now() > deadline) throw new Error('the tree still lists the spike');
        await sleep(250);
      }
    });
    assert.equal(await workbench.webview().locator('.as-of-line').count(), 0, 'the mark is gone from the charts');
  });

  it('the PID hover in a log line written during the burst says what the process was doing then', async () => {
    const [moment] = (await burstMoments()).slice(-1);
    const spike = moment.processes.find((p) => p.name === `Elixir.${SPIKE}`)!;
    const at = moment.timestamp - Math.min(300, moment.intervalMs / 2);
    const time = `${clockTime(at)}.${String(at % 1000).padStart(3, '0')}`;
    writeFileSync(join(workspace, 'burst.log'), `${time} [warning] slow request while #PID${spike.pid} was running\n`);
    const hover = await workbench.hoverIn('burst.log', spike.pid, /At \d\d:\d\d:\d\d/);
    assert.match(hover, new RegExp(`At ${clockTime(at)}`));
    assert.match(hover, /Overload\.Burst\.Spike\.(burn|run)/);
    assert.match(hover, /It has exited since/);
    assert.match(hover, /is not alive/, 'the live summary says it is gone');
    await workbench.screenshot('rewind-2-pid-hover-then');
    await workbench.page.keyboard.press('Escape');
  });

  it('saves the recording while the spike is shown', async () => {
    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('BEAM Observer: Open Load Charts');
    const frame = workbench.webview();
    await workbench.step('the charts again', () => frame.getByText('nonode@nohost').first().waitFor({ timeout: 30_000 }));
    assert.equal(`as of ${await clickTheSpike(frame)}`, shownLabel);
    await workbench.step('as of the spike again', () =>
      workbench.page.locator('.pane-header', { hasText: shownLabel }).first().waitFor({ timeout: 15_000 }),
    );
    await workbench.page.locator('.part.sidebar .composite.title').first().click();
    await workbench.runCommand('BEAM Observer: Save Recording…');
    await answerFileDialog(RECORDING);
    await workbench.waitForNotification(/the recording of nonode@nohost \(\d+ moments\) is saved/, 30_000);
    const recording = parseRecording(readFileSync(RECORDING, 'utf8'));
    assert.equal(recording.node.node, 'nonode@nohost');
    assert.equal(recording.shown?.kind, 'moment');
    assert.ok(recording.history.moments.some((m) => m.processes.some((p) => p.name === `Elixir.${SPIKE}`)));
  });

  it('VS Code reloaded with no node: the recording opens with the same charts and the same moment', async () => {
    agent?.dispose();
    agent = undefined;
    killObservedNodes(discovery);
    await statusBecomes(workbench, /disconnected|nonode@nohost/, 15_000).catch(() => undefined);
    await workbench.page.locator('.part.sidebar .composite.title').first().click();
    const reloaded = workbench.page.waitForEvent('load', { timeout: 30_000 });
    reloaded.catch(() => undefined);
    await workbench.runCommand('Developer: Reload Window');
    await workbench.step('the window reloads', () => reloaded);
    await workbench.step('the workbench is back', () => workbench.page.locator('.part.activitybar').waitFor({ timeout: 60_000 }));
    // The charts panel comes back with the window and may hold the focus: keys must reach the workbench.
    await sleep(3000);
    await workbench.page.locator('.part.statusbar').click({ position: { x: 600, y: 5 } });
    await extensionActive(workbench, 60_000);
    await workbench.runCommand('BEAM Observer: Open Recording…');
    await answerFileDialog(RECORDING);
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.step('the same moment, from the file', () =>
      workbench.page.locator('.pane-header', { hasText: shownLabel }).first().waitFor({ timeout: 20_000 }),
    );
    await workbench.step('the bursting process, from the file', () =>
      processes.locator('.monaco-list-row', { hasText: SPIKE }).first().waitFor({ timeout: 10_000 }),
    );
    assert.match(await processes.locator('.monaco-list-row', { hasText: SPIKE }).first().innerText(), /exited/);
    assert.ok(
      await processes
        .getByText(/\(recording incident\.json\)/)
        .first()
        .isVisible(),
    );
    await workbench.runCommand('BEAM Observer: Open Load Charts');
    const frame = workbench.webview();
    await workbench.step('the charts of the recording', () =>
      frame.getByText('recording, no node attached').first().waitFor({ timeout: 30_000 }),
    );
    await workbench.step('the moment marked', () => frame.locator('.as-of-line').first().waitFor({ state: 'attached', timeout: 10_000 }));
    await workbench.runCommand('Notifications: Clear All Notifications');
    await lastMinute(frame);
    await workbench.screenshot('rewind-3-recording-opened');
  });

  it('a damaged file gets a precise error', async () => {
    const damaged = join(workspace, 'damaged.json');
    writeFileSync(damaged, readFileSync(RECORDING, 'utf8').slice(0, 5000));
    await workbench.runCommand('BEAM Observer: Open Recording…');
    await answerFileDialog(damaged);
    const message = await workbench.waitForNotification('cannot open damaged.json as a recording', 15_000);
    assert.match(message, /not valid JSON .* at line 1, column \d+\); it may be cut short or damaged/);
    await workbench.runCommand('BEAM Observer: Back to Live');
    await workbench.step('the recording closed', () =>
      workbench.page.getByText('No Erlang or Elixir node is connected.').first().waitFor({ timeout: 15_000 }),
    );
  });
});
