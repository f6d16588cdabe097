/**
 * A cluster of three named nodes, observed from a real VS Code: nothing of
 * BEAM Observer runs in any of them until the user picks one in "Attach to
 * Node…" (epmd listing, cookie typed in, agent pushed over Erlang
 * distribution). Then the cluster overview shows all three side by side, a
 * row selects a node for the process tree, a node leaving shows as gone, a
 * wrong cookie gets a clear error, and after the agent is killed the
 * extension loads it again over distribution with the remembered cookie.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { extensionActive, filterProcesses } from './support/observedNode';
import { OtherHost, createOtherHost, otherHostUnavailable } from '../support/otherHost';
import { nodeEnv, waitForOutput } from '../support/beamNode';
import { waitForAsync } from '../support/wait';

const scratch = scratchDirs('beam-observer-cluster-');
const { workspace, discovery } = scratch;
const HOST = hostname().split('.')[0];
const RUN = randomBytes(3).toString('hex');
const COOKIE = `e2e_${randomBytes(8).toString('hex')}`;
const names = { a: `shop_a_${RUN}`, b: `shop_b_${RUN}`, c: `shop_c_${RUN}` };
const full = (short: string) => `${short}@${HOST}`;

let workbench: Workbench;
const nodes: ChildProcess[] = [];

/** A named node; B and C join A at boot. B runs a registered process only it has. */
function startNode(short: string, peer?: string, extra = ''): Promise<ChildProcess> {
  const boot = [
    peer ? `true = net_kernel:connect_node('${peer}'),` : '',
    extra,
    'io:format("ready~n"),',
    '(fun L() -> case io:get_line("") of eof -> halt(0); _ -> L() end end)().',
  ].join(' ');
  const child = spawn('erl', ['-noshell', '-sname', short, '-setcookie', COOKIE, '-eval', boot], {
    env: nodeEnv({ BEAM_OBSERVER_DIR: discovery }),
  });
  nodes.push(child);
  return waitForOutput(child, /ready/, short).then(() => child);
}

