// `npm run build`: the agent (erlc), the TypeScript (type check and test
// output with tsc) and the bundles (esbuild): dist/extension.js for the
// extension host, dist/webview.js (+ .css) for the load charts, dist/cluster.js
// (+ .css) for the cluster overview.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.json']);
  // The webview runs in a browser: its own config, with the DOM library, type check only.
  if (existsSync(join(root, 'webview', 'tsconfig.json'))) run(process.execPath, [tsc, '-p', 'webview/tsconfig.json']);
}

export async function bundle({ minify = false } = {}) {
  const esbuild = await import('esbuild');
  const common = { bundle: true, sourcemap: true, minify, logLevel: 'warning', absWorkingDir: root };
  if (existsSync(join(root, 'extension', 'src', 'extension.ts'))) {
    await esbuild.build({
      ...common,
      entryPoints: ['extension/src/extension.ts'],
      outfile: 'dist/extension.js',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
    });
  }
  if (existsSync(join(root, 'webview', 'src', 'main.ts'))) {
    await esbuild.build({
      ...common,
      entryPoints: ['webview/src/main.ts'],
      outfile: 'dist/webview.js',
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
    });
  }
  // The cluster overview: its CSS import comes out as dist/cluster.css, as charts.css does as dist/webview.css.
  if (existsSync(join(root, 'webview', 'src', 'cluster', 'main.ts'))) {
    await esbuild.build({
      ...common,
      entryPoints: ['webview/src/cluster/main.ts'],
      outfile: 'dist/cluster.js',
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAgent();
  await buildTypeScript();
  await bundle();
  console.log('[build] done');
}
