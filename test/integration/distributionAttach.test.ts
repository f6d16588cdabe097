/**
 * "Attach to Node…" against real named nodes on this machine: plain `erl`
 * nodes started with -sname / -name and a cookie, WITHOUT the agent on
 * their code path. The real helper node (beam_observer_attach) connects to
 * them over distribution and loads the agent from binaries; the tests then
 * talk to the agent with the extension's AgentClient.
 *
 * Each target evaluates Erlang expressions sent as lines on its stdin and
 * answers "=> Term" (so the tests can look inside it without distribution),
 * and halts at end of input.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentClient, agentErrorCode } from '../../extension/src/agent/agentClient';
import { ErrorCodes } from '../../extension/src/protocol/agentProtocol';
import { askHelper, attachThroughDistribution, findErl, relayThroughDistribution } from '../../extension/src/attach/distributionHelper';
import type { AttachReply, AttachSuccess, AttachTarget } from '../../extension/src/protocol/attachHelperProtocol';
import { EpmdError, epmdNames } from '../../extension/src/attach/epmd';
import { AGENT_EBIN, ROOT, nodeEnv, startErlangFixture, stopNode, tempDiscoveryDir, waitForOutput } from '../support/beamNode';
import { OtherHost, createOtherHost, otherHostUnavailable } from '../support/otherHost';
import { waitFor } from '../support/wait';

const RUN = `bo${process.pid}${randomBytes(3).toString('hex')}`;
const COOKIE = `cookie_${randomBytes(12).toString('hex')}`;
const SHORT_HOST = hostname().split('.')[0];

interface Target {
  /** The alive part (what epmd lists). */
  name: string;
  child: ChildProcess;
  discoveryDir: string;
  /** Evaluate an Erlang expression in the node; resolves with the printed term (~w). */
  eval(expression: string): Promise<string>;
  /** Everything the node printed that was not an answer (its logger's reports). */
  log(): string;
  stop(): Promise<void>;
}

const REPLY = '=> ';
const EVAL_LOOP = [
  'io:setopts([binary]),',
  'Loop = fun L() ->',
  '  case io:get_line("") of',
  '    eof -> halt();',
  '    Line ->',
  '      {ok, Tokens, _} = erl_scan:string(binary_to_list(Line)),',
  '      {ok, Exprs} = erl_parse:parse_exprs(Tokens),',
  '      {value, V, _} = erl_eval:exprs(Exprs, []),',
  `      io:format("${REPLY}~w~n", [V]), L()`,
  '  end',
  'end,',
  `io:format("${REPLY}ready~n"), Loop().`,
].join(' ');