/** Evaluate an expression in a node from a short-lived node of our own (what an operator's remsh does). */
function evalIn(node: string, expression: string): string {
  const probe = `probe_${randomBytes(3).toString('hex')}`;
  const result = spawnSync(
    'erl',
    [
      '-noshell',
      '-sname',
      probe,
      '-setcookie',
      COOKIE,
      '-eval',
      `io:format("~p~n", [erpc:call('${node}', fun() -> ${expression} end)]), halt().`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return result.stdout.trim();
}

before(async () => {
  mkdirSync(discovery, { recursive: true });
  writeFileSync(join(workspace, 'README.md'), '# a cluster\n');
  await startNode(names.a);
  // B is busy: one process computing without pause keeps one of its schedulers at work.
  await startNode(
    names.b,
    full(names.a),
    'register(only_on_b, spawn(fun() -> receive stop -> ok end end)), ' + 'spawn(fun Spin() -> _ = lists:seq(1, 1000), Spin() end),',
  );
  await startNode(names.c, full(names.a));
  workbench = await startObserverWorkbench(scratch, { name: 'cluster' });
});

let farHost: OtherHost | undefined;

after(async () => {
  farHost?.remove();
  for (const child of nodes) child.kill('SIGKILL');
  await teardown(scratch, workbench);
});

describe('a cluster over Erlang distribution', () => {
  it('Attach to Node lists the nodes from epmd and loads the agent into the one picked', async () => {
    const { page } = workbench;
    await extensionActive(workbench);
    assert.deepEqual(readdirSync(discovery), [], 'no agent anywhere yet');

    await workbench.runCommand('BEAM Observer: Attach to Node…');
    const input = page.locator('.quick-input-widget input');
    const row = (text: string) => page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    await workbench.step('the host picker', () => row('localhost').waitFor({ timeout: 15_000 }));
    await page.keyboard.press('Enter');
    await workbench.step("epmd's names, the three nodes among them", async () => {
      for (const short of Object.values(names)) await row(short).waitFor({ timeout: 15_000 });
    });
    await workbench.screenshot('cluster-1-epmd-names');
    await input.fill(names.a);
    await row(names.a).waitFor({ timeout: 5_000 });
    await page.keyboard.press('Enter');
    await workbench.step('the cookie prompt', () =>
      page.locator('.quick-input-widget', { hasText: `Cookie of ${names.a} on localhost` }).waitFor({ timeout: 10_000 }),
    );
    assert.equal(await input.getAttribute('type'), 'password', 'the cookie is typed like a password');
    await input.fill(COOKIE);
    await page.keyboard.press('Enter');
    await workbench.waitForNotification(`attached to ${full(names.a)}`, 30_000);
    await workbench.step('the status bar shows the node', () =>
      page
        .locator('.statusbar-item', { hasText: new RegExp(`${names.a}@${HOST} \\d+%`) })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    assert.equal(readdirSync(discovery).length, 1, 'the agent now runs in A (and wrote its discovery file)');
  });

  it('the cluster overview shows the three nodes side by side', async () => {
    await workbench.clearNotifications();
    await workbench.runCommand('BEAM Observer: Show Cluster Overview');
    const frame = workbench.webview();
    await workbench.step('a row per node, each with figures', async () => {
      for (const short of Object.values(names)) {
        const line = frame.locator('[role="row"]', { hasText: full(short) }).first();
        await line.waitFor({ timeout: 30_000 });
        await waitForAsync(
          async () => /\d+%/.test(await line.innerText()) && /\d+(\.\d+)?\s*[KMG]i?B/.test(await line.innerText()),
          30_000,
          `figures for ${short}`,
        );
      }
    });
    // B's spinning process shows: at least a third of its schedulers busy, while A is nearly idle.
    const utilisation = async (short: string) =>
      Number(
        /(\d+)%/.exec(
          await frame
            .locator('[role="row"]', { hasText: full(short) })
            .first()
            .innerText(),
        )?.[1],
      );
    await workbench.step('B busier than A', () =>
      waitForAsync(async () => (await utilisation(names.b)) >= 33 && (await utilisation(names.a)) < 20, 20_000, 'B busy, A idle'),
    );
    await new Promise((r) => setTimeout(r, 2000)); // a few samples for the sparklines
    await workbench.screenshot('cluster-2-overview');
  });

  it("a row selects its node: the process tree shows that node's processes", async () => {
    const { page } = workbench;
    const frame = workbench.webview();
    await frame
      .locator('[role="row"]', { hasText: full(names.b) })
      .first()
      .click();
    await workbench.step('the status bar follows', () =>
      page
        .locator('.statusbar-item', { hasText: new RegExp(`${names.b}@${HOST} \\d+%`) })
        .first()
        .waitFor({ timeout: 20_000 }),
    );
    // Right after a click in a webview: filterProcesses presses Enter on the filter box itself.
    await filterProcesses(workbench, 'only_on_b');
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.step("B's own registered process in the tree", () =>
      processes.locator('.monaco-list-row', { hasText: 'only_on_b' }).first().waitFor({ timeout: 20_000 }),
    );
    await workbench.screenshot('cluster-3-process-of-b');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');
  });

  it('the load charts have a node picker listing the cluster, which switches the node shown', async () => {
    const { page } = workbench;
    await workbench.runCommand('BEAM Observer: Open Load Charts');
    const frame = workbench.webview();
    const picker = frame.locator('vscode-single-select.node-select');
    await workbench.step('the picker, showing B', async () => {
      await picker.waitFor({ timeout: 30_000 });
      await waitForAsync(
        async () => (await picker.evaluate((el: { value: string }) => el.value)).endsWith(`|${full(names.b)}`),
        10_000,
        'B selected in the picker',
      );
    });
    await picker.click();
    await workbench.step('C in the open list', () =>
      picker.getByRole('option', { name: `${full(names.c)} (via ${full(names.a)})` }).click(),
    );
    await workbench.step('the charts and the status bar follow', () =>
      page
        .locator('.statusbar-item', { hasText: new RegExp(`${names.c}@${HOST} \\d+%`) })
        .first()
        .waitFor({ timeout: 20_000 }),
    );
    await workbench.step('the charts name C', () =>
      waitForAsync(
        async () => (await picker.evaluate((el: { value: string }) => el.value)).endsWith(`|${full(names.c)}`),
        10_000,
        'C selected in the picker',
      ),
    );
    await new Promise((r) => setTimeout(r, 2000));
    await workbench.screenshot('cluster-4-charts-node-picker');
    await workbench.runCommand('View: Close All Editors');
  });

  it("a pid that A printed for a process of B, hovered in a log, is B's process", async () => {
    // How A prints the pid of B's process: the first number is B as A sees it.
    const printed = evalIn(full(names.a), `pid_to_list(erpc:call('${full(names.b)}', erlang, whereis, [only_on_b]))`).replace(/"/g, '');
    assert.match(printed, /^<[1-9]\d*\.\d+\.\d+>$/, `a pid of another node: ${printed}`);
    writeFileSync(join(workspace, 'a.log'), `12:00:00.001 [error] worker ${printed} did not answer\n`);
    const summary = await workbench.hoverIn('a.log', printed, 'only_on_b');
    assert.match(summary, new RegExp(`on ${full(names.b)}`));
    assert.match(summary, /Reveal in Process Tree/);
    await workbench.screenshot('cluster-5-remote-pid-hover');
    await workbench.page.keyboard.press('Escape');
    await workbench.runCommand('View: Close All Editors');
  });

  it('a node that leaves the cluster shows as gone', async () => {
    nodes[2].stdin!.end(); // C halts
    await workbench.runCommand('BEAM Observer: Show Cluster Overview');
    const frame = workbench.webview();
    const line = frame.locator('[role="row"]', { hasText: full(names.c) }).first();
    await workbench.step('C marked gone', () => waitForAsync(async () => /gone/i.test(await line.innerText()), 20_000, 'C gone'));
    await workbench.screenshot('cluster-6-node-gone');
  });

  it('a wrong cookie gets a clear error', async () => {
    const { page } = workbench;
    await workbench.clearNotifications();
    // The overview webview has the focus: give it to the workbench, or keys typed into
    // the pickers below could reach the webview when VS Code hands the focus back to it.
    await page.locator('.part.sidebar .composite.title').first().click();
    await workbench.runCommand('BEAM Observer: Attach to Node…');
    const input = page.locator('.quick-input-widget input');
    const row = (text: string) => page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    await row('localhost').waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await row(names.b).waitFor({ timeout: 15_000 });
    await input.fill(names.b);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: `Cookie of ${names.b}` }).waitFor({ timeout: 10_000 });
    await input.fill('not_the_cookie');
    await page.keyboard.press('Enter');
    // The extension asks once more, saying why.
    await workbench.step('asked again, with the reason', () =>
      page.locator('.quick-input-widget', { hasText: 'The node refused this cookie.' }).waitFor({ timeout: 30_000 }),
    );
    await workbench.screenshot('cluster-7-wrong-cookie');
    await input.fill('still_not_it');
    await page.keyboard.press('Enter');
    const message = await workbench.waitForNotification(/refused the cookie/, 30_000);
    assert.match(message, new RegExp(`${names.b}@${HOST} is running but refused the cookie`));
  });

  it('after the agent is killed in a live node, the extension loads it again over distribution', async () => {
    const { page } = workbench;
    await workbench.clearNotifications();
    const before = readdirSync(discovery);
    assert.match(evalIn(full(names.a), 'exit(whereis(beam_observer_sup), kill)'), /true/);
    await workbench.step('the offer to load it again', () =>
      page.locator('.notification-toast', { hasText: `the agent in ${full(names.a)} stopped` }).waitFor({ timeout: 20_000 }),
    );
    await workbench.screenshot('cluster-8-agent-stopped');
    await page.locator('.notification-toast').getByRole('button', { name: 'Load Agent Again' }).first().click();
    // The cookie typed at the first attach is remembered (SecretStorage): no prompt this time.
    await workbench.waitForNotification(`attached to ${full(names.a)}`, 30_000);
    await workbench.step('connected again', () =>
      page
        .locator('.statusbar-item', { hasText: new RegExp(`${HOST} \\d+%`) })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    assert.equal(evalIn(full(names.a), 'is_pid(whereis(beam_observer_listener))'), 'true');
    assert.equal(readdirSync(discovery).length, before.length, 'the same node, one discovery file');
  });

  it('a node attached over distribution that restarts is attached again once it is back', async () => {
    const { page } = workbench;
    await workbench.clearNotifications();
    nodes[0].kill('SIGKILL'); // A's VM dies: the agent pushed into it dies with it
    await workbench.step('A shown disconnected', () =>
      page
        .locator('.statusbar-item', { hasText: `${full(names.a)}: disconnected` })
        .first()
        .waitFor({ timeout: 10_000 }),
    );
    await startNode(names.a); // the same name and cookie, a new VM without any agent
    // Its name is watched in epmd; the remembered cookie attaches it again, with no prompt.
    await workbench.waitForNotification(`attached to ${full(names.a)}`, 30_000);
    await workbench.step('connected to the new VM', () =>
      page
        .locator('.statusbar-item', { hasText: new RegExp(`${names.a}@${HOST} \\d+%`) })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    assert.equal(evalIn(full(names.a), 'is_pid(whereis(beam_observer_listener))'), 'true');
  });

  it('a node on another host is observed through a relay', { skip: otherHostUnavailable() ?? false }, async () => {
    const { page } = workbench;
    // Another host: a network namespace with its own loopback and epmd (test/support/otherHost.ts).
    farHost = createOtherHost();
    const farShort = `far_${RUN}`;
    const farName = `${farShort}@${farHost.address}`;
    const far = farHost.spawn(
      'erl',
      [
        '-noshell',
        '-name',
        farName,
        '-setcookie',
        COOKIE,
        '-eval',
        'register(far_away_worker, spawn(fun() -> receive stop -> ok end end)), io:format("ready~n"), receive never -> ok end.',
      ],
      nodeEnv(),
    );
    await waitForOutput(far, /ready/, 'the far node');

    await workbench.clearNotifications();
    await workbench.runCommand('BEAM Observer: Attach to Node…');
    const input = page.locator('.quick-input-widget input');
    const row = (text: string) => page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    await row('Other host').waitFor({ timeout: 15_000 });
    await input.fill('Other host');
    await page.keyboard.press('Enter');
    await workbench.step('the host prompt', () =>
      page.locator('.quick-input-widget', { hasText: 'Host name or address' }).waitFor({ timeout: 10_000 }),
    );
    await input.fill(farHost.address);
    await page.keyboard.press('Enter');
    await workbench.step('the names epmd lists over there', () => row(farShort).waitFor({ timeout: 15_000 }));
    await input.fill(farShort);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: `Cookie of ${farShort} on ${farHost.address}` }).waitFor({ timeout: 10_000 });
    await input.fill(COOKIE);
    await page.keyboard.press('Enter');
    await workbench.waitForNotification(`attached to ${farName} through a relay`, 30_000);
    await workbench.step('the status bar shows the far node', () =>
      page
        .locator('.statusbar-item', { hasText: new RegExp(`${farShort}@${farHost!.address.replace(/\./g, '\\.')} \\d+%`) })
        .first()
        .waitFor({ timeout: 30_000 }),
    );
    await workbench.runCommand('BEAM Observer: Filter Processes…');
    await input.fill('far_away_worker');
    await page.keyboard.press('Enter');
    const processes = await workbench.expandedView('BEAM Processes');
    await workbench.step("the far node's own process in the tree", () =>
      processes.locator('.monaco-list-row', { hasText: 'far_away_worker' }).first().waitFor({ timeout: 20_000 }),
    );
    // The overview shows the far node's cluster, not the relay helper the agent runs in.
    await workbench.runCommand('BEAM Observer: Show Cluster Overview');
    const frame = workbench.webview();
    await workbench.step("the overview of the far node's cluster", () =>
      frame.getByText(`Cluster of ${farName}`).waitFor({ timeout: 20_000 }),
    );
    assert.equal(await frame.locator('[role="row"]', { hasText: 'beam_observer_attach' }).count(), 0, 'no helper row');
    await workbench.screenshot('cluster-9-relay-to-another-host');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');

    // The far node stops: the relay, which exists for it only, ends and says so.
    far.kill('SIGKILL');
    await workbench.waitForNotification(`${farName} left; its relay has ended`, 20_000);

    // It comes back (a container restarted): the far host's epmd lists it again, and the relay is back.
    await workbench.clearNotifications();
    const again = farHost.spawn(
      'erl',
      [
        '-noshell',
        '-name',
        farName,
        '-setcookie',
        COOKIE,
        '-eval',
        'register(far_away_again, spawn(fun() -> receive stop -> ok end end)), io:format("ready~n"), receive never -> ok end.',
      ],
      nodeEnv(),
    );
    await waitForOutput(again, /ready/, 'the far node, again');
    await workbench.waitForNotification(`attached to ${farName} through a relay`, 30_000);
    await filterProcesses(workbench, 'far_away_again');
    await workbench.step("the new far VM's process in the tree", () =>
      processes.locator('.monaco-list-row', { hasText: 'far_away_again' }).first().waitFor({ timeout: 20_000 }),
    );
    await workbench.screenshot('cluster-10-relay-back');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');
    again.kill('SIGKILL');
  });
});
