/**
 * The MCP server as a user starts it (the `beam-observer-mcp` bin, run by
 * node, as `npx beam-observer-mcp` runs it), listed and called by the MCP
 * SDK's own client over stdio, against a real Elixir node (tools_fixture.exs)
 * joined to a plain `erl` peer: every tool answers; bad inputs get a precise
 * error and the server keeps serving; a node that leaves, and the node
 * itself stopping, are said as such.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOLS } from '../../extension/src/tools/catalog';
import { MAX_TOOL_TEXT_BYTES, utf8Bytes } from '../../extension/src/tools/toolText';
import { ROOT } from '../support/beamNode';
import { startToolsNode, type ToolsNode } from '../support/toolsNode';

const BIN = join(ROOT, 'bin', 'beam-observer-mcp.js');

let node: ToolsNode;
let client: Client;
const stderr: string[] = [];

/** A client of a server started as a user would: `node bin/beam-observer-mcp.js ...args`. */
async function connectServer(args: string[], env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const mcp = new Client({ name: 'beam-observer-tests', version: '0.0.1' });
  await mcp.connect(transport);
  return mcp;
}

/** Call a tool; its text and whether it is an error. */
async function call(
  name: string,
  args: Record<string, unknown> = {},
  mcp = client,
): Promise<{ text: string; isError: boolean; ms: number }> {
  const started = Date.now();
  const result = (await mcp.callTool({ name, arguments: args })) as { content: { type: string; text: string }[]; isError?: boolean };
  assert.equal(result.content.length, 1);
  assert.equal(result.content[0].type, 'text');
  return { text: result.content[0].text, isError: result.isError === true, ms: Date.now() - started };
}

async function answers(name: string, args: Record<string, unknown> = {}): Promise<string> {
  const { text, isError, ms } = await call(name, args);
  assert.equal(isError, false, text);
  assert.ok(utf8Bytes(text) <= MAX_TOOL_TEXT_BYTES, `${name}: ${utf8Bytes(text)} bytes`);
  console.log(`# ${name} ${JSON.stringify(args)}: ${ms} ms, ${utf8Bytes(text)} bytes`);
  return text;
}

async function fails(name: string, args: Record<string, unknown>, message: RegExp): Promise<void> {
  const { text, isError } = await call(name, args);
  assert.equal(isError, true, `expected an error, got: ${text}`);
  assert.match(text, message);
}

before(async () => {
  node = await startToolsNode();
  client = await connectServer([], { BEAM_OBSERVER_DIR: node.discovery });
});

after(async () => {
  await client?.close();
  await node?.stop();
});

