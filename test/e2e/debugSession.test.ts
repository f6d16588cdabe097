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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DiscoveryFile } from '../../extension/src/protocol/agentProtocol';
import { ROOT, type Workbench } from './support/workbench';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { discoveryFiles, extensionActive, filterProcesses, listedNodes, statusBecomes as statusBecomesIn } from './support/observedNode';
import { waitFor } from '../support/wait';

const scratch = scratchDirs('beam-observer-debug-');
const { workspace, discovery } = scratch;
const STAND_IN_ADAPTER = join(ROOT, 'test', 'fixtures', 'erlang-debug-adapter');

let workbench: Workbench;

/** The project module the Elixir session interprets; the breakpoint goes on BREAK_LINE, in init/1. */
const SHOP_CACHE = `defmodule Shop.Cache do
  use GenServer

  def start_link(_), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  @impl true
  def init(:ok) do
    table = Map.new(1..1000, &{&1, &1 * 2})
    {:ok, %{entries: map_size(table), hits: 0}}
  end

  @impl true
  def handle_call(:hits, _from, state), do: {:reply, state.hits, state}

  # Interpreted work: the interpreter's processes run it, at a modest pace.
  def churn(n) do
    Enum.reduce(1..200, 0, fn x, acc -> x + acc end)
    Process.sleep(20)
    churn(n + 1)
  end
end
`;
const BREAK_LINE = 8;

const agents = () => discoveryFiles(discovery);

/** The one agent the debugged VM runs, once it has written its discovery file (and the dead VM's is pruned). */
async function theAgent(other: number | undefined, timeoutMs = 60_000): Promise<DiscoveryFile> {
  await workbench.step("the debugged VM's agent in the discovery dir", () =>
    waitFor(() => agents().length === 1 && agents()[0].osPid !== other, timeoutMs, `one agent, not OS pid ${other}`),
  );
  return agents()[0];
}

const statusBecomes = (pattern: RegExp, timeoutMs: number) => statusBecomesIn(workbench, pattern, timeoutMs);

/** The tree is filtered to shop_checkout (test 1): an idle process ranks below what fits the view. */
async function processInTree(name: string): Promise<void> {
  const processes = await workbench.expandedView('BEAM Processes');
  await workbench.step(`${name} in the process tree`, () =>
    processes.locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 }),
  );
}

/** A debug session's own views fill the sidebar: fold them to give the process tree room. */
async function roomForTheTree(): Promise<void> {
  for (const title of ['Variables', 'Watch', 'Call Stack', 'Breakpoints']) {
    const header = workbench.page.locator('.pane-header', { hasText: title }).first();
    if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }
}

/** Expand the first process row's State group and wait for `text` in it. */
async function expectStateInTree(text: string): Promise<void> {
  await roomForTheTree();
  const processes = await workbench.expandedView('BEAM Processes');
  const row = processes.locator('.monaco-list-row').first();
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  const state = processes.locator('.monaco-list-row', { has: workbench.page.locator('.label-name', { hasText: /^State$/ }) }).first();
  await workbench.step('the State group', () => state.waitFor({ timeout: 10_000 }));
  if ((await state.getAttribute('aria-expanded')) !== 'true') await state.click();
  await workbench.step(`${text} in the state`, () =>
    processes.locator('.monaco-list-row', { hasText: text }).first().waitFor({ timeout: 20_000 }),
  );
}

before(async () => {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  mkdirSync(discovery, { recursive: true });
  writeFileSync(
    join(workspace, '.vscode', 'launch.json'),
    JSON.stringify(
      {
        version: '0.2.0',
        configurations: [
          {
            type: 'erlang',
            request: 'launch',
            name: 'Debug the shop node',
            eval: 'register(shop_checkout, spawn(fun() -> receive stop -> ok end end))',
          },
          {
            // ElixirLS's type, modelled as ElixirLS runs it: a launcher VM first, then the adapter's VM, where
            // the task runs with the project's modules interpreted; the debugger evaluates Elixir.
            type: 'mix_task',
            request: 'launch',
            name: 'Debug the Elixir shop',
            task: 'run',
            taskArgs: ['--no-halt'],
            cwd: '${workspaceFolder}',
            interpret: ['lib/shop/cache.ex'],
            eval: [
              '{:ok, _} = Agent.start_link(fn -> %{cart: [:apple, :pear], total: 42} end, name: :shop_cart)',
              'spawn(fn -> Shop.Cache.churn(0) end)',
              '{:ok, _} = Shop.Cache.start_link([])',
            ].join('\n'),
          },
        ],
      },
      null,
      2,
    ),
  );
  mkdirSync(join(workspace, 'lib', 'shop'), { recursive: true });
  writeFileSync(join(workspace, 'lib', 'shop', 'cache.ex'), SHOP_CACHE);
  workbench = await startObserverWorkbench(scratch, {
    extraExtensionDirs: [STAND_IN_ADAPTER],
    name: 'debug',
    // No Elixir language in code-server: breakpoints in .ex files as in any file.
    settings: { 'debug.allowBreakpointsEverywhere': true },
  });
});

