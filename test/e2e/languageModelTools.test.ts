/**
 * BEAM Observer's language-model tools in a real VS Code (code-server), with
 * the packaged extension: they appear in vscode.lm.tools, and answer through
 * vscode.lm.invokeTool against the demo node (examples/overload, mailbox
 * scenario) as a model's tool calls would. A small test extension
 * (test/fixtures/lm-tools-caller) stands in for the chat: it invokes the tool
 * a request file names and writes the answer to a file. The state tool asks
 * for confirmation first: declined, nothing is read; accepted, the state
 * comes back; so does the ETS tool before it reads rows. The setting turns
 * the tools off and on.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOOLS } from '../../extension/src/tools/catalog';
import { MAX_TOOL_TEXT_BYTES, utf8Bytes } from '../../extension/src/tools/toolText';
import { waitFor, waitForAsync } from '../support/wait';
import { scratchDirs, startObserverWorkbench, teardown } from './support/lifecycle';
import { statusBecomes } from './support/observedNode';
import { ROOT, type Workbench } from './support/workbench';

const scratch = scratchDirs('beam-observer-lm-', 'overload');
const { workspace, discovery } = scratch;
const callerDir = join(scratch.dir, 'caller');
const CALLER = join(ROOT, 'test', 'fixtures', 'lm-tools-caller');

let workbench: Workbench;
let demo: ChildProcess | undefined;
let requests = 0;

interface ToolInfo {
  name: string;
  description: string;
  inputSchema: unknown;
}

async function listedTools(): Promise<ToolInfo[]> {
  const file = join(callerDir, 'tools.json');
  writeFileSync(file, 'null');
  await workbench.runCommand('LM Tools Caller: List Language Model Tools');
  // The first call activates the caller extension: on a busy machine that takes a while.
  await waitFor(() => readFileSync(file, 'utf8') !== 'null', 60_000, 'tools.json');
  return JSON.parse(readFileSync(file, 'utf8')) as ToolInfo[];
}

/** Ask the caller extension to invoke a tool; `whileRunning` acts in the page meanwhile (a confirmation). */
async function invoke(
  tool: string,
  input: Record<string, unknown>,
  whileRunning?: () => Promise<void>,
): Promise<{ text?: string; error?: string; ms: number }> {
  const id = ++requests;
  writeFileSync(join(callerDir, 'request.json'), JSON.stringify({ id, tool, input }));
  await workbench.runCommand('LM Tools Caller: Invoke Requested Tool');
  await whileRunning?.();
  const file = join(callerDir, `result-${id}.json`);
  await workbench.step(`the answer of ${tool}`, () => waitFor(() => existsSync(file), 30_000, file));
  const result = JSON.parse(readFileSync(file, 'utf8')) as { text?: string; error?: string; ms: number };
  console.log(`# ${tool} ${JSON.stringify(input)}: ${result.ms} ms, ${result.text ? `${utf8Bytes(result.text)} bytes` : result.error}`);
  return result;
}

async function answer(tool: string, input: Record<string, unknown> = {}): Promise<string> {
  const result = await invoke(tool, input);
  assert.equal(result.error, undefined, result.error);
  assert.ok(utf8Bytes(result.text!) <= MAX_TOOL_TEXT_BYTES);
  return result.text!;
}

/** Workspace settings, as a user editing .vscode/settings.json (VS Code watches the file). */
function setWorkspaceSettings(settings: Record<string, unknown>): void {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
}

/** The confirmation VS Code shows for a tool invoked outside a chat: a dialog in the workbench. */
const dialog = () => workbench.page.locator('.monaco-dialog-box');

