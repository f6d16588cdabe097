/**
 * The node the language-model tools are recorded from and tested against:
 * test/fixtures/tools/tools_fixture.exs (the agent, a huge state, a deep
 * stack, a process linked to 2,000 others, a busy loop, a full mailbox) in a
 * named Elixir node, joined to a plain `erl` peer that holds one process the
 * fixture prints as it sees it (a pid of another node, as logs print them).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AGENT_EBIN, nodeEnv, ROOT, stopNode, tempDiscoveryDir } from './beamNode';
import { HOST, PlainNode } from './clusterNodes';
import { waitForOutput } from './beamNode';

export interface ToolsNode {
  port: number;
  token: string;
  /** The fixture's node name, e.g. tools_a1b2@host. */
  node: string;
  osPid: number;
  /** The fixture's processes, as it prints them. */
  pids: Record<'vault' | 'counter' | 'deep' | 'crowd' | 'busy' | 'inbox', string>;
  /** The peer node, and its process as the fixture prints it. */
  peer: { node: string; pid: string };
  /** The agents' discovery directory (the fixture's agent only). */
  discovery: string;
  peerNode: PlainNode;
  stop(): Promise<void>;
}

export async function startToolsNode(): Promise<ToolsNode> {
  const suffix = randomBytes(3).toString('hex');
  const cookie = `tools_${suffix}`;
  const peerName = `toolsb_${suffix}@${HOST}`;
  const loop = `io:format("ready~n"), (fun Loop() -> case io:get_line("") of eof -> halt(0); _ -> Loop() end end)().`;
  const peerChild = spawn('erl', ['-noshell', '-sname', `toolsb_${suffix}`, '-setcookie', cookie, '-eval', loop], {
    env: nodeEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const peerExited = new Promise<void>((done) => peerChild.once('exit', () => done()));
  await waitForOutput(peerChild, /ready/, peerName, 60_000);
  const peerNode: PlainNode = { name: peerName, child: peerChild, stop: () => stopNode(peerChild, peerExited) };

  const discovery = tempDiscoveryDir();
  const script = join(ROOT, 'test', 'fixtures', 'tools', 'tools_fixture.exs');
  const child = spawn('elixir', ['--sname', `toolsa_${suffix}`, '--cookie', cookie, '--erl', `-pa ${AGENT_EBIN}`, script], {
    env: nodeEnv({ BEAM_OBSERVER_DIR: discovery, PEER: peerName }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const hello = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tools fixture: no hello within 60 s; stderr: ${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(line);
    });
  });
  const parsed = JSON.parse(hello) as Omit<ToolsNode, 'discovery' | 'peerNode' | 'stop'>;
  return {
    ...parsed,
    discovery,
    peerNode,
    stop: async () => {
      await stopNode(child, exited);
      await peerNode.stop();
    },
  };
}
