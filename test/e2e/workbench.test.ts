/**
 * The end-to-end harness itself: a real workbench starts, opens a folder,
 * runs commands, installs an extension by symlink (a throwaway one made
 * here, so this test does not depend on the BEAM Observer build) and shuts
 * everything down again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startWorkbench, type Workbench } from './support/workbench';
import { scratchDirs, teardown } from './support/lifecycle';

const scratch = scratchDirs('beam-observer-e2e-smoke-');
const { workspace } = scratch;
const extension = join(scratch.dir, 'hello');

function writeHelloExtension(): void {
  mkdirSync(extension, { recursive: true });
  writeFileSync(
    join(extension, 'package.json'),
    JSON.stringify(
      {
        name: 'hello',
        displayName: 'Hello E2E',
        publisher: 'beam-observer-test',
        version: '0.0.1',
        engines: { vscode: '^1.90.0' },
        main: './extension.js',
        activationEvents: ['onCommand:helloE2e.sayHello', 'onCommand:helloE2e.showEnvironment'],
        contributes: {
          commands: [
            { command: 'helloE2e.sayHello', title: 'Say Hello', category: 'Hello E2E' },
            { command: 'helloE2e.showEnvironment', title: 'Show Environment', category: 'Hello E2E' },
          ],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(extension, 'extension.js'),
    [
      "const vscode = require('vscode');",
      'exports.activate = (context) => {',
      "  context.subscriptions.push(vscode.commands.registerCommand('helloE2e.sayHello', () =>",
      "    vscode.window.showInformationMessage('hello from e2e')));",
      "  context.subscriptions.push(vscode.commands.registerCommand('helloE2e.showEnvironment', () =>",
      '    vscode.window.showInformationMessage(`HELLO_E2E_MARK=${process.env.HELLO_E2E_MARK}`)));',
      '};',
      '',
    ].join('\n'),
  );
}

let workbench: Workbench;

before(async () => {
  writeFileSync(join(workspace, 'notes.log'), 'first line of the e2e notes\nsecond line\n');
  writeHelloExtension();
  workbench = await startWorkbench({ workspace, extensionDir: extension, name: 'workbench', env: { HELLO_E2E_MARK: 'from-the-test' } });
});

after(() => teardown(scratch, workbench));

test('the explorer lists the workspace folder', async () => {
  await workbench.step('finding notes.log in the explorer', () =>
    workbench.page.getByRole('treeitem', { name: 'notes.log' }).waitFor({ state: 'visible', timeout: 30_000 }),
  );
});

test('Go to File opens notes.log in an editor', async () => {
  const { page } = workbench;
  await workbench.runCommand('Go to File...');
  await workbench.step('opening notes.log through Go to File', async () => {
    await page.locator('.quick-input-widget input').fill('notes.log');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'notes.log' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.editor-group-container .tab', { hasText: 'notes.log' }).waitFor({ timeout: 15_000 });
    await page.locator('.monaco-editor .view-lines', { hasText: 'first line of the e2e notes' }).waitFor({ timeout: 15_000 });
  });
});

test('a command from a symlinked extension shows its notification', async () => {
  await workbench.runCommand('Hello E2E: Say Hello');
  const text = await workbench.waitForNotification('hello from e2e');
  assert.equal(text, 'hello from e2e');
  assert.ok((await workbench.notifications()).includes('hello from e2e'));
  await workbench.clearNotifications();
  assert.deepEqual(await workbench.notifications(), []);
});

test('options.env reaches the extension host', async () => {
  await workbench.runCommand('Hello E2E: Show Environment');
  assert.equal(await workbench.waitForNotification('HELLO_E2E_MARK='), 'HELLO_E2E_MARK=from-the-test');
  await workbench.clearNotifications();
});

test('built-in commands run: Show Running Extensions lists the extension', async () => {
  const { page } = workbench;
  await workbench.runCommand('Developer: Show Running Extensions');
  await workbench.step('waiting for the Running Extensions editor', async () => {
    await page.locator('.editor-group-container .tab', { hasText: 'Running Extensions' }).waitFor({ timeout: 15_000 });
    // The extension activated in the previous test, so it is listed as running.
    await page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'Hello E2E' }).waitFor({ timeout: 15_000 });
  });
});

test('the integrated terminal runs what is typed', async () => {
  await workbench.typeInTerminal('echo "e2e-$((6 * 7))"');
  // The typed line itself contains "e2e-$((6 * 7))"; only the shell's output is the bare "e2e-42".
  await workbench.step('waiting for the echo in the terminal', () =>
    workbench.page
      .locator('.terminal-wrapper.active .xterm-rows > div', { hasText: /^\s*e2e-42\s*$/ })
      .waitFor({ state: 'attached', timeout: 15_000 }),
  );
  assert.match(await workbench.terminalText(), /^e2e-42$/m);
});

test('the Run and Debug view opens, and a screenshot shows the workbench', async () => {
  await workbench.openDebugSidebar();
  const path = await workbench.screenshot('workbench');
  assert.ok(path.endsWith(join('test-output', 'e2e', 'workbench.png')));
});