after(() => teardown(scratch, workbench));

describe('a node run by a debug session', () => {
  let first: DiscoveryFile;

  it("is attached and selected as the session starts, with no step of the user's", async () => {
    await extensionActive(workbench);
    await workbench.runCommand('Debug: Start Debugging');
    first = await theAgent(undefined);
    assert.match(first.launchedBy ?? '', /^debug:[0-9a-f]{12}$/, 'the agent names the session that launched its VM');
    await statusBecomes(/nonode@nohost \d+%/, 30_000);
    await filterProcesses(workbench, 'shop_checkout');
    await processInTree('shop_checkout');
    await workbench.screenshot('debug-1-session-attached');
  });

  it("Restart: the session's new VM is attached and selected", async () => {
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
      toast('the agent in nonode@nohost stopped; the node is still running').waitFor({ timeout: 15_000 }),
    );
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
      workbench.page.getByText('nonode@nohost: disconnected').first().waitFor({ timeout: 5_000 }),
    );
    // The adapter ends the session with its VM; the user starts it again.
    await workbench.step('the session ended', () => workbench.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15_000 }));
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

/** The workspace's .vscode/settings.json, as a user editing it (VS Code watches the file). */
function setWorkspaceSettings(settings: Record<string, unknown>): void {
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Every agent that writes a discovery file while `action` runs, by OS pid (a launcher VM's lives 2-3 s). */
async function agentsSeenWhile<T>(action: () => Promise<T>): Promise<{ result: T; seen: Map<number, DiscoveryFile> }> {
  const seen = new Map<number, DiscoveryFile>();
  const poll = setInterval(() => {
    for (const a of agents()) seen.set(a.osPid, a);
  }, 50);
  try {
    return { result: await action(), seen };
  } finally {
    clearInterval(poll);
  }
}

/** Start the Elixir configuration; wait for its node; return the session's agents seen meanwhile. */
async function startElixirSession(): Promise<{ vm: DiscoveryFile; launcher: DiscoveryFile }> {
  const { page } = workbench;
  const { seen } = await agentsSeenWhile(async () => {
    await workbench.runCommand('Debug: Select and Start Debugging');
    const option = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Debug the Elixir shop' }).first();
    await workbench.step('the configuration in the list', () => option.waitFor({ timeout: 10_000 }));
    await option.click();
    await statusBecomes(/nonode@nohost \d+%/, 60_000);
  });
  const session = [...seen.values()].filter((a) => a.elixirVersion !== null && /^debug:/.test(a.launchedBy ?? ''));
  const markers = new Set(session.map((a) => a.launchedBy));
  assert.equal(markers.size, 1, `one session's agents: ${JSON.stringify(session)}`);
  // ElixirLS as it is: a launcher VM with the session's environment (its agent started too), then the adapter's VM.
  assert.equal(session.length, 2, `the launcher's agent and the VM's: ${JSON.stringify(session)}`);
  const [launcher, vm] = session.sort((a, b) => a.startedAt - b.startedAt);
  assert.throws(() => process.kill(launcher.osPid, 0), 'the launcher VM has exited');
  return { vm, launcher };
}

/** The log lines about connecting to an OS pid (after the first `since` characters of the log). */
const connectionsTo = (osPid: number, since = 0) =>
  workbench
    .extensionLogText()
    .slice(since)
    .split('\n')
    .filter((line) => line.includes(`OS pid ${osPid}`) && /connected to|lost|failed/.test(line));

describe("an Elixir node run by a debug session (ElixirLS's type, mix_task, as ElixirLS runs it)", () => {
  let node: DiscoveryFile;

  it("F5: exactly one node, the adapter VM's, never the launcher VM's; its states are Elixir", async () => {
    const { page } = workbench;
    await workbench.runCommand('Debug: Stop');
    await workbench.step('the Erlang session ended', () => page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15_000 }));
    // A breakpoint in the interpreted module's init/1, set as a user sets one: in the editor, F9.
    await workbench.runCommand('Go to File...');
    await page.locator('.quick-input-widget input').fill(`cache.ex:${BREAK_LINE}`);
    await workbench.step('cache.ex in Go to File', () =>
      page.locator('.quick-input-list .monaco-list-row', { hasText: 'cache.ex' }).first().waitFor({ timeout: 15_000 }),
    );
    await page.keyboard.press('Enter');
    await workbench.step('cache.ex open', () =>
      page.locator('.editor-group-container .tab', { hasText: 'cache.ex' }).waitFor({ timeout: 10_000 }),
    );
    await workbench.runCommand('Debug: Toggle Breakpoint');
    await workbench.step('the breakpoint in the gutter', () =>
      page.locator('.editor-group-container .codicon-debug-breakpoint').first().waitFor({ timeout: 5_000 }),
    );

    const { vm, launcher } = await startElixirSession();
    node = vm;
    assert.match(node.launchedBy ?? '', /^debug:[0-9a-f]{12}$/);
    assert.deepEqual(connectionsTo(launcher.osPid), [], 'the launcher VM was never connected to');
    assert.equal(connectionsTo(vm.osPid).filter((l) => l.includes('connected to')).length, 1, "one connection to the session's VM");
    const listed = await listedNodes(workbench, 'debug-6-elixirls-one-node');
    assert.equal(listed.length, 1, `one node listed: ${JSON.stringify(listed)}`);
    assert.match(listed[0], new RegExp(`OS pid ${vm.osPid}$`));

    await filterProcesses(workbench, 'shop_cart');
    await processInTree('shop_cart');
    await expectStateInTree('%{cart: [:apple, :pear], total: 42}');
  });

  it('a process at a breakpoint is marked in the tree, and its State says why at once', async () => {
    const { page } = workbench;
    await filterProcesses(workbench, 'Shop.Cache');
    await roomForTheTree();
    const processes = await workbench.expandedView('BEAM Processes');
    const held = processes.locator('.monaco-list-row', { hasText: `paused at a breakpoint (cache.ex:${BREAK_LINE})` }).first();
    await workbench.step('the Shop.Cache row says it is paused at a breakpoint', () => held.waitFor({ timeout: 30_000 }));
    assert.match(await held.innerText(), /Shop\.Cache/);
    await held.click();
    const state = processes.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^State$/ }) }).first();
    await workbench.step('the State group', () => state.waitFor({ timeout: 10_000 }));
    const asked = Date.now();
    await state.click();
    const answer = processes.locator('.monaco-list-row', { hasText: 'is paused at a breakpoint' }).first();
    await workbench.step('the State says why, at once', () => answer.waitFor({ timeout: 4_000 }));
    const elapsed = Date.now() - asked;
    assert.ok(elapsed < 3000, `answered in ${elapsed} ms (a state request to a held process times out after 5000 ms)`);
    assert.match(await answer.innerText(), /the debugger holds it/);
    // Room for the rows' descriptions in the screenshot (the README's).
    for (let i = 0; i < 6; i++) await workbench.runCommand('Increase Current View Size');
    await workbench.screenshot('debug-7-breakpoint-held');
  });

  it("the debugger's own processes are grouped apart, with their summed figure", async () => {
    // The interpreter's anonymous processes (one per interpreted process, spawned with a fun: erlang:apply/2)
    // beside the node's own erlang:apply/2 processes: only the interpreter's go under the group.
    const { page } = workbench;
    await filterProcesses(workbench, 'erlang:apply');
    const processes = await workbench.expandedView('BEAM Processes');
    const group = processes.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^Debugger$/ }) }).first();
    // The tree refreshes each second and re-renders its rows: read the row once it holds still.
    const text = await workbench.step('the Debugger group row', () => waitForText(group, 20_000));
    assert.match(text, /[2-9] processes · [\d.]+k? reds\/s/, "the interpreter's processes, their reductions summed");
    const ownRows = processes.locator('.monaco-list-row', { hasText: /erlang:apply\/2/ });
    await workbench.step("the node's own erlang:apply/2 processes stay in the list", () => ownRows.first().waitFor({ timeout: 10_000 }));
    await group.click();
    await workbench.step("the interpreter's processes under the group, marked", () =>
      processes
        .locator('.monaco-list-row', { hasText: /erlang:apply\/2[\s\S]*· debugger/ })
        .first()
        .waitFor({ timeout: 10_000 }),
    );
    await workbench.screenshot('debug-8-debugger-grouped');
    await workbench.runCommand('BEAM Observer: Clear Process Filter');
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
      toast('the agent in nonode@nohost stopped').waitFor({ timeout: 15_000 }),
    );
    await toast('the agent in nonode@nohost stopped').getByRole('button', { name: 'Load Agent Again' }).click();
    await statusBecomes(/nonode@nohost \d+%/, 15_000);
    const restarted = agents().find((a) => a.osPid === node.osPid);
    assert.ok(restarted, 'the same VM');
    assert.notEqual(restarted.token, node.token, 'a new agent');
    await workbench.screenshot('debug-5-elixir-session');
  });

  it('Stop: the node leaves the views at once, never shown disconnected, never reconnected to', async () => {
    await stopAndExpectNodeGone(node);
  });

  it('with autoAttach "terminals" too: one node, bound to its session, gone on Stop', async () => {
    setWorkspaceSettings({ 'beamObserver.autoAttach': 'terminals' });
    await workbench.step('the setting applied', () =>
      waitFor(() => /terminals: autoAttach is terminals/.test(workbench.extensionLogText()), 10_000, 'autoAttach terminals in the log'),
    );
    const { vm, launcher } = await startElixirSession();
    assert.deepEqual(connectionsTo(launcher.osPid), [], 'the launcher VM was never connected to');
    assert.equal(connectionsTo(vm.osPid).filter((l) => l.includes('connected to')).length, 1, "one connection to the session's VM");
    const listed = await listedNodes(workbench);
    assert.equal(listed.length, 1, `one node listed: ${JSON.stringify(listed)}`);
    // Bound to its session: Load Agent Again would go through the debugger, and Stop ends it.
    await stopAndExpectNodeGone(vm);
    setWorkspaceSettings({});
  });
});

