/**
 * Discovery files: every running agent writes `<dir>/<os pid>.json` (see
 * docs/protocol.md, "Discovery"). This module computes the same directory as
 * the agent, reads the files, prunes those whose OS process is gone, and
 * watches the directory for agents that come and go.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DiscoveryFile } from '../protocol/agentProtocol';
import { processAlive } from './processAlive';

/** Same rule as beam_observer_discovery:dir/0. */
export function discoveryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BEAM_OBSERVER_DIR) return env.BEAM_OBSERVER_DIR;
  const temp = firstSet(env, ['TMPDIR', 'TMP', 'TEMP']) ?? '/tmp';
  const user = firstSet(env, ['USER', 'LOGNAME', 'USERNAME']) ?? safeUserName();
  return path.join(temp.replace(/\/+$/, ''), `beam-observer-${user}`);
}

function firstSet(env: NodeJS.ProcessEnv, names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return value;
  }
  return undefined;
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Parse one discovery file; undefined when it is not one. */
export function parseDiscoveryFile(text: string): DiscoveryFile | undefined {
  try {
    const value = JSON.parse(text) as Partial<DiscoveryFile>;
    if (
      typeof value.port !== 'number' ||
      typeof value.token !== 'string' ||
      typeof value.osPid !== 'number' ||
      typeof value.node !== 'string'
    ) {
      return undefined;
    }
    return value as DiscoveryFile;
  } catch {
    return undefined;
  }
}

/**
 * The live agents in a directory. Files of dead OS processes are deleted
 * (an agent in a VM that ended with halt() could not delete its own).
 */
export function readDiscoveryDir(dir: string, alive: (osPid: number) => boolean = processAlive): DiscoveryFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const found: DiscoveryFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const osPid = Number(name.slice(0, -'.json'.length));
    if (!alive(osPid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // removed between readdir and read
    }
    const parsed = parseDiscoveryFile(text);
    if (parsed && parsed.osPid === osPid) found.push(parsed);
  }
  return found.sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * Calls `onChange` with the live agents whenever the directory changes.
 * fs.watch misses events on some file systems, so a slow poll backs it up.
 */
export class DiscoveryWatcher {
  private watcher: fs.FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    readonly dir: string,
    private readonly onChange: (agents: DiscoveryFile[]) => void,
    private readonly pollMs = 2000,
  ) {}

  start(): void {
    ensurePrivateDir(this.dir);
    try {
      this.watcher = fs.watch(this.dir, () => this.schedule());
      this.watcher.on('error', () => undefined);
    } catch {
      // Polling alone still works.
    }
    this.poll = setInterval(() => this.scan(), this.pollMs);
    this.scan();
  }

  /** Scan now (also used after the extension starts a node itself). */
  scan(): DiscoveryFile[] {
    const agents = readDiscoveryDir(this.dir);
    const key = JSON.stringify(agents.map((a) => [a.osPid, a.port, a.token]));
    if (key !== this.last) {
      this.last = key;
      this.onChange(agents);
    }
    return agents;
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.scan(), 100);
  }

  dispose(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
  }
}
