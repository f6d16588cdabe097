/**
 * A debugger in the observed node (OTP's `int`, which ElixirLS drives): its
 * own processes are marked apart, the processes it holds are marked with how,
 * a state request to a held process is answered at once with why, and the
 * load samples say what the debugger ran. Against a real `erl` node where
 * test/fixtures/debugger_fixture.erl has OTP's debugger interpret interpreted_shop.erl and holds a gen_server
 * at a breakpoint in init/1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentClient, agentErrorCode } from '../../extension/src/agent/agentClient';
import { ErrorCodes, LoadSample, ProcessRow } from '../../extension/src/protocol/agentProtocol';
import { FixtureNode, startDebuggerFixture } from '../support/beamNode';
import { waitFor, waitForAsync } from '../support/wait';

describe("a debugger in the node (OTP's interpreter)", () => {
  let node: FixtureNode;
  let client: AgentClient;
  let rows: ProcessRow[];
  const row = (pid: string) => rows.find((r) => r.pid === pid);

  before(async () => {
    node = await startDebuggerFixture();
    client = await AgentClient.connect({ port: node.port, token: node.token });
    rows = (await client.listProcesses({ sortBy: 'memory', limit: 1000 })).rows;
  });
  after(async () => {
    client?.dispose();
    await node?.stop();
  });

  it('marks the process at a breakpoint with where it is held', () => {
    const held = row(node.pids.held);
    assert.ok(held, 'the held server is listed');
    assert.equal(held.debugger, false, "held by the debugger, but the user's own process");
    assert.ok(held.heldByDebugger);
    assert.equal(held.heldByDebugger.status, 'break');
    assert.equal(held.heldByDebugger.callback, 'init/1');
    assert.equal(held.heldByDebugger.module, 'interpreted_shop');
    assert.equal(held.heldByDebugger.line, node.hello.breakLine);
    assert.match(held.heldByDebugger.source ?? '', /test\/fixtures\/interpreted_shop\.erl$/);
  });

  it('marks a process running interpreted code, and leaves compiled ones alone', () => {
    const spinner = row(node.pids.spinner);
    assert.ok(spinner?.heldByDebugger, 'the spinner runs interpreted code');
    assert.ok(['running', 'waiting'].includes(spinner.heldByDebugger.status), spinner.heldByDebugger.status);
    assert.equal(spinner.heldByDebugger.line, null);
    const compiled = row(node.pids.compiled);
    assert.equal(compiled?.heldByDebugger, null);
    assert.equal(compiled?.debugger, false);
  });

  it("sets the interpreter's own processes apart: its server and one meta process per interpreted process", () => {
    assert.equal(row(node.pids.iserver)?.debugger, true, 'dbg_iserver');
    const metas = rows.filter((r) => r.debugger && r.initialCall?.module === 'erlang' && r.initialCall.function === 'apply');
    // The spinner's, the starter's, the held server's, and main's (the shell process that first called interpreted code).
    assert.ok(metas.length >= 3, `meta processes: ${JSON.stringify(metas.map((m) => m.pid))}`);
    const own = rows.filter((r) => !r.debugger && !r.agent);
    assert.ok(
      own.some((r) => r.name === 'code_server'),
      "the node's own processes are not the debugger's",
    );
  });

  it('answers a state request to the held process at once, with why', async () => {
    const started = Date.now();
    await assert.rejects(client.processState(node.pids.held, 5000), (error: Error) => {
      assert.equal(agentErrorCode(error), ErrorCodes.HeldByDebugger, error.message);
      assert.equal(
        error.message,
        `process ${node.pids.held} is paused at a breakpoint (interpreted_shop.erl:${node.hello.breakLine}) ` +
          'in init/1: the debugger holds it, and its state can be read once it continues',
      );
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000, `answered in ${elapsed} ms, not after the 5000 ms timeout`);
    const info = await client.processInfo(node.pids.held);
    assert.equal(info.heldByDebugger?.status, 'break');
  });

  it('a plain process running interpreted code is still "not an OTP process", and a compiled server answers', async () => {
    await assert.rejects(client.processState(node.pids.spinner), (error: Error) => agentErrorCode(error) === ErrorCodes.NotOtpProcess);
    const compiled = await client.processState(node.pids.compiled);
    assert.match(compiled.text, /count => 7/);
  });

  it('load samples say what the debugger ran', async () => {
    const samples: LoadSample[] = [];
    client.onSample((s) => samples.push(s));
    await client.subscribeLoad(200);
    await waitFor(() => samples.length >= 3, 5000, 'three samples');
    const last = samples[samples.length - 1];
    assert.ok(last.debugger, 'a debugger runs');
    assert.ok(last.debugger.processes >= 4, `its processes: ${last.debugger.processes}`);
    assert.ok(
      last.debugger.reductions > 0 && last.debugger.reductions <= last.reductions,
      `${last.debugger.reductions} of the node's ${last.reductions} reductions`,
    );
    await client.unsubscribeLoad();
  });

  it('once the debugger lets the process go, its state is read as any other', async () => {
    assert.deepEqual(await node.command('continue'), { ok: true });
    let text = '';
    await waitForAsync(
      async () => {
        text = await client.processState(node.pids.held).then(
          (s) => s.text,
          () => '',
        );
        return text !== '';
      },
      10_000,
      'the state of the released server',
    );
    assert.match(text, /entries => 10/);
    const released = (await client.listProcesses({ sortBy: 'memory', limit: 1000 })).rows.find((r) => r.pid === node.pids.held);
    assert.equal(released?.heldByDebugger, null);
  });
});