/** Debug: Stop, then: the status item goes within 3 s without ever saying "disconnected", and nothing reconnects. */
async function stopAndExpectNodeGone(vm: DiscoveryFile): Promise<void> {
  const { page } = workbench;
  const shown: string[] = [];
  const status = page.locator('.statusbar-item', { hasText: /nonode@nohost/ }).first();
  const logBefore = workbench.extensionLogText().length;
  await workbench.runCommand('Debug: Stop');
  const stopped = Date.now();
  await workbench.step('the node leaves the status bar', async () => {
    for (;;) {
      const text = await status.innerText({ timeout: 200 }).catch(() => '');
      if (!text) break;
      shown.push(text.trim());
      if (Date.now() - stopped > 3000) throw new Error(`still shown: ${text}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  assert.ok(
    shown.every((t) => !/disconnected|reconnecting/.test(t)),
    `shown after Stop: ${JSON.stringify([...new Set(shown)])}`,
  );
  await workbench.step('the session ended', () => page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 15_000 }));
  await workbench.step('its VM exits', () =>
    waitFor(
      () => {
        try {
          process.kill(vm.osPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      15_000,
      'the VM gone',
    ),
  );
  // Long enough for a reconnection attempt (the first comes after 250 ms).
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(connectionsTo(vm.osPid, logBefore), [], 'no lost connection, no failed reconnection, no new connection');
  const processes = await workbench.expandedView('BEAM Processes');
  await workbench.step('the welcome text is back', () =>
    processes.getByText('No Erlang or Elixir node is connected.').waitFor({ timeout: 5_000 }),
  );
  await workbench.screenshot('debug-9-stopped');
}

/** The text of a row the tree may re-render meanwhile. */
async function waitForText(row: import('playwright-core').Locator, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await row.innerText({ timeout: 500 }).catch(() => '');
    if (text) return text;
    if (Date.now() > deadline) throw new Error('the row did not show');
    await new Promise((r) => setTimeout(r, 100));
  }
}
