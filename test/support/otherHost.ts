/**
 * "Another host" for the tests: a Linux network namespace joined to this one
 * by a veth pair. A node started in it has its own loopback interface and
 * its own epmd, like a node in a container or on another machine: its
 * agent's 127.0.0.1 port is out of reach from here, while epmd and the
 * distribution port are reachable at the namespace's address.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2's `ip`; `otherHostUnavailable()`
 * says why when the machine cannot, and the tests that need it skip with
 * that reason.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';

export interface OtherHost {
  /** The namespace's address, as a node there is named (app@10.213.x.2). */
  address: string;
  namespace: string;
  /** Run a command inside the namespace. */
  spawn(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** Kill what runs in it and remove it. */
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

let checked: string | null | undefined;

/** Why this machine cannot make another host (null: it can). */
export function otherHostUnavailable(): string | null {
  if (checked !== undefined) return checked;
  // The whole setup, once: a machine may allow namespaces but not veth pairs, or not exec in them.
  try {
    const probe = createOtherHost();
    try {
      execFileSync('ip', ['netns', 'exec', probe.namespace, 'true'], { stdio: 'ignore' });
    } finally {
      probe.remove();
    }
    checked = null;
  } catch (error) {
    checked = `network namespaces are not available here (${(error as Error).message.split('\n')[0]})`;
  }
  return checked;
}

export function createOtherHost(): OtherHost {
  const id = `${process.pid % 10000}${randomInt(100, 999)}`;
  const ns = `bo_host_${id}`;
  const outside = `bo_o${id}`.slice(0, 15);
  const inside = `bo_i${id}`.slice(0, 15);
  // A /30 of its own: this side .1, the other host .2.
  const prefix = `10.213.${randomInt(0, 256)}`;
  const address = `${prefix}.2`;
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', ns);
    ip('addr', 'add', `${prefix}.1/30`, 'dev', outside);
    ip('link', 'set', outside, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', inside);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    try {
      ip('netns', 'del', ns);
    } catch {
      /* already gone */
    }
    throw error;
  }
  const children: ChildProcess[] = [];
  return {
    address,
    namespace: ns,
    spawn(command, args, env = process.env) {
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    remove() {
      for (const child of children) child.kill('SIGKILL');
      // Anything else still in it (epmd, started by the first named node there).
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      } catch {
        /* no namespace */
      }
      try {
        ip('link', 'del', outside);
      } catch {
        /* went with the namespace */
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        /* already gone */
      }
    },
  };
}
