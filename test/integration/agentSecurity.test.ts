/**
 * Transport and security rules of the agent, against the real agent in a
 * real `erl` node (test/fixtures/observer_fixture.erl): the HTTP upgrade
 * checks (token, Origin, Host, upgrade headers), the handshake limits
 * (request head size, slowloris timeout, client cap), the WebSocket frame
 * rules (masking, sizes, opcodes, UTF-8, fragmentation, control frames),
 * the JSON-RPC envelope checks, the per-connection rate limit and in-flight
 * cap, and finally that none of it hurt the node or the agent.
 *
 * HTTP and frame level tests speak raw TCP (node:net, through
 * test/support/rawAgentSocket.ts) so that they can send exactly the bytes
 * they mean, broken ones included.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { AgentClient, AgentConnectError, openAgentSocket } from '../../extension/src/agent/agentClient';
import { ErrorCodes, HandshakeStatus } from '../../extension/src/protocol/agentProtocol';
import { AGENT_EBIN, FixtureNode, nodeEnv, startErlangFixture } from '../support/beamNode';
import { agentMemory, assertNodeUnharmed, atomCount } from '../support/nodeHealth';
import {
  HttpResponse,
  JsonRpcResponse,
  Op,
  RawConnection,
  clientFrame,
  closePayload,
  expectedAccept,
  handshake,
  openRaw,
  textFrame,
} from '../support/rawAgentSocket';
import { sleep } from '../support/wait';

/**
 * Expect the agent to refuse the upgrade with this status and this exact
 * text, and to close the connection.
 */
