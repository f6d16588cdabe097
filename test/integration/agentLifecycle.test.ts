/**
 * The agent's life in a real node: discovery files, autostart through
 * ERL_AFLAGS, stop and restart, a crash of the agent that leaves user
 * processes alive, and an Elixir node.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { DiscoveryFile } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, startElixirFixture, startErlangFixture, tempDiscoveryDir } from '../support/beamNode';
import { sleep, waitFor } from '../support/wait';

function discoveryFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json'));
}

describe('discovery file', () => {
  it('is written on start with its fields and private modes, and removed on stop', async () => {
    const dir = tempDiscoveryDir();
    const node = await startErlangFixture({ env: { BEAM_OBSERVER_DIR: join(dir, 'nested') } });
    try {
      const nested = join(dir, 'nested');
      const file = join(nested, `${node.osPid}.json`);
      assert.ok(existsSync(file), 'discovery file exists');
      assert.equal(statSync(nested).mode & 0o777, 0o700);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const info = JSON.parse(readFileSync(file, 'utf8')) as DiscoveryFile;
      assert.equal(info.port, node.port);
      assert.equal(info.token, node.token);
      assert.equal(info.osPid, node.osPid);
      assert.equal(info.node, 'nonode@nohost');
      assert.equal(info.cwd, process.cwd());
      assert.match(info.otpRelease, /^\d+$/);
      assert.equal(info.elixirVersion, null);
      assert.ok(Math.abs(info.startedAt - Date.now()) < 60_000);

      await node.command('stop_agent');
      assert.ok(!existsSync(file), 'removed on stop');
      assert.deepEqual(await node.command('status'), { running: false });

      const restarted = await node.command<{ port: number; token: string }>('start_agent');
      assert.ok(existsSync(file), 'written again on restart');
      const client = await AgentClient.connect(restarted);
      assert.equal(client.info.osPid, node.osPid);
      client.dispose();
    } finally {
      await node.stop();
    }
  });

  it('a second start returns the running agent', async () => {
    const node = await startErlangFixture();
    try {
      const again = await node.command<{ port: number; token: string }>('start_agent');
      assert.equal(again.port, node.port);
      assert.equal(again.token, node.token);
    } finally {
      await node.stop();
    }
  });

  it('a file of a zombie (a VM killed, not yet reaped by its parent) is pruned too', async () => {
    const dir = tempDiscoveryDir();
    // After exec, the shell is `sleep 5`, which never reaps its child `sleep 0`: a zombie for 5 s.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      await waitFor(() => /\) Z /.test(readFileSync(`/proc/${zombie}/stat`, 'utf8')), 5000, 'the zombie');
      writeFileSync(join(dir, `${zombie}.json`), '{}');
      writeFileSync(join(dir, `${parent.pid}.json`), '{}'); // a live process: kept
      const node = await startErlangFixture({ env: { BEAM_OBSERVER_DIR: dir } });
      try {
        assert.deepEqual(discoveryFiles(dir).sort(), [`${node.osPid}.json`, `${parent.pid}.json`].sort());
      } finally {
        await node.stop();
      }
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('is removed when the VM shuts down normally, and stale files are pruned', async () => {
    const dir = tempDiscoveryDir();
    // A file left by a VM that died without cleaning up (a pid that cannot exist).
    writeFileSync(join(dir, '999999999.json'), '{}');
    const node = await startErlangFixture({ env: { BEAM_OBSERVER_DIR: dir } });
    assert.deepEqual(discoveryFiles(dir), [`${node.osPid}.json`], 'stale file pruned on start');
    await node.command('init_stop');
    await waitFor(() => node.child.exitCode !== null, 10_000);
    assert.deepEqual(discoveryFiles(dir), [], 'removed on init:stop()');
  });
});

describe('loading into a running node', () => {
  it('works from binaries pushed with code:load_binary, without the agent on the code path', async () => {
    const dir = tempDiscoveryDir();
    // What a remote loader does: read each module's .beam and load it by binary, in order.
    const load = [
      `Dir = "${AGENT_EBIN}",`,
      `Mods = [beam_observer_json, beam_observer_ws, beam_observer_config, beam_observer_format, beam_observer_pid,`,
      ` beam_observer_registry, beam_observer_budget, beam_observer_discovery, beam_observer_debugger, beam_observer_sampler,`,
      ` beam_observer_touch, beam_observer_sweep, beam_observer_ranking, beam_observer_recorder,`,
      ` beam_observer_inspect, beam_observer_loader, beam_observer_cluster, beam_observer_cluster_load,`,
      ` beam_observer_bounded, beam_observer_supervisor, beam_observer_apps, beam_observer_ets, beam_observer_ports,`,
      ` beam_observer_system, beam_observer_actions, beam_observer_node_rpc,`,
      ` beam_observer_trace_params, beam_observer_trace_index, beam_observer_trace_backend, beam_observer_trace_events,`,
      ` beam_observer_trace_counts, beam_observer_trace_watcher, beam_observer_trace_session, beam_observer_trace_rpc,`,
      ` beam_observer_rpc, beam_observer_conn,`,
      ` beam_observer_listener, beam_observer_sup, beam_observer_agent],`,
      `[begin F = filename:join(Dir, atom_to_list(M) ++ ".beam"), {ok, B} = file:read_file(F),`,
      ` {module, M} = code:load_binary(M, F, B) end || M <- Mods],`,
      `false = lists:member(Dir, code:get_path()),`,
      `Mods = beam_observer_agent:modules(),`,
      `{ok, #{port := P, token := T}} = beam_observer_agent:start(),`,
      `io:format("~b ~s~n", [P, T]), timer:sleep(infinity).`,
    ].join('');
    const child = spawn('erl', ['-noshell', '-eval', load], { env: { ...process.env, BEAM_OBSERVER_DIR: dir } });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', () => reject(new Error(`node exited: ${out}`)));
      });
      const [port, token] = line.split(' ');
      const client = await AgentClient.connect({ port: Number(port), token });
      const state = await client.listProcesses({ filter: 'code_server', limit: 1 });
      assert.equal(state.rows[0].name, 'code_server');
      client.dispose();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('autostart through ERL_AFLAGS', () => {
  const aflags = `-pa ${AGENT_EBIN} -s beam_observer_agent autostart`;

  it('starts the agent in a node started with BEAM_OBSERVER_AUTOSTART=1, silently', async () => {
    const dir = tempDiscoveryDir();
    const child = spawn('erl', ['-noshell', '-eval', 'io:format("ready~n"), timer:sleep(infinity).'], {
      env: { ...process.env, ERL_AFLAGS: aflags, BEAM_OBSERVER_AUTOSTART: '1', BEAM_OBSERVER_DIR: dir },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      await waitFor(() => discoveryFiles(dir).length === 1, 10_000);
      const info = JSON.parse(readFileSync(join(dir, discoveryFiles(dir)[0]), 'utf8')) as DiscoveryFile;
      assert.equal(info.osPid, child.pid);
      const client = await AgentClient.connect(info);
      const rows = await client.listProcesses({ filter: 'beam_observer_listener', limit: 5 });
      assert.equal(rows.rows.length, 1);
      client.dispose();
      assert.equal(stdout, 'ready\n', 'the agent printed nothing to standard output');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('does nothing without BEAM_OBSERVER_AUTOSTART=1', async () => {
    const dir = tempDiscoveryDir();
    const result = spawnSync('erl', ['-noshell', '-eval', 'timer:sleep(800), io:format("~p~n", [whereis(beam_observer_sup)]), halt().'], {
      env: { ...process.env, ERL_AFLAGS: aflags, BEAM_OBSERVER_DIR: dir },
      encoding: 'utf8',
    });
    assert.equal(result.stdout.trim(), 'undefined');
    assert.deepEqual(discoveryFiles(dir), []);
  });

  it('is harmless in a short-lived VM: no delay, no file left behind', async () => {
    const dir = tempDiscoveryDir();
    const env = { ...process.env, BEAM_OBSERVER_AUTOSTART: '1', BEAM_OBSERVER_DIR: dir };
    const time = (extra: NodeJS.ProcessEnv) => {
      const started = Date.now();
      const result = spawnSync('erl', ['-noshell', '-eval', 'halt().'], { env: { ...env, ...extra }, encoding: 'utf8' });
      assert.equal(result.status, 0);
      assert.equal(result.stdout, '');
      return Date.now() - started;
    };
    const baseline = Math.min(time({}), time({}));
    const withAgent = Math.min(time({ ERL_AFLAGS: aflags }), time({ ERL_AFLAGS: aflags }));
    assert.ok(withAgent - baseline < 150, `boot took ${withAgent} ms with the agent vs ${baseline} ms without`);
    assert.deepEqual(discoveryFiles(dir), []);
  });

  it('works in an Elixir VM (elixir -e)', async () => {
    const dir = tempDiscoveryDir();
    const child = spawn('elixir', ['-e', ':timer.sleep(:infinity)'], {
      env: { ...process.env, ERL_AFLAGS: aflags, BEAM_OBSERVER_AUTOSTART: '1', BEAM_OBSERVER_DIR: dir },
    });
    try {
      await waitFor(() => discoveryFiles(dir).length === 1, 15_000);
      const info = JSON.parse(readFileSync(join(dir, discoveryFiles(dir)[0]), 'utf8')) as DiscoveryFile;
      assert.match(info.elixirVersion ?? '', /^1\.\d+/);
      const client = await AgentClient.connect(info);
      assert.equal(client.info.language, 'elixir');
      client.dispose();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('agent failures never hurt the node', () => {
  it('a killed agent leaves user processes alive, clients see the close, and it can start again', async () => {
    const node = await startErlangFixture();
    try {
      const client = await AgentClient.connect({ port: node.port, token: node.token });
      let closed = false;
      client.onClose(() => (closed = true));
      const before = await node.command<Record<string, boolean>>('alive');
      await node.command('crash_agent');
      await waitFor(() => closed, 3000);
      const after = await node.command<Record<string, boolean>>('alive');
      assert.deepEqual(after, before);
      assert.ok(Object.values(after).every(Boolean));
      assert.deepEqual(await node.command('bump'), { count: 1 }, 'user gen_server still answers');
      assert.deepEqual(await node.command('status'), { running: false });

      const restarted = await node.command<{ port: number; token: string }>('start_agent');
      const again = await AgentClient.connect(restarted);
      const list = await again.listProcesses({ filter: 'fixture_counter', limit: 1 });
      assert.equal(list.rows[0].pid, node.pids.counter);
      again.dispose();
    } finally {
      await node.stop();
    }
  });

  it('a request in flight when the node dies fails at once with a clear error (it never hangs)', async () => {
    const node = await startErlangFixture();
    const client = await AgentClient.connect({ port: node.port, token: node.token });
    try {
      // A state dump of a process that never answers waits up to its timeout (20 s) in the agent.
      const pending = client.processState(node.pids.stuck, 20_000);
      await sleep(100);
      const killed = Date.now();
      node.child.kill('SIGKILL');
      await assert.rejects(pending, /the connection to the agent closed before it answered/);
      assert.ok(Date.now() - killed < 2000, `rejected ${Date.now() - killed} ms after the kill`);
      assert.equal(client.isClosed, true);
      await assert.rejects(client.processInfo(node.pids.counter), /the connection to the agent is closed/);
    } finally {
      client.dispose();
      await node.stop();
    }
  });

  it('a client that disconnects mid-request leaves the agent serving others', async () => {
    const node = await startErlangFixture();
    try {
      const first = await AgentClient.connect({ port: node.port, token: node.token });
      void first.processState(node.pids.stuck, 2000).catch(() => undefined);
      await sleep(50);
      first.dispose();
      const second = await AgentClient.connect({ port: node.port, token: node.token });
      const info = await second.processInfo(node.pids.counter);
      assert.equal(info.name, 'fixture_counter');
      second.dispose();
    } finally {
      await node.stop();
    }
  });
});

describe('Elixir node', () => {
  it("formats state with inspect and honours the application's Inspect redactions", async () => {
    const node = await startElixirFixture();
    try {
      const client = await AgentClient.connect({ port: node.port, token: node.token });
      assert.match(client.info.elixirVersion ?? '', /^1\.\d+/);
      assert.equal(client.info.language, 'elixir');
      const state = await client.processState(node.pids.account);
      assert.equal(state.language, 'elixir');
      assert.match(state.text, /#ObserverFixture\.Account<user: "ada", balance: 42, \.\.\.>/);
      assert.doesNotMatch(state.text, /s3cr3t-pw/, 'the redacted field stays hidden');
      const rows = await client.listProcesses({ filter: 'ObserverFixture.Server', limit: 5 });
      assert.equal(rows.rows[0]?.pid, node.pids.account);
      assert.equal(rows.rows[0].initialCall?.module, 'Elixir.ObserverFixture.Server');
      client.dispose();
    } finally {
      await node.stop();
    }
  });
});