before(async () => {
  mkdirSync(callerDir, { recursive: true });
  cpSync(join(ROOT, 'examples', 'overload'), workspace, { recursive: true, filter: (src) => !src.includes('_build') });
  workbench = await startObserverWorkbench(scratch, {
    name: 'languageModelTools',
    extraExtensionDirs: [CALLER],
    // The tools are language-model features: a workbench with AI features off would hide them.
    settings: { 'beamObserver.autoAttach': 'terminals', 'chat.disableAIFeatures': false },
    env: { LM_CALLER_DIR: callerDir },
  });
  // The demo node, started as `npm run demo` starts it (after packaging, which rebuilds agent/ebin).
  spawnSync('mix', ['compile'], { cwd: workspace, stdio: 'ignore', env: { ...process.env, MIX_ENV: 'dev' } });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OVERLOAD_SCENARIOS: 'mailbox',
    BEAM_OBSERVER_DIR: discovery,
    BEAM_OBSERVER_AUTOSTART: '1',
  };
  env.ERL_AFLAGS = `-pa ${join(ROOT, 'agent', 'ebin')} -s beam_observer_agent autostart`;
  demo = spawn('elixir', ['-S', 'mix', 'run', '--no-halt'], { cwd: workspace, env, stdio: 'ignore' });
});

after(async () => {
  demo?.kill('SIGKILL');
  await teardown(scratch, workbench);
});