function startTarget(flag: '-sname' | '-name', name: string, cookie = COOKIE, extraArgs: string[] = []): Promise<Target> {
  const discoveryDir = tempDiscoveryDir();
  const env = nodeEnv({ BEAM_OBSERVER_DIR: discoveryDir });
  const child = spawn('erl', ['-noshell', flag, name, '-setcookie', cookie, ...extraArgs, '-eval', EVAL_LOOP], { env });
  let other = '';
  const waiting: ((line: string) => void)[] = [];
  child.stderr!.on('data', (d: Buffer) => (other += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith(REPLY)) waiting.shift()?.(line.slice(REPLY.length));
    else other += line + '\n';
  });
  const next = (what: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no answer to ${what}; output: ${other}`)), 15_000);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const alive = name.split('@')[0];
  return next('start').then(() => ({
    name: alive,
    child,
    discoveryDir,
    eval(expression: string) {
      const answer = next(expression);
      child.stdin!.write(expression + '\n');
      return answer;
    },
    log: () => other,
    stop: () => stopNode(child, exited),
  }));
}

async function attach(target: AttachTarget, cookie = COOKIE, epmdPort?: number): Promise<AttachReply> {
  return attachThroughDistribution(target, cookie, { ebin: AGENT_EBIN, epmdPort });
}

function assertOk(reply: AttachReply): AttachSuccess {
  assert.ok(reply.ok, `attach failed: ${reply.ok ? '' : `${reply.error}: ${reply.message}`}`);
  return reply;
}

/** A TCP port nothing listens on. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Register a name in the local epmd (ALIVE2_REQ) for a port of our choice,
 * as a node whose distribution port cannot be reached looks from outside
 * (a container that publishes epmd but not that port). The registration
 * lasts as long as the returned socket.
 */
function registerInEpmd(name: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(4369, '127.0.0.1', () => {
      const alive = Buffer.from(name);
      const body = Buffer.alloc(13 + alive.length);
      body.writeUInt8(120, 0); // ALIVE2_REQ
      body.writeUInt16BE(port, 1);
      body.writeUInt8(77, 3); // normal node
      body.writeUInt8(0, 4); // TCP/IPv4
      body.writeUInt16BE(6, 5);
      body.writeUInt16BE(5, 7);
      body.writeUInt16BE(alive.length, 9);
      alive.copy(body, 11);
      body.writeUInt16BE(0, 11 + alive.length); // no extra
      const length = Buffer.alloc(2);
      length.writeUInt16BE(body.length);
      socket.write(Buffer.concat([length, body]));
    });
    socket.once('data', (data) => (data[0] === 118 && data[1] === 0 ? resolve(socket) : reject(new Error(`epmd refused ${name}`))));
    socket.once('error', reject);
  });
}

describe('attach over Erlang distribution', () => {
  let short: Target;
  let long: Target;
  let guarded: Target;

  before(async () => {
    assert.ok(findErl(), 'erl is on PATH');
    [short, long, guarded] = await Promise.all([
      startTarget('-sname', `${RUN}_s`),
      startTarget('-name', `${RUN}_l@127.0.0.1`),
      startTarget('-sname', `${RUN}_g`),
    ]);
  });

  after(async () => {
    await Promise.all([short, long, guarded].filter(Boolean).map((t) => t.stop()));
  });

  it('lists the named nodes through epmd, with their distribution ports', async () => {
    const names = await epmdNames('localhost');
    for (const target of [short, long, guarded]) {
      const entry = names.find((n) => n.name === target.name);
      assert.ok(entry, `${target.name} in ${JSON.stringify(names)}`);
      assert.ok(entry.port > 0 && entry.port < 65536);
    }
    assert.equal(new Set(names.map((n) => n.port)).size, names.length, 'one port per node');
  });

  it('explains a host without epmd', async () => {
    const port = await freePort();
    await assert.rejects(epmdNames('127.0.0.1', { port }), (error: unknown) => {
      assert.ok(error instanceof EpmdError);
      assert.equal(error.code, 'refused');
      assert.match(error.message, new RegExp(`no epmd on 127\\.0\\.0\\.1:${port}`));
      return true;
    });
    await assert.rejects(epmdNames('no-such-host.invalid'), (error: unknown) => error instanceof EpmdError && error.code === 'dns');
  });

  it('loads the agent into a short-named node that did not have it, and the agent answers', async () => {
    assert.equal(await short.eval('code:which(beam_observer_agent).'), 'non_existing', 'not on the code path');
    assert.equal(await short.eval('erlang:module_loaded(beam_observer_agent).'), 'false');

    const reply = assertOk(await attach({ name: short.name, host: 'localhost' }));
    assert.equal(reply.node, `${short.name}@${SHORT_HOST}`);
    assert.equal(reply.mode, 'shortnames');
    assert.equal(reply.osPid, short.child.pid);
    assert.equal(reply.reused, false);
    assert.equal(reply.otpRelease, await short.eval('list_to_integer(erlang:system_info(otp_release)).'));
    assert.equal(String(reply.pushed), await short.eval('length(beam_observer_agent:modules()).'));
    assert.equal(await short.eval('[M || M <- beam_observer_agent:modules(), not erlang:module_loaded(M)].'), '[]');
    assert.equal(await short.eval('erlang:module_loaded(beam_observer_attach).'), 'false', 'the helper module stays out');
    // The agent is a normal one: discovery file, endpoint.
    assert.equal(reply.discovery?.osPid, short.child.pid);
    assert.equal(reply.discovery?.port, reply.port);
    assert.ok(existsSync(join(short.discoveryDir, `${short.child.pid}.json`)));

    const client = await AgentClient.connect({ host: '127.0.0.1', port: reply.port, token: reply.token });
    try {
      assert.equal(client.info.node, reply.node);
      assert.equal(client.info.osPid, short.child.pid);
      const rows = await client.listProcesses({ filter: 'code_server', limit: 1 });
      assert.equal(rows.rows[0]?.name, 'code_server');
    } finally {
      client.dispose();
    }
    // The helper disconnected: no hidden connection is left in the node.
    const deadline = Date.now() + 5000;
    let hidden = await short.eval('nodes(hidden).');
    while (hidden !== '[]' && Date.now() < deadline) hidden = await short.eval('nodes(hidden).');
    assert.equal(hidden, '[]');
  });

  it('reuses the running agent on a second attach, by full name this time', async () => {
    const first = assertOk(await attach({ name: short.name }));
    const again = assertOk(await attach({ node: `${short.name}@${SHORT_HOST}` }));
    assert.equal(again.reused, true);
    assert.equal(again.pushed, 0);
    assert.equal(again.port, first.port);
    assert.equal(again.token, first.token);
  });

  it('follows the name the node gives itself (asked foo@localhost, it is foo@host)', async () => {
    const reply = assertOk(await attach({ node: `${short.name}@localhost` }));
    assert.equal(reply.node, `${short.name}@${SHORT_HOST}`);
  });

  it('attaches to a long-named node, by full name and by bare name', async () => {
    const byNode = assertOk(await attach({ node: `${long.name}@127.0.0.1` }));
    assert.equal(byNode.node, `${long.name}@127.0.0.1`);
    assert.equal(byNode.mode, 'longnames');
    assert.equal(byNode.reused, false);
    assert.equal(await long.eval('erlang:module_loaded(beam_observer_agent).'), 'true');
    const client = await AgentClient.connect({ host: '127.0.0.1', port: byNode.port, token: byNode.token });
    try {
      assert.equal(client.info.node, `${long.name}@127.0.0.1`);
    } finally {
      client.dispose();
    }
    const byName = assertOk(await attach({ name: long.name, host: '127.0.0.1' }));
    assert.equal(byName.node, byNode.node);
    assert.equal(byName.port, byNode.port);
    const wrong = await attach({ node: byNode.node }, 'not_the_cookie');
    assert.ok(!wrong.ok);
    assert.equal(wrong.error, 'cookie');
  });

  it('refuses a wrong cookie with a clear error, and leaves the node alone', async () => {
    const reply = await attach({ name: guarded.name }, 'not_the_cookie');
    assert.equal(reply.ok, false);
    assert.ok(!reply.ok);
    assert.equal(reply.error, 'cookie');
    assert.equal(
      reply.message,
      `${guarded.name}@${SHORT_HOST} is running but refused the cookie (handshake rejected). ` +
        'Use the cookie the node was started with (--cookie, RELEASE_COOKIE or its ~/.erlang.cookie).',
    );
    // What the node saw: our challenge reply, computed with the wrong cookie.
    await waitFor(() => /Invalid challenge reply/.test(guarded.log()), 5000, 'the node logged the rejection');
    assert.equal(await guarded.eval('erlang:module_loaded(beam_observer_agent).'), 'false');
    assert.equal(await guarded.eval('1 + 1.'), '2', 'still alive');
    assert.equal(guarded.child.exitCode, null);
  });

  it('says which names epmd lists when the name is unknown', async () => {
    const reply = await attach({ name: `${RUN}_nobody` });
    assert.ok(!reply.ok);
    assert.equal(reply.error, 'not_found');
    assert.match(reply.message, new RegExp(`^no node named ${RUN}_nobody on host localhost \\(epmd lists: .*\\)$`));
    for (const target of [short, long, guarded]) assert.ok(reply.message.includes(target.name), target.name);
  });

  it("says when the node's own name cannot be reached (the container case)", async () => {
    const host = `bo-unresolvable-${randomBytes(4).toString('hex')}`;
    const hidden = await startTarget('-sname', `${RUN}_d@${host}`);
    try {
      const reply = await attach({ name: hidden.name });
      assert.ok(!reply.ok);
      assert.equal(reply.error, 'name_mismatch');
      assert.match(reply.message, new RegExp(`calls itself ${hidden.name}@${host} \\(asked for ${hidden.name}@${SHORT_HOST}\\)`));
      assert.match(reply.message, new RegExp(`cannot resolve host ${host}`));
      assert.equal(await hidden.eval('erlang:module_loaded(beam_observer_agent).'), 'false');
    } finally {
      await hidden.stop();
    }
  });

  it('says when epmd lists the node but its distribution port refuses or stays silent', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const refusing = await registerInEpmd(`${RUN}_r`, await freePort());
    const mute = await registerInEpmd(`${RUN}_m`, (silent.address() as net.AddressInfo).port);
    try {
      const refused = await attach({ name: `${RUN}_r` });
      assert.ok(!refused.ok);
      assert.equal(refused.error, 'unreachable');
      assert.match(refused.message, /refused the connection$/);
      const started = Date.now();
      const timedOut = await attach({ name: `${RUN}_m` });
      assert.ok(!timedOut.ok);
      assert.equal(timedOut.error, 'unreachable');
      assert.match(timedOut.message, /the handshake timed out; .* accepts connections but the handshake did not start/);
      assert.ok(Date.now() - started < 12_000, 'one timeout, not one per candidate name');
    } finally {
      refusing.destroy();
      mute.destroy();
      silent.close();
    }
  });

  it('says when there is no epmd', async () => {
    const port = await freePort();
    const reply = await attach({ name: short.name }, COOKIE, port);
    assert.ok(!reply.ok);
    assert.equal(reply.error, 'no_epmd');
    assert.match(reply.message, new RegExp(`^no epmd on localhost:${port} \\(connection refused\\)`));
  });

  it('answers bad requests instead of crashing, and needs erl', async () => {
    const options = { ebin: AGENT_EBIN };
    const noCookie = await askHelper({ op: 'attach', name: short.name }, options);
    assert.deepEqual([noCookie.ok, noCookie.error], [false, 'bad_request']);
    const badOp = await askHelper({ op: 'reboot' }, options);
    assert.deepEqual([badOp.ok, badOp.error], [false, 'bad_request']);
    const badName = await askHelper({ op: 'attach', node: 'no-at-sign', cookie: 'x' }, options);
    assert.deepEqual([badName.ok, badName.error], [false, 'bad_request']);
    const names = await askHelper({ op: 'names', host: 'localhost' }, options);
    assert.equal(names.ok, true);
    assert.ok((names.names as { name: string }[]).some((n) => n.name === short.name));

    const missing = await attachThroughDistribution({ name: 'x' }, 'c', { ...options, erl: '/nonexistent/bin/erl' });
    assert.ok(!missing.ok);
    assert.equal(missing.error, 'no_erl');
    assert.match(missing.message, /apt-get install erlang/);
    assert.equal(findErl({ PATH: '/nonexistent' }), undefined);
  });
});

/** Whether this machine has the IPv6 loopback address ::1 to test on (containers may have no IPv6). */
function ipv6Unavailable(): string | undefined {
  try {
    // One line per IPv6 address: the address in 32 hex digits first.
    const addresses = readFileSync('/proc/net/if_inet6', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    return addresses.includes('00000000000000000000000000000001') ? undefined : 'no ::1 on this machine';
  } catch {
    return 'no IPv6 on this machine';
  }
}

describe('nodes on IPv6 distribution (-proto_dist inet6_tcp)', { skip: ipv6Unavailable() ?? false }, () => {
  it('a node named by its IPv6 address is attached through an IPv6 helper, chosen on its own', async () => {
    const target = await startTarget('-name', `v6_${RUN}@::1`, COOKIE, ['-proto_dist', 'inet6_tcp']);
    try {
      const reply = assertOk(await attach({ node: `v6_${RUN}@::1` }));
      assert.equal(reply.node, `v6_${RUN}@::1`);
      assert.equal(reply.mode, 'longnames');
      // The agent itself listens on IPv4 loopback, as everywhere.
      const client = await AgentClient.connect({ port: reply.port, token: reply.token });
      assert.equal(client.info.node, `v6_${RUN}@::1`);
      client.dispose();
      // An IPv4 helper cannot reach it, and says so.
      const v4 = await attachThroughDistribution({ node: `v6_${RUN}@::1` }, COOKIE, { ebin: AGENT_EBIN, ipv6: false });
      assert.ok(!v4.ok && /cannot resolve host ::1/.test(v4.message), JSON.stringify(v4));
    } finally {
      await target.stop();
    }
  });

  it('a short-named inet6_tcp node listens on both families: the default helper reaches it', async () => {
    const target = await startTarget('-sname', `v6s_${RUN}`, COOKIE, ['-proto_dist', 'inet6_tcp']);
    try {
      const reply = assertOk(await attach({ name: `v6s_${RUN}`, host: 'localhost' }));
      assert.equal(reply.node, `v6s_${RUN}@${SHORT_HOST}`);
    } finally {
      await target.stop();
    }
  });
});

describe('relay over Erlang distribution (for nodes whose agent port is out of reach)', () => {
  let target: Target;
  let peer: Target;

  before(async () => {
    target = await startTarget('-sname', `${RUN}_relayed`);
    // Another node of the target's cluster, which the relay is not connected to.
    peer = await startTarget('-sname', `${RUN}_relayed_peer`);
    assert.equal(await peer.eval(`net_kernel:connect_node('${target.name}@${SHORT_HOST}').`), 'true');
  });
  after(async () => {
    await Promise.all([target?.stop(), peer?.stop()]);
  });

  it("serves the node through the helper's own agent; the node opens no port and writes no discovery file", async () => {
    const { reply, relay } = await relayThroughDistribution({ name: target.name }, COOKIE, { ebin: AGENT_EBIN });
    const ok = assertOk(reply);
    assert.ok(relay, 'the relay helper keeps running');
    assert.equal(ok.relay, true);
    assert.equal(ok.node, `${target.name}@${SHORT_HOST}`);
    const exited = new Promise<void>((resolve) => relay.onExit(resolve));
    const client = await AgentClient.connect({ port: ok.port, token: ok.token }).catch((error) => {
      relay.close();
      throw error;
    });
    try {
      // The endpoint is the helper's agent, in the helper (a hidden node of its own).
      assert.equal(client.info.osPid, relay.osPid);
      assert.notEqual(client.info.node, ok.node);
      const cluster = await client.clusterNodes();
      assert.ok(
        cluster.nodes.some((n) => n.name === ok.node && n.hidden),
        'the target, over a hidden connection',
      );
      const list = await client.listProcesses({ node: ok.node, filter: 'code_server', limit: 5 });
      assert.equal(list.node, ok.node);
      assert.ok(list.rows.some((r) => r.name === 'code_server'));
      // In the target: the agent runs as a member, without a listener or a discovery file.
      assert.equal(await target.eval('is_pid(whereis(beam_observer_sup)).'), 'true');
      assert.equal(await target.eval('is_pid(whereis(beam_observer_listener)).'), 'false');
      assert.deepEqual(readdirSync(target.discoveryDir), []);
      // The rest of the target's cluster: listed by the target, reached through it on demand.
      const peerName = `${peer.name}@${SHORT_HOST}`;
      const seen = await client.clusterNodes(ok.node);
      assert.equal(seen.node, ok.node);
      assert.ok(
        seen.nodes.some((n) => n.name === peerName && !n.hidden),
        JSON.stringify(seen),
      );
      const peerList = await client.listProcesses({ node: peerName, filter: 'code_server', limit: 5 });
      assert.equal(peerList.node, peerName);
      assert.ok(peerList.rows.some((r) => r.name === 'code_server'));
      // A name nobody in the cluster lists stays out of reach.
      await assert.rejects(client.listProcesses({ node: `nobody@${SHORT_HOST}` }), /is not connected to/);
    } finally {
      client.dispose();
      // Closing the relay ends the helper; the target lives on.
      relay.close();
    }
    await exited;
    assert.equal(await target.eval('1 + 1.'), '2');
  });

  it('a wrong cookie gives the same clear error and leaves no helper running', async () => {
    const { reply, relay } = await relayThroughDistribution({ name: target.name }, 'not_the_cookie', { ebin: AGENT_EBIN });
    assert.equal(reply.ok, false);
    assert.equal(relay, undefined);
    if (!reply.ok) {
      assert.equal(reply.error, 'cookie');
      assert.match(reply.message, /refused the cookie/);
    }
  });
});

describe('a node on another host (a network namespace with its own loopback and epmd)', () => {
  const unavailable = otherHostUnavailable();
  let host: OtherHost | undefined;
  let node: ChildProcess | undefined;
  let name = '';

  before(async () => {
    if (unavailable) return;
    host = createOtherHost();
    name = `${RUN}_far@${host.address}`;
    node = host.spawn(
      'erl',
      ['-noshell', '-name', name, '-setcookie', COOKIE, '-eval', 'io:format("ready~n"), receive never -> ok end.'],
      nodeEnv(),
    );
    await waitForOutput(node, /ready/, 'the far node');
  });
  after(() => host?.remove());

  it(
    'epmd over there lists it; a direct attach starts an agent that this machine cannot reach; a relay can',
    { skip: unavailable ?? false },
    async () => {
      const names = await epmdNames(host!.address);
      assert.ok(
        names.some((n) => n.name === name.split('@')[0]),
        JSON.stringify(names),
      );

      const direct = assertOk(await attach({ node: name }));
      assert.equal(direct.node, name);
      // The agent listens on the loopback over there: here that port is closed, or someone else's.
      const reached = await AgentClient.connect({ port: direct.port, token: direct.token }, 2000).then(
        (client) => {
          const same = client.info.node === name;
          client.dispose();
          return same;
        },
        () => false,
      );
      assert.equal(reached, false, "the far agent is out of reach on this machine's loopback");

      const { reply, relay } = await relayThroughDistribution({ node: name }, COOKIE, { ebin: AGENT_EBIN });
      const ok = assertOk(reply);
      assert.ok(relay);
      const client = await AgentClient.connect({ port: ok.port, token: ok.token });
      try {
        const list = await client.listProcesses({ node: name, filter: 'code_server', limit: 5 });
        assert.equal(list.node, name);
        assert.ok(list.rows.some((r) => r.name === 'code_server'));
        const info = await client.nodeInfo(name);
        assert.notEqual(info.osPid, client.info.osPid);
      } finally {
        client.dispose();
        relay.close();
      }
    },
  );
});

/**
 * A node that already runs another version of the agent: a real build of it,
 * from the same sources with another version number, on the node's code path.
 */
describe('a node running another version of the agent', () => {
  let other: Target;
  let oldEbin: string;

  before(async () => {
    oldEbin = mkdtempSync(join(tmpdir(), 'beam-observer-old-agent-'));
    for (const file of readdirSync(AGENT_EBIN)) {
      if (file.endsWith('.beam') && file !== 'beam_observer_agent.beam') copyFileSync(join(AGENT_EBIN, file), join(oldEbin, file));
    }
    const source = readFileSync(join(ROOT, 'agent', 'src', 'beam_observer_agent.erl'), 'utf8').replace(
      /-define\(VERSION, <<"[^"]*">>\)\./,
      '-define(VERSION, <<"0.0.9-old">>).',
    );
    assert.match(source, /0\.0\.9-old/);
    writeFileSync(join(oldEbin, 'beam_observer_agent.erl'), source);
    execFileSync('erlc', ['-o', oldEbin, join(oldEbin, 'beam_observer_agent.erl')]);
    other = await startTarget('-sname', `${RUN}_oldagent`, COOKIE, ['-pa', oldEbin]);
    assert.match(await other.eval('element(1, beam_observer_agent:start()).'), /^ok$/);
  });
  after(async () => {
    await other?.stop();
    rmSync(oldEbin, { recursive: true, force: true });
  });

  it('Attach to Node refuses to replace it, and says how to proceed', async () => {
    const reply = await attach({ name: other.name });
    assert.equal(reply.ok, false);
    if (!reply.ok) {
      assert.equal(reply.error, 'agent_version');
      assert.match(reply.message, /already runs BEAM Observer agent 0\.0\.9-old/);
      assert.match(reply.message, /beam_observer_agent:stop\(\)/);
    }
    // Its agent is untouched.
    assert.equal(await other.eval('beam_observer_agent:version() =:= <<"0.0.9-old">>.'), 'true');
  });

  it('an agent serving its cluster refuses it too, with -32010', async () => {
    const fixtureName = `${RUN}_newagent`;
    const fixture = await startErlangFixture({ extraArgs: ['-sname', fixtureName, '-setcookie', COOKIE] });
    const client = await AgentClient.connect({ port: fixture.port, token: fixture.token });
    try {
      assert.equal(await other.eval(`net_kernel:connect_node('${fixtureName}@${SHORT_HOST}').`), 'true');
      await assert.rejects(client.listProcesses({ node: `${other.name}@${SHORT_HOST}` }), (error: Error) => {
        assert.equal(agentErrorCode(error), ErrorCodes.AgentUnavailable);
        assert.match(error.message, /could not load the agent into .*: it runs BEAM Observer agent 0\.0\.9-old and this agent is /);
        return true;
      });
      assert.equal(await other.eval('beam_observer_agent:version() =:= <<"0.0.9-old">>.'), 'true');
    } finally {
      client.dispose();
      await fixture.stop();
    }
  });
});

describe('an Elixir node (iex --sname / mix run) attached over distribution', () => {
  let child: ChildProcess | undefined;
  const short = `${RUN}_ex`;

  before(async () => {
    const script =
      '{:ok, _} = Agent.start(fn -> %{orders: 3, token: "s3cr3t"} end, name: :ex_orders); ' + 'IO.puts("ready"); IO.read(:eof)';
    child = spawn('elixir', ['--sname', short, '--cookie', COOKIE, '-e', script], {
      env: nodeEnv({ BEAM_OBSERVER_DIR: tempDiscoveryDir() }),
    });
    await waitForOutput(child, /ready/, 'the Elixir node');
  });
  after(() => {
    child?.kill('SIGKILL');
  });

  it('loads the agent, which formats states in Elixir', async () => {
    const reply = assertOk(await attach({ name: short }));
    assert.equal(reply.node, `${short}@${SHORT_HOST}`);
    const client = await AgentClient.connect({ port: reply.port, token: reply.token });
    try {
      assert.equal(client.info.language, 'elixir');
      assert.match(client.info.elixirVersion ?? '', /^1\./);
      const { rows } = await client.listProcesses({ filter: 'ex_orders', limit: 5 });
      const orders = rows.find((r) => r.name === 'ex_orders');
      assert.ok(orders);
      const state = await client.processState(orders.pid);
      assert.match(state.text, /%\{orders: 3, token: "s3cr3t"\}/);
    } finally {
      client.dispose();
    }
  });
});
