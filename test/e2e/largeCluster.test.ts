/**
 * A cluster of 31 nodes observed from a real VS Code through one agent: the
 * agent's node is started with the agent and picked up from its discovery
 * file (autoAttach "terminals": its working directory is the workspace); 30
 * plain nodes have joined it. Show Cluster Overview must show every member up
 * with figures within 15 s and none in error (before, nine stayed in error:
 * "too many requests in flight"); two members killed show as gone while the
 * rest keep updating.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { FixtureNode, startErlangFixture } from '../support/beamNode';
import { HOST, PlainNode, startPlainNodes } from '../support/clusterNodes';
import { waitForAsync } from '../support/wait';

const MEMBERS = 30;
const scratch = scratchDirs('beam-observer-large-cluster-');
const RUN = randomBytes(3).toString('hex');
const COOKIE = `e2e_large_${randomBytes(8).toString('hex')}`;
const agentName = `big_a_${RUN}`;

let workbench: Workbench;
let a: FixtureNode;
let members: PlainNode[] = [];

before(async () => {
  a = await startErlangFixture({
    extraArgs: ['-sname', agentName, '-setcookie', COOKIE],
    env: { BEAM_OBSERVER_DIR: scratch.discovery },
    cwd: scratch.workspace,
  });
  members = await startPlainNodes(MEMBERS, `big_m${RUN}_`, `${agentName}@${HOST}`, COOKIE);
  workbench = await startObserverWorkbench(scratch, { name: 'large-cluster', settings: { 'beamObserver.autoAttach': 'terminals' } });
});

after(async () => {
  await Promise.all([a?.stop(), ...members.map((m) => m.stop())]);
  await teardown(scratch, workbench);
});

describe(`a cluster of ${MEMBERS + 1} nodes`, () => {
  it('Show Cluster Overview: every member up with figures within 15 s, none in error', async () => {
    // The agent's node runs before the workbench starts, so the extension may attach
    // to it before the tree's welcome text ever shows: wait for the node itself.
    await workbench.openDebugSidebar();
    await workbench.step("the agent's node attached", () =>
      workbench.page
        .locator('.statusbar-item', { hasText: new RegExp(`${agentName}@${HOST} \\d+%`) })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    await workbench.clearNotifications();
    await workbench.runCommand('BEAM Observer: Show Cluster Overview');
    const frame = workbench.webview();
    const counts = frame.locator('.summary-counts');
    await workbench.step('the overview lists every node', () =>
      counts.filter({ hasText: `${MEMBERS + 1} nodes` }).waitFor({ timeout: 20_000 }),
    );
    const opened = Date.now();
    await workbench.step('every member up, with figures, within 15 s', () =>
      waitForAsync(
        async () => {
          const rows = await frame.locator('tr.cluster-row').allInnerTexts();
          return rows.length === MEMBERS + 1 && rows.every((text) => /\bup\b/.test(text) && /\d+%/.test(text));
        },
        15_000,
        'every row up with figures',
      ),
    );
    console.log(`# every member up with figures ${Date.now() - opened} ms after the overview listed them`);
    assert.equal((await counts.innerText()).trim(), `${MEMBERS + 1} nodes, ${MEMBERS + 1} up`);
    assert.equal(await frame.locator('tr.cluster-row', { hasText: 'error' }).count(), 0, 'no row in error');
    await workbench.screenshot('large-cluster-1-overview');
  });

  it('two members killed show as gone, first; the others keep updating', async () => {
    const frame = workbench.webview();
    const [x, y] = members.splice(0, 2);
    x.child.kill('SIGKILL');
    y.child.kill('SIGKILL');
    await workbench.step('both gone, at the top of the table', () =>
      waitForAsync(
        async () => {
          const names = await frame.locator('tr.cluster-row .node-name').allInnerTexts();
          return [names[0], names[1]].sort().join() === [x.name, y.name].sort().join();
        },
        20_000,
        'the two gone rows first',
      ),
    );
    assert.match(await frame.locator('.summary-counts').innerText(), new RegExp(`${MEMBERS + 1} nodes, ${MEMBERS - 1} up, 2 gone`));
    for (const gone of [x, y]) assert.match(await frame.locator(`tr.cluster-row[data-node="${gone.name}"]`).innerText(), /gone since/);
    // The rest keep updating: a member's sparkline gains points (one per sample).
    const member = members[0].name;
    const points = () => frame.locator(`tr.cluster-row[data-node="${member}"] .sparkline-line`).first().getAttribute('d');
    const before = await points();
    await workbench.step(`${member} keeps updating`, () => waitForAsync(async () => (await points()) !== before, 10_000, 'a new sample'));
    await workbench.screenshot('large-cluster-2-two-gone');
  });
});