describe('language-model tools in VS Code', () => {
  it('appear in vscode.lm.tools, as the catalog declares them; the MCP server is offered to VS Code', async () => {
    const listed = await listedTools();
    // This VS Code (code-server 4.139, VS Code 1.139) has both APIs: both are registered.
    const logged = (pattern: RegExp, what: string) =>
      workbench.step(what, () => waitFor(() => pattern.test(workbench.extensionLogText()), 20_000, what));
    await logged(/language-model tools offered: beam_node_overview, beam_top_processes/, 'the tools offered, in the log');
    await logged(/MCP server offered to VS Code: .*\/dist\/mcp\.js/, 'the MCP server offered, in the log');
    for (const tool of TOOLS) {
      const found = listed.find((t) => t.name === tool.name);
      assert.ok(found, `${tool.name} in ${JSON.stringify(listed.map((t) => t.name))}`);
      assert.equal(found.description, tool.modelDescription);
      assert.deepEqual(found.inputSchema, tool.inputSchema);
    }
  });

  it('answer through vscode.lm.invokeTool against the demo node', async () => {
    await statusBecomes(workbench, /nonode@nohost \d+%/, 120_000);
    const overview = await answer('beam_node_overview');
    assert.match(overview, /^Node nonode@nohost: Elixir 1\.\d+\.\d+, OTP \d+/);
    assert.match(overview, /Verdict: (not overloaded|OVERLOADED)/);
    // The mailbox scenario: the server's queue grows every second.
    await waitForAsync(
      async () =>
        /Overload\.Mailbox\.Server/.test((await invoke('beam_top_processes', { sortBy: 'messageQueueLen', limit: 3 })).text ?? ''),
      30_000,
      'the mailbox server leading by queue',
    );
    const queue = await answer('beam_top_processes', { sortBy: 'messageQueueLen', limit: 3 });
    const top =
      /^1\. (<0\.\d+\.0>) Overload\.Mailbox\.Server \(initial call Overload\.Mailbox\.Server\.init\/1\): ([\d,]+) queued messages/m.exec(
        queue,
      );
    assert.ok(top, queue);
    const info = await answer('beam_process_info', { pid: top[1] });
    assert.match(info, /behaviour gen_server/);
    assert.match(info, /- Links \(1\): <0\.\d+\.0>\./);
    const lookup = await answer('beam_pid_lookup', { pid: `#PID${top[1]}` });
    assert.ok(lookup.startsWith(`#PID${top[1]}, as printed by nonode@nohost, is that node's own process ${top[1]}.`), lookup);
    const reductions = await answer('beam_top_processes', { limit: 5 });
    assert.match(reductions, /^Top 5 processes of nonode@nohost by reductions over the last [\d.]+ s/);
    await workbench.screenshot('lm-tools-1-answered');
  });

  it('the state tool asks first: declined, nothing is read; accepted, the state comes back', async () => {
    const queue = await answer('beam_top_processes', { sortBy: 'memory', filter: 'Overload.BigState', limit: 1 });
    const pid = /^1\. (<0\.\d+\.0>) Overload\.BigState/m.exec(queue)?.[1];
    assert.ok(pid, queue);
    const declined = await invoke('beam_process_state', { pid }, async () => {
      await workbench.step('the confirmation dialog', () => dialog().waitFor({ timeout: 15_000 }));
      assert.match(
        await dialog().innerText(),
        new RegExp(`Send the state of process ${pid.replace(/[.<>]/g, '\\$&')} to the language model\\?`),
      );
      assert.match(await dialog().innerText(), /A state can hold user data/);
      await workbench.page.keyboard.press('Escape');
    });
    assert.match(declined.error ?? '', /Cancel/i);
    assert.equal(declined.text, undefined);
    const accepted = await invoke('beam_process_state', { pid }, async () => {
      await workbench.step('the confirmation dialog again', () => dialog().waitFor({ timeout: 15_000 }));
      await workbench.screenshot('lm-tools-2-state-confirmation');
      await dialog().getByRole('button', { name: 'Yes' }).click();
    });
    assert.equal(accepted.error, undefined, accepted.error);
    assert.match(
      accepted.text!,
      new RegExp(
        `^State of ${pid.replace(/[.<>]/g, '\\$&')} on nonode@nohost, a gen_server, formatted inside the process by Elixir's inspect`,
      ),
    );
    assert.match(accepted.text!, /^#Overload\.BigState\.Catalogue<$/m);
    assert.ok(!accepted.text!.includes('sk_live_demo_only'), 'the api_key the application marks secret stays hidden');
  });

  it('the rest of the node: the ETS tool lists without asking and asks before rows; the history answers', async () => {
    const tables = await answer('beam_ets_tables', { filter: 'overload_' });
    assert.match(tables, /^1\. overload_customers: set, public, 100,000 rows, [\d.]+ MB; owner Overload\.Cache <0\.\d+\.0>$/m);
    const rows = await invoke('beam_ets_tables', { table: 'overload_customers', rows: 3 }, async () => {
      await workbench.step('the ETS confirmation dialog', () => dialog().waitFor({ timeout: 15_000 }));
      assert.match(await dialog().innerText(), /Send rows of ETS table overload_customers to the language model\?/);
      await workbench.screenshot('lm-tools-3-ets-confirmation');
      await dialog().getByRole('button', { name: 'Yes' }).click();
    });
    assert.equal(rows.error, undefined, rows.error);
    assert.match(rows.text!, /^\{\d+, #Overload\.Cache\.Customer<id: \d+, name: "Customer \d+", plan: :\w+, country: "\w+", \.\.\.>\}$/m);
    assert.ok(!rows.text!.includes('tok_'), 'the api_token the application marks secret stays hidden');
    assert.match(await answer('beam_history', { at: '5 seconds ago', sortBy: 'messageQueueLen', limit: 3 }), /Overload\.Mailbox\.Server/);
  });

  it('a bad input gets a precise error; the setting turns the tools off and on', async () => {
    const dead = await invoke('beam_process_info', { pid: '<0.9999.0>' });
    assert.match(dead.error ?? '', /process <0\.9999\.0> is not alive/);
    setWorkspaceSettings({ 'beamObserver.languageModelTools': false });
    await waitFor(() => workbench.extensionLogText().includes('language-model tools withdrawn'), 20_000, 'the tools withdrawn');
    const off = await invoke('beam_node_overview', {});
    // VS Code keeps listing a contributed tool, but nothing answers for it any more.
    assert.equal(off.text, undefined, 'no answer while the tools are off');
    assert.match(off.error ?? '', /beam_node_overview does not have an implementation registered/);
    setWorkspaceSettings({ 'beamObserver.languageModelTools': true });
    await waitFor(
      () => (workbench.extensionLogText().match(/language-model tools offered/g) ?? []).length === 2,
      20_000,
      'the tools offered again',
    );
    assert.match(await answer('beam_node_overview'), /^Node nonode@nohost/);
  });
});
