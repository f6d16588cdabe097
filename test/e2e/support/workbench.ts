/**
 * A real VS Code workbench for end-to-end tests: code-server (run by its own
 * Node 24, never put on the project's PATH) serves the workbench, and
 * Debian's Chromium, driven by playwright-core, shows it. Every run gets a
 * fresh temp dir holding code-server's user data, extensions dir, config and
 * log, and Chromium's profile, so runs never see each other's state.
 * See /work/shared/notes/vscode-e2e.md for the facts this relies on.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Locator, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { sleep, withTimeout } from '../../support/wait';

/** The repository root, from out/test/e2e/support. */
export const ROOT = resolve(__dirname, '..', '..', '..', '..');
export const E2E_OUTPUT = join(ROOT, 'test-output', 'e2e');
const CHROMIUM = '/usr/bin/chromium';

// Chromium runs as root here, without a GPU or any network but loopback.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface WorkbenchOptions {
  /** Folder opened in the workbench. */
  workspace: string;
  /** An unpacked extension folder (symlinked into the extensions dir) or a .vsix file. */
  extensionDir: string;
  /** More unpacked extension folders, installed beside it (e.g. a stand-in debug adapter). */
  extraExtensionDirs?: string[];
  /** User settings, on top of scripts/codeServer.mjs's QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Merged into code-server's environment; the extension host and terminals inherit it. */
  env?: NodeJS.ProcessEnv;
  /** Names the copy of code-server's log that close() leaves in test-output/e2e/. */
  name?: string;
}