async function expectRefused(
  node: FixtureNode,
  overrides: Record<string, string | null>,
  status: number,
  message: string,
  requestLine?: string,
): Promise<HttpResponse> {
  const { response, conn } = await handshake(node, overrides, requestLine);
  try {
    assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.body}`);
    assert.equal(response.body, `${message}\n`);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(response.headers['connection'], 'close');
    await conn.expectClosed();
    assert.equal(conn.pending(), 0, 'nothing follows the error response');
    return response;
  } finally {
    conn.destroy();
  }
}

/** The agent answers with a close frame (code and reason) and closes the TCP connection. */
async function expectCloseFrame(conn: RawConnection, code: number, reason: string): Promise<void> {
  const frame = await conn.readFrame();
  assert.equal(frame.opcode, Op.close, `expected a close frame, got opcode ${frame.opcode}: ${frame.payload.toString()}`);
  assert.ok(frame.payload.length >= 2, 'the close frame carries a code');
  assert.equal(frame.payload.readUInt16BE(0), code, `close reason: ${frame.payload.subarray(2).toString()}`);
  assert.equal(frame.payload.subarray(2).toString('utf8'), reason);
  await conn.expectClosed();
}

async function rpc(conn: RawConnection, message: unknown): Promise<JsonRpcResponse> {
  conn.write(textFrame(message));
  return conn.readJson();
}

function assertError(response: JsonRpcResponse, id: unknown, code: number, message: string | RegExp): void {
  assert.equal(response.jsonrpc, '2.0');
  assert.deepEqual(response.id, id);
  assert.equal(response.result, undefined);
  assert.ok(response.error, `expected an error, got ${JSON.stringify(response)}`);
  assert.equal(response.error.code, code, `expected code ${code}: ${JSON.stringify(response.error)}`);
  if (typeof message === 'string') assert.equal(response.error.message, message);
  else assert.match(response.error.message, message);
}

describe('agent transport and security (erl node)', () => {
  let node: FixtureNode;
  let atomsAtStart: number;
  let memoryBaseline: number;
  const TOKEN_MESSAGE = 'missing or wrong token (send Authorization: Bearer <token>)';

  before(async () => {
    node = await startErlangFixture();
    // Exercise the methods the tests use once, so that the modules the agent
    // loads on demand (their atoms) are in before the baseline. The load
    // sampler is not used below, so it stays unloaded.
    const warmup = await AgentClient.connect({ port: node.port, token: node.token });
    await warmup.listProcesses({ limit: 1 });
    await warmup.processInfo(node.pids.counter);
    await warmup.processState(node.pids.counter);
    await assert.rejects(warmup.processState(node.pids.stuck, 50), /did not answer within 50 ms/);
    await warmup.processMessages(node.pids.small_mailbox, 1);
    atomsAtStart = await atomCount(node);
    memoryBaseline = await agentMemory(node);
    warmup.dispose();
  });

  after(async () => {
    await node?.stop();
  });

  describe('authentication', () => {
    it('refuses a request without an Authorization header with 401', async () => {
      const response = await expectRefused(node, { Authorization: null }, HandshakeStatus.Unauthorized, TOKEN_MESSAGE);
      assert.equal(response.reason, 'Unauthorized');
      assert.equal(response.headers['www-authenticate'], 'Bearer');
    });

    it('refuses a wrong token with 401', async () => {
      await expectRefused(node, { Authorization: `Bearer ${node.token}x` }, 401, TOKEN_MESSAGE);
      await expectRefused(node, { Authorization: `Bearer ${node.token.slice(0, -1)}` }, 401, TOKEN_MESSAGE);
      await expectRefused(node, { Authorization: 'Bearer ' }, 401, TOKEN_MESSAGE);
    });

    it('refuses the right token under another scheme with 401', async () => {
      await expectRefused(node, { Authorization: `Basic ${node.token}` }, 401, TOKEN_MESSAGE);
      await expectRefused(node, { Authorization: `Token ${node.token}` }, 401, TOKEN_MESSAGE);
      await expectRefused(node, { Authorization: node.token }, 401, TOKEN_MESSAGE);
    });

    it('accepts the right token with 101 and a correct Sec-WebSocket-Accept', async () => {
      const { response, key, conn } = await handshake(node);
      try {
        assert.equal(response.status, 101);
        assert.equal(response.reason, 'Switching Protocols');
        assert.equal(response.headers['sec-websocket-accept'], expectedAccept(key));
        const answer = await rpc(conn, { jsonrpc: '2.0', id: 1, method: 'initialize' });
        assert.equal(answer.id, 1);
        assert.equal(answer.result?.node, 'nonode@nohost');
      } finally {
        conn.destroy();
      }
    });
  });

  describe('Origin and Host', () => {
    it('refuses any Origin header with 403, even with the right token', async () => {
      const message = 'requests from web pages (with an Origin header) are refused';
      const response = await expectRefused(node, { Origin: 'http://localhost:3000' }, HandshakeStatus.Forbidden, message);
      assert.equal(response.reason, 'Forbidden');
      await expectRefused(node, { Origin: 'null' }, 403, message);
      await expectRefused(node, { Origin: `http://127.0.0.1:${node.port}` }, 403, message);
    });

    it('refuses a non-loopback Host with 403', async () => {
      const message = 'Host must be a loopback name or address';
      await expectRefused(node, { Host: 'evil.example.com' }, 403, message);
      await expectRefused(node, { Host: `evil.example.com:${node.port}` }, 403, message);
      await expectRefused(node, { Host: `localhost.evil.example.com:${node.port}` }, 403, message);
      await expectRefused(node, { Host: `127.0.0.1.evil.example.com:${node.port}` }, 403, message);
      await expectRefused(node, { Host: `10.0.0.1:${node.port}` }, 403, message);
    });

    it('accepts localhost, 127.0.0.1 and [::1] as Host', async () => {
      for (const host of [`localhost:${node.port}`, `127.0.0.1:${node.port}`, `[::1]:${node.port}`, 'LOCALHOST']) {
        const conn = await openRaw(node, { Host: host });
        conn.destroy();
      }
    });

    it('refuses a request without Host with 400', async () => {
      await expectRefused(node, { Host: null }, HandshakeStatus.BadRequest, 'missing Host header');
    });
  });

  describe('upgrade request', () => {
    it('answers a plain GET (no Upgrade) with 426', async () => {
      const response = await expectRefused(
        node,
        { Upgrade: null, Connection: null, 'Sec-WebSocket-Key': null, 'Sec-WebSocket-Version': null },
        HandshakeStatus.UpgradeRequired,
        'not a WebSocket upgrade request',
      );
      assert.equal(response.reason, 'Upgrade Required');
      assert.equal(response.headers['sec-websocket-version'], '13');
    });

    it('answers a POST with 405', async () => {
      const response = await expectRefused(
        node,
        {},
        HandshakeStatus.MethodNotAllowed,
        'method not allowed: WebSocket upgrade requires GET',
        'POST / HTTP/1.1',
      );
      assert.equal(response.headers['allow'], 'GET');
    });

    it('answers a wrong Sec-WebSocket-Version with 426', async () => {
      const message = 'unsupported WebSocket version: only 13 is supported';
      const response = await expectRefused(node, { 'Sec-WebSocket-Version': '8' }, 426, message);
      assert.equal(response.headers['sec-websocket-version'], '13');
      await expectRefused(node, { 'Sec-WebSocket-Version': null }, 426, message);
    });

    it('answers a missing or invalid Sec-WebSocket-Key with 400', async () => {
      const message = 'missing or invalid Sec-WebSocket-Key';
      await expectRefused(node, { 'Sec-WebSocket-Key': null }, 400, message);
      await expectRefused(node, { 'Sec-WebSocket-Key': 'not-base64!' }, 400, message);
      // 24 characters of valid base64, but 17 bytes, not 16.
      await expectRefused(node, { 'Sec-WebSocket-Key': randomBytes(18).toString('base64') }, 400, message);
    });

    it('answers garbage instead of an HTTP request with 400 and closes', async () => {
      const conn = await RawConnection.connect(node.port);
      try {
        // A TLS ClientHello prefix, control bytes and junk, then an empty line
        // (the agent reads up to the blank line, or 8192 bytes, or 5 s,
        // before it judges a head).
        conn.write(
          Buffer.concat([
            Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x00, 0xff, 0x7f]),
            Buffer.from('\x00 garbage \x01\x02 not http\r\n\r\n', 'latin1'),
          ]),
        );
        const response = await conn.readHttpResponse();
        assert.equal(response.status, 400);
        assert.equal(response.reason, 'Bad Request');
        assert.equal(response.body, 'malformed request line\n');
        await conn.expectClosed();
      } finally {
        conn.destroy();
      }
    });

    it('answers a request head over 8192 bytes with 400 and closes', async () => {
      const conn = await RawConnection.connect(node.port);
      try {
        const head = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${node.port}\r\nX-Padding: `;
        conn.write(head + 'a'.repeat(8300 - head.length));
        const response = await conn.readHttpResponse();
        assert.equal(response.status, 400);
        assert.equal(response.body, 'request head too large\n');
        await conn.expectClosed();
      } finally {
        conn.destroy();
      }
    });

    it('answers a half-sent request head with 408 after the 5 s handshake timeout (slowloris)', async () => {
      const started = Date.now();
      const conn = await RawConnection.connect(node.port);
      try {
        conn.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${node.port}\r\nUpgrade: websocket\r\n`);
        const response = await conn.readHttpResponse(8000);
        const elapsed = Date.now() - started;
        assert.equal(response.status, HandshakeStatus.RequestTimeout);
        assert.equal(response.reason, 'Request Timeout');
        assert.equal(response.body, 'request head not received in time\n');
        await conn.expectClosed();
        assert.ok(elapsed >= 4500 && elapsed <= 7000, `answered after ${elapsed} ms`);
      } finally {
        conn.destroy();
      }
    });
  });

  describe('client cap', () => {
    it('accepts 8 clients, answers a 9th with 503, and accepts a new one after one leaves', async () => {
      // Connections from earlier tests are gone once the agent notices their close.
      await sleep(100);
      const clients: WebSocket[] = [];
      const extra: RawConnection[] = [];
      try {
        for (let i = 0; i < 8; i++) clients.push(await openAgentSocket({ port: node.port, token: node.token }));

        const { response, conn } = await handshake(node);
        extra.push(conn);
        assert.equal(response.status, HandshakeStatus.ServiceUnavailable, `got ${response.status}: ${response.body}`);
        assert.equal(response.reason, 'Service Unavailable');
        assert.equal(response.body, 'too many clients\n');
        await conn.expectClosed();

        // The same through the extension's client: a precise error, not a hang.
        await assert.rejects(openAgentSocket({ port: node.port, token: node.token }), (error: Error) => {
          assert.ok(error instanceof AgentConnectError);
          assert.equal(error.status, 503);
          assert.equal(error.message, 'agent refused the connection (HTTP 503): too many clients');
          return true;
        });

        const leaving = clients.shift()!;
        const left = new Promise<number>((resolve) => leaving.once('close', (code) => resolve(code)));
        leaving.close(1000);
        assert.equal(await left, 1000);

        // The listener learns of the exit asynchronously: allow it a moment.
        let accepted: RawConnection | undefined;
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 20 && !accepted; attempt++) {
          const next = await handshake(node);
          extra.push(next.conn);
          statuses.push(next.response.status);
          if (next.response.status === 101) accepted = next.conn;
          else await sleep(50);
        }
        assert.ok(accepted, `no new client accepted after one left; statuses ${statuses.join(',')}`);
        assert.ok(
          statuses.every((s) => s === 101 || s === 503),
          `statuses ${statuses.join(',')}`,
        );
        const answer = await rpc(accepted, { jsonrpc: '2.0', id: 'after-cap', method: 'initialize' });
        assert.equal(answer.id, 'after-cap');
        assert.ok(answer.result);
      } finally {
        for (const c of clients) c.terminate();
        for (const c of extra) c.destroy();
        await sleep(100);
      }
    });

    it('does not let sockets without the token use up the client cap', async () => {
      await sleep(100);
      const idle: RawConnection[] = [];
      try {
        // Eight sockets that never authenticate (they would get 408 after 5 s)...
        for (let i = 0; i < 8; i++) idle.push(await RawConnection.connect(node.port));
        await sleep(100);
        // ...leave room for a client with the token.
        const { response, conn } = await handshake(node);
        idle.push(conn);
        assert.equal(response.status, 101, `got ${response.status}: ${response.body}`);
      } finally {
        for (const c of idle) c.destroy();
        await sleep(100);
      }
    });

    it('caps sockets still in their handshake at 32 with 503', async () => {
      await sleep(100);
      const idle: RawConnection[] = [];
      try {
        for (let i = 0; i < 32; i++) idle.push(await RawConnection.connect(node.port));
        await sleep(100);
        const { response, conn } = await handshake(node);
        idle.push(conn);
        assert.equal(response.status, HandshakeStatus.ServiceUnavailable, `got ${response.status}: ${response.body}`);
        assert.equal(response.body, 'too many connections in their handshake\n');
      } finally {
        for (const c of idle) c.destroy();
        await sleep(200);
      }
    });
  });

  describe('frames', () => {
    let conn: RawConnection | undefined;
    const open = async () => (conn = await openRaw(node));
    const cleanup = () => {
      conn?.destroy();
      conn = undefined;
    };

    it('closes with 1002 on an unmasked client frame', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.text, '{"jsonrpc":"2.0","id":1,"method":"initialize"}', { mask: false }));
        await expectCloseFrame(c, 1002, 'client frames must be masked');
      } finally {
        cleanup();
      }
    });

    it('closes with 1009 as soon as a frame header announces more than 1 MiB', async () => {
      try {
        const c = await open();
        const header = Buffer.alloc(14);
        header[0] = 0x80 | Op.text;
        header[1] = 0x80 | 127;
        header.writeBigUInt64BE(BigInt(1024 * 1024 + 1), 2);
        randomBytes(4).copy(header, 10);
        const sent = Date.now();
        c.write(header); // and no payload
        await expectCloseFrame(c, 1009, 'message too big');
        assert.ok(Date.now() - sent < 1000, 'the close came without waiting for the payload');
      } finally {
        cleanup();
      }
    });

    it('accepts a frame of exactly 1 MiB', async () => {
      // The other side of the 1009 boundary: a padded request of 1 MiB is processed.
      try {
        const c = await open();
        const base = '{"jsonrpc":"2.0","id":"big","method":"initialize","pad":""}';
        const pad = 'x'.repeat(1024 * 1024 - Buffer.byteLength(base));
        const message = base.replace('"pad":""', `"pad":"${pad}"`);
        assert.equal(Buffer.byteLength(message), 1024 * 1024);
        c.write(clientFrame(Op.text, message));
        const answer = await c.readJson(5000);
        assert.equal(answer.id, 'big');
        assert.ok(answer.result, JSON.stringify(answer.error));
      } finally {
        cleanup();
      }
    });

    it('closes with 1003 on a binary frame', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.binary, Buffer.from('{"jsonrpc":"2.0","id":1,"method":"initialize"}')));
        await expectCloseFrame(c, 1003, 'binary frames are not supported; send JSON text');
      } finally {
        cleanup();
      }
    });

    it('closes with 1007 on invalid UTF-8 in a text frame', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.text, Buffer.from([0x22, 0xc3, 0x28, 0x22])));
        await expectCloseFrame(c, 1007, 'text message is not valid UTF-8');
      } finally {
        cleanup();
      }
    });

    it('answers a ping between fragments with a pong, then answers the reassembled request', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.text, '{"jsonrpc":"2.0",', { fin: false }));
        await sleep(20);
        c.write(clientFrame(Op.ping, 'are you there?'));
        const pong = await c.readFrame();
        assert.equal(pong.opcode, Op.pong);
        assert.equal(pong.fin, true);
        assert.equal(pong.payload.toString(), 'are you there?');
        c.write(clientFrame(Op.continuation, '"id":"frag","method":', { fin: false }));
        await sleep(20);
        await c.expectSilence(50);
        c.write(clientFrame(Op.continuation, '"initialize"}'));
        const answer = await c.readJson();
        assert.equal(answer.id, 'frag');
        assert.equal(answer.result?.node, 'nonode@nohost');
        await c.expectSilence(100);
      } finally {
        cleanup();
      }
    });

    it('closes with 1002 on a continuation frame without a message in progress', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.continuation, '{"jsonrpc":"2.0"}'));
        await expectCloseFrame(c, 1002, 'continuation frame without a message in progress');
      } finally {
        cleanup();
      }
    });

    it('closes with 1002 on a new data frame while a fragmented message is in progress', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.text, '{"jsonrpc":', { fin: false }));
        c.write(clientFrame(Op.text, '"2.0"}'));
        await expectCloseFrame(c, 1002, 'new data frame while a fragmented message is in progress');
      } finally {
        cleanup();
      }
    });

    it('closes with 1002 on a control frame over 125 bytes', async () => {
      try {
        const c = await open();
        c.write(clientFrame(Op.ping, Buffer.alloc(126, 0x61)));
        await expectCloseFrame(c, 1002, 'control frame payload too long');
      } finally {
        cleanup();
      }
    });

    it('closes with 1002 on reserved bits and on an unknown opcode', async () => {
      try {
        const c = await open();
        const frame = clientFrame(Op.text, '{}');
        frame[0] |= 0x40; // RSV1: no extension was negotiated
        c.write(frame);
        await expectCloseFrame(c, 1002, 'reserved bits set');
      } finally {
        cleanup();
      }
      try {
        const c = await open();
        c.write(clientFrame(0x3, 'x'));
        await expectCloseFrame(c, 1002, 'unknown opcode');
      } finally {
        cleanup();
      }
    });

    it('echoes a client close frame with the same code', async () => {
      for (const code of [1000, 3001, 4999]) {
        try {
          const c = await open();
          c.write(clientFrame(Op.close, closePayload(code, 'bye')));
          await expectCloseFrame(c, code, '');
        } finally {
          cleanup();
        }
      }
    });

    it('answers an invalid close frame with 1002 or 1007', async () => {
      const cases: [Buffer, number][] = [
        [Buffer.from([0x03]), 1002], // a 1-byte payload
        [closePayload(1005), 1002], // a code that must never be sent
        [closePayload(2000), 1002], // an unassigned code
        [Buffer.concat([closePayload(1000), Buffer.from([0xff])]), 1007], // a reason that is not UTF-8
      ];
      for (const [payload, code] of cases) {
        try {
          const c = await open();
          c.write(clientFrame(Op.close, payload));
          await expectCloseFrame(c, code, '');
        } finally {
          cleanup();
        }
      }
    });
  });

  describe('JSON-RPC envelope', () => {
    let conn: RawConnection;
    before(async () => {
      conn = await openRaw(node);
    });
    after(() => conn?.destroy());

    it('answers malformed JSON with -32700 and id null', async () => {
      const answer = await rpc(conn, '{"jsonrpc": "2.0", "id": 1, "method": "initialize"');
      assertError(answer, null, ErrorCodes.ParseError, /^parse error: \S/);
      const trailing = await rpc(conn, '{"jsonrpc":"2.0","id":2,"method":"initialize"} x');
      assertError(trailing, null, ErrorCodes.ParseError, /^parse error: \S/);
    });

    it('refuses a batch with -32600', async () => {
      const answer = await rpc(conn, [{ jsonrpc: '2.0', id: 1, method: 'initialize' }]);
      assertError(answer, null, ErrorCodes.InvalidRequest, 'batch requests are not supported');
    });

    it('refuses a version other than 2.0 with -32600, keeping the id', async () => {
      const answer = await rpc(conn, { jsonrpc: '1.0', id: 5, method: 'initialize' });
      assertError(answer, 5, ErrorCodes.InvalidRequest, 'invalid request: expected {"jsonrpc": "2.0", "method": string, ...}');
      const noMethod = await rpc(conn, { jsonrpc: '2.0', id: 'm' });
      assertError(noMethod, 'm', ErrorCodes.InvalidRequest, 'invalid request: expected {"jsonrpc": "2.0", "method": string, ...}');
    });

    it('answers an unknown method with -32601 naming it', async () => {
      const method = `no_such/method_${randomBytes(6).toString('hex')}`;
      const answer = await rpc(conn, { jsonrpc: '2.0', id: 7, method });
      assertError(answer, 7, ErrorCodes.MethodNotFound, `unknown method: ${method}`);
    });

    it('answers params given as an array with -32602', async () => {
      const answer = await rpc(conn, { jsonrpc: '2.0', id: 8, method: 'processes/list', params: [10] });
      assertError(answer, 8, ErrorCodes.InvalidParams, 'params must be an object');
      const info = await rpc(conn, { jsonrpc: '2.0', id: 9, method: 'process/info', params: [node.pids.counter] });
      assertError(info, 9, ErrorCodes.InvalidParams, 'params must be an object');
    });

    it('sends no response to a notification', async () => {
      conn.write(textFrame({ jsonrpc: '2.0', method: 'initialize' }));
      conn.write(textFrame({ jsonrpc: '2.0', method: 'processes/list', params: { limit: 1 } }));
      conn.write(textFrame({ jsonrpc: '2.0', method: 'processes/list', params: { limit: 0 } }));
      const answer = await rpc(conn, { jsonrpc: '2.0', id: 'after-notifications', method: 'initialize' });
      assert.equal(answer.id, 'after-notifications');
      assert.ok(answer.result);
      await conn.expectSilence(200);
    });

    it('refuses an id that is an object with -32600 and id null', async () => {
      const answer = await rpc(conn, { jsonrpc: '2.0', id: { a: 1 }, method: 'initialize' });
      assertError(answer, null, ErrorCodes.InvalidRequest, 'id must be a string, a number or null');
      const arrayId = await rpc(conn, { jsonrpc: '2.0', id: [1], method: 'initialize' });
      assertError(arrayId, null, ErrorCodes.InvalidRequest, 'id must be a string, a number or null');
    });

    it('still serves requests on the same connection after all those errors', async () => {
      const answer = await rpc(conn, { jsonrpc: '2.0', id: 10, method: 'initialize' });
      assert.equal(answer.id, 10);
      assert.equal(answer.result?.node, 'nonode@nohost');
    });
  });

  describe('per-connection limits', () => {
    it('rate-limits a flood of 400 requests, answers each exactly once, and recovers', async () => {
      const conn = await openRaw(node);
      try {
        const count = 400;
        const frames: Buffer[] = [];
        for (let id = 1; id <= count; id++) frames.push(textFrame({ jsonrpc: '2.0', id, method: 'initialize' }));
        conn.write(Buffer.concat(frames));

        const seen = new Map<number, JsonRpcResponse>();
        for (let i = 0; i < count; i++) {
          const answer = await conn.readJson(3000);
          const id = answer.id as number;
          assert.ok(Number.isInteger(id) && id >= 1 && id <= count, `unexpected id ${JSON.stringify(answer.id)}`);
          assert.ok(!seen.has(id), `request ${id} answered twice`);
          seen.set(id, answer);
        }
        await conn.expectSilence(200);

        const answers = [...seen.values()];
        const ok = answers.filter((a) => a.result);
        const limited = answers.filter((a) => a.error?.code === ErrorCodes.RateLimited);
        const busy = answers.filter((a) => a.error?.code === ErrorCodes.TooManyInflight);
        assert.equal(
          ok.length + limited.length + busy.length,
          count,
          `other answers: ${JSON.stringify(answers.find((a) => !a.result && a.error?.code !== -32007 && a.error?.code !== -32008))}`,
        );
        assert.ok(limited.length >= 100, `${limited.length} rate-limited of ${count}`);
        assert.ok(ok.length >= 8, `${ok.length} served`);
        for (const a of limited) assert.match(a.error!.message, /^rate limit exceeded/);
        // The burst (200 tokens, refused requests spend one too) goes first: none of the first 200 is rate-limited.
        const firstLimited = Math.min(...limited.map((a) => a.id as number));
        assert.ok(firstLimited > 200, `rate limiting started at request ${firstLimited}`);

        await sleep(2000);
        const after = await rpc(conn, { jsonrpc: '2.0', id: 'recovered', method: 'initialize' });
        assert.equal(after.id, 'recovered');
        assert.equal(after.result?.node, 'nonode@nohost');
      } finally {
        conn.destroy();
      }
    });

    it('accepts 8 requests in flight and refuses the rest at once with -32008', async () => {
      const conn = await openRaw(node);
      try {
        const frames: Buffer[] = [];
        for (let id = 1; id <= 12; id++) {
          frames.push(textFrame({ jsonrpc: '2.0', id, method: 'process/state', params: { pid: node.pids.stuck, timeoutMs: 1500 } }));
        }
        const sent = Date.now();
        conn.write(Buffer.concat(frames));

        const answers: { at: number; answer: JsonRpcResponse }[] = [];
        for (let i = 0; i < 12; i++) {
          const answer = await conn.readJson(4000);
          answers.push({ at: Date.now() - sent, answer });
        }
        await conn.expectSilence(100);

        const refused = answers.filter((a) => a.answer.error?.code === ErrorCodes.TooManyInflight);
        const timedOut = answers.filter((a) => a.answer.error?.code === ErrorCodes.Timeout);
        assert.equal(refused.length, 4, JSON.stringify(answers));
        assert.equal(timedOut.length, 8, JSON.stringify(answers));
        assert.deepEqual(
          refused.map((a) => a.answer.id).sort((x, y) => (x as number) - (y as number)),
          [9, 10, 11, 12],
        );
        assert.deepEqual(
          timedOut.map((a) => a.answer.id).sort((x, y) => (x as number) - (y as number)),
          [1, 2, 3, 4, 5, 6, 7, 8],
        );
        for (const r of refused) {
          assert.equal(r.answer.error!.message, 'too many requests in flight on this connection');
          assert.ok(r.at < 500, `refused after ${r.at} ms, not at once`);
        }
        for (const t of timedOut) {
          assert.match(
            t.answer.error!.message,
            new RegExp(`^process ${node.pids.stuck.replace(/[<>.]/g, '\\$&')} did not answer within 1500 ms`),
          );
          assert.ok(t.at >= 1400 && t.at < 3500, `timed out after ${t.at} ms`);
        }

        // The slots are free again.
        const answer = await rpc(conn, { jsonrpc: '2.0', id: 'free', method: 'initialize' });
        assert.equal(answer.id, 'free');
        assert.ok(answer.result);
      } finally {
        conn.destroy();
      }
    });
  });

  describe('after all of that', () => {
    it('a legitimate client still works and the node is unharmed', async () => {
      const client = await AgentClient.connect({ port: node.port, token: node.token });
      try {
        assert.equal(client.info.node, 'nonode@nohost');
        assert.equal(client.info.limits.maxClients, 8);
        const rows = await client.listProcesses({ filter: 'fixture_counter', limit: 5 });
        assert.deepEqual(
          rows.rows.map((r) => r.pid),
          [node.pids.counter],
        );

        // Agent processes hibernate or collect garbage after the load: give them a moment.
        await assertNodeUnharmed(node, {
          atomsBaseline: atomsAtStart,
          atomsMessage: 'no atom was created by what the tests sent',
          memoryBaseline,
          settleMs: 3000,
          pollMs: 200,
        });
      } finally {
        client.dispose();
      }
    });
  });
});

describe("the token and the node's logs", () => {
  it('a crash report of the agent killed from outside never prints the token', () => {
    // The agent killed from outside: its listener exits with the supervisor and OTP logs its state.
    const result = spawnSync(
      'erl',
      [
        '-noshell',
        '-pa',
        AGENT_EBIN,
        '-eval',
        [
          '{ok, #{token := T}} = beam_observer_agent:start(),',
          'io:format("token ~s~n", [T]),',
          'exit(whereis(beam_observer_sup), kill),',
          'timer:sleep(500), halt().',
        ].join(' '),
      ],
      { encoding: 'utf8', env: nodeEnv(), timeout: 20_000 },
    );
    const output = result.stdout + result.stderr;
    const token = /^token (\S+)$/m.exec(output)?.[1];
    assert.ok(token && token.length >= 32, `the test printed the token: ${output.slice(0, 200)}`);
    assert.match(output, /beam_observer_listener terminating/, "OTP did log the listener's crash, with its state");
    assert.equal(output.split(token).length - 1, 1, `the token appears only where the test printed it:\n${output}`);
  });
});
