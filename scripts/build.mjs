// `npm run build`: the agent (erlc), the TypeScript (type check and test
// output with tsc) and the extension bundle (esbuild).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCommands, ERLANG } from './prerequisites.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

export function buildAgent() {
  ensureCommands([ERLANG]);
  const ebin = join(root, 'agent', 'ebin');
  rmSync(ebin, { recursive: true, force: true });
  mkdirSync(ebin, { recursive: true });
  const sources = readdirSync(join(root, 'agent', 'src')).filter((f) => f.endsWith('.erl')).map((f) => join('agent', 'src', f));
  // +deterministic: identical sources give identical .beam files, wherever built.
  run('erlc', ['+deterministic', '+warnings_as_errors', '-o', 'agent/ebin', ...sources]);
}

export async function buildTypeScript() {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAgent();
  await buildTypeScript();
  console.log('[build] done');
}
