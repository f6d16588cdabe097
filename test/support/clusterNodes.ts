/**
 * Plain named nodes for cluster tests and benchmarks: `erl -sname` nodes with
 * a cookie, without the agent on their code path, that join a peer at boot
 * and halt at the end of their input.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { nodeEnv, stopNode, waitForOutput } from './beamNode';

export const HOST = hostname().split('.')[0];

export interface PlainNode {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A named node without the agent on its code path; it joins `peer` at boot and halts on EOF. */
export function startPlainNode(short: string, peer: string, cookie: string): Promise<PlainNode> {
  const boot =
    `true = net_kernel:connect_node('${peer}'), io:format("ready~n"), ` +
    `(fun Loop() -> case io:get_line("") of eof -> halt(0); _ -> Loop() end end)().`;
  return startNamed(short, 'erl', ['-noshell', '-sname', short, '-setcookie', cookie, '-eval', boot]);
}

/** An Elixir node (no agent either) running a named Agent whose state is an Elixir map. */
export function startElixirNode(short: string, peer: string, cookie: string): Promise<PlainNode> {
  const script =
    `true = Node.connect(:"${peer}"); ` +
    `{:ok, _} = Agent.start(fn -> %{cart: [:apple, :pear], total: 42} end, name: :cl_cart); ` +
    `IO.puts("ready"); IO.read(:eof); System.halt(0)`;
  return startNamed(short, 'elixir', ['--sname', short, '--cookie', cookie, '-e', script]);
}

/** `count` plain nodes named `<prefix><i>`, joined to `peer`, started `parallel` at a time (each boot is a VM). */
export async function startPlainNodes(count: number, prefix: string, peer: string, cookie: string, parallel = 6): Promise<PlainNode[]> {
  const nodes: PlainNode[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      nodes[i] = await startPlainNode(`${prefix}${i}`, peer, cookie);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return nodes;
}

async function startNamed(short: string, command: string, args: string[]): Promise<PlainNode> {
  const name = `${short}@${HOST}`;
  const child = spawn(command, args, { env: nodeEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await waitForOutput(child, /ready/, name, 60_000);
  return { name, child, stop: () => stopNode(child, exited) };
}
