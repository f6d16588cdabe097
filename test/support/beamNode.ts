/**
 * Real BEAM nodes for the integration tests: an `erl` node running
 * test/fixtures/observer_fixture.erl, or an `elixir` node running
 * test/fixtures/elixir_fixture.exs, each with the built agent on its code
 * path. The fixture prints one JSON line (port, token, pids) and then
 * answers commands sent as lines on its standard input.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const AGENT_EBIN = join(ROOT, 'agent', 'ebin');
export const FIXTURE_EBIN = join(ROOT, 'out', 'fixtures-ebin');

let fixturesCompiled = false;
export function compileFixtures(): void {
  if (fixturesCompiled) return;
  mkdirSync(FIXTURE_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', FIXTURE_EBIN, join(ROOT, 'test', 'fixtures', 'observer_fixture.erl')]);
  execFileSync('erlc', ['-o', FIXTURE_EBIN, join(ROOT, 'test', 'fixtures', 'debugger_fixture.erl')]);
  // OTP's debugger interprets it: it needs its debug info.
  execFileSync('erlc', ['+debug_info', '-o', FIXTURE_EBIN, join(ROOT, 'test', 'fixtures', 'interpreted_shop.erl')]);
  fixturesCompiled = true;
}

/** A private discovery directory, so tests never see each other's agents. */
export function tempDiscoveryDir(): string {
  return mkdtempSync(join(tmpdir(), 'beam-observer-test-'));
}

/**
 * The environment for a node a test starts by hand: this process's, without
 * an ERL_AFLAGS that could load an agent into it, plus `extra`.
 */
export function nodeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.ERL_AFLAGS;
  return env;
}

/**
 * Resolve with the first match of `pattern` in what a process prints (stdout
 * and stderr together); fail with everything it printed when it exits first
 * or `timeoutMs` passes. How the tests wait for a node's "ready" line.
 */
export function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout!.off('data', seen);
      child.stderr!.off('data', seen);
      child.off('exit', exited);
      settle();
    };
    const seen = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) done(() => resolve(match));
    };
    const exited = () => done(() => reject(new Error(`${what}: exited before printing ${pattern}; output: ${out}`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`${what}: nothing like ${pattern} within ${timeoutMs} ms; output: ${out}`))),
      timeoutMs,
    );
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', exited);
  });
}

/** Close a node's standard input (the fixtures halt on EOF); kill it if it lingers. */
export async function stopNode(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export interface FixtureNode {
  port: number;
  token: string;
  osPid: number;
  pids: Record<string, string>;
  /** The whole first line the fixture printed (some fixtures say more than the fields above). */
  hello: Record<string, unknown>;
  child: ChildProcess;
  /** Send one command line, resolve with the node's one-line JSON answer. */
  command<T = Record<string, unknown>>(line: string): Promise<T>;
  /** Everything the node wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
}

export function startErlangFixture(options: StartOptions = {}): Promise<FixtureNode> {
  compileFixtures();
  return startFixture(
    'erl',
    ['-noshell', '-pa', AGENT_EBIN, '-pa', FIXTURE_EBIN, ...(options.extraArgs ?? []), '-eval', 'observer_fixture:main()'],
    options,
  );
}

/** A node where OTP's debugger interprets a module and holds a gen_server at a breakpoint (debugger_fixture.erl). */
export function startDebuggerFixture(options: StartOptions = {}): Promise<FixtureNode> {
  compileFixtures();
  return startFixture(
    'erl',
    ['-noshell', '-pa', AGENT_EBIN, '-pa', FIXTURE_EBIN, ...(options.extraArgs ?? []), '-eval', 'debugger_fixture:main()'],
    options,
  );
}

export function startElixirFixture(options: StartOptions = {}): Promise<FixtureNode> {
  return startFixture('elixir', ['--erl', `-pa ${AGENT_EBIN}`, join(ROOT, 'test', 'fixtures', 'elixir_fixture.exs')], options);
}

export function startFixture(command: string, args: string[], options: StartOptions): Promise<FixtureNode> {
  const env = nodeEnv({ BEAM_OBSERVER_DIR: tempDiscoveryDir(), ...options.env });
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  lines.on('line', (line) => {
    // The node's logger may print reports (a killed agent is a crash); answers are JSON lines.
    if (!line.startsWith('{')) return;
    const next = waiting.shift();
    if (next) next(line);
    else early.push(line);
  });
  const nextLine = (timeoutMs: number) =>
    new Promise<string>((resolveLine, reject) => {
      const queued = early.shift();
      if (queued !== undefined) return resolveLine(queued);
      const timer = setTimeout(
        () => reject(new Error(`${command} fixture: no answer within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      waiting.push((line) => {
        clearTimeout(timer);
        resolveLine(line);
      });
    });

  return nextLine(20000).then((first) => {
    const hello = JSON.parse(first) as { port: number; token: string; osPid: number; pids: Record<string, string> };
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    return {
      ...hello,
      hello,
      child,
      stderr: () => stderr,
      async command<T>(line: string): Promise<T> {
        child.stdin!.write(line + '\n');
        return JSON.parse(await nextLine(10000)) as T;
      },
      stop: () => stopNode(child, exited),
    };
  });
}
