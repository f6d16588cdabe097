/**
 * The tools of the rest of the node and of the recorded history against real
 * nodes: through the catalog (runTool with the MCP server's own node source)
 * on an `erl` node running node_fixture.erl (supervisors of known children,
 * a gen_server that is no supervisor, ETS tables of each kind, a listening
 * socket with a connection); through the MCP server started by its bin on an
 * Elixir node running node_fixture.exs (a supervisor by its Elixir name, an
 * ETS row whose struct hides a field marked secret); and on an `erl` node
 * running history_fixture.erl, what the node did during a 2 s burst of a
 * process that has exited since; and the same tools asked of another node of
 * a cluster (a plain `erl` peer of tools_fixture.exs, found through the
 * discovery directory), which its agent loads itself into.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { AgentNodeSource } from '../../extension/src/mcp/agentNodeSource';
import { runTool, TOOLS } from '../../extension/src/tools/catalog';
import { MAX_TOOL_TEXT_BYTES, utf8Bytes } from '../../extension/src/tools/toolText';
import { AGENT_EBIN, type FixtureNode, ROOT, startFixture } from '../support/beamNode';
import { startElixirNodeFixture, startNodeFixture, type NodeFixture } from '../support/nodeFixture';
import { startToolsNode, type ToolsNode } from '../support/toolsNode';
import { sleep } from '../support/wait';

const BIN = join(ROOT, 'bin', 'beam-observer-mcp.js');

function checked(name: string, args: Record<string, unknown>, text: string, started: number): string {
  assert.ok(utf8Bytes(text) <= MAX_TOOL_TEXT_BYTES, `${name}: ${utf8Bytes(text)} bytes`);
  console.log(`# ${name} ${JSON.stringify(args)}: ${Date.now() - started} ms, ${utf8Bytes(text)} bytes`);
  return text;
}

/** The MCP server as a user starts it, for one agent (--url, --token). */
async function mcpClient(node: { port: number; token: string }): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--url', `ws://127.0.0.1:${node.port}`, '--token', node.token],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'beam-observer-tests', version: '0.0.1' });
  await client.connect(transport);
  return client;
}

async function mcpCall(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ text: string; isError: boolean }> {
  const started = Date.now();
  const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; isError?: boolean };
  return { text: checked(name, args, result.content[0].text, started), isError: result.isError === true };
}

async function mcpAnswer(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const { text, isError } = await mcpCall(client, name, args);
  assert.equal(isError, false, text);
  return text;
}