describe('the MCP server, started by its bin', () => {
  it('lists every tool of the catalog with its JSON Schema as declared, all read-only', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      TOOLS.map((t) => t.name),
    );
    for (const [i, tool] of tools.entries()) {
      assert.deepEqual(tool.inputSchema, TOOLS[i].inputSchema, tool.name);
      assert.equal(tool.description, TOOLS[i].modelDescription);
      assert.equal(tool.annotations?.readOnlyHint, true);
    }
  });

  it('beam_node_overview: the node, its verdict, and the peer named as a member of its cluster', async () => {
    const text = await answers('beam_node_overview');
    assert.match(text, new RegExp(`^Node ${node.node}: Elixir 1\\.\\d+\\.\\d+, OTP \\d+`));
    assert.match(text, /Verdict: (not overloaded|OVERLOADED)/);
    assert.match(text, /Counts against limits: processes 2,\d{3} of 262,144/);
    assert.match(text, new RegExp(`Other nodes of the cluster \\(ask with "node"\\): ${node.peer.node}\\.`));
  });

  it('beam_top_processes: by reductions over a window of about a second, by memory, by queue, and of the peer', async () => {
    const started = Date.now();
    const reductions = await answers('beam_top_processes', { limit: 5 });
    assert.ok(Date.now() - started >= 1000, 'the window is opened a second before it is read');
    assert.match(reductions, /by reductions over the last (0\.9|1\.)\d+ s/);
    assert.match(reductions, /^\d\. <0\.\d+\.0> ToolsFixture\.Busy \(initial call erlang:apply\/2\): [\d.]+k? reductions\/s/m);
    assert.match(
      await answers('beam_top_processes', { sortBy: 'messageQueueLen', limit: 3 }),
      /^1\. <0\.\d+\.0> ToolsFixture\.Inbox .*: 500 queued messages/m,
    );
    const filtered = await answers('beam_top_processes', { sortBy: 'memory', filter: 'ToolsFixture.Vault' });
    assert.match(filtered, /^1\. <0\.\d+\.0> ToolsFixture\.Vault \(initial call ToolsFixture\.Vault\.init\/1\): [\d.]+ KB memory/m);
    const peer = await answers('beam_top_processes', { node: node.peer.node, sortBy: 'memory', limit: 3 });
    assert.match(peer, new RegExp(`^Top 3 processes of ${node.peer.node} by memory`));
  });

  it('beam_process_info: links, stack and the cut of a long list', async () => {
    const crowd = await answers('beam_process_info', { pid: node.pids.crowd });
    assert.match(crowd, /- Links \(2,000\): .*… and 1,950 more\./);
    const deep = await answers('beam_process_info', { pid: `#PID${node.pids.deep}` });
    assert.match(deep, /- Stack \(64 frames, innermost first\):/);
    assert.match(deep, /… and 34 more frames$/);
  });

  it('beam_process_state: a small state whole, a huge one cut, its secret hidden', async () => {
    assert.match(await answers('beam_process_state', { pid: node.pids.counter }), /^%\{count: 41, started: ~D\[2025-01-01\]\}$/m);
    const vault = await answers('beam_process_state', { pid: node.pids.vault });
    assert.match(vault, /^#ToolsFixture\.Vault<$/m);
    assert.match(vault, /\[cut: [\d,]+ of [\d,]+ bytes left out/);
    assert.ok(!vault.includes('sk_live'));
  });

  it('beam_pid_lookup: a pid of the peer as this node prints it, resolved to the peer', async () => {
    const text = await answers('beam_pid_lookup', { pid: node.peer.pid, node: node.node });
    assert.ok(text.startsWith(`${node.peer.pid}, as printed by ${node.node}, is process <0.`), text);
    assert.match(text, new RegExp(`of another node: ${node.peer.node}`));
    assert.match(text, /timer:sleep\/1/);
  });

  it('bad inputs get a precise error, and the server keeps serving', async () => {
    await fails(
      'beam_process_info',
      { pid: '<0.9999.0>' },
      /^process <0\.9999\.0> is not alive \(asked of .*; the process may have exited/,
    );
    await fails(
      'beam_process_info',
      { pid: '<77.1.0>' },
      /pid <77\.1\.0> belongs to another node \(node number 77 as seen from the node that printed it\)/,
    );
    await fails('beam_pid_lookup', { pid: '<77.1.0>' }, /is connected to no node with that number/);
    await fails('beam_process_state', { pid: node.pids.deep }, /is not an OTP process .* and cannot report its state/);
    await fails(
      'beam_top_processes',
      { node: 'nobody@nowhere' },
      new RegExp(`^node nobody@nowhere is not attached\\. Attached: ${node.node} \\(its cluster: ${node.peer.node}\\)\\.`),
    );
    await fails('beam_top_processes', { sortBy: 'cpu' }, /"sortBy" must be one of "reductions", "memory", "messageQueueLen" \(got "cpu"\)/);
    await fails('beam_top_processes', { limit: 1000 }, /"limit" must be an integer from 1 to 100 \(got 1000\)/);
    await fails('beam_process_info', { pid: 'self()' }, /"pid" must be a pid such as "<0\.123\.0>"/);
    await fails('beam_process_info', { pid: node.pids.counter, code: 'System.halt()' }, /does not take "code"/);
    await assert.rejects(
      client.callTool({ name: 'beam_eval', arguments: {} }),
      /no tool named beam_eval; the tools are beam_node_overview/,
    );
    assert.match(await answers('beam_process_info', { pid: node.pids.counter }), /ToolsFixture\.Counter/);
  });

  it('one agent by --url and --token, as Connect to Agent takes it', async () => {
    const direct = await connectServer(['--url', `ws://127.0.0.1:${node.port}`, '--token', node.token], {});
    try {
      const { text, isError } = await call('beam_process_info', { pid: node.pids.counter }, direct);
      assert.equal(isError, false, text);
      assert.match(text, new RegExp(`on ${node.node}: ToolsFixture\\.Counter`));
    } finally {
      await direct.close();
    }
  });

  it('a node that left the cluster, then the node itself stopping, are said as such; the server keeps serving', async () => {
    await node.peerNode.stop();
    await fails(
      'beam_top_processes',
      { node: node.peer.node },
      new RegExp(`^node ${node.peer.node} is not attached\\. Attached: ${node.node}\\.$`),
    );
    const direct = await connectServer(['--url', `ws://127.0.0.1:${node.port}`, '--token', node.token], {});
    try {
      await node.stop();
      await fails('beam_node_overview', {}, /^No node is attached/);
      await fails('beam_process_info', { pid: '<0.1.0>' }, /^No node is attached/);
      await fails('beam_process_info', { pid: '<0.1.0>' }, /^No node is attached/);
      const { text, isError } = await call('beam_process_info', { pid: node.pids.counter }, direct);
      assert.equal(isError, true);
      assert.match(text, new RegExp(`^No node is attached.*no agent listens on 127\\.0\\.0\\.1:${node.port}`));
      assert.equal((await client.listTools()).tools.length, TOOLS.length);
    } finally {
      await direct.close();
    }
  });
});
