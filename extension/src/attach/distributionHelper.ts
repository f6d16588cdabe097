/**
 * The hidden helper node that attaches over Erlang distribution
 * (agent/src/beam_observer_attach.erl): a short-lived `erl` started from
 * the local Erlang installation with the agent's ebin on its code path.
 *
 * One helper per request: it is cheap (a few hundred ms) and leaves no
 * distribution state behind in the extension host. The cookie is written
 * to its stdin, never put on its command line (visible in `ps`), and the
 * reply is the one stdout line that starts with REPLY_MARKER (the line
 * protocol: protocol/attachHelperProtocol.ts, docs/distribution.md).
 *
 * No `vscode` import: the integration tests drive it directly.
 */
import { spawn } from 'node:child_process';
import * as dns from 'node:dns/promises';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { AttachErrorKind, AttachReply, AttachSuccess, AttachTarget, HelperRequest, REPLY_MARKER } from '../protocol/attachHelperProtocol';
import { errorMessage } from '../shared/errors';

export interface HelperOptions {
  /** Directory of the agent's .beam files (agentInstall.ts). */
  ebin: string;
  /** The `erl` to run; default: the first one on PATH. */
  erl?: string;
  /** Whole round trip, helper boot included; the helper itself gives up after 15 s. */
  timeoutMs?: number;
  /** A non-default epmd port (ERL_EPMD_PORT for the helper). */
  epmdPort?: number;
  /** IPv6 distribution; default: when the target's host needs it (needsIpv6). */
  ipv6?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Raised when there is no helper answer at all. */
export class HelperError extends Error {
  constructor(
    message: string,
    readonly kind: 'no_erl' | 'helper' | 'timeout',
  ) {
    super(message);
  }
}

export const INSTALL_ERLANG_HINT =
  'Install Erlang/OTP 25 or later (Debian/Ubuntu: sudo apt-get install erlang; ' +
  'macOS: brew install erlang) or put its bin directory on PATH.';

/** The first `erl` on PATH, like a shell would find it. */
export function findErl(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  const names = platform === 'win32' ? ['erl.exe', 'erl.cmd', 'erl.bat'] : ['erl'];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * The helper's command line. `-dist_listen false`: it registers nothing in
 * epmd and needs no local epmd for remote targets; the placeholder cookie
 * keeps OTP from reading or creating ~/.erlang.cookie.
 */
export function helperArgs(ebin: string, ipv6 = false): string[] {
  return [
    '-noshell',
    '-hidden',
    '-dist_listen',
    'false',
    '-setcookie',
    'beam_observer_placeholder',
    ...(ipv6 ? ['-proto_dist', 'inet6_tcp'] : []),
    '-pa',
    ebin,
    '-run',
    'beam_observer_attach',
    'main',
  ];
}

/**
 * Does reaching `host` take IPv6 distribution (`-proto_dist inet6_tcp`)? For an
 * IPv6 address, or a name with only IPv6 addresses (IPv6-only networks). A node
 * using inet6_tcp on a dual-stack host listens on IPv4 too,
 * so a name with an IPv4 address keeps the default, which reaches both.
 */
export async function needsIpv6(
  host: string,
  lookup: (host: string, family: 4 | 6) => Promise<unknown> = (h, family) => dns.lookup(h, { family }),
): Promise<boolean> {
  if (net.isIPv6(host)) return true;
  if (net.isIPv4(host)) return false;
  const has = (family: 4 | 6) =>
    lookup(host, family).then(
      () => true,
      () => false,
    );
  return !(await has(4)) && (await has(6));
}

/** The helper's environment: no flags of the user's or ours that would change what this VM is. */
export function helperEnv(base: NodeJS.ProcessEnv, epmdPort?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of ['ERL_AFLAGS', 'ERL_ZFLAGS', 'ERL_FLAGS', 'BEAM_OBSERVER_AUTOSTART']) delete env[name];
  if (epmdPort !== undefined) env.ERL_EPMD_PORT = String(epmdPort);
  // A helper that fails to boot must not leave erl_crash.dump in the user's folder.
  env.ERL_CRASH_DUMP_BYTES = '0';
  return env;
}

/** The reply in one line of the helper's output, or undefined for anything else it printed. */
export function parseReplyLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith(REPLY_MARKER)) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(REPLY_MARKER.length));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Start a helper, send it one request, return its reply; the helper is stopped either way. */
export async function askHelper(request: Record<string, unknown>, options: HelperOptions): Promise<Record<string, unknown>> {
  return (await runHelper(request, options, false)).reply;
}

/** A helper kept running after its reply: a relay (see beam_observer_attach:relay/2). */
export interface RunningHelper {
  readonly osPid: number;
  /** Fired once when the helper exits, whoever ended it. */
  onExit(listener: () => void): void;
  /** End of input: the helper halts, and its connection to the target closes. */
  close(): void;
}

/**
 * Start a helper and send it one request. With `keep`, a successful reply
 * leaves the helper running (its standard input open) and hands it over.
 */