export interface Workbench {
  page: Page;
  url: string;
  /** The temp dir holding user data, extensions, config, logs and the browser profile. */
  dir: string;
  codeServerLog(): string;
  /** Everything the extension logged (its "BEAM Observer" output channel) in this workbench. */
  extensionLogText(): string;
  /** Change user settings while the workbench runs (VS Code watches the file), as a user editing settings.json. */
  updateSettings(changes: Record<string, unknown>): void;
  /** Run a command from the command palette by its full title, e.g. "View: Toggle Terminal". */
  runCommand(title: string): Promise<void>;
  clearNotifications(): Promise<void>;
  /** Texts of the notification toasts shown now. */
  notifications(): Promise<string[]>;
  /** Wait until a toast contains `text`; returns its full text. */
  waitForNotification(text: string | RegExp, timeoutMs?: number): Promise<string>;
  openDebugSidebar(): Promise<void>;
  /** Writes test-output/e2e/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Types `text` + Enter in a new integrated terminal, or with `{ reuse: true }` in the active one. */
  typeInTerminal(text: string, options?: { reuse?: boolean }): Promise<void>;
  /** The visible text of the active terminal. */
  terminalText(): Promise<string>;
  /**
   * Run a long-lived command in a new terminal and wait until the terminal shows `ready`.
   * VS Code relaunches a fresh terminal when an extension's environment arrives just after
   * it opened, which swallows the command: it is typed once more then.
   */
  startInTerminal(command: string, ready: RegExp, timeoutMs?: number): Promise<void>;
  /** A view pane of the side bar (e.g. "BEAM Processes"), expanded. */
  expandedView(title: string): Promise<Locator>;
  /** The content of the newest webview (VS Code nests it in two iframes). */
  webview(): FrameLocator;
  /**
   * Open a workspace file (Go to File), put the cursor on `text` in it and
   * ask for the hover as a keyboard user does; returns the text of the hover
   * that contains `expect`. (A hover from a mouse move is flaky headless.)
   */
  hoverIn(fileName: string, text: string, expect: string | RegExp): Promise<string>;
  /** Run `action`; if it throws, rethrow with `what`, the code-server log's tail and a screenshot. */
  step<T>(what: string, action: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface CodeServerScripts {
  ensureCodeServer(): { node: string; entry: string };
  freePort(): Promise<number>;
  workbenchArgs(options: {
    dir: string;
    port: number;
    entry: string;
    extensionsDir: string;
    workspace: string;
    settings?: Record<string, unknown>;
  }): string[];
}
interface PrerequisiteScripts {
  ensureCommands(needs: { command: string; pkg: string }[]): void;
}

// The scripts are ES modules; this file compiles to CommonJS, where only import() loads them.
export function importScript<T>(name: string): Promise<T> {
  return import(pathToFileURL(join(ROOT, 'scripts', name)).href) as Promise<T>;
}

async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  const { ensureCommands } = await importScript<PrerequisiteScripts>('prerequisites.mjs');
  ensureCommands([{ command: 'chromium', pkg: 'chromium' }]);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium was installed but ${CHROMIUM} is missing`);
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Settings of every test workbench, on top of the quiet ones.
 *
 * VS Code relaunches a terminal nobody has typed in when an extension changes
 * the terminals' environment; the built-in Git extension adds GIT_ASKPASS a
 * moment after startup. The decision is taken when the change arrives and
 * carried out a few hundred ms later, so a command typed in between dies with
 * the old shell (seen: `erl`, attached, then "disconnected", the terminal back
 * at a fresh prompt — CI failed on it once). Tests type into terminals at
 * startup; they must not race other extensions' environments.
 */
const E2E_SETTINGS = { 'terminal.integrated.environmentChangesRelaunch': false };

/** The BEAM Observer output channel's log files under a user data dir (one per window the server opened). */
function extensionLogs(userDir: string): string[] {
  const found: string[] = [];
  (function walk(dir: string, depth: number) {
    if (depth > 6) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      if (entry.endsWith('BEAM Observer.log')) found.push(path);
      else if (!entry.endsWith('.log')) walk(path, depth + 1);
    }
  })(join(userDir, 'logs'), 0);
  return found.sort();
}

/** Process ids in /proc, with their parent and whether they are still running (not zombies). */
function processTable(): Map<number, { ppid: number; alive: boolean }> {
  const table = new Map<number, { ppid: number; alive: boolean }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may itself contain spaces or parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(ppid), alive: state !== 'Z' && state !== 'X' });
    } catch {
      // The process ended while we read.
    }
  }
  return table;
}

function descendants(pid: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, info] of table) {
      if (info.ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Processes whose command line mentions `marker` (our unique temp dir): Chromium left behind by a hung close. */
function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone or not readable.
    }
  }
  return pids;
}

/**
 * Kill code-server and everything it started. Its process group covers most
 * of it, but terminals run shells in sessions of their own, so the process
 * tree is collected first and swept too.
 */
async function killTree(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const tree = [pid, ...descendants(pid)];
  signal(-pid, 'SIGTERM');
  for (const p of tree) signal(p, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (tree.some(alive) && Date.now() < deadline) await sleep(50);
  signal(-pid, 'SIGKILL');
  for (const p of tree) if (alive(p)) signal(p, 'SIGKILL');
  const hardDeadline = Date.now() + 5000;
  while (tree.some(alive) && Date.now() < hardDeadline) await sleep(50);
}

// If a test process dies without calling close(), still take code-server down with it.
const running = new Set<ChildProcess>();
function killAllSync(): void {
  for (const child of running) {
    if (child.pid === undefined) continue;
    for (const p of [child.pid, ...descendants(child.pid)]) signal(p, 'SIGKILL');
    signal(-child.pid, 'SIGKILL');
  }
  running.clear();
}
let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAllSync();
      process.kill(process.pid, sig);
    });
  }
}

// A test process killed with SIGKILL runs no exit hook. This small Node 20
// process, in a process group of its own, notices the test process is gone
// and takes the server's process group and process tree down with it.
const WATCHDOG = `
const fs = require('fs');
const [owner, group] = process.argv.slice(1, 3).map(Number);
const scratch = process.argv[3];
const stat = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' '); } catch { return undefined; } };
const running = (pid) => { const s = stat(pid); return !!s && s[0] !== 'Z' && s[0] !== 'X'; };
const groupExists = () => { try { process.kill(-group, 0); return true; } catch { return false; } };
const timer = setInterval(() => {
  if (!groupExists()) process.exit(0);
  if (running(owner)) return;
  clearInterval(timer);
  const children = new Map();
  for (const e of fs.readdirSync('/proc')) { const s = /^\\d+$/.test(e) && stat(e); if (s) children.set(Number(e), Number(s[1])); }
  const doomed = [group];
  for (let i = 0; i < doomed.length; i++) for (const [pid, ppid] of children) if (ppid === doomed[i]) doomed.push(pid);
  try { process.kill(-group, 'SIGKILL'); } catch {}
  for (const pid of doomed) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  if (scratch) setTimeout(() => { fs.rmSync(scratch, { recursive: true, force: true }); process.exit(0); }, 1000);
  else process.exit(0);
}, 1000);
`;

function startWatchdog(group: number, scratch: string): ChildProcess {
  const args = ['-e', WATCHDOG, String(process.pid), String(group)];
  if (!process.env.BEAM_OBSERVER_E2E_KEEP) args.push(scratch);
  const watchdog = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}

interface ExtensionManifest {
  publisher: string;
  name: string;
  version: string;
}

function installExtension(extension: string, node: string, entry: string, userDir: string, extDir: string, log: string): void {
  if (extension.endsWith('.vsix')) {
    try {
      execFileSync(node, [entry, '--user-data-dir', userDir, '--extensions-dir', extDir, '--install-extension', extension], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`installing ${extension} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    return;
  }
  const manifest = JSON.parse(readFileSync(join(extension, 'package.json'), 'utf8')) as ExtensionManifest;
  for (const key of ['publisher', 'name', 'version'] as const) {
    if (!manifest[key]) throw new Error(`${extension}/package.json has no "${key}"`);
  }
  // The workbench ignores the development-extension URL parameter; an extension
  // folder named <publisher>.<name>-<version> in the extensions dir is found on start.
  symlinkSync(resolve(extension), join(extDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
  writeFileSync(log, `[workbench] extension ${manifest.publisher}.${manifest.name}-${manifest.version} -> ${extension}\n`, { flag: 'a' });
}

export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  await ensureChromium();
  const { ensureCodeServer, freePort, workbenchArgs } = await importScript<CodeServerScripts>('codeServer.mjs');
  const { node, entry } = ensureCodeServer();

  const dir = mkdtempSync(join(tmpdir(), 'beam-observer-e2e-'));
  const userDir = join(dir, 'user');
  const extDir = join(dir, 'ext');
  const profileDir = join(dir, 'chromium');
  const logPath = join(dir, 'code-server.log');
  mkdirSync(extDir, { recursive: true });
  mkdirSync(E2E_OUTPUT, { recursive: true });
  const port = await freePort();
  const args = workbenchArgs({
    dir,
    port,
    entry,
    extensionsDir: extDir,
    workspace: options.workspace,
    settings: { ...E2E_SETTINGS, ...options.settings },
  });
  writeFileSync(logPath, '');

  const codeServerLog = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  // What the extension itself logged (connections made, failed, lost): the first thing to read when a step fails.
  const extensionLog = () =>
    extensionLogs(userDir)
      .map((file) => {
        try {
          return `${relative(join(userDir, 'logs'), file)}:\n${tail(readFileSync(file, 'utf8'), 25)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
  const failure = (what: string, cause?: unknown, extra = '') =>
    new Error(
      `${what}${cause instanceof Error ? `: ${cause.message}` : ''}${extra}` +
        `\n--- BEAM Observer log (tail) ---\n${extensionLog()}\n--- code-server log (tail) ---\n${tail(codeServerLog())}`,
    );

  try {
    // Folders first: installing a .vsix writes extensions.json, taking in the folders already
    // there; a folder added after it is taken for a removed extension and never loaded.
    for (const extension of [...(options.extraExtensionDirs ?? []), options.extensionDir]) {
      installExtension(extension, node, entry, userDir, extDir, logPath);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // Variables of an enclosing VS Code or Electron would confuse the server and its extension host.
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key.startsWith('ELECTRON_')) delete env[key];
  }

  installExitHooks();
  const logFd = openSync(logPath, 'a');
  const codeServer = spawn(node, args, { env, cwd: dir, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  running.add(codeServer);
  // The exit hooks, not this handle, keep code-server from outliving the test process.
  codeServer.unref();
  const watchdog = codeServer.pid === undefined ? undefined : startWatchdog(codeServer.pid, dir);
  let exited: string | undefined;
  codeServer.once('exit', (code, sig) => {
    exited = `code-server exited (code ${code}, signal ${sig})`;
    running.delete(codeServer);
  });

  let context: BrowserContext | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (context) {
      try {
        await withTimeout(context.close(), 15_000, 'closing Chromium');
      } catch {
        // A hung browser: its profile dir is unique to this run, so it names our processes only.
      }
      for (const pid of processesMentioning(profileDir)) signal(pid, 'SIGKILL');
    }
    await killTree(codeServer);
    running.delete(codeServer);
    if (watchdog?.pid !== undefined) signal(watchdog.pid, 'SIGKILL');
    try {
      copyFileSync(logPath, join(E2E_OUTPUT, `${options.name ?? basename(options.workspace)}.code-server.log`));
    } catch {
      // Nothing to keep.
    }
    if (!process.env.BEAM_OBSERVER_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(resolve(options.workspace))}`;
    await waitForHealthz(port, 60_000, () => exited).catch((error) => {
      throw failure('code-server did not answer /healthz', error);
    });

    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const browserLog = join(dir, 'browser.log');
    page.on('console', (message) => writeFileSync(browserLog, `[${message.type()}] ${message.text()}\n`, { flag: 'a' }));
    page.on('pageerror', (error) => writeFileSync(browserLog, `[pageerror] ${error.message}\n`, { flag: 'a' }));
    // Playwright dismisses a dialog nobody handles: a "leave this page?" asked on Reload Window would
    // silently cancel the reload. Leave, as a user answering it would, and say so in the test's output.
    page.on('dialog', (dialog) => {
      console.log(
        `# [workbench] the page asked "${dialog.message()}" (${dialog.type()}); answered ${dialog.type() === 'beforeunload' ? 'leave' : 'dismiss'}`,
      );
      void (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()).catch(() => undefined);
    });

    const screenshot = async (name: string) => {
      const path = join(E2E_OUTPUT, `${name}.png`);
      await page.screenshot({ path });
      return path;
    };
    // Every terminal tab keeps an "active" wrapper; the shown one is the visible one.
    const activeTerminal = () => page.locator('.terminal-wrapper.active').filter({ visible: true }).last();
    const terminalText = async (): Promise<string> =>
      (await activeTerminal().locator('.xterm-rows').first().locator('> div').allTextContents())
        // xterm's DOM renderer writes spaces as no-break spaces.
        .map((row) => row.replace(/\u00a0/g, ' ').trimEnd())
        .join('\n');

    const stepFailures = new WeakSet<Error>();
    const step = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
      try {
        return await action();
      } catch (error) {
        // A step inside a step: the inner one already attached the screenshot and the logs.
        if (error instanceof Error && stepFailures.has(error)) {
          const outer = new Error(`${what}: ${error.message}`);
          stepFailures.add(outer);
          throw outer;
        }
        let shot = '';
        try {
          shot = `\n(screenshot: ${await screenshot(`failure-${(options.name ?? 'workbench').replace(/[^\w.-]+/g, '_')}`)})`;
        } catch {
          // The page itself is gone.
        }
        const shown = (await terminalText().catch(() => '')).split('\n').filter(Boolean);
        const extra = shown.length ? `\n--- the terminal shows (tail) ---\n${shown.slice(-15).join('\n')}` : '';
        const wrapped = failure(`${what}${exited ? ` [${exited}]` : ''}${shot}`, error, extra);
        stepFailures.add(wrapped);
        throw wrapped;
      }
    };

    await step('loading the workbench', async () => {
      await page.goto(url, { timeout: 90_000 });
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
      await page.locator('.part.activitybar').waitFor({ state: 'visible', timeout: 90_000 });
      // The explorer fills in once the server's file system answers: past that, commands work.
      await page.locator('.part.sidebar .monaco-list').first().waitFor({ state: 'visible', timeout: 90_000 });
    });

    const runCommand = (title: string) =>
      step(`running the command "${title}"`, async () => {
        const input = page.locator('.quick-input-widget input');
        const rows = page.locator('.quick-input-list .monaco-list-row');
        const exactTitle = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
        const match = rows.filter({ has: page.locator('.label-name', { hasText: exactTitle }) }).first();
        // The palette lists the commands known when it opens: one contributed by an
        // extension the host has not registered yet shows up only in a palette opened later.
        const deadline = Date.now() + 30_000;
        for (let attempt = 1; ; attempt++) {
          // The palette may still be open from an earlier attempt: start over from a closed one.
          if (await input.isVisible()) {
            await page.keyboard.press('Escape');
            await input.waitFor({ state: 'hidden', timeout: 5_000 });
          }
          await page.keyboard.press('F1');
          await input.waitFor({ state: 'visible', timeout: 15_000 });
          await input.fill(`>${title}`);
          const found = await match
            .waitFor({ state: 'visible', timeout: Math.min(1000 * attempt, Math.max(deadline - Date.now(), 1)) })
            .then(
              () => true,
              () => false,
            );
          if (found) break;
          if (Date.now() >= deadline) {
            const seen = (await rows.locator('.label-name').allTextContents()).slice(0, 10);
            throw new Error(`no command titled "${title}" in the palette within 30 s (it lists: ${JSON.stringify(seen)})`);
          }
        }
        const focused = await rows
          .and(page.locator('.focused'))
          .locator('.label-name')
          .first()
          .textContent({ timeout: 1000 })
          .catch(() => '');
        // Fuzzy matching may rank another command first: Enter only when the focused row is ours.
        if (focused?.trim() === title) await page.keyboard.press('Enter');
        else await match.click();
        // Most commands close the palette; some (Go to File...) reuse it with new contents.
        const closeDeadline = Date.now() + 15_000;
        // A short timeout on the value: a command that reloads the page takes the input away between
        // the two reads, and inputValue() would wait the default 30 s for it to come back.
        while ((await input.isVisible()) && (await input.inputValue({ timeout: 500 }).catch(() => '')) === `>${title}`) {
          if (Date.now() > closeDeadline) throw new Error('the command palette stayed open on the command');
          await sleep(50);
        }
      });

    const notificationMessages = page.locator('.notifications-toasts .notification-list-item-message');
    const typeInTerminal = async (text: string, options?: { reuse?: boolean }): Promise<void> => {
      if (!options?.reuse) {
        const before = await page.locator('.terminal-wrapper').count();
        await runCommand('Terminal: Create New Terminal');
        await step('waiting for the new terminal', async () => {
          await page.locator('.terminal-wrapper').nth(before).waitFor({ state: 'attached', timeout: 30_000 });
          const active = activeTerminal();
          await active.locator('.xterm-helper-textarea').first().waitFor({ state: 'attached', timeout: 30_000 });
          // Typing before the shell draws its prompt works but echoes out of order; wait for the prompt.
          await active.locator('.xterm-rows', { hasText: /\S/ }).waitFor({ state: 'attached', timeout: 30_000 });
          await active.locator('.xterm-helper-textarea').first().focus();
        });
      }
      // A shell that is still starting can drop keystrokes: type, check the echo, and retry.
      const rows = activeTerminal().locator('.xterm-rows').first();
      const echoed = async () => (await rows.innerText()).replace(/\u00a0/g, ' ').includes(text);
      for (let attempt = 1; ; attempt++) {
        await activeTerminal().locator('.xterm-helper-textarea').first().focus();
        await page.keyboard.type(text);
        const deadline = Date.now() + 3000;
        while (!(await echoed()) && Date.now() < deadline) await sleep(100);
        if (await echoed()) break;
        if (attempt === 3) throw new Error(`the terminal did not echo "${text}" after 3 attempts`);
        // Clear whatever part of the line did arrive before typing again.
        await page.keyboard.press('Control+U');
      }
      await page.keyboard.press('Enter');
    };

    const notifications = async () => (await notificationMessages.allInnerTexts()).map((t) => t.trim());

    return {
      page,
      url,
      dir,
      codeServerLog,
      extensionLogText: () =>
        extensionLogs(userDir)
          .map((file) => {
            try {
              return readFileSync(file, 'utf8');
            } catch {
              return '';
            }
          })
          .join('\n'),
      runCommand,
      updateSettings: (changes) => {
        const file = join(userDir, 'User', 'settings.json');
        writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...changes }, null, 2));
      },
      clearNotifications: async () => {
        await runCommand('Notifications: Clear All Notifications');
        await step('clearing notifications', () =>
          page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 10_000 }),
        );
      },
      notifications,
      waitForNotification: (text, timeoutMs = 30_000) =>
        step(`waiting for a notification ${text}`, async () => {
          const toast = notificationMessages.filter({ hasText: text }).first();
          await toast.waitFor({ state: 'visible', timeout: timeoutMs });
          return (await toast.innerText()).trim();
        }),
      webview: () => page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame'),
      hoverIn: async (fileName: string, text: string, expect: string | RegExp) => {
        await runCommand('Go to File...');
        await page.locator('.quick-input-widget input').fill(fileName);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('Enter');
        const line = page.locator('.monaco-editor .view-lines .view-line', { hasText: text }).first();
        await step(`"${text}" in the editor`, () => line.waitFor({ timeout: 15_000 }));
        const hover = page.locator('.monaco-hover', { hasText: expect });
        return step(`the hover over "${text}"`, async () => {
          // Put the cursor inside the text (the line is monospace: a character is its
          // width over its length). The editor may re-render the line: measure it once settled.
          const span = line.locator('span').first();
          let box = await span.boundingBox();
          for (let attempt = 0; !box && attempt < 20; attempt++) {
            await sleep(100);
            box = await span.boundingBox();
          }
          if (!box) throw new Error('the line has no layout');
          const whole = (await line.innerText()).replace(/\u00a0/g, ' ');
          const at = whole.indexOf(text) + Math.min(3, text.length - 1);
          await page.mouse.click(box.x + ((at + 0.5) * box.width) / whole.length, box.y + box.height / 2);
          await runCommand('Show or Focus Hover');
          await hover.waitFor({ timeout: 15_000 });
          return hover.innerText();
        });
      },
      openDebugSidebar: async () => {
        await runCommand('View: Show Run and Debug');
        await step('opening the Run and Debug view', () =>
          page.locator('.part.sidebar .composite.title', { hasText: /Run and Debug/i }).waitFor({ state: 'visible', timeout: 15_000 }),
        );
      },
      screenshot,
      typeInTerminal,
      terminalText,
      startInTerminal: async (command: string, ready: RegExp, timeoutMs = 120_000) => {
        const waitReady = async (ms: number) => {
          const deadline = Date.now() + ms;
          while (!ready.test(await terminalText())) {
            if (Date.now() > deadline) return false;
            await sleep(250);
          }
          return true;
        };
        await typeInTerminal(command);
        if (await waitReady(15_000)) return;
        if (!(await terminalText()).includes(command)) await typeInTerminal(command, { reuse: true });
        await step(`${ready} in the terminal`, async () => {
          if (!(await waitReady(timeoutMs))) throw new Error(`the terminal shows:\n${await terminalText()}`);
        });
      },
      expandedView: async (title: string) => {
        const header = page.locator('.pane-header', { hasText: title }).first();
        await step(`the ${title} view`, () => header.waitFor({ timeout: 30_000 }));
        // Click the twistie end of the header: its middle holds the view's action buttons.
        if ((await header.getAttribute('aria-expanded')) === 'false') await header.click({ position: { x: 12, y: 10 } });
        return page.locator('.pane', { has: header });
      },
      step,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function waitForHealthz(port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) throw new Error(gone);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`no healthy answer within ${timeoutMs} ms (last: ${last})`);
}
