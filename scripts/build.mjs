// `npm run build`: the agent (erlc; buildAgent says which OTP it needs), the
// TypeScript (type check and test output with tsc) and the bundles
// (esbuild): dist/extension.js for the extension host, dist/webview.js
// (+ .css) for the load charts, dist/cluster.js (+ .css) for the cluster
// overview, dist/trace.js (+ .css) for the BEAM Trace panel, dist/mcp.js for
// the MCP server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCommands, ERLANG } from './prerequisites.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// The oldest OTP the agent supports: the nodes it is loaded into and the
// Attach to Node helper VM (beam_observer_attach checks the same figure).
const AGENT_OTP = 25;

/**
 * The agent, into agent/ebin. A .beam loads in the OTP release that compiled
 * it and the next ones, not in earlier ones, and erlc has no option to target
 * an older release: beams that must load in every OTP 25+ node must be
 * compiled by OTP 25. So a newer erlc is refused for a shipped build
 * (`npm run package`) and only warned about otherwise (the tests, the demo
 * and a development build run their nodes with that same newer OTP).
 */
export function buildAgent({ shipped = false } = {}) {
  ensureCommands([ERLANG]);
  checkCompilerRelease(shipped);
  const ebin = join(root, 'agent', 'ebin');
  rmSync(ebin, { recursive: true, force: true });
  mkdirSync(ebin, { recursive: true });
  const sources = readdirSync(join(root, 'agent', 'src'))
    .filter((f) => f.endsWith('.erl'))
    .map((f) => join('agent', 'src', f));
  // +deterministic: identical sources give identical .beam files, wherever built.
  // +warn_missing_spec with +warnings_as_errors: every exported function has a -spec.
  // Headers (beam_observer_errors.hrl) sit beside the sources, where erlc looks
  // first, so neither this build nor a node compiling the shipped sources needs -I.
  run('erlc', ['+deterministic', '+warnings_as_errors', '+warn_missing_spec', '-o', 'agent/ebin', ...sources]);
  checkCalls();
}

/**
 * Every call between the agent's modules and into OTP resolves (xref): a module's
 * function that moved elsewhere is a build error, not a crash in a user's node.
 * Allowed: Elixir's (called only where Elixir runs) and OTP 27's `trace` module
 * (called only where it exists).
 */
function checkCalls() {
  const script =
    'Undefined = proplists:get_value(undefined, xref:d("agent/ebin")),' +
    'Missing = [MFA || {M, _, _} = MFA <- Undefined, M =/= trace, not lists:prefix("Elixir.", atom_to_list(M))],' +
    'io:format("~p~n", [Missing]), halt(case Missing of [] -> 0; _ -> 1 end).';
  try {
    execFileSync('erl', ['-noshell', '-eval', script], { cwd: root, encoding: 'utf8' });
  } catch (error) {
    throw new Error(`the agent calls functions that do not exist: ${String(error.stdout).trim()}`);
  }
}

function checkCompilerRelease(shipped) {
  const release = compilerRelease();
  if (release < AGENT_OTP) {
    throw new Error(`erlc is from OTP ${release}; the agent needs OTP ${AGENT_OTP} or later`);
  }
  if (release > AGENT_OTP) {
    const risk = `the agent is compiled by OTP ${release}: nodes on OTP ${AGENT_OTP} to ${release - 1} may refuse its beams`;
    if (shipped) throw new Error(`${risk}. A .vsix must load in every OTP ${AGENT_OTP}+ node: package it with OTP ${AGENT_OTP}.`);
    console.warn(`[build] warning: ${risk} (nodes on OTP ${release} or later load them).`);
  }
}

/** The OTP release of the erl installed beside erlc (the one erlc runs). */
function compilerRelease() {
  const erlc = execFileSync('sh', ['-c', 'command -v erlc'], { encoding: 'utf8' }).trim();
  const beside = join(dirname(realpathSync(erlc)), 'erl');
  const erl = existsSync(beside) ? beside : 'erl';
  const text = execFileSync(erl, ['-noshell', '-eval', 'io:put_chars(erlang:system_info(otp_release)), halt().'], {
    cwd: root,
    encoding: 'utf8',
  });
  const release = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(release)) throw new Error(`cannot tell which OTP ${erl} is: it printed ${JSON.stringify(text)}`);
  return release;
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
  // The BEAM Trace panel: its CSS import comes out as dist/trace.css.
  if (existsSync(join(root, 'webview', 'src', 'trace', 'main.ts'))) {
    await esbuild.build({
      ...common,
      entryPoints: ['webview/src/trace/main.ts'],
      outfile: 'dist/trace.js',
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
    });
  }
  // The MCP server (issue 18): a Node script of its own, dist/mcp.js, run by
  // `npx beam-observer-mcp` (bin/beam-observer-mcp.js) or `node dist/mcp.js`;
  // it shares the tool catalog and the agent client with the extension, not vscode.
  if (existsSync(join(root, 'extension', 'src', 'mcp', 'main.ts'))) await bundleMcp({ minify });
}

/** dist/mcp.js alone: what bin/beam-observer-mcp.js builds when a clone has not run `npm run build` yet. */
export async function bundleMcp({ minify = false } = {}) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    bundle: true,
    sourcemap: true,
    minify,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: ['extension/src/mcp/main.ts'],
    outfile: 'dist/mcp.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAgent();
  await buildTypeScript();
  await bundle();
  console.log('[build] done');
}