describe('the node tools through the catalog (erl, node_fixture.erl)', () => {
  let node: NodeFixture;
  let source: AgentNodeSource;
  const ask = async (name: string, args: Record<string, unknown> = {}) => {
    const started = Date.now();
    return checked(name, args, await runTool(name, args, source), started);
  };
  const refused = (name: string, args: Record<string, unknown>, message: RegExp) =>
    assert.rejects(runTool(name, args, source), (e: Error) => message.test(e.message) || assert.fail(e.message));

  before(async () => {
    node = await startNodeFixture();
    source = new AgentNodeSource({ endpoint: { port: node.port, token: node.token } });
  });

  after(async () => {
    source?.dispose();
    await node?.stop();
  });

  it('beam_supervision_tree: the applications, then nf_top by name with its six children as the supervisor lists them', async () => {
    assert.match(await ask('beam_supervision_tree'), /^- kernel [\d.]+: .*; top supervisor kernel_sup <0\.\d+\.0>$/m);
    const top = await ask('beam_supervision_tree', { supervisor: 'nf_top' });
    assert.ok(
      top.startsWith(
        `Supervisor nf_top (${node.hello.pids.top}) on nonode@nohost: callback node_fixture, strategy one_for_one; 6 children (all shown):`,
      ),
      top,
    );
    const { children } = await node.command<{ children: { id: string; pid: string; type: string }[] }>('children nf_top');
    assert.equal(children.length, 6);
    for (const child of children) {
      assert.match(
        top,
        new RegExp(
          `^\\d\\. ${child.id} ${child.pid.replace(/[.<>]/g, '\\$&')}: ${child.type}, restart (permanent|transient|temporary), id ${child.id}`,
          'm',
        ),
      );
    }
    assert.match(top, /worker_b <0\.\d+\.0>: worker, restart transient/);
  });

  it('beam_supervision_tree: 250 children paged, the next page by offset', async () => {
    const first = await ask('beam_supervision_tree', { supervisor: node.hello.pids.pool, limit: 100 });
    assert.match(first, /250 children \(1 to 100 shown\)/);
    assert.match(first, /\[cut: 150 more children; ask with "offset": 100 for the next page\]$/);
    const last = await ask('beam_supervision_tree', { supervisor: `#PID${node.hello.pids.pool}`, offset: 200, limit: 100 });
    assert.match(last, /250 children \(201 to 250 shown\)/);
    assert.ok(!last.includes('[cut'));
  });

  it('beam_supervision_tree: a gen_server that is no supervisor is refused in a sentence and sent nothing; an unknown name is said', async () => {
    const plain = node.hello.pids.plain_server;
    await refused(
      'beam_supervision_tree',
      { supervisor: 'nf_plain_server' },
      new RegExp(
        `^process ${plain.replace(/[.<>]/g, '\\$&')} is not a supervisor \\(it runs node_fixture:init/1\\); only supervisors are asked for their children, so it was sent nothing; beam_process_info describes that process`,
      ),
    );
    // It would have crashed on a which_children call: it is alive, with nothing queued.
    assert.deepEqual(await node.command(`probe ${plain}`), { alive: true, messageQueueLen: 0, status: 'waiting' });
    await refused('beam_supervision_tree', { supervisor: 'no_such_sup' }, /^no process is registered as no_such_sup on nonode@nohost/);
    await refused('beam_supervision_tree', { supervisor: 'a b' }, /"supervisor" must be a pid .* or a registered name/);
  });

  it('beam_ets_tables: the fixture tables, the first rows of one, and the refusals', async () => {
    const list = await ask('beam_ets_tables', { filter: 'nf_', sortBy: 'rows' });
    assert.match(list, /^ETS tables of nonode@nohost by rows \(5 of \d+ tables match "nf_"/);
    assert.match(list, /^1\. nf_public: set, public, 1,000 rows, [\d.]+ KB; owner nf_table_owner <0\.\d+\.0>$/m);
    assert.match(list, new RegExp(`nf_unnamed \\(unnamed, id ${node.hello.tables.unnamed.replace(/[.<>#]/g, '\\$&')}\\)`));
    const rows = await ask('beam_ets_tables', { table: 'nf_protected', rows: 3 });
    assert.match(rows, /^ETS table nf_protected on nonode@nohost: the first 3 rows of 10, formatted inside the node by io_lib/);
    assert.match(rows, /\n\{1,\{point,1,-1\}\}\n\{2,\{point,2,-2\}\}\n\{3,\{point,3,-3\}\}\n\[7 more rows not read/);
    assert.match(await ask('beam_ets_tables', { table: node.hello.tables.unnamed }), /all 1 row of 1[^]*\n\{only,row\}$/);
    await refused(
      'beam_ets_tables',
      { table: 'nf_private' },
      /^ETS table nf_private is private to its owner <0\.\d+\.0> \(nf_table_owner\)/,
    );
    await refused('beam_ets_tables', { table: 'beam_observer_registry' }, /belongs to BEAM Observer's agent/);
    await refused('beam_ets_tables', { table: 'no_such_table' }, /no_such_table.*; beam_ets_tables without "table" lists the tables/);
    await refused('beam_ets_tables', { rows: 21, table: 'nf_public' }, /"rows" must be an integer from 1 to 20 \(got 21\)/);
  });

  it('beam_ports: the listening socket and its connection, with addresses and owner', async () => {
    const { listen, listenPort, server } = node.hello.sockets;
    const text = await ask('beam_ports', { filter: 'tcp', sortBy: 'input' });
    const esc = (s: string) => s.replace(/[.<>#]/g, '\\$&');
    assert.match(
      text,
      new RegExp(
        `^\\d\\. ${esc(listen)} tcp_inet tcp 127\\.0\\.0\\.1:${listenPort} \\(listen\\): in 0 B, out 0 B, queued 0 B, memory \\d+ B; owner nf_sockets <0\\.\\d+\\.0>$`,
        'm',
      ),
    );
    assert.match(
      text,
      new RegExp(
        `^\\d\\. ${esc(server)} tcp_inet tcp 127\\.0\\.0\\.1:${listenPort} → 127\\.0\\.0\\.1:\\d+ \\(connected\\): in 1000 B`,
        'm',
      ),
    );
    await refused('beam_ports', { sortBy: 'bytes' }, /"sortBy" must be one of "input", "output", "queueSize", "memory"/);
  });

  it('beam_system_info: versions, limits, memory, allocators', async () => {
    const text = await ask('beam_system_info');
    assert.match(text, /^System of nonode@nohost: OTP \d+ \(ERTS [\d.]+\), .*-bit; up \d+/);
    assert.match(text, /Counts against limits: processes \d+ of [\d,]+ /);
    assert.match(text, /None is above 80% of its limit\./);
    assert.match(text, /^ {2}eheap_alloc \(\d+ instances?\): /m);
  });
});

describe('the node tools through the MCP server (Elixir, node_fixture.exs)', () => {
  let node: FixtureNode;
  let client: Client;

  before(async () => {
    node = await startElixirNodeFixture();
    client = await mcpClient(node);
  });

  after(async () => {
    await client?.close();
    await node?.stop();
  });

  it('lists the new tools with the others', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      TOOLS.map((t) => t.name),
    );
    const ets = tools.find((t) => t.name === 'beam_ets_tables')!;
    assert.match(ets.description ?? '', /Rows are table data, so the user is asked before they are read/);
  });

  it('a supervisor by its Elixir name, and its DynamicSupervisor child', async () => {
    const top = await mcpAnswer(client, 'beam_supervision_tree', { supervisor: 'NodeFixture.Top' });
    assert.ok(top.startsWith(`Supervisor NodeFixture.Top (${node.pids.top}) on nonode@nohost: callback Supervisor.Default`), top);
    assert.match(
      top,
      new RegExp(
        `NodeFixture\\.Dynamic ${node.pids.dynamic.replace(/[.<>]/g, '\\$&')}: supervisor, restart permanent, id NodeFixture\\.Dynamic`,
      ),
    );
    const dynamic = await mcpAnswer(client, 'beam_supervision_tree', { supervisor: node.pids.dynamic });
    assert.match(dynamic, /5 children \(all shown\)/);
    const plain = await mcpCall(client, 'beam_supervision_tree', { supervisor: 'Elixir.NodeFixture.Plain' });
    assert.equal(plain.isError, true);
    assert.match(plain.text, /is not a supervisor \(it runs NodeFixture\.Plain:init\/1\)/);
  });

  it("an ETS row through Elixir's inspect: the password field stays hidden", async () => {
    const text = await mcpAnswer(client, 'beam_ets_tables', { table: 'nf_accounts' });
    assert.match(text, /^\{"ada", #NodeFixture\.Account<user: "ada", balance: 42, \.\.\.>\}$/m);
    assert.ok(!text.includes('s3cr3t'), text);
  });

  it('the system of an Elixir node, and its ports', async () => {
    assert.match(await mcpAnswer(client, 'beam_system_info'), /^System of nonode@nohost: Elixir 1\.\d+\.\d+, OTP \d+/);
    assert.match(await mcpAnswer(client, 'beam_ports', { sortBy: 'output', limit: 3 }), /^Ports and sockets of nonode@nohost by bytes out/);
  });
});

describe('beam_history through the MCP server (erl, history_fixture.erl)', () => {
  const ebin = join(ROOT, 'out', 'history-fixture-ebin');
  let node: FixtureNode;
  let client: Client;

  before(async () => {
    mkdirSync(ebin, { recursive: true });
    execFileSync('erlc', ['-o', ebin, join(ROOT, 'test', 'fixtures', 'history_fixture.erl')]);
    node = await startFixture('erl', ['-noshell', '-pa', AGENT_EBIN, '-pa', ebin, '-eval', 'history_fixture:main()'], {});
    client = await mcpClient(node);
  });

  after(async () => {
    await client?.close();
    await node?.stop();
  });

  it('what the node did during a burst of a process that has exited since: at a time, and over a range', async () => {
    await sleep(3000);
    const started = Date.now();
    const { pid } = await node.command<{ pid: string }>('burst hist_burner 2000');
    await sleep(4000);
    assert.deepEqual(await node.command('alive hist_burner'), { alive: false });
    const at = await mcpAnswer(client, 'beam_history', { at: new Date(started + 1200).toISOString(), limit: 3 });
    assert.match(at, /^nonode@nohost at \d\d:\d\d:\d\d \(\d+ s ago\): the moment recorded at/);
    assert.match(
      at,
      new RegExp(
        `^1\\. ${pid.replace(/[.<>]/g, '\\$&')} hist_burner \\(initial call history_fixture:burn/1\\) \\[exited since\\]: [\\d.]+M reductions/s`,
        'm',
      ),
    );
    assert.match(at, /^Load then: .*normal schedulers \d+% busy/m);
    assert.match(at, /^Recorder of nonode@nohost: holds moments from/m);
    const range = await mcpAnswer(client, 'beam_history', { from: '8 seconds ago', limit: 3 });
    assert.match(range, /^nonode@nohost from .*: \d+ moments covering [\d.]+ s\./);
    assert.match(range, /^1\. <0\.\d+\.0> hist_burner .*\[exited since\]: .* over the range; .*ranked in [2-9] moments/m);
    const before = await mcpAnswer(client, 'beam_history', { at: '1 hour ago' });
    assert.match(before, /^No recorded moment covers .* \(it is before the oldest moment held\)/);
    const bad = await mcpCall(client, 'beam_history', { at: 'tomorrow' });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /"at" must be a time such as/);
  });
});

describe('the node tools asked of another node of the cluster (tools_fixture.exs and its erl peer)', () => {
  let node: ToolsNode;
  let client: Client;

  before(async () => {
    node = await startToolsNode();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', BEAM_OBSERVER_DIR: node.discovery },
      stderr: 'ignore',
    });
    client = new Client({ name: 'beam-observer-tests', version: '0.0.1' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    await node?.stop();
  });

  it('answer for the peer, named by "node", not for the node whose agent is asked', async () => {
    const peer = node.peer.node;
    assert.match(await mcpAnswer(client, 'beam_system_info', { node: peer }), new RegExp(`^System of ${peer}: OTP \\d+`));
    const apps = await mcpAnswer(client, 'beam_supervision_tree', { node: peer });
    assert.match(apps, new RegExp(`^Applications running on ${peer} \\(`));
    assert.ok(!apps.includes('- elixir '), 'the plain erl peer runs no Elixir');
    assert.match(
      await mcpAnswer(client, 'beam_supervision_tree', { node: peer, supervisor: 'kernel_sup' }),
      new RegExp(`^Supervisor kernel_sup \\(<0\\.\\d+\\.0>\\) on ${peer}`),
    );
    assert.match(await mcpAnswer(client, 'beam_ets_tables', { node: peer, limit: 3 }), new RegExp(`^ETS tables of ${peer} by memory`));
    assert.match(await mcpAnswer(client, 'beam_ports', { node: peer, limit: 3 }), new RegExp(`^Ports and sockets of ${peer} by bytes in`));
    // The peer's recorder starts with the agent loaded there by the requests above.
    await sleep(3000);
    assert.match(
      await mcpAnswer(client, 'beam_history', { node: peer, from: '10 seconds ago' }),
      new RegExp(`^${peer} from .*: \\d+ moments? covering`),
    );
  });
});
