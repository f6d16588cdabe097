// Checks (and where it can, installs) what the build and the tests need
// outside npm: Erlang/OTP and Elixir from Debian's packages.
// As root with apt-get it installs them; otherwise it stops with the exact
// command the user must run.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** @param {{ command: string, pkg: string }[]} needs */
export function ensureCommands(needs) {
  const missing = needs.filter((n) => !has(n.command));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  const install = `apt-get update && apt-get install -y ${pkgs.join(' ')}`;
  if (isRoot && has('apt-get')) {
    console.log(`[prerequisites] installing ${pkgs.join(', ')} with apt-get`);
    execFileSync('sh', ['-c', `${install.replace('apt-get install', 'DEBIAN_FRONTEND=noninteractive apt-get install')}`], {
      stdio: 'inherit',
    });
    const still = missing.filter((n) => !has(n.command));
    if (still.length === 0) return;
  }
  const prefix = isRoot ? '' : 'sudo ';
  console.error(
    `BEAM Observer needs ${missing.map((n) => n.command).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed.`,
  );
  console.error(`Install with:\n  ${prefix}${install.replace('&& apt-get', `&& ${prefix}apt-get`)}`);
  process.exit(1);
}

export const ERLANG = { command: 'erlc', pkg: 'erlang' };
export const ELIXIR = { command: 'elixir', pkg: 'elixir' };
// Debian's Chromium: the webview and end-to-end tests drive it with playwright-core.
export const CHROMIUM = { command: 'chromium', pkg: 'chromium' };

/**
 * Short node names (`erl -sname a` is a@<host>) work only where this machine's
 * own short host name resolves: the cluster and attach tests start named nodes.
 * As root it adds the name to /etc/hosts (as Debian's installer does);
 * otherwise it stops with the exact command.
 */
export function ensureHostnameResolves() {
  const host = execFileSync('hostname', { encoding: 'utf8' }).trim().split('.')[0];
  const resolves = () => spawnSync('getent', ['hosts', host], { stdio: 'ignore' }).status === 0;
  if (!host || resolves()) return;
  const line = `127.0.1.1 ${host}`;
  if (isRoot) {
    console.log(`[prerequisites] this machine's name ${host} does not resolve: adding "${line}" to /etc/hosts`);
    execFileSync('sh', ['-c', `echo '${line}' >> /etc/hosts`]);
    if (resolves()) return;
  }
  console.error(`Named Erlang nodes need this machine's name (${host}) to resolve, and it does not. Run:`);
  console.error(`  echo '${line}' | ${isRoot ? '' : 'sudo '}tee -a /etc/hosts`);
  process.exit(1);
}
