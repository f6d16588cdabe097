/**
 * Debug sessions, end to end: a real VS Code runs a launch configuration of
 * type "erlang", whose debug adapter starts a real `erl` VM. The BEAM debug
 * adapters users have (ElixirLS, Erlang LS, edb) cannot be installed on the
 * machines these tests run on, so a stand-in adapter plays their part
 * (test/fixtures/erlang-debug-adapter): it honours the configuration's `env`,
 * answers DAP `evaluate` inside the VM and restarts the VM on "Restart", as
 * they do; as type "erlang" it runs `erl`, as ElixirLS's type "mix_task" it
 * runs `elixir`. Everything of BEAM Observer is the packaged extension: its
 * configuration provider, the session marker the agent writes into its
 * discovery file, the attach that follows, and loading the agent again
 * through the debugger.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DiscoveryFile } from '../../extension/src/protocol/agentProtocol';
import { ROOT, startWorkbench, type Workbench } from './support/workbench';
import { discoveryFiles, extensionActive, killObservedNodes, listedNodes, statusBecomes as statusBecomesIn } from './support/observedNode';
import { waitFor } from '../support/wait';

const scratch = mkdtempSync(join(tmpdir(), 'beam-observer-debug-'));
const workspace = join(scratch, 'workspace');
const discovery = join(scratch, 'discovery');
const STAND_IN_ADAPTER = join(ROOT, 'test', 'fixtures', 'erlang-debug-adapter');

let workbench: Workbench;

const agents = () => discoveryFiles(discovery);

/** The one agent the debugged VM runs, once it has written its discovery file (and the dead VM's is pruned). */
async function theAgent(other: number | undefined, timeoutMs = 60_000): Promise<DiscoveryFile> {
  await workbench.step('the debugged VM\'s agent in the discovery dir', () =>
    waitFor(() => agents().length === 1 && agents()[0].osPid !== other, timeoutMs, `one agent, not OS pid ${other}`));
  return agents()[0];
}

const statusBecomes = (pattern: RegExp, timeoutMs: number) => statusBecomesIn(workbench, pattern, timeoutMs);

/** The tree is filtered to shop_checkout (test 1): an idle process ranks below what fits the view. */
async function processInTree(name: string): Promise<void> {
  const processes = await workbench.expandedView('BEAM Processes');
  await workbench.step(`${name} in the process tree`, () =>
    processes.locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 }));
}

/** Expand the first process row's State group and wait for `text` in it. */
async function expectStateInTree(text: string): Promise<void> {
  // A debug session's own views fill the sidebar: fold them to give the tree room.
  for (const title of ['Variables', 'Watch', 'Call Stack', 'Breakpoints']) {
    const header = workbench.page.locator('.pane-header', { hasText: title }).first();
    if (await header.getAttribute('aria-expanded') === 'true') await header.click();
  }
  const processes = await workbench.expandedView('BEAM Processes');
  const row = processes.locator('.monaco-list-row').first();
  if (await row.getAttribute('aria-expanded') !== 'true') await row.click();
  const state = processes.locator('.monaco-list-row', { has: workbench.page.locator('.label-name', { hasText: /^State$/ }) }).first();
  await workbench.step('the State group', () => state.waitFor({ timeout: 10_000 }));
  if (await state.getAttribute('aria-expanded') !== 'true') await state.click();
  await workbench.step(`${text} in the state`, () =>
    processes.locator('.monaco-list-row', { hasText: text }).first().waitFor({ timeout: 20_000 }));
}

before(async () => {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  mkdirSync(discovery, { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'launch.json'), JSON.stringify({
    version: '0.2.0',
    configurations: [{
      type: 'erlang', request: 'launch', name: 'Debug the shop node',
      eval: 'register(shop_checkout, spawn(fun() -> receive stop -> ok end end))',
    }, {
      // ElixirLS's type: the VM runs Elixir, and the debugger evaluates Elixir.
      type: 'mix_task', request: 'launch', name: 'Debug the Elixir shop', task: 'run', taskArgs: ['--no-halt'],
      eval: '{:ok, _} = Agent.start_link(fn -> %{cart: [:apple, :pear], total: 42} end, name: :shop_cart)',
    }],
  }, null, 2));
  const { packageExtension } = await import(join(ROOT, 'scripts', 'package.mjs'));
  const vsix: string = await packageExtension();
  workbench = await startWorkbench({
    workspace, extensionDir: vsix, extraExtensionDirs: [STAND_IN_ADAPTER], name: 'debug',
    env: { BEAM_OBSERVER_DIR: discovery },
  });
});