function runHelper(
  request: Record<string, unknown>,
  options: HelperOptions,
  keep: boolean,
): Promise<{ reply: Record<string, unknown>; helper: RunningHelper | undefined }> {
  const erl = options.erl ?? findErl(options.env);
  if (!erl) {
    return Promise.reject(
      new HelperError(`Erlang's "erl" is not on PATH, and attaching to a node needs it. ${INSTALL_ERLANG_HINT}`, 'no_erl'),
    );
  }
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(erl, helperArgs(options.ebin, options.ipv6), {
      env: helperEnv(options.env ?? process.env, options.epmdPort),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    const tail = (text: string) => helperOutputTail(text, typeof request.cookie === 'string' ? request.cookie : undefined);
    let settled = false;
    const stop = () => {
      // End of input makes the helper halt; a helper that does not is killed.
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) {
        const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
        child.once('exit', () => clearTimeout(kill));
      }
    };
    const settle = (fn: () => void, keepRunning = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      if (!keepRunning) stop();
    };
    const running: RunningHelper = {
      osPid: child.pid ?? 0,
      onExit: (listener) => {
        if (child.exitCode !== null || child.signalCode !== null) listener();
        else child.once('exit', listener);
      },
      close: stop,
    };
    const timer = setTimeout(
      () =>
        settle(() => {
          child.kill('SIGKILL');
          reject(new HelperError(`the attach helper did not answer within ${timeoutMs} ms${tail(stderr)}`, 'timeout'));
        }),
      timeoutMs,
    );

    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const reply = parseReplyLine(line);
      const kept = keep && reply?.ok === true;
      if (reply) settle(() => resolve({ reply, helper: kept ? running : undefined }), kept);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          error.code === 'ENOENT'
            ? new HelperError(`cannot run ${erl}: not found. ${INSTALL_ERLANG_HINT}`, 'no_erl')
            : new HelperError(`cannot run ${erl}: ${error.message}`, 'helper'),
        ),
      ),
    );
    child.on('exit', (code, signal) =>
      settle(() =>
        reject(
          new HelperError(`the attach helper (${erl}) exited (${signal ?? `code ${code}`}) without answering${tail(stderr)}`, 'helper'),
        ),
      ),
    );
    // A helper that died at once makes this write fail: the exit handler reports it.
    child.stdin!.on('error', () => undefined);
    child.stdin!.write(JSON.stringify(request) + '\n');
  });
}

/**
 * The end of what the helper printed, for an error message. The cookie is
 * blanked out: a crash report may print the arguments of the function that
 * failed, and the message ends up on screen and in the log.
 */
export function helperOutputTail(stderr: string, cookie: string | undefined): string {
  let text = stderr.trim();
  if (cookie) text = text.split(cookie).join('<cookie>');
  return text ? `: ${text.slice(-600)}` : '';
}

/** Attach to a running node: load the agent into it if needed and start it. Never throws. */
export async function attachThroughDistribution(target: AttachTarget, cookie: string, options: HelperOptions): Promise<AttachReply> {
  return (await connectThroughHelper('attach', target, cookie, options)).reply;
}

/**
 * Reach a node whose agent this machine cannot reach (another host, a
 * container) through a relay: a helper that stays connected to it and runs
 * an agent of its own on this machine's loopback, which serves the target
 * (requests with `node`). The reply's port and token are the relay's; its
 * `node` is the target's. Close the helper to end the relay. Never throws.
 */
export function relayThroughDistribution(
  target: AttachTarget,
  cookie: string,
  options: HelperOptions,
): Promise<{ reply: AttachReply; relay: RunningHelper | undefined }> {
  return connectThroughHelper('relay', target, cookie, options);
}

async function connectThroughHelper(
  op: 'attach' | 'relay',
  target: AttachTarget,
  cookie: string,
  options: HelperOptions,
): Promise<{ reply: AttachReply; relay: RunningHelper | undefined }> {
  const request: HelperRequest =
    'node' in target ? { op, node: target.node, cookie } : { op, name: target.name, host: target.host ?? 'localhost', cookie };
  const host = 'node' in target ? target.node.slice(target.node.indexOf('@') + 1) : (target.host ?? 'localhost');
  try {
    const { reply, helper } = await runHelper(request, { ...options, ipv6: options.ipv6 ?? (await needsIpv6(host)) }, op === 'relay');
    if (reply.ok === true && typeof reply.port === 'number' && typeof reply.token === 'string') {
      return { reply: reply as unknown as AttachSuccess, relay: helper };
    }
    helper?.close();
    const error = typeof reply.error === 'string' ? (reply.error as AttachErrorKind) : 'helper';
    const message = typeof reply.message === 'string' ? reply.message : `unexpected reply: ${JSON.stringify(reply).slice(0, 300)}`;
    return { reply: { ok: false, error, message }, relay: undefined };
  } catch (error) {
    const kind = error instanceof HelperError ? error.kind : 'helper';
    return { reply: { ok: false, error: kind, message: errorMessage(error) }, relay: undefined };
  }
}
