// `npm run demo`: the overload demo node observed in a real VS Code.
//
// 1. Builds and packages the extension (.vsix).
// 2. Starts examples/overload (a Mix project) as the named node `overload`,
//    with the agent autostarted and the scenarios in OVERLOAD_SCENARIOS
//    (default: timers,mailbox,pool), and a second node of the same project,
//    `overload_worker`, running the `timers` scenario and joined to the first
//    without any agent: the cluster overview shows both, the agent loading
//    itself into the worker over distribution when asked.
// 3. Opens VS Code on that project with the extension installed: the desktop
//    `code` when it exists, otherwise a local code-server workbench whose URL
//    it prints. BEAM Observer attaches to the node on its own.
// Ctrl+C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ELIXIR, ERLANG, ensureCommands, ensureHostnameResolves } from './prerequisites.mjs';
import { packageExtension } from './package.mjs';
import { ensureCodeServer, freePort, workbenchArgs } from './codeServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const project = join(root, 'examples', 'overload');
const scenarios = process.env.OVERLOAD_SCENARIOS ?? 'timers,mailbox,pool,burst';
const work = mkdtempSync(join(tmpdir(), 'beam-observer-demo-'));
const discovery = join(work, 'discovery');
const children = [];

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function stopAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(0);
});
process.on('SIGTERM', () => {
  stopAll();
  process.exit(0);
});
process.on('exit', stopAll);

ensureCommands([ERLANG, ELIXIR]);
ensureHostnameResolves();
console.log('[demo] packaging the extension');
const vsix = await packageExtension();

console.log(`[demo] compiling and starting examples/overload with scenarios: ${scenarios}`);
mkdirSync(discovery, { recursive: true, mode: 0o700 });
const agentEbin = join(root, 'agent', 'ebin');
const nodeEnv = {
  ...process.env,
  OVERLOAD_SCENARIOS: scenarios,
  ERL_AFLAGS: `-pa ${agentEbin} -s beam_observer_agent autostart`,
  BEAM_OBSERVER_AUTOSTART: '1',
  BEAM_OBSERVER_DIR: discovery,
  BEAM_OBSERVER_LAUNCHED_BY: 'terminal',
};
// A cookie of this run only (printed, for "Attach to Node…"); short names on this host.
const cookie = `demo_${randomBytes(8).toString('hex')}`;
const mainNode = `overload@${hostname().split('.')[0]}`;
spawnSync('mix', ['compile'], { cwd: project, stdio: 'inherit', env: { ...process.env, MIX_ENV: 'dev' } });
const node = spawn('elixir', ['--sname', 'overload', '--cookie', cookie, '-S', 'mix', 'run', '--no-halt'], {
  cwd: project,
  env: nodeEnv,
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: true,
});
children.push(node);
// The second node: no agent, no discovery file; it joins the first once that one is up.
const workerEnv = { ...process.env, OVERLOAD_SCENARIOS: 'timers' };
delete workerEnv.ERL_AFLAGS;
const worker = spawn(
  'elixir',
  [
    '--sname',
    'overload_worker',
    '--cookie',
    cookie,
    '-e',
    `Task.start(fn -> Enum.find(1..60, fn _ -> Process.sleep(1000); Node.connect(:"${mainNode}") end) end)`,
    '-S',
    'mix',
    'run',
    '--no-halt',
  ],
  { cwd: project, env: workerEnv, stdio: ['ignore', 'inherit', 'inherit'], detached: true },
);
children.push(worker);

// The extension attaches to the demo node as to any VM started from a terminal in the workspace.
const settings = { 'beamObserver.autoAttach': 'terminals' };

if (has('code') && !process.env.BEAM_OBSERVER_DEMO_CODE_SERVER) {
  console.log('[demo] opening VS Code');
  spawnSync('code', ['--install-extension', vsix, '--force'], { stdio: 'inherit' });
  // The extension host inherits this environment, so it watches the demo's discovery directory.
  spawn('code', ['--new-window', project], { env: { ...process.env, BEAM_OBSERVER_DIR: discovery }, stdio: 'inherit' });
  console.log('[demo] in VS Code: Run and Debug sidebar → BEAM Processes and BEAM Load. Ctrl+C here stops the node.');
} else {
  const { node: node24, entry } = ensureCodeServer();
  const port = Number(process.env.BEAM_OBSERVER_DEMO_PORT ?? (await freePort()));
  const extensions = join(work, 'extensions');
  spawnSync(node24, [entry, '--extensions-dir', extensions, '--install-extension', vsix], { stdio: 'ignore' });
  const args = workbenchArgs({ dir: work, port, entry, extensionsDir: extensions, workspace: project, settings });
  const codeServer = spawn(node24, args, {
    env: { ...process.env, BEAM_OBSERVER_DIR: discovery },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  children.push(codeServer);
  console.log(`\n[demo] VS Code (code-server) is at  http://127.0.0.1:${port}/?folder=${encodeURIComponent(project)}`);
  console.log('[demo] open it in a browser, then the Run and Debug sidebar: BEAM Processes and BEAM Load.');
  console.log(`[demo] the cluster: "BEAM Observer: Show Cluster Overview" (${mainNode} and overload_worker, cookie ${cookie}).`);
  console.log('[demo] Ctrl+C stops the node and the workbench.\n');
}

node.on('exit', (code) => {
  console.log(`[demo] the demo node exited (${code})`);
});
// Keep running until interrupted.
setInterval(() => undefined, 1 << 30);
