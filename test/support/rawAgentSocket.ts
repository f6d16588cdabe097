/**
 * Raw TCP access to the agent for the transport-level tests (security and
 * fuzzing): they must send exactly the bytes they mean, broken ones
 * included, and read exactly what comes back, so they speak node:net rather
 * than a WebSocket library.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const Op = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Where an agent listens and the token it wants (a FixtureNode is one). */
export interface AgentAddress {
  port: number;
  token: string;
}

export interface HttpResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export interface JsonRpcResponse {
  jsonrpc: string;
  id: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/**
 * A raw TCP connection that buffers everything the agent sends and lets a
 * test take an HTTP response or a WebSocket frame off the front.
 */
export class RawConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiters = new Set<() => void>();
  private isClosed = false;
  /** The socket error that ended the connection, if any (ECONNRESET...). */
  socketError: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    // A reset after the agent's answer is fine: the answer is already buffered.
    socket.on('error', (error) => {
      this.socketError = error;
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** True once the TCP connection is fully closed. */
  get hasClosed(): boolean {
    return this.isClosed;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Half-close: send FIN, keep reading. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Bytes received and not taken yet. */
  pending(): number {
    return this.buffer.length;
  }

  /** The bytes received and not taken yet, for error messages. */
  unparsed(): string {
    return JSON.stringify(this.buffer.subarray(0, 512).toString('latin1'));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Wait until take() finds something complete at the front of the buffer.
   * With allowEnd, a connection that closed with nothing left to read
   * resolves with undefined instead of failing.
   */
  private async take<T>(take: () => T | undefined, timeoutMs: number, what: string, allowEnd = false): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = take();
      if (value !== undefined) return value;
      if (this.isClosed) {
        if (allowEnd && this.buffer.length === 0) return undefined;
        throw new Error(`connection closed while waiting for ${what}; unparsed bytes: ${this.unparsed()}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`no ${what} within ${timeoutMs} ms; unparsed bytes: ${this.unparsed()}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        this.waiters.add(done);
      });
    }
  }

  private takeHttpResponse(): HttpResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(statusLine);
    assert.ok(match, `malformed status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      assert.ok(colon > 0, `malformed response header: ${JSON.stringify(line)}`);
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? '0');
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status: Number(match[1]), reason: match[2], headers, body };
  }

  private takeFrame(): Frame | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    assert.equal(b[0] & 0x70, 0, 'server frames have no RSV bits');
    assert.equal(b[1] & 0x80, 0, 'server frames are not masked');
    let length = b[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (b.length < offset + length) return undefined;
    const frame = { fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload: b.subarray(offset, offset + length) };
    this.buffer = b.subarray(offset + length);
    return frame;
  }

  async readHttpResponse(timeoutMs = 2000): Promise<HttpResponse> {
    return (await this.take(() => this.takeHttpResponse(), timeoutMs, 'HTTP response'))!;
  }

  /** An HTTP response, or undefined if the agent closed without sending anything. */
  readHttpResponseOrEnd(timeoutMs = 2000): Promise<HttpResponse | undefined> {
    return this.take(() => this.takeHttpResponse(), timeoutMs, 'HTTP response', true);
  }

  async readFrame(timeoutMs = 2000): Promise<Frame> {
    return (await this.take(() => this.takeFrame(), timeoutMs, 'WebSocket frame'))!;
  }

  /** A frame, or undefined once the connection has closed with nothing left to read. */
  readFrameOrEnd(timeoutMs = 2000): Promise<Frame | undefined> {
    return this.take(() => this.takeFrame(), timeoutMs, 'WebSocket frame', true);
  }

  async readJson(timeoutMs = 2000): Promise<JsonRpcResponse> {
    const frame = await this.readFrame(timeoutMs);
    assert.equal(frame.opcode, Op.text, `expected a text frame, got opcode ${frame.opcode}: ${frame.payload.toString()}`);
    assert.equal(frame.fin, true);
    return JSON.parse(frame.payload.toString('utf8')) as JsonRpcResponse;
  }

  /** Resolves when the agent has closed the connection; fails after timeoutMs. */
  async expectClosed(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the agent did not close the connection within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asserts that nothing arrives for ms milliseconds. */
  async expectSilence(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    assert.equal(this.buffer.length, 0, `unexpected bytes: ${this.unparsed()}`);
  }
}

/**
 * Headers of a valid upgrade request; a test overrides some (null removes
 * one). The key is random unless given.
 */
export function upgradeRequest(
  agent: AgentAddress,
  overrides: Record<string, string | null> = {},
  requestLine = 'GET / HTTP/1.1',
  key = randomBytes(16).toString('base64'),
): { text: string; key: string } {
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  set('Host', `127.0.0.1:${agent.port}`);
  set('Upgrade', 'websocket');
  set('Connection', 'Upgrade');
  set('Sec-WebSocket-Key', key);
  set('Sec-WebSocket-Version', '13');
  set('Authorization', `Bearer ${agent.token}`);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) headers.delete(name.toLowerCase());
    else set(name, value);
  }
  const lines = [...headers.values()].map(([name, value]) => `${name}: ${value}`);
  return { text: `${requestLine}\r\n${lines.join('\r\n')}\r\n\r\n`, key };
}

/** Send one upgrade request on a new connection and read the answer. */
export async function handshake(
  agent: AgentAddress,
  overrides: Record<string, string | null> = {},
  requestLine?: string,
): Promise<{ response: HttpResponse; key: string; conn: RawConnection }> {
  const conn = await RawConnection.connect(agent.port);
  const { text, key } = upgradeRequest(agent, overrides, requestLine);
  conn.write(text);
  try {
    return { response: await conn.readHttpResponse(), key, conn };
  } catch (error) {
    conn.destroy();
    throw error;
  }
}

export function expectedAccept(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/** A WebSocket that passed the handshake, as raw TCP. */
export async function openRaw(agent: AgentAddress, overrides: Record<string, string | null> = {}): Promise<RawConnection> {
  const { response, key, conn } = await handshake(agent, overrides);
  if (response.status !== 101) {
    conn.destroy();
    assert.fail(`expected 101, got ${response.status}: ${response.body}`);
  }
  assert.equal(response.headers['sec-websocket-accept'], expectedAccept(key));
  assert.equal(response.headers['upgrade']?.toLowerCase(), 'websocket');
  assert.equal(response.headers['connection']?.toLowerCase(), 'upgrade');
  return conn;
}

/**
 * A client frame; masked unless told otherwise, as RFC 6455 requires, with
 * a random key unless one is given.
 */
export function clientFrame(
  opcode: number,
  payload: Buffer | string = Buffer.alloc(0),
  options: { fin?: boolean; mask?: boolean; maskKey?: Buffer } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const fin = options.fin ?? true;
  const mask = options.mask ?? true;
  const maskBit = mask ? 0x80 : 0;
  let header: Buffer;
  if (data.length < 126) {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, maskBit | data.length]);
  } else if (data.length < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = maskBit | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  if (!mask) return Buffer.concat([header, data]);
  const key = options.maskKey ?? randomBytes(4);
  return Buffer.concat([header, key, maskBytes(data, key)]);
}

/** XOR a payload with a 4-byte masking key (masking and unmasking are the same). */
export function maskBytes(data: Buffer, key: Buffer): Buffer {
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[i & 3];
  return out;
}

export function textFrame(value: unknown): Buffer {
  return clientFrame(Op.text, typeof value === 'string' ? value : JSON.stringify(value));
}

export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}