after(async () => {
  killObservedNodes(discovery);
  await workbench?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a node run by a debug session', () => {
  let first: DiscoveryFile;

  it('is attached and selected as the session starts, with no step of the user\'s', async () => {
    await extensionActive(workbench);
    await workbench.runCommand('Debug: Start Debugging');
    first = await theAgent(undefined);
    assert.match(first.launchedBy ?? '', /^debug:[0-9a-f]{12}$/, 'the agent names the session that launched its VM');
    await statusBecomes(/nonode@nohost \d+%/, 30_000);
    await workbench.runCommand('BEAM Observer: Filter Processes…');
    const filterBox = workbench.page.locator('.quick-input-widget input');
    await filterBox.fill('shop_checkout');
    await filterBox.press('Enter');
    await processInTree('shop_checkout');
    await workbench.screenshot('debug-1-session-attached');
  });

  it('Restart: the session\'s new VM is attached and selected', async () => {
    await workbench.runCommand('Debug: Restart');
    const second = await theAgent(first.osPid);
    assert.equal(second.launchedBy, first.launchedBy, 'the same session');
    await statusBecomes(/nonode@nohost \d+%/, 30_000);
    await processInTree('shop_checkout');
    first = second;
  });

  it('the agent killed through the Debug Console: Load Agent Again goes through the debugger', async () => {
    const { page } = workbench;
    await workbench.runCommand('Debug Console: Focus on Debug Console View');
    const repl = page.locator('.repl-input-wrapper .monaco-editor').first();
    await repl.waitFor({ timeout: 10_000 });
    await repl.click();
    await page.keyboard.type('exit(whereis(beam_observer_sup), kill).');
    await page.keyboard.press('Enter');
    await statusBecomes(/reconnecting/, 5_000);
    process.kill(first.osPid, 0); // the VM lives on
    const toast = (text: string) => page.locator('.notification-toast', { hasText: text }).first();
    await workbench.step('the offer to load the agent again', () =>
      toast('the agent in nonode@nohost stopped; the node is still running').waitFor({ timeout: 15_000 }));
    await workbench.screenshot('debug-2-agent-killed');
    await toast('the agent in nonode@nohost stopped').getByRole('button', { name: 'Load Agent Again' }).click();
    // No prompt and no terminal: the extension asks the debug adapter to evaluate the start in the VM.
    await statusBecomes(/nonode@nohost \d+%/, 15_000);
    const [restarted] = agents();
    assert.equal(restarted.osPid, first.osPid, 'the same VM');
    assert.notEqual(restarted.token, first.token, 'a new agent, with a new token');
    assert.equal(restarted.launchedBy, first.launchedBy, 'still tied to the session');
    await processInTree('shop_checkout');
    await workbench.screenshot('debug-3-agent-loaded-again');
  });

  it('SIGKILL of the debugged VM: "disconnected" within 2 s; the next session\'s VM is attached', async () => {
    process.kill(first.osPid, 'SIGKILL');
    const elapsed = await statusBecomes(/nonode@nohost: disconnected/, 5_000);
    assert.ok(elapsed <= 2000, `took ${elapsed} ms`);
    await workbench.step('the tree says so too', () =>
      workbench.page.getByText('nonode@nohost: disconnected').first().waitFor({ timeout: 5_000 }));
    // The adapter ends the session with its VM; the user starts it again.
    await workbench.step('the session ended', () =>
      workbench.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15_000 }));
    await workbench.runCommand('Debug: Start Debugging');
    const next = await theAgent(first.osPid);
    assert.match(next.launchedBy ?? '', /^debug:/);
    assert.notEqual(next.launchedBy, first.launchedBy, 'a new session');
    await statusBecomes(/nonode@nohost \d+%/, 30_000);
    await processInTree('shop_checkout');
    // The dead VM was listed as disconnected until then; now only the live one is left.
    const listed = await listedNodes(workbench, 'debug-4-next-session');
    assert.equal(listed.length, 1, `one node listed: ${JSON.stringify(listed)}`);
    assert.match(listed[0], new RegExp(`^nonode@nohost ?connected · OS pid ${next.osPid}$`));
  });
});

describe('an Elixir node run by a debug session (ElixirLS\'s type, mix_task)', () => {
  let node: DiscoveryFile;

  it('is attached as the session starts, and its states are Elixir', async () => {
    const { page } = workbench;
    await workbench.runCommand('Debug: Stop');
    await workbench.step('the Erlang session ended', () => page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15_000 }));
    await workbench.runCommand('Debug: Select and Start Debugging');
    const option = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Debug the Elixir shop' }).first();
    await workbench.step('the configuration in the list', () => option.waitFor({ timeout: 10_000 }));
    await option.click();
    await workbench.step('the Elixir VM\'s agent', () =>
      waitFor(() => agents().some((a) => a.elixirVersion !== null), 60_000, 'an agent in an Elixir VM'));
    node = agents().find((a) => a.elixirVersion !== null)!;
    assert.match(node.launchedBy ?? '', /^debug:[0-9a-f]{12}$/);
    await statusBecomes(/nonode@nohost \d+%/, 30_000);
    await workbench.runCommand('BEAM Observer: Filter Processes…');
    const filterBox = page.locator('.quick-input-widget input');
    await filterBox.fill('shop_cart');
    await filterBox.press('Enter');
    await processInTree('shop_cart');
    await expectStateInTree('%{cart: [:apple, :pear], total: 42}');
  });

  it('the agent killed from the Debug Console, in Elixir: Load Agent Again evaluates Elixir in the VM', async () => {
    const { page } = workbench;
    await workbench.clearNotifications();
    await workbench.runCommand('Debug Console: Focus on Debug Console View');
    const repl = page.locator('.repl-input-wrapper .monaco-editor').first();
    await repl.click();
    await page.keyboard.type('Process.exit(Process.whereis(:beam_observer_sup), :kill)');
    await page.keyboard.press('Enter');
    await statusBecomes(/reconnecting/, 5_000);
    const toast = (text: string) => page.locator('.notification-toast', { hasText: text }).first();
    await workbench.step('the offer to load the agent again', () =>
      toast('the agent in nonode@nohost stopped').waitFor({ timeout: 15_000 }));
    await toast('the agent in nonode@nohost stopped').getByRole('button', { name: 'Load Agent Again' }).click();
    await statusBecomes(/nonode@nohost \d+%/, 15_000);
    const restarted = agents().find((a) => a.osPid === node.osPid);
    assert.ok(restarted, 'the same VM');
    assert.notEqual(restarted.token, node.token, 'a new agent');
    await processInTree('shop_cart');
    await workbench.screenshot('debug-5-elixir-session');
  });
});

