/**
 * Abuse: a seeded fuzzer against the real agent in a real `erl` node
 * (test/fixtures/observer_fixture.erl), aimed only at 127.0.0.1, bounded in
 * count (the numbers in MAIN_COUNTS, more than 10,000 malformed inputs) and
 * in time (FUZZ_BUDGET_MS, and a short timeout per input).
 *
 * Every input is generated from its own PRNG (mulberry32), seeded from the
 * run's seed, its category and its index, so the inputs do not depend on
 * timing and a failure names the seed that replays them (the interleaving
 * of the lanes below is up to the scheduler):
 * BEAM_OBSERVER_FUZZ_SEED=<seed> node --test out/test/integration/agentFuzz.test.js
 *
 * The oracle is a model of the protocol in docs/protocol.md, written here
 * from the documentation: for every input it predicts what the agent must
 * answer (an HTTP status from the refusal table, a close frame with a
 * documented code, a JSON-RPC reply with a documented code, a result for a
 * valid but odd request, or nothing for a notification), and the test
 * checks that, and that the answer comes within a short time: a hang is a
 * failure that prints the input in hex. Where the documentation leaves a
 * choice (which of two bad parameters is reported first), the model accepts
 * each of the documented outcomes.
 *
 * Lanes run side by side, each within the agent's limits:
 *  - JSON level (invalid JSON, invalid JSON-RPC, unknown methods, wrong
 *    parameter types, pids, atom-like strings) on JSON_CONNECTIONS
 *    authenticated connections kept open, one input at a time per
 *    connection, paced under the per-connection rate limit (a -32007 still
 *    counts as a documented outcome);
 *  - frames and oversized messages, each on a new connection (the agent
 *    closes it), sharing the remaining client slots with the handshakes
 *    expected to succeed;
 *  - malformed handshakes, each on a new connection, plus a few slowloris
 *    heads that must get 408.
 * The node logs to stderr, and an error or crash report logged during a
 * round (an agent process that died) is a failure too.
 *
 * A warm-up round (the same lanes, another seed, fewer inputs) and a call of
 * every method first load whatever modules the agent loads on demand, so
 * that the atom count measured after it is a baseline the main round must
 * not move. Afterwards a legitimate client must still be served, the atom
 * count must not have moved, the agent's memory must be back near its
 * baseline and every process of the fixture must be alive.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { AgentClient } from '../../extension/src/agent/agentClient';
import { FixtureNode, startErlangFixture } from '../support/beamNode';
import { Frame, Op, RawConnection, expectedAccept, maskBytes, upgradeRequest } from '../support/rawAgentSocket';
import { sleep } from '../support/wait';

// ---------------------------------------------------------------------------
// Budget
// ---------------------------------------------------------------------------

const MAIN_COUNTS = {
  handshake: 2500,
  frames: 2400,
  oversized: 60,
  invalidJson: 2500,
  invalidJsonRpc: 1500,
  unknownMethods: 1500,
  wrongParams: 1500,
  pids: 800,
  atomLike: 1500,
};
type Category = keyof typeof MAIN_COUNTS;
const CATEGORIES = Object.keys(MAIN_COUNTS) as Category[];
const JSON_CATEGORIES: Category[] = ['invalidJson', 'invalidJsonRpc', 'unknownMethods', 'wrongParams', 'pids', 'atomLike'];
const MIN_TOTAL_INPUTS = 10_000;
/** The warm-up round runs this fraction of each category. */
const WARMUP_DIVISOR = 25;

/** The agent's documented limits (docs/protocol.md). */
const MAX_CLIENTS = 8;
const MAX_FRAME_BYTES = 1024 * 1024;
const MAX_HEAD_BYTES = 8192;
const RATE_PER_SECOND = 100;
const RATE_BURST = 200;

const JSON_CONNECTIONS = 5;
/** Client slots left for connections that come and go (frames, successful handshakes). */
const SPARE_CLIENT_SLOTS = MAX_CLIENTS - JSON_CONNECTIONS;
const FRAME_CONCURRENCY = 2;
const HANDSHAKE_CONCURRENCY = 4;
const SLOWLORIS_INPUTS = 4;

/** How long one input may take before it counts as a hang (the machine is shared and noisy). */
const INPUT_TIMEOUT_MS = 4000;
const OVERSIZED_TIMEOUT_MS = 8000;
/** The handshake timeout is 5 s; the 408 must come within this. */
const SLOWLORIS_TIMEOUT_MS = 9000;
const FUZZ_BUDGET_MS = 40_000;
/** Stop a round after this many failures, or this many hangs. */
const MAX_FAILURES = 300;
const MAX_HANGS = 6;
/** Random local pids are <0.N.0> with N below this; the warm-up visits each once. */
const LOCAL_PID_RANGE = 100;

// ---------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------

function fuzzSeed(): number {
  const text = process.env.BEAM_OBSERVER_FUZZ_SEED;
  if (text === undefined || text.trim() === '') return randomInt(0x1_0000_0000);
  const seed = Number(text.trim());
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new Error(`BEAM_OBSERVER_FUZZ_SEED must be an integer from 0 to 4294967295, not ${JSON.stringify(text)}`);
  }
  return seed;
}

/** mulberry32: a tiny 32-bit PRNG, plenty for choosing inputs. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** A 32-bit hash of a few integers, to give every input a seed of its own. */
function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  ident(min = 6, max = 12): string {
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789_';
    let s = this.pick([...'abcdefghijklmnopqrstuvwxyz']);
    const n = this.range(min, max);
    for (let i = 1; i < n; i++) s += chars[this.int(chars.length)];
    return s;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function isValidUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A string whose characters are bytes (latin1), from UTF-8 text. */
function u8(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function hex(bytes: Buffer, max = 300): string {
  const shown = bytes.subarray(0, max).toString('hex');
  return bytes.length > max ? `${shown}… (${bytes.length} bytes in all)` : `${shown} (${bytes.length} bytes)`;
}

const S = (text: string): string => JSON.stringify(text);

/** A JSON object from already-encoded member values (undefined leaves a member out). */
function obj(members: Record<string, string | undefined>): string {
  return `{${Object.entries(members).filter(([, v]) => v !== undefined).map(([k, v]) => `${S(k)}:${v}`).join(',')}}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what}: no outcome within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A failure message for an exception: a timeout anywhere is a hang. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('hang')) return message;
  return /^no .+ within \d+ ms/.test(message) ? `hang: ${message}` : `error: ${message}`;
}

class HangError extends Error {}

class Semaphore {
  private waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/** A raw connection that sends each write at once (no Nagle delay between the pieces of an input). */
async function connect(node: FixtureNode): Promise<RawConnection> {
  const conn = await RawConnection.connect(node.port);
  conn.socket.setNoDelay(true);
  return conn;
}

// ---------------------------------------------------------------------------
// Model of the agent's JSON (RFC 8259 with the documented limits)
// ---------------------------------------------------------------------------

interface JNumber { kind: 'int' | 'float'; value: number }
class JObject {
  constructor(readonly members: Map<string, JValue>) {}
  get(key: string): JValue | undefined {
    return this.members.get(key);
  }
  has(key: string): boolean {
    return this.members.has(key);
  }
}
type JValue = null | boolean | string | JNumber | JValue[] | JObject;

const isNumber = (v: JValue | undefined): v is JNumber => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JObject);
const isInt = (v: JValue | undefined): v is JNumber => isNumber(v) && v.kind === 'int';

const JSON_MAX_DEPTH = 64;
const JSON_MAX_INTEGER_DIGITS = 1000;

class JsonModelError extends Error {}

/**
 * Parse text as the agent must: RFC 8259 JSON, nesting at most 64 deep,
 * integers of at most 1000 digits, floats within the double range, no
 * unpaired surrogate escapes. Integers and floats stay distinct (5 and 5.0
 * are not the same parameter).
 */
function parseJson(text: string): JValue | JsonModelError {
  let i = 0;
  const n = text.length;
  const fail = (why: string): never => {
    throw new JsonModelError(`${why} at ${i}`);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const hex4 = (): number => {
    const digits = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('bad \\u escape');
    i += 4;
    return parseInt(digits, 16);
  };
  const string = (): string => {
    i++; // the opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        out += text[i++];
        continue;
      }
      i++;
      const e = text[i++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const cp = hex4();
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (text.slice(i, i + 2) !== '\\u') fail('unpaired surrogate');
            i += 2;
            const low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail('unpaired surrogate');
            out += String.fromCharCode(cp, low);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            fail('unpaired surrogate');
          } else {
            out += String.fromCharCode(cp);
          }
          break;
        }
        default:
          fail('bad escape');
      }
    }
  };
  const numberRe = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const number = (): JNumber => {
    numberRe.lastIndex = i;
    const m = numberRe.exec(text);
    if (!m) return fail('bad number');
    const lexeme = m[0];
    i += lexeme.length;
    if (m[1] === undefined && m[2] === undefined) {
      const digits = lexeme.length - (lexeme.startsWith('-') ? 1 : 0);
      if (digits > JSON_MAX_INTEGER_DIGITS) fail('integer too long');
      return { kind: 'int', value: Number(lexeme) };
    }
    const value = Number(lexeme);
    if (!Number.isFinite(value)) fail('float out of range');
    return { kind: 'float', value };
  };
  const literal = (word: string, value: JValue): JValue => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('bad literal');
  };
  const value = (depth: number): JValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      if (depth + 1 > JSON_MAX_DEPTH) fail('too deep');
      i++;
      const members = new Map<string, JValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return new JObject(members);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i] !== ':') fail('expected a colon');
        i++;
        members.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return new JObject(members);
        }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      if (depth + 1 > JSON_MAX_DEPTH) fail('too deep');
      i++;
      const items: JValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    return fail('unexpected character');
  };
  try {
    const result = value(0);
    ws();
    if (i !== n) fail('trailing characters');
    return result;
  } catch (error) {
    if (error instanceof JsonModelError) return error;
    throw error;
  }
}

// ---------------------------------------------------------------------------
// Model of the JSON-RPC layer (docs/protocol.md, "Messages" and "Errors")
// ---------------------------------------------------------------------------

const E = {
  Parse: -32700, InvalidRequest: -32600, MethodNotFound: -32601, InvalidParams: -32602, Internal: -32603,
  NotFound: -32001, NotOtp: -32002, Timeout: -32003, MailboxTooLarge: -32004, AgentProcess: -32005,
  OtherNode: -32006, RateLimited: -32007, TooManyInflight: -32008,
} as const;

type Outcome = 'result' | number;

interface MessagePrediction {
  /**
   * sync: one reply from the connection itself (parse error, invalid request);
   * dispatch: one reply to a request with an id;
   * notify: a request without id, never answered;
   * none: a response object from the client, ignored (or refused with -32600).
   */
  kind: 'sync' | 'dispatch' | 'notify' | 'none';
  id: JValue;
  allowed: Set<Outcome>;
  /** Passed the envelope checks: spends one rate-limit token. */
  usesToken: boolean;
  maxWaitMs: number;
}

type PidCheck = { kind: 'invalid' } | { kind: 'other' } | { kind: 'local'; certain: boolean; alsoOther: boolean };

/** docs/protocol.md: "<0.123.0>" or "#PID<0.123.0>"; a first number other than 0 is another node's. */
function checkPid(v: JValue | undefined): PidCheck {
  if (typeof v !== 'string' || Buffer.byteLength(v) > 64) return { kind: 'invalid' };
  const plain = v.startsWith('#PID') ? v.slice(4) : v;
  // The agent matches with PCRE, where $ also matches before a final newline.
  const m = /^<(\d{1,10})\.(\d{1,10})\.(\d{1,10})>\n?$/.exec(plain);
  if (!m) return { kind: 'invalid' };
  if (!/^0+$/.test(m[1])) return { kind: 'other' };
  // A pid the VM can build: 15-bit number, 13-bit serial.
  const certain = !plain.endsWith('\n') && Number(m[2]) <= 32767 && Number(m[3]) <= 8191;
  return { kind: 'local', certain, alsoOther: m[1] !== '0' };
}

function intParam(params: JObject, name: string, lo: number, hi: number): 'absent' | 'ok' | 'bad' {
  if (!params.has(name)) return 'absent';
  const v = params.get(name);
  return isInt(v) && v.value >= lo && v.value <= hi ? 'ok' : 'bad';
}

/** What a method may answer to these params, and how long it may take. */
function methodOutcomes(method: string, params: JValue): { allowed: Outcome[]; maxWaitMs: number } {
  const quick = (...allowed: Outcome[]) => ({ allowed, maxWaitMs: INPUT_TIMEOUT_MS });
  const notObject = !(params instanceof JObject);
  switch (method) {
    case 'initialize':
    case 'load/unsubscribe':
      return quick('result');
    case 'load/subscribe': {
      if (notObject) return quick(E.InvalidParams);
      return quick(intParam(params, 'intervalMs', 100, 60000) === 'bad' ? E.InvalidParams : 'result');
    }
    case 'processes/list': {
      if (notObject) return quick(E.InvalidParams);
      const sortBy = params.get('sortBy');
      const filter = params.get('filter');
      const ok = (sortBy === undefined || sortBy === 'reductions' || sortBy === 'memory' || sortBy === 'messageQueueLen')
        && intParam(params, 'limit', 1, 1000) !== 'bad'
        && (filter === undefined || filter === null || (typeof filter === 'string' && Buffer.byteLength(filter) <= 200));
      return quick(ok ? 'result' : E.InvalidParams);
    }
    case 'process/info':
    case 'process/state':
    case 'process/messages': {
      if (notObject) return quick(E.InvalidParams);
      const pid = checkPid(params.get('pid'));
      const extra = method === 'process/state' ? intParam(params, 'timeoutMs', 1, 30000)
        : method === 'process/messages' ? intParam(params, 'limit', 1, 100) : 'absent';
      const allowed = new Set<Outcome>();
      if (extra === 'bad') allowed.add(E.InvalidParams);
      if (pid.kind === 'invalid') allowed.add(E.InvalidParams);
      if (pid.kind === 'other') allowed.add(E.OtherNode);
      let maxWaitMs = INPUT_TIMEOUT_MS;
      if (pid.kind === 'local' && extra !== 'bad') {
        if (pid.alsoOther) allowed.add(E.OtherNode);
        if (!pid.certain) allowed.add(E.InvalidParams);
        allowed.add('result').add(E.NotFound);
        if (method === 'process/messages') allowed.add(E.MailboxTooLarge);
        if (method === 'process/state') {
          // "the state could not be formatted" is a documented -32603.
          [E.NotOtp, E.Timeout, E.AgentProcess, E.Internal].forEach((c) => allowed.add(c));
          const timeout = extra === 'ok' ? (params.get('timeoutMs') as JNumber).value : 5000;
          maxWaitMs = Math.max(INPUT_TIMEOUT_MS, timeout + 3000);
        }
      }
      return { allowed: [...allowed], maxWaitMs };
    }
    default:
      return quick(E.MethodNotFound);
  }
}

/** What the agent must do with one text message (docs/protocol.md, "Messages"). */
function predictMessage(text: string): MessagePrediction {
  const sync = (code: number, id: JValue = null): MessagePrediction =>
    ({ kind: 'sync', id, allowed: new Set([code]), usesToken: false, maxWaitMs: INPUT_TIMEOUT_MS });
  const parsed = parseJson(text);
  if (parsed instanceof JsonModelError) return sync(E.Parse);
  if (Array.isArray(parsed)) return sync(E.InvalidRequest); // batches are refused
  if (!(parsed instanceof JObject)) return sync(E.InvalidRequest);
  const method = parsed.get('method');
  if (parsed.get('jsonrpc') === '2.0' && typeof method === 'string') {
    if (!parsed.has('id')) {
      return { kind: 'notify', id: null, allowed: new Set(), usesToken: true, maxWaitMs: INPUT_TIMEOUT_MS };
    }
    const id = parsed.get('id')!;
    if (id !== null && typeof id !== 'string' && !isNumber(id)) return sync(E.InvalidRequest);
    const params = parsed.has('params') ? parsed.get('params')! : new JObject(new Map());
    const { allowed, maxWaitMs } = methodOutcomes(method, params);
    return {
      kind: 'dispatch', id, usesToken: true, maxWaitMs,
      allowed: new Set<Outcome>([...allowed, E.RateLimited, E.TooManyInflight]),
    };
  }
  if (parsed.has('result') || parsed.has('error')) {
    return { kind: 'none', id: null, allowed: new Set([E.InvalidRequest]), usesToken: false, maxWaitMs: INPUT_TIMEOUT_MS };
  }
  const id = parsed.get('id');
  const validId = id === undefined || id === null || typeof id === 'string' || isNumber(id);
  return sync(E.InvalidRequest, validId && id !== undefined ? id : null);
}

interface RpcReply {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
  method?: unknown;
}

function sameId(got: unknown, expected: JValue): boolean {
  if (expected === null || typeof expected === 'string') return got === expected;
  if (isNumber(expected)) return typeof got === 'number' && got === expected.value;
  return false;
}

/** Why a reply does not fit the prediction, or undefined when it does. */
function replyMismatch(reply: RpcReply, prediction: MessagePrediction, alsoAllowed: Outcome[] = []): string | undefined {
  if (reply.jsonrpc !== '2.0') return 'reply without "jsonrpc": "2.0"';
  if (!('id' in reply)) return 'reply without id';
  if ('result' in reply === 'error' in reply) return 'reply must carry exactly one of result and error';
  if (!sameId(reply.id, prediction.id)) return `reply id ${JSON.stringify(reply.id)}, expected ${describeJValue(prediction.id)}`;
  const allowed = new Set([...prediction.allowed, ...alsoAllowed]);
  if ('result' in reply) {
    if (!allowed.has('result')) return `a result, expected one of ${[...allowed].join(', ')}`;
    if (typeof reply.result !== 'object' || reply.result === null || Array.isArray(reply.result)) return 'result is not an object';
    return undefined;
  }
  const code = reply.error?.code;
  if (typeof code !== 'number' || !Number.isInteger(code)) return 'error without an integer code';
  if (typeof reply.error?.message !== 'string' || reply.error.message === '') return 'error without a message';
  if (!allowed.has(code)) return `error ${code} (${reply.error.message}), expected one of ${[...allowed].join(', ')}`;
  return undefined;
}

function describeJValue(v: JValue): string {
  if (isNumber(v)) return String(v.value);
  if (v instanceof JObject || Array.isArray(v)) return '(structure)';
  return JSON.stringify(v);
}

function outcomeName(reply: RpcReply): string {
  return 'result' in reply ? 'rpc result' : `rpc ${String(reply.error?.code)}`;
}

function isSample(reply: RpcReply): boolean {
  return reply.method === 'load/sample' && !('id' in reply);
}

// ---------------------------------------------------------------------------
// Model of the WebSocket layer (RFC 6455 and docs/protocol.md, "Closing codes")
// ---------------------------------------------------------------------------

type StreamEvent =
  | { kind: 'pong'; payload: Buffer }
  | { kind: 'reply'; prediction: MessagePrediction; required: boolean; alsoAllowed: Outcome[] };

interface StreamPrediction {
  events: StreamEvent[];
  /**
   * close: the agent sends a close frame with one of these codes once it has
   * read up to `at`, then closes; open: every frame was complete and the
   * connection stays open; incomplete: the agent waits for the rest.
   */
  end: { kind: 'close'; codes: number[]; at: number } | { kind: 'open' } | { kind: 'incomplete' };
}

const KNOWN_OPCODES = new Set([0, 1, 2, 8, 9, 10]);

function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function predictStream(data: Buffer): StreamPrediction {
  const events: StreamEvent[] = [];
  const close = (codes: number[], at: number): StreamPrediction => ({ events, end: { kind: 'close', codes, at } });
  let pos = 0;
  let assembling: number | null = null;
  let parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    const remaining = data.length - pos;
    if (remaining === 0) return { events, end: { kind: 'open' } };
    if (remaining < 2) return { events, end: { kind: 'incomplete' } };
    const b0 = data[pos];
    const b1 = data[pos + 1];
    const fin = (b0 & 0x80) !== 0;
    const rsv = (b0 >> 4) & 7;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const control = opcode >= 8;
    // Decided from the first two bytes: nothing after them is sent (see runFrameInput).
    if (rsv !== 0 || !KNOWN_OPCODES.has(opcode) || (control && (!fin || len7 > 125)) || !masked) return close([1002], pos + 2);
    let length: number;
    let header: number;
    if (len7 < 126) {
      length = len7;
      header = 2;
    } else if (len7 === 126) {
      if (remaining < 4) return { events, end: { kind: 'incomplete' } };
      length = data.readUInt16BE(pos + 2);
      header = 4;
    } else {
      if (remaining < 10) return { events, end: { kind: 'incomplete' } };
      const big = data.readBigUInt64BE(pos + 2);
      if (big >> 63n) return close([1002], pos + 10);
      if (big > BigInt(MAX_FRAME_BYTES)) return close([1009], pos + 10);
      length = Number(big);
      header = 10;
    }
    if (length > MAX_FRAME_BYTES) return close([1009], pos + header);
    if (remaining < header + 4 + length) return { events, end: { kind: 'incomplete' } };
    const key = data.subarray(pos + header, pos + header + 4);
    const payload = maskBytes(data.subarray(pos + header + 4, pos + header + 4 + length), key);
    pos += header + 4 + length;
    if (opcode === Op.close) {
      if (payload.length === 0) return close([1000], pos);
      if (payload.length === 1) return close([1002], pos);
      const code = payload.readUInt16BE(0);
      if (!validCloseCode(code)) return close([1002], pos);
      if (!isValidUtf8(payload.subarray(2))) return close([1007], pos);
      return close([code], pos);
    }
    if (opcode === Op.ping) {
      events.push({ kind: 'pong', payload });
      continue;
    }
    if (opcode === Op.pong) continue;
    if (opcode === Op.continuation) {
      if (assembling === null) return close([1002], pos);
    } else {
      if (assembling !== null) return close([1002], pos);
      assembling = opcode;
    }
    size += length;
    if (size > MAX_FRAME_BYTES) return close([1009], pos);
    if (!fin) {
      parts.push(payload);
      continue;
    }
    const message = parts.length === 0 ? payload : Buffer.concat([...parts, payload]);
    const messageOpcode = assembling;
    assembling = null;
    parts = [];
    size = 0;
    if (messageOpcode === Op.binary) return close([1003], pos);
    if (!isValidUtf8(message)) return close([1007], pos);
    const prediction = predictMessage(message.toString('utf8'));
    if (prediction.kind === 'sync') events.push({ kind: 'reply', prediction, required: true, alsoAllowed: [] });
    // A worker's reply is lost if the connection closes first.
    else if (prediction.kind === 'dispatch') events.push({ kind: 'reply', prediction, required: false, alsoAllowed: [] });
    else if (prediction.kind === 'none') {
      events.push({ kind: 'reply', prediction: { ...prediction, kind: 'sync' }, required: false, alsoAllowed: [] });
    }
  }
}

// ---------------------------------------------------------------------------
// Model of the HTTP upgrade (docs/protocol.md, "Refusals before the upgrade")
// ---------------------------------------------------------------------------

type HandshakePrediction =
  | { kind: 'status'; statuses: number[]; at: number; key?: string }
  | { kind: 'silent'; at: number }
  | { kind: 'timeout'; at: number };

const TCHARS = new Set([...'!#$%&\'*+-.^_`|~'].map((c) => c.charCodeAt(0)));
function isTokenChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || TCHARS.has(c);
}
function isToken(b: Buffer): boolean {
  return b.length > 0 && b.every(isTokenChar);
}
function hasCtl(b: Buffer): boolean {
  return b.some((c) => (c < 0x20 && c !== 0x09) || c === 0x7f);
}
function trimSpTab(b: Buffer): Buffer {
  let start = 0;
  let end = b.length;
  while (start < end && (b[start] === 0x20 || b[start] === 0x09)) start++;
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0x09)) end--;
  return b.subarray(start, end);
}
function splitBytes(b: Buffer, sep: string): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const at = b.indexOf(sep, start, 'latin1');
    if (at < 0) {
      out.push(b.subarray(start));
      return out;
    }
    out.push(b.subarray(start, at));
    start = at + sep.length;
  }
}
function hasListToken(value: Buffer | undefined, token: string): boolean {
  return splitBytes(value ?? Buffer.alloc(0), ',').some((t) => trimSpTab(t).toString('latin1').toLowerCase() === token);
}

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_STRICT = new RegExp(`^${IPV4_OCTET}\\.${IPV4_OCTET}\\.${IPV4_OCTET}\\.${IPV4_OCTET}$`);

function isLoopbackName(lower: string): boolean {
  let name = lower;
  if (lower.startsWith('[')) {
    const rest = lower.slice(1);
    const close = rest.indexOf(']');
    if (close >= 0) {
      const address = rest.slice(0, close);
      const after = rest.slice(close + 1);
      if (after === '' || /^:[0-9]+$/.test(after)) name = address;
    }
  } else {
    const parts = lower.split(':');
    if (parts.length <= 2) name = parts[0];
  }
  if (name === 'localhost' || name === '::1') return true;
  const m = IPV4_STRICT.exec(name);
  return m !== null && m[1] === '127';
}

/** Whether the agent takes a Host for loopback. */
function hostIsLoopback(host: Buffer): boolean {
  // The agent lowercases ASCII letters byte by byte: header bytes need not be UTF-8.
  return isLoopbackName(asciiLower(host).toString('latin1'));
}

function asciiLower(b: Buffer): Buffer {
  return Buffer.from(b.map((c) => (c >= 0x41 && c <= 0x5a ? c + 32 : c)));
}

/** The agent compares the token's bytes after trimming spaces and tabs (HTTP's OWS) only. */
function presentsToken(authorization: Buffer | undefined, token: string): boolean {
  if (!authorization || authorization.length < 7 || authorization[6] !== 0x20) return false;
  if (asciiLower(authorization.subarray(0, 6)).toString('latin1') !== 'bearer') return false;
  const presented = trimSpTab(authorization.subarray(7));
  return presented.length > 0 && presented.equals(Buffer.from(token, 'utf8'));
}

function predictHandshake(data: Buffer, token: string, fin: boolean): HandshakePrediction {
  const status = (...statuses: number[]): HandshakePrediction => ({ kind: 'status', statuses, at });
  let at = data.length;
  const end = data.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) {
    if (data.length > MAX_HEAD_BYTES) {
      at = MAX_HEAD_BYTES + 1;
      return status(400);
    }
    return fin ? { kind: 'silent', at } : { kind: 'timeout', at };
  }
  if (end + 4 > MAX_HEAD_BYTES) {
    at = Math.min(data.length, MAX_HEAD_BYTES + 1);
    return status(400);
  }
  at = end + 4;
  const [requestLine, ...headerLines] = splitBytes(data.subarray(0, end), '\r\n');
  const parts = splitBytes(requestLine, ' ');
  if (parts.length !== 3) return status(400);
  const [method, target, versionBytes] = parts;
  const version = versionBytes.toString('latin1');
  if (!/^HTTP\/[0-9]\.[0-9]$/.test(version) || !isToken(method) || target.length === 0 || hasCtl(target)) return status(400);
  const headers = new Map<string, Buffer>();
  for (const line of headerLines) {
    const colon = line.indexOf(0x3a);
    if (colon < 0) return status(400);
    const name = line.subarray(0, colon);
    const value = trimSpTab(line.subarray(colon + 1));
    if (!isToken(name) || hasCtl(value)) return status(400);
    const key = name.toString('latin1').toLowerCase();
    const previous = headers.get(key);
    headers.set(key, previous ? Buffer.concat([previous, Buffer.from(', '), value]) : value);
  }
  // The documented order: Origin, Host, token, then the upgrade headers.
  if (headers.has('origin')) return status(403);
  const host = headers.get('host');
  if (!host) return status(400);
  if (!hostIsLoopback(host)) return status(403);
  const afterHost = (): number[] => {
    if (!presentsToken(headers.get('authorization'), token)) return [401];
    if (method.toString('latin1') !== 'GET') return [405];
    if (version < 'HTTP/1.1') return [400];
    if (!hasListToken(headers.get('upgrade'), 'websocket')) return [426];
    if (!hasListToken(headers.get('connection'), 'upgrade')) return [400];
    if ((headers.get('sec-websocket-version')?.toString('latin1') ?? '') !== '13') return [426];
    const key = headers.get('sec-websocket-key')?.toString('latin1') ?? '';
    // Sec-WebSocket-Key: 16 bytes in base64 (RFC 6455, 4.2.1).
    if (/^[A-Za-z0-9+/]{22}==$/.test(key)) return [101];
    if (key.length === 24 && /^[A-Za-z0-9+/=\s]+$/.test(key) && /\s/.test(key)) return [400, 101];
    return [400];
  };
  const statuses = afterHost();
  return { kind: 'status', statuses, at, key: headers.get('sec-websocket-key')?.toString('latin1') };
}

// ---------------------------------------------------------------------------
// Run state, failures and outcomes
// ---------------------------------------------------------------------------

interface Round {
  name: 'warm-up' | 'main';
  seed: number;
  node: FixtureNode;
  counts: Record<Category, number>;
  /** Extra JSON inputs of the warm-up: every method on every random local pid. */
  sweepLocalPids: boolean;
  stats: Stats;
  deadline: number;
  clientSlots: Semaphore;
  /** When each lane finished, from the start of the round. */
  laneMs: Record<string, number>;
}

class Stats {
  readonly inputs = new Map<Category, number>();
  readonly outcomes = new Map<string, number>();
  /** Failures by kind (the message without its numbers), with the first example of each. */
  readonly failures = new Map<string, { count: number; example: string }>();
  failureCount = 0;
  hangs = 0;
  stopped = false;
  overBudget = false;
  laneMs: Record<string, number> = {};

  constructor(readonly seed: number, readonly round: string) {}

  input(category: Category): void {
    this.inputs.set(category, (this.inputs.get(category) ?? 0) + 1);
  }

  outcome(name: string): void {
    this.outcomes.set(name, (this.outcomes.get(name) ?? 0) + 1);
  }

  fail(category: Category | 'sweep' | 'node' | 'budget', index: number, what: string, input?: Buffer): void {
    const hang = what.startsWith('hang');
    this.outcome(hang ? 'HANG' : 'FAILURE');
    this.failureCount++;
    if (hang) this.hangs++;
    const kind = `${category}: ${what.replace(/[0-9a-f]{8,}|\d+/g, '#').slice(0, 90)}`;
    const entry = this.failures.get(kind);
    if (entry) entry.count++;
    else {
      const detail = input ? `\n      input: ${hex(input)}` : '';
      this.failures.set(kind, { count: 1, example: `[${this.round} ${category} #${index}] ${what}${detail}` });
    }
    // Keep going past one bug to find the others, within bounds: hangs cost time.
    if (this.failureCount >= MAX_FAILURES || this.hangs >= MAX_HANGS) this.stopped = true;
  }

  total(): number {
    return [...this.inputs.values()].reduce((a, b) => a + b, 0);
  }

  report(): string {
    const kinds = [...this.failures.entries()].sort((a, b) => b[1].count - a[1].count);
    return kinds.slice(0, 12).map(([kind, { count, example }]) => `  ${count} × ${kind}\n    e.g. ${example}`).join('\n')
      + (kinds.length > 12 ? `\n  ... and ${kinds.length - 12} more kinds` : '');
  }

  summary(elapsedMs: number): string {
    const inputs = CATEGORIES.map((c) => `${c}=${this.inputs.get(c) ?? 0}`).join(' ');
    const outcomes = [...this.outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(', ');
    return `agent fuzz ${this.round}: seed=${this.seed} inputs=${this.total()} (${inputs}) `
      + `outcomes {${outcomes}} in ${(elapsedMs / 1000).toFixed(1)} s `
      + `(lanes: ${Object.entries(this.laneMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')})`;
  }
}

function inputRng(round: Round, category: Category | 'sweep', index: number): Rng {
  const categoryIndex = category === 'sweep' ? 99 : CATEGORIES.indexOf(category);
  return new Rng(mix(round.seed, round.name === 'main' ? 1 : 2, categoryIndex, index));
}

function shouldStop(round: Round): boolean {
  if (round.stats.stopped) return true;
  if (Date.now() > round.deadline) {
    round.stats.overBudget = true;
    return true;
  }
  return false;
}

/** Run fn over 0..count-1 with this many at a time. */
async function pool(round: Round, count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !shouldStop(round)) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Write bytes in a few pieces, so that the agent sees them split across reads. */
async function writeInPieces(conn: RawConnection, bytes: Buffer, rng: Rng, maxPieces = 4): Promise<void> {
  const pieces = bytes.length < 2 ? 1 : rng.range(1, maxPieces);
  const cuts = Array.from({ length: pieces - 1 }, () => rng.range(1, bytes.length - 1)).sort((a, b) => a - b);
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > start) conn.write(bytes.subarray(start, cut));
    start = Math.max(start, cut);
    if (cut !== bytes.length) await sleep(rng.chance(0.3) ? 1 : 0);
  }
}

/**
 * A new authenticated WebSocket connection. Optional bytes go in the same
 * write as the upgrade request. A 503 "too many clients" (a client that just
 * left is not counted out yet) is retried.
 */
async function openClient(round: Round, rng: Rng, pipelined?: Buffer): Promise<RawConnection> {
  const key = rng.bytes(16).toString('base64');
  const { text } = upgradeRequest(round.node, {}, 'GET / HTTP/1.1', key);
  const request = Buffer.from(text, 'latin1');
  let last = '';
  for (let attempt = 0; attempt < 40; attempt++) {
    const conn = await connect(round.node);
    conn.write(pipelined ? Buffer.concat([request, pipelined]) : request);
    let response;
    try {
      response = await conn.readHttpResponseOrEnd(INPUT_TIMEOUT_MS);
    } catch (error) {
      conn.destroy();
      throw error;
    }
    if (response?.status === 101) {
      if (response.headers['sec-websocket-accept'] !== expectedAccept(key)) {
        conn.destroy();
        throw new Error(`wrong Sec-WebSocket-Accept ${response.headers['sec-websocket-accept']}`);
      }
      return conn;
    }
    conn.destroy();
    last = response ? `${response.status} ${response.body.trim()}` : 'closed without a response';
    // With bytes pipelined after a refused head, the refusal may be lost to a reset.
    if (response?.status === 503 && response.body === 'too many clients\n') round.stats.outcome('client cap retry');
    else if (!(response === undefined && pipelined)) break;
    await sleep(10 + attempt * 5);
  }
  throw new Error(`could not open a client connection: ${last}`);
}

// ---------------------------------------------------------------------------
// Generators: JSON level
// ---------------------------------------------------------------------------

interface GenContext {
  pids: Record<string, string>;
  /** Unique per input, for ids and names never seen before. */
  tag: string;
}

function deadPid(rng: Rng): string {
  return `<0.${rng.range(100, 32767)}.${rng.range(5000, 8191)}>`;
}

function randomLocalPid(rng: Rng): string {
  return `<0.${rng.int(LOCAL_PID_RANGE)}.0>`;
}

/** Pids that answer at once whatever is asked of them. */
function quickPid(rng: Rng, ctx: GenContext): string {
  const { counter, plain, small_mailbox: small, huge_mailbox: huge, busy } = ctx.pids;
  return rng.pick([counter, plain, small, huge, busy, deadPid(rng), `#PID${counter}`]);
}

const UNICODE_RANGES: [number, number][] = [
  [0x20, 0x7e], [0xa0, 0xff], [0x400, 0x4ff], [0x590, 0x5ff], [0x300, 0x36f], [0x4e00, 0x4eff],
  [0x200b, 0x200f], [0x2028, 0x2029], [0xfff0, 0xffff], [0x1f600, 0x1f64f], [0x10000, 0x1007f],
];

function unicodeString(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = rng.pick(UNICODE_RANGES);
    s += String.fromCodePoint(rng.range(lo, hi));
  }
  return s;
}

function atomLikeString(rng: Rng, ctx: GenContext): string {
  const id = `${rng.ident()}_${ctx.tag.replace(/\W/g, '_')}`;
  const cap = id[0].toUpperCase() + id.slice(1);
  return rng.pick([
    `beam_observer_${id}`, `Elixir.${cap}`, `Elixir.Beam.Observer.${cap}`, `Elixir.Foo.${cap}`, `'quoted atom ${id}'`,
    `'${id}'`, `${id}@127.0.0.1`, `erlang:${id}`, `:${id}`, `${id}/0`, `atom_${id}`, `${id}:${id}/1`,
    `ατομ_${id}`, `beam_observer_${id}:start`, `Elixir.${cap}.init/1`, `'Elixir.${cap}'`,
  ]);
}

const KNOWN_METHODS = ['initialize', 'processes/list', 'process/info', 'process/state', 'process/messages',
  'load/subscribe', 'load/unsubscribe'];

function idText(rng: Rng, ctx: GenContext): string {
  return rng.chance(0.8) ? S(ctx.tag) : String(rng.range(0, 2 ** 31));
}

function requestText(method: string, params: string | undefined, id: string | undefined): string {
  return obj({ jsonrpc: '"2.0"', id, method: S(method), params });
}

/** Byte-level mutations of a valid request, then made valid UTF-8 again (a text frame must be). */
function mutateBytes(rng: Rng, text: string): string {
  let b = Buffer.from(text, 'utf8');
  const interesting = [0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x7f, 0x80, 0xff, 0xc3, 0x65, 0x2d, 0x2e, 0x30, 0x20, 0x0a];
  const ops = rng.range(1, 4);
  for (let k = 0; k < ops && b.length > 0; k++) {
    const at = rng.int(b.length);
    switch (rng.int(8)) {
      case 0: b[at] ^= 1 << rng.int(8); break;
      case 1: b[at] = rng.chance(0.5) ? rng.pick(interesting) : rng.int(256); break;
      case 2: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from([rng.pick(interesting)]), b.subarray(at)]); break;
      case 4: b = b.subarray(0, at); break;
      case 5: {
        const len = rng.range(1, 16);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      case 6: if (at + 1 < b.length) [b[at], b[at + 1]] = [b[at + 1], b[at]]; break;
      default: {
        const len = rng.range(1, 4);
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(0), ...Array(rng.range(2, 200)).fill(b.subarray(at, at + len)), b.subarray(at + len)]);
      }
    }
  }
  return lenientUtf8.decode(b);
}

function genInvalidJson(rng: Rng, ctx: GenContext): string {
  const id = idText(rng, ctx);
  const templates = [
    requestText('initialize', undefined, id),
    requestText('processes/list', '{"sortBy":"memory","limit":5,"filter":"fixture"}', id),
    requestText('process/info', obj({ pid: S(deadPid(rng)) }), id),
    requestText('process/state', obj({ pid: '"<5.1.0>"', timeoutMs: '100' }), id),
    requestText('process/messages', obj({ pid: S(ctx.pids.small_mailbox), limit: '2' }), id),
    requestText('load/unsubscribe', '{}', id),
    requestText(`no/such_${ctx.tag}`, '{"a":[1,2.5,-3e2,true,false,null,"\\u00e9\\n\\ud83d\\ude00"]}', id),
  ];
  if (rng.chance(0.55)) return mutateBytes(rng, rng.pick(templates));
  const depth = rng.pick([63, 64, 65, 66, 100, 1000, 20000]);
  const digits = (n: number) => String(rng.range(1, 9)) + Array.from({ length: n - 1 }, () => rng.int(10)).join('');
  const special: (() => string)[] = [
    // Deep nesting, around and far beyond the limit of 64.
    () => requestText('initialize', '['.repeat(depth) + ']'.repeat(depth), id),
    () => requestText('initialize', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth), id),
    () => '['.repeat(depth) + ']'.repeat(depth),
    () => '['.repeat(depth),
    () => '{"a":'.repeat(depth),
    // Huge numbers.
    () => obj({ jsonrpc: '"2.0"', id: digits(rng.pick([999, 1000, 1001, 5000, 50000])), method: '"initialize"' }),
    () => obj({ jsonrpc: '"2.0"', id: '-' + digits(rng.pick([1000, 1001])), method: '"initialize"' }),
    () => obj({ jsonrpc: '"2.0"', id: rng.pick(['1e400', '-1e400', '1.5e308', '1e-400', '0.1e999999999', '1E+99999', '-0.0', '4.9e-324', '123456789012345678901234567890.5']), method: '"initialize"' }),
    () => requestText('processes/list', obj({ limit: rng.pick(['1e3', '1E2', digits(1001), '1.0', '-0']) }), id),
    // Unpaired surrogates (and a good pair).
    () => requestText('initialize', obj({ x: `"${rng.pick(['\\ud800', '\\udfff', '\\ud800\\u0041', '\\ud800\\n', '\\udc00\\ud800', '\\uD800', '\\ud83d\\ude00', '\\\\ud800', 'a\\ud800'])}"` }), id),
    () => `{"jsonrpc":"2.0","id":"${rng.pick(['\\ud800', '\\udbff\\udbff', '\\udc00'])}","method":"initialize"}`,
    () => `{"jsonrpc":"2.0","id":1,"method":"process/${rng.pick(['\\ud800', '\\udfff'])}"}`,
    // Bad escapes, raw control characters, literals JavaScript would accept elsewhere.
    () => requestText('initialize', `{"x":"${rng.pick(['\\x41', '\\u12', '\\u12G4', '\\U0041', "\\'", '\\0', '\\', '\u0001', '\t', '\n', '\u001f'])}"}`, id),
    () => requestText('initialize', obj({ x: rng.pick(['NaN', 'Infinity', '-Infinity', 'undefined', 'True', 'nul', 'tru', "'x'", '[1,]', '{"a":1,}', '01', '+1', '.5', '1.', '0x10', '1_000', '/* */1', '1 2', '--1', '1e', '1e+', '-']) }), id),
    () => rng.pick(['', ' ', '\n\t ', '{} {}', '{}x', '[', ']', '{', '}', '"', '{"a"}', '{"a":}', '{:1}', '{1:1}', '{"a":1 "b":2}', 'null null', '\u00a0{}', '\ufeff{}', '{}\u0000', '[1,,2]', '{,}']),
    () => '\ufeff' + requestText('initialize', undefined, id),
    () => requestText('initialize', undefined, id) + rng.pick(['\u0000', 'x', ' }', ',', '\u00a0']),
    // Long strings, many escapes, many keys (all valid JSON, still under 1 MiB).
    () => requestText('initialize', obj({ s: S('x'.repeat(rng.range(1000, 200_000))) }), id),
    () => requestText('initialize', `{"s":"${'\\n\\u00e9'.repeat(rng.range(100, 20000))}"}`, id),
    () => requestText('processes/list', `{${Array.from({ length: rng.range(100, 10000) }, (_, k) => `"k${k}":${k}`).join(',')},"limit":1}`, id),
    () => requestText('initialize', `[${Array(rng.range(100, 50000)).fill('0').join(',')}]`, id),
  ];
  return rng.pick(special)();
}

function genInvalidJsonRpc(rng: Rng, ctx: GenContext): string {
  const request: Record<string, string | undefined> = {
    jsonrpc: '"2.0"', id: idText(rng, ctx), method: S(rng.pick(KNOWN_METHODS)), params: rng.chance(0.5) ? '{}' : undefined,
  };
  const req = () => obj(request);
  const variants: (() => string)[] = [
    () => obj({ ...request, jsonrpc: rng.pick([undefined, '"1.0"', '2', '2.0', '"2.0 "', '" 2.0"', '"2"', 'null', '["2.0"]', '{"v":"2.0"}', '"２.０"', 'true', '""', '"2.00"']) }),
    () => obj({ ...request, method: rng.pick([undefined, '1', 'null', '[]', '{}', 'true', '""', '["initialize"]', '{"name":"initialize"}']) }),
    () => obj({ ...request, method: '"initialize"', id: rng.pick(['{}', '[]', 'true', 'false', '1.5', '-1', '1e300', '"str"', 'null', undefined, '"\\u0000"', S('i'.repeat(10000)), '-0', '[1]', '{"id":1}']) }),
    () => obj({ ...request, method: S(rng.pick(KNOWN_METHODS)), params: rng.pick(['[]', '"x"', '1', 'null', 'true', '[{"pid":"<0.1.0>"}]', '"{}"']) }),
    () => rng.pick(['[]', `[${req()}]`, `[${req()},${req()}]`, '[1]', '[[]]', '[{}]', '[null]', `[${req()}`]),
    () => rng.pick([
      '{"jsonrpc":"2.0","id":1,"result":{}}', '{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}',
      '{"jsonrpc":"2.0","result":null}', '{"id":1,"result":1}', `{"jsonrpc":"2.0","id":${S(ctx.tag)},"error":null}`,
      `{"jsonrpc":"2.0","id":${S(ctx.tag)},"method":"initialize","result":{}}`, '{"result":[],"error":{}}',
    ]),
    () => rng.pick(['1', '"x"', 'null', 'true', 'false', '1.5', '"{\\"jsonrpc\\":\\"2.0\\"}"', '{}', '-0', '""']),
    () => obj({ ...request, extra: S(ctx.tag), [rng.ident()]: '[1,{"a":null}]' }),
    // Duplicate keys: the last one wins.
    () => `{"jsonrpc":"2.0","id":${S(ctx.tag)},"method":"initialize","method":${rng.pick(['1', '"initialize"', '"nope"', 'null'])}}`,
    () => `{"jsonrpc":"1.0","jsonrpc":"2.0","id":${S(ctx.tag)},"method":"initialize"}`,
    () => `{"jsonrpc":"2.0","id":${S(ctx.tag)},"id":{},"method":"initialize"}`,
    // Escaped keys decode to the real ones; other spellings do not.
    () => `{"\\u006a\\u0073onrpc":"2.0","id":${S(ctx.tag)},"\\u006dethod":"initialize"}`,
    () => `{"jsonrpc":"2.0","id":${S(ctx.tag)},"method":"process\\/info","params":{"pid":${S(deadPid(rng))}}}`,
    () => obj({ JSONRPC: '"2.0"', ID: S(ctx.tag), Method: '"initialize"' }),
    () => obj({ jsonrpc: '"2.0"', id: S(ctx.tag), method: rng.pick(['"Initialize"', '"INITIALIZE"', '"initialize "', '" initialize"']) }),
    () => obj({ jsonrpc: '"2.0"', id: S(ctx.tag), method: '"initialize"', params: rng.pick(['{}', '{"x":1}', '[]', 'null', '"p"']) }),
  ];
  return rng.pick(variants)();
}

function genUnknownMethod(rng: Rng, ctx: GenContext): string {
  const tag = ctx.tag.replace(/\W/g, '_');
  const nearMiss = () => {
    const m = rng.pick(KNOWN_METHODS);
    const at = rng.int(m.length);
    switch (rng.int(4)) {
      case 0: return m.slice(0, at) + m.slice(at + 1);
      case 1: return m.slice(0, at) + rng.pick([...'abcxyz/._-0 ']) + m.slice(at);
      case 2: return m.slice(0, at) + m[at].toUpperCase() + m.slice(at + 1);
      default: return m + rng.pick(['\u0000', '\n', ' ', '/', '/x', '\u200b', 'о']);
    }
  };
  const name = rng.pick<() => string>([
    () => `${rng.pick(['process/', 'processes/', 'load/', '$/', 'rpc.', 'system/', 'agent/', '', 'node/', 'debug/', 'process/kill_'])}${rng.ident()}_${tag}`,
    nearMiss,
    () => unicodeString(rng, rng.range(1, 40)) + tag,
    () => `${rng.ident()}_${tag}`.repeat(rng.range(10, 2000)),
    () => rng.pick(['', ' ', '\u0000', 'initialize\u0000', 'process/info\n', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
      '$/cancelRequest', 'rpc.discover', 'load/sample', 'exit', 'shutdown', 'erlang:halt', 'init:stop', 'os:cmd']) + (rng.chance(0.5) ? tag : ''),
  ])();
  const id = rng.chance(0.1) ? undefined : idText(rng, ctx);
  const params = rng.pick([undefined, '{}', '[]', '{"pid":"<0.1.0>"}', 'null']);
  return requestText(name, params, id);
}

const INT_EDGES = ['0', '1', '-1', '2', '20', '99', '100', '101', '200', '1000', '1001', '5000', '30000', '30001', '60000',
  '60001', '2147483648', '18446744073709551616', '1' + '0'.repeat(999), '-' + '9'.repeat(1000)];
const NOT_INTS = ['1.0', '1e2', '100.5', '-0.0', '1E3', '0.1e1', 'null', 'true', 'false', '"5"', '"100"', '""', '[]', '[5]',
  '{}', '{"value":5}', '"five"', '5e-1'];

function paramValue(rng: Rng, good: string[]): string {
  const r = rng.float();
  if (r < 0.35) return rng.pick(good);
  if (r < 0.65) return rng.pick(INT_EDGES);
  return rng.pick(NOT_INTS);
}

function genWrongParams(rng: Rng, ctx: GenContext): string {
  const method = rng.pick([...KNOWN_METHODS, 'process/info', 'process/state', 'process/messages', 'processes/list']);
  const id = rng.chance(0.05) ? undefined : idText(rng, ctx);
  if (rng.chance(0.15)) {
    return requestText(method, rng.pick(['[]', '[1]', '"params"', '42', 'null', 'true', '[{"pid":"<0.1.0>"}]', `"${ctx.pids.counter}"`, '1.5']), id);
  }
  const members: Record<string, string | undefined> = {};
  const maybe = (key: string, value: () => string) => {
    if (rng.chance(0.75)) members[key] = value();
  };
  const pidValue = () => (rng.chance(0.65) ? S(quickPid(rng, ctx)) : rng.pick(['1', '0', '1.5', 'null', 'true', '[]', '{}', '""', `["${ctx.pids.counter}"]`, `{"pid":"${ctx.pids.counter}"}`]));
  switch (method) {
    case 'process/info':
      maybe('pid', pidValue);
      break;
    case 'process/state':
      maybe('pid', pidValue);
      maybe('timeoutMs', () => paramValue(rng, ['1', '50', '100', '30000']));
      break;
    case 'process/messages':
      maybe('pid', pidValue);
      maybe('limit', () => paramValue(rng, ['1', '20', '100']));
      break;
    case 'processes/list':
      maybe('sortBy', () => rng.pick(['"reductions"', '"memory"', '"messageQueueLen"', '"Reductions"', '"MEMORY"', '"message_queue_len"',
        '"cpu"', '""', '"reductions "', '"\\u0000"', '1', 'null', '[]', '{"by":"memory"}', 'true']));
      maybe('limit', () => paramValue(rng, ['1', '5', '1000']));
      maybe('filter', () => rng.pick(['null', '""', '"fixture"', S('x'.repeat(200)), S('x'.repeat(201)), S('é'.repeat(100)),
        S('é'.repeat(101)), '5', '[]', '{}', 'true', S('<0.'), S('\u0000')]));
      break;
    case 'load/subscribe':
      maybe('intervalMs', () => paramValue(rng, ['100', '1000', '60000']));
      break;
    default:
      break;
  }
  if (rng.chance(0.2)) members[rng.ident()] = rng.pick(['1', '"x"', 'null', '{"pid":"<0.1.0>"}']);
  return requestText(method, obj(members), id);
}

function genPids(rng: Rng, ctx: GenContext): string {
  const huge = () => rng.pick([
    `<0.${'9'.repeat(rng.range(11, 5000))}.0>`, ctx.pids.counter.repeat(rng.range(2, 200)), `<${'1'.repeat(rng.range(11, 3000))}.1.0>`,
    `#PID${'<0.1.0>'.repeat(rng.range(2, 100))}`, `<0.${'1'.repeat(58)}.0>`, `<0.${'1'.repeat(57)}.0>`, `#PID<0.${'1'.repeat(53)}.0>`,
    '<'.repeat(rng.range(65, 10000)),
  ]);
  const other = () => rng.pick([
    `<${rng.range(1, 2 ** 31)}.${rng.range(0, 99999)}.${rng.range(0, 9)}>`, '<5.1.0>', '#PID<9.9.9>', '<1.0.0>', '<00.1.0>',
    '<4294967295.0.0>', '<0000000001.1.1>', `#PID<${rng.range(1, 99)}.${rng.range(0, 999)}.0>`, '<5.1.0>\n',
  ]);
  const malformed = () => rng.pick([
    '<0.1>', '0.1.0', '<0.1.0', '0.1.0>', '<a.b.c>', '<0.-1.0>', '< 0.1.0>', '<0.1.0> ', '<0.1.0>\n', '\n<0.1.0>', '#PID<0.1.0',
    '#pid<0.1.0>', '#PID <0.1.0>', 'PID<0.1.0>', '<０.1.0>', '<٠.1.0>', '<0.99999999999.0>', '<0.1.0.0>', '<0..0>', '<>', '',
    '<0.1.0><0.1.0>', '<0x1.0.0>', '<+0.1.0>', '<0.1e3.0>', '<0.1.0>\u0000', '<0.32768.0>', '<0.1.8192>', 'self', 'init',
    'beam_observer_listener', 'fixture_counter', '#Port<0.1>', '#Ref<0.1.2.3>', '<0.0.0>', '<0.01.0>', '<0.1.0>\n\n',
  ]);
  const local = () => rng.pick([
    randomLocalPid(rng), deadPid(rng), ctx.pids.counter, ctx.pids.stuck, ctx.pids.plain, ctx.pids.small_mailbox,
    ctx.pids.huge_mailbox, ctx.pids.big_state, `#PID${randomLocalPid(rng)}`,
  ]);
  const kind = rng.int(10);
  const pid = kind < 3 ? S(other()) : kind < 6 ? S(malformed()) : kind < 7 ? S(huge())
    : kind < 9 ? S(local()) : rng.pick(['1', '1.5', 'null', 'true', '[]', '{}', `["${ctx.pids.counter}"]`, '{"pid":"<0.1.0>"}']);
  const method = rng.pick(['process/info', 'process/state', 'process/messages']);
  const members: Record<string, string | undefined> = { pid };
  // A live process might not answer process/state: keep its timeout short.
  if (method === 'process/state') members.timeoutMs = rng.chance(0.9) || kind >= 6 ? String(rng.range(1, 300)) : undefined;
  if (method === 'process/messages' && rng.chance(0.5)) members.limit = String(rng.range(1, 100));
  // The big state is costly to format: only its info and messages.
  if (pid.includes(ctx.pids.big_state) && method === 'process/state') return requestText('process/info', obj({ pid }), idText(rng, ctx));
  return requestText(method, obj(members), rng.chance(0.05) ? undefined : idText(rng, ctx));
}

function genAtomLike(rng: Rng, ctx: GenContext): string {
  const atom = atomLikeString(rng, ctx);
  const id = idText(rng, ctx);
  switch (rng.int(10)) {
    case 0: case 1: case 2: case 3: return requestText(atom, rng.pick([undefined, '{}', obj({ [atom]: S(atom) })]), id);
    case 4: return requestText(atom, undefined, undefined); // a notification
    case 5: return requestText('processes/list', obj({ sortBy: S(atom), limit: '1' }), id);
    case 6: return requestText(rng.pick(['process/info', 'process/messages', 'process/state']), obj({ pid: S(rng.chance(0.5) ? atom : `#PID<${atom}>`), timeoutMs: '10' }), id);
    case 7: return requestText('processes/list', obj({ filter: S(atom), limit: '1', [atom]: S(atom) }), id);
    case 8: return requestText('initialize', obj({ [atom]: '1' }), S(atom));
    default: return rng.chance(0.5)
      ? requestText('load/subscribe', obj({ intervalMs: S(atom) }), id)
      : obj({ jsonrpc: S(atom), id, method: '"initialize"' });
  }
}

const JSON_GENERATORS: Record<string, (rng: Rng, ctx: GenContext) => string> = {
  invalidJson: genInvalidJson,
  invalidJsonRpc: genInvalidJsonRpc,
  unknownMethods: genUnknownMethod,
  wrongParams: genWrongParams,
  pids: genPids,
  atomLike: genAtomLike,
};

// ---------------------------------------------------------------------------
// Generators: frames and oversized messages
// ---------------------------------------------------------------------------

interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  masked?: boolean;
  key?: Buffer;
  payload?: Buffer | string;
  /** Force a length encoding (7, 16 or 64 bits); a declared length other than the payload's. */
  lengthBits?: 7 | 16 | 64;
  declaredLength?: bigint;
  msb?: boolean;
  /** Mask with another key than the one announced. */
  maskWith?: Buffer;
}

function encodeFrame(spec: FrameSpec, rng: Rng): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : spec.payload ?? Buffer.alloc(0);
  const masked = spec.masked ?? true;
  const length = spec.declaredLength ?? BigInt(payload.length);
  const bits = spec.lengthBits ?? (length < 126n ? 7 : length < 0x10000n ? 16 : 64);
  const b0 = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode;
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (bits === 7) header = Buffer.from([b0, maskBit | Number(length & 0x7fn)]);
  else if (bits === 16) {
    header = Buffer.from([b0, maskBit | 126, 0, 0]);
    header.writeUInt16BE(Number(length & 0xffffn), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE((length & ((1n << 63n) - 1n)) | (spec.msb ? 1n << 63n : 0n), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = spec.key ?? rng.bytes(4);
  return Buffer.concat([header, key, maskBytes(payload, spec.maskWith ?? key)]);
}

function closeBody(code: number, reason: Buffer | string = ''): Buffer {
  const r = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason;
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

/** A text message for the frame tests: mostly answered by the connection itself, in order. */
function frameText(rng: Rng, tag: string): string {
  switch (rng.int(7)) {
    case 0: case 1: return `{"jsonrpc":"2.0","id":"${tag}"}`;
    case 2: return `{"jsonrpc":"2.0","id":"${tag}","method":"initialize"}`;
    case 3: return `{"jsonrpc":"2.0","id":"${tag}","method":"no_such/${tag}"}`;
    case 4: return rng.pick(['[', '{', 'x', '', ' ', '{"a":']);
    case 5: return '[{"jsonrpc":"2.0","id":1,"method":"initialize"}]';
    default: return unicodeString(rng, rng.range(0, 60));
  }
}

const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe], [0xc3],
  [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe0, 0x80, 0xaf], [0xc3, 0x28], [0xed, 0xbf, 0xbf]];

function splitInto(bytes: Buffer, pieces: number, rng: Rng): Buffer[] {
  const cuts = Array.from({ length: pieces - 1 }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.subarray(start, cut));
    start = cut;
  }
  return out;
}

/** A message as fragments: a first frame with the opcode, then continuations. */
function fragments(opcode: number, payload: Buffer, pieces: number, rng: Rng, interleave = false): FrameSpec[] {
  const parts = splitInto(payload, pieces, rng);
  const out: FrameSpec[] = [];
  parts.forEach((part, k) => {
    out.push({ opcode: k === 0 ? opcode : Op.continuation, fin: k === parts.length - 1, payload: part });
    if (interleave && k < parts.length - 1 && rng.chance(0.5)) {
      out.push({ opcode: rng.pick([Op.ping, Op.pong]), payload: rng.bytes(rng.int(20)) });
    }
  });
  return out;
}

function genFrames(rng: Rng, tag: string): Buffer {
  let n = 0;
  const text = () => Buffer.from(frameText(rng, `${tag}.${n++}`), 'utf8');
  const scenarios: (() => FrameSpec[] | Buffer)[] = [
    // Unmasked client frames.
    () => [{ opcode: rng.pick([Op.text, Op.ping, Op.close, Op.binary, Op.continuation]), masked: false, payload: text() }],
    // Reserved bits, reserved opcodes.
    () => [{ opcode: rng.pick([Op.text, Op.ping, Op.binary]), rsv: rng.range(1, 7), payload: text() }],
    () => [{ opcode: rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: text() }],
    // Fragmented control frames; control frames over 125 bytes.
    () => [{ opcode: rng.pick([Op.ping, Op.pong, Op.close]), fin: false, payload: rng.bytes(rng.int(20)) }],
    () => [{ opcode: rng.pick([Op.ping, Op.pong, Op.close]), payload: rng.bytes(rng.range(126, 400)) }],
    () => [{ opcode: Op.ping, payload: rng.bytes(rng.int(126)), lengthBits: rng.pick([16, 64] as const) }],
    // 64-bit lengths with the most significant bit set.
    () => [{ opcode: rng.pick([Op.text, Op.binary, Op.continuation]), payload: text(), lengthBits: 64, msb: true,
      declaredLength: rng.chance(0.5) ? BigInt(rng.int(1000)) : BigInt(rng.range(0, 2 ** 31)) * BigInt(rng.range(1, 2 ** 31)) }],
    // Non-minimal length encodings of a good frame (accepted).
    () => [{ opcode: Op.text, payload: text(), lengthBits: rng.pick([16, 64] as const) }],
    // Lengths that promise more than is sent (the agent waits; the client hangs up).
    () => {
      const frame = encodeFrame({ opcode: Op.text, payload: text() }, rng);
      return frame.subarray(0, rng.int(frame.length));
    },
    () => [{ opcode: Op.text, payload: text(), declaredLength: BigInt(rng.range(200, 70000)) }],
    // Fragments out of order.
    () => [{ opcode: Op.continuation, fin: rng.chance(0.5), payload: text() }],
    () => [{ opcode: Op.text, fin: false, payload: text() }, { opcode: rng.pick([Op.text, Op.binary]), payload: text() }],
    () => [{ opcode: Op.text, fin: false, payload: '{"jsonrpc":' }, { opcode: Op.continuation, payload: '"2.0"}' },
      { opcode: Op.continuation, payload: text() }],
    () => [{ opcode: Op.binary, fin: false, payload: rng.bytes(10) }, { opcode: Op.continuation, payload: rng.bytes(10) }],
    () => [{ opcode: Op.text, fin: false, payload: '{"jsonrpc":"2.0"' }, { opcode: Op.close, payload: closeBody(1000) }],
    () => [{ opcode: Op.text, fin: false, payload: text() }, { opcode: Op.continuation, fin: false, payload: text() },
      { opcode: Op.text, fin: rng.chance(0.5), payload: text() }],
    // Good fragmentation, with pings and pongs between fragments.
    () => fragments(Op.text, text(), rng.range(1, 8), rng, true),
    () => fragments(Op.text, text(), rng.range(50, 300), rng),
    // Invalid UTF-8, in one frame or across fragments; UTF-8 split across fragments (valid).
    () => {
      const t = text();
      const at = rng.int(t.length + 1);
      const bad = Buffer.concat([t.subarray(0, at), Buffer.from(rng.pick(INVALID_UTF8)), t.subarray(at)]);
      return rng.chance(0.5) ? [{ opcode: Op.text, payload: bad }] : fragments(Op.text, bad, rng.range(2, 5), rng);
    },
    () => fragments(Op.text, Buffer.from(`{"jsonrpc":"2.0","id":"${tag}","x":"${unicodeString(rng, 30)}"}`), rng.range(2, 12), rng),
    // Binary messages.
    () => [{ opcode: Op.binary, payload: rng.bytes(rng.int(300)) }],
    () => fragments(Op.binary, rng.bytes(rng.range(1, 200)), rng.range(2, 4), rng),
    () => [{ opcode: Op.text, payload: text() }, { opcode: Op.binary, payload: text() }],
    // Close frames: empty, one byte, every kind of code, bad reasons.
    () => [{ opcode: Op.close, payload: rng.pick([Buffer.alloc(0), Buffer.from([rng.int(256)]),
      closeBody(rng.pick([0, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1014, 1015, 1016, 2999, 3000, 4999, 5000, 65535,
        rng.range(0, 65535)]), rng.pick(['', 'bye', 'x'.repeat(123), unicodeString(rng, 10)])),
      closeBody(1000, Buffer.from(rng.pick(INVALID_UTF8)))]) }],
    // Pings and pongs.
    () => Array.from({ length: rng.range(1, 5) }, () => ({ opcode: rng.pick([Op.ping, Op.pong]), payload: rng.bytes(rng.int(126)) })),
    // Masked with another key than the one announced.
    () => [{ opcode: Op.text, payload: text(), maskWith: rng.bytes(4) }],
    // Empty and blank text messages.
    () => [{ opcode: Op.text, payload: rng.pick(['', ' ', '\n', '\u00a0']) }],
    // Garbage after the handshake.
    () => rng.bytes(rng.range(1, 300)),
  ];
  const build = (s: FrameSpec[] | Buffer) => (Buffer.isBuffer(s) ? s : Buffer.concat(s.map((f) => encodeFrame(f, rng))));
  const prefix = rng.chance(0.25) ? build([{ opcode: rng.pick([Op.text, Op.ping]), payload: text() }]) : Buffer.alloc(0);
  let stream = Buffer.concat([prefix, build(rng.pick(scenarios)())]);
  if (rng.chance(0.1)) stream = Buffer.concat([stream, build(rng.pick(scenarios)())]);
  if (rng.chance(0.12) && stream.length > 0) {
    stream = Buffer.from(stream);
    for (let k = rng.range(1, 3); k > 0; k--) stream[rng.int(stream.length)] ^= 1 << rng.int(8);
  }
  return stream;
}

function genOversized(rng: Rng, tag: string): Buffer {
  const enc = (specs: FrameSpec[]) => Buffer.concat(specs.map((f) => encodeFrame(f, rng)));
  const pad = (size: number, prefix: string, suffix: string) => Buffer.from(prefix + 'x'.repeat(size - prefix.length - suffix.length) + suffix, 'utf8');
  const request = (size: number) => pad(size, `{"jsonrpc":"2.0","id":"${tag}","method":"initialize","pad":"`, '"}');
  const scenario = rng.int(9);
  switch (scenario) {
    case 0: // A header announcing more than 1 MiB: refused from the header alone.
      return enc([{ opcode: rng.pick([Op.text, Op.binary, Op.continuation]), lengthBits: 64, payload: Buffer.alloc(0),
        declaredLength: rng.chance(0.5) ? BigInt(MAX_FRAME_BYTES + rng.range(1, 1000)) : (1n << BigInt(rng.range(21, 62))) + BigInt(rng.int(1000)) }]);
    case 1: { // Fragments that add up to just over 1 MiB.
      const total = MAX_FRAME_BYTES + rng.range(1, 4096);
      return enc(fragments(Op.text, pad(total, '', ''), rng.range(2, 16), rng));
    }
    case 2: // Exactly 1 MiB, one frame or fragments: accepted.
      return rng.chance(0.5) ? enc([{ opcode: Op.text, payload: request(MAX_FRAME_BYTES) }])
        : enc(fragments(Op.text, request(MAX_FRAME_BYTES), rng.range(2, 8), rng));
    case 3: { // Almost 1 MiB with invalid UTF-8 at the end.
      const body = Buffer.concat([request(MAX_FRAME_BYTES - 8), Buffer.from(rng.pick(INVALID_UTF8))]);
      return enc([{ opcode: Op.text, payload: body }]);
    }
    case 4: // A big binary message.
      return enc([{ opcode: Op.binary, payload: Buffer.alloc(rng.range(500_000, MAX_FRAME_BYTES), 0x61) }]);
    case 5: // A big nesting bomb.
      return enc([{ opcode: Op.text, payload: '['.repeat(rng.range(500_000, MAX_FRAME_BYTES)) }]);
    case 6: // A big string of escapes for an unknown method.
      return enc([{ opcode: Op.text, payload: `{"jsonrpc":"2.0","id":"${tag}","method":"${'\\n'.repeat(rng.range(100_000, 400_000))}"}` }]);
    case 7: // A big control frame header.
      return enc([{ opcode: Op.ping, lengthBits: 64, declaredLength: BigInt(MAX_FRAME_BYTES + 1), payload: Buffer.alloc(0) }]);
    default: // Many small fragments over 1 MiB.
      return enc(fragments(Op.text, pad(MAX_FRAME_BYTES + rng.range(1, 100), '', ''), rng.range(200, 600), rng));
  }
}

// ---------------------------------------------------------------------------
// Generators: handshakes
// ---------------------------------------------------------------------------

interface HandshakeInput {
  bytes: Buffer;
  fin: boolean;
}

function genHandshake(rng: Rng, node: FixtureNode, tag: string): HandshakeInput {
  const port = node.port;
  const token = node.token;
  const key = rng.bytes(16).toString('base64');
  let headers: [string, string][] = [
    ['Host', `127.0.0.1:${port}`], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'], ['Authorization', `Bearer ${token}`],
  ];
  if (rng.chance(0.3)) headers.push(['User-Agent', 'fuzz'], ['Accept', '*/*']);
  if (rng.chance(0.3)) rng.shuffle(headers);
  let method = 'GET';
  let target = '/';
  let version = 'HTTP/1.1';
  let sep = ' ';
  const setHeader = (name: string, value: string | null) => {
    headers = headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
    if (value !== null) headers.splice(rng.int(headers.length + 1), 0, [name, value]);
  };
  const pools: Record<string, (string | null)[]> = {
    Host: ['localhost', 'LOCALHOST', `localhost:${port}`, '127.0.0.1', '127.1.2.3:9', '127.0.0.1:', '127.0.0.1:abc', '[::1]',
      `[::1]:${port}`, '[::1]:', '[::1]x', '::1', '[::1', '0.0.0.0', '10.0.0.1', 'evil.example.com', 'localhost.evil.com',
      '127.0.0.1.nip.io', '127.000.0.1', '0x7f.0.0.1', '2130706433', '', 'localhost, localhost', u8('lòcalhost'), '\xff', '\xc3',
      '127.0.0.1:80:80', '[::ffff:127.0.0.1]', u8('ｌｏｃａｌｈｏｓｔ'), 'LocalHost:1', null, `localhost:${port}\xff`, '\x80localhost'],
    Authorization: [null, `Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`, `Bearer ${token}\t`,
      `Bearer\t${token}`, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Bearer ${token.toUpperCase()}`,
      `Basic ${Buffer.from(token).toString('base64')}`, `Token ${token}`, token, 'Bearer', 'Bearer ', `Bearer ${token}, Bearer ${token}`,
      u8(`Bearer ${token}\u0085`), u8(`Bearer \u00a0${token}`), u8(`Bearer ${token}\u200e`), `Bearer ${'x'.repeat(rng.range(1, 6000))}`,
      `\xffearer ${token}`, 'Bearer \xff', `Bearer \xff${token}`, u8(`Bearé ${token}`), `Bearer "${token}"`, `Bearer ${token};`,
      `Bearer ${token}\x7f`, u8(`Bearer ${token}\u3000`)],
    'Sec-WebSocket-Key': [null, 'not-base64!', rng.bytes(18).toString('base64'), rng.bytes(15).toString('base64'), '', key.toLowerCase(),
      'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAB==', 'AAAAAAAAAAAAAAAAAAAA-_==', 'AAAAAAAAAAAAAAAAAAAAA===',
      'AAAAAAAAAAAAAAAAAAAAAAA=', '='.repeat(24), `${key}, ${key}`, `${key.slice(0, 10)} ${key.slice(11)}`, `${key}\xff`],
    'Sec-WebSocket-Version': [null, '8', '12', '14', '13, 8', '013', '13.0', '', 'thirteen', u8('1３'), '13,13'],
    Upgrade: [null, 'websocket', 'WebSocket', 'WEBSOCKET', 'websocket, h2c', 'h2c, websocket', 'h2c', '', 'web socket',
      'websockets', ',websocket,', u8('websocket\u00a0')],
    Connection: [null, 'Upgrade', 'upgrade', 'keep-alive, Upgrade', 'close', '', 'Upgrade, close', 'upgrades', 'keep-alive', 'UPGRADE,,'],
    Origin: ['null', 'http://localhost', `http://127.0.0.1:${port}`, 'vscode-webview://x', '', 'file://'],
  };
  let rawLines: ((text: string) => string) | undefined;
  let whole: Buffer | undefined;
  const mutations: (() => void)[] = [
    () => { method = rng.pick(['get', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'DELETE', 'GETT', 'G\tET', '', 'GET\x00', rng.ident(), 'PRI', 'G(T']); },
    () => { target = rng.pick(['', '*', '/ws', `/?token=${token}`, 'http://127.0.0.1/', '/\x01', '/%00', '/' + 'a'.repeat(rng.range(100, 5000)), '/a b', '/\x7f', '/\xff\xfe']); },
    () => { version = rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'HTTP/9.9', 'HTTP/1.10', 'HTTP/1', 'http/1.1', 'HTTP/a.b', '', 'HTTP/11', 'HTTP/1.1\t', 'HTTPS/1.1']); },
    () => { sep = rng.pick(['  ', '\t', '']); },
    () => { if (headers.length) headers.splice(rng.int(headers.length), 1); },
    () => { if (headers.length) { const h = rng.pick(headers); headers.splice(rng.int(headers.length + 1), 0, [h[0], rng.chance(0.5) ? h[1] : rng.ident()]); } },
    () => {
      if (!headers.length) return;
      const at = rng.int(headers.length);
      const [name, value] = headers[at];
      const mutated = rng.pick([name.toUpperCase(), name.toLowerCase(), ` ${name}`, `${name} `, `${name.slice(0, 2)}\x00${name.slice(2)}`, '',
        `X-${name}`, u8(`${name}é`), `${name}\t`]);
      headers[at] = [mutated, value];
    },
    () => setHeader('Origin', rng.pick(pools.Origin)),
    ...['Host', 'Authorization', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Upgrade', 'Connection'].map((name) =>
      () => setHeader(name, rng.pick(pools[name]))),
    () => headers.push([rng.pick(['Host', 'Authorization', 'Origin', 'Upgrade']), rng.ident()]),
    () => { // Line endings: bare LF or CR, a blank line too early, no final blank line.
      const choice = rng.int(4);
      rawLines = (text) => {
        if (choice === 0) return text.replace('\r\n', '\n');
        if (choice === 1) return text.replace('\r\n', '\r');
        if (choice === 2) return text.replace('\r\n', '\r\n\r\n');
        return text.replace(/\r\n\r\n$/, '\n\n');
      };
    },
    () => { // Huge headers, around the 8192-byte limit and far beyond.
      const size = rng.chance(0.6) ? rng.range(7800, 8400) : rng.range(8400, 40000);
      headers.push(['X-Pad', 'a'.repeat(Math.max(0, size - 200))]);
    },
    () => { for (let k = rng.range(50, 600); k > 0; k--) headers.push([`X-H${k}`, rng.ident(1, 8)]); },
    () => headers.push([`beam_observer_${rng.ident()}_${tag}`, `Elixir.${rng.ident()}`]),
    () => { whole = Buffer.concat([rng.bytes(rng.range(1, 2000)), Buffer.from(rng.chance(0.5) ? '\r\n\r\n' : '')]); },
    () => { whole = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), rng.bytes(rng.range(10, 500)), Buffer.from(rng.chance(0.5) ? '\r\n\r\n' : '')]); },
    () => { whole = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'); },
  ];
  const count = rng.pick([1, 1, 1, 2, 2, 3, 4]);
  for (let k = 0; k < count; k++) rng.pick(mutations)();
  let text = `${method}${sep}${target}${sep}${version}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  if (rawLines) text = rawLines(text);
  let bytes = whole ?? Buffer.from(text, 'latin1');
  if (rng.chance(0.1)) { // Byte flips anywhere.
    bytes = Buffer.from(bytes);
    for (let k = rng.range(1, 5); k > 0; k--) bytes[rng.int(bytes.length)] = rng.int(256);
  }
  if (rng.chance(0.1)) bytes = bytes.subarray(0, rng.int(bytes.length)); // A truncated head.
  const complete = bytes.includes('\r\n\r\n');
  return { bytes, fin: !complete || rng.chance(0.15) };
}

// ---------------------------------------------------------------------------
// Lanes
// ---------------------------------------------------------------------------

interface JsonInput {
  category: Category | 'sweep';
  index: number;
  text: string;
}

/** One authenticated connection that takes JSON-level inputs one at a time. */
class JsonConnection {
  private conn: RawConnection | undefined;
  private tokens = RATE_BURST;
  private lastRefill = Date.now();
  private probes = 0;
  private opened = 0;

  constructor(private readonly round: Round, private readonly slot: number) {}

  private async connection(): Promise<RawConnection> {
    if (!this.conn || this.conn.hasClosed) {
      this.conn?.destroy();
      this.conn = await openClient(this.round, new Rng(mix(this.round.seed, 77, this.slot, this.opened++)));
      this.tokens = RATE_BURST;
      this.lastRefill = Date.now();
    }
    return this.conn;
  }

  /** Stay under 100 requests per second (bursts of 200), as a polite client would. */
  private async spendToken(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(RATE_BURST, this.tokens + ((now - this.lastRefill) * RATE_PER_SECOND) / 1000);
      this.lastRefill = now;
      if (this.tokens >= 3) break;
      await sleep(Math.ceil(((3 - this.tokens) * 1000) / RATE_PER_SECOND));
    }
    this.tokens -= 1;
  }

  close(): void {
    this.conn?.destroy();
  }

  async run(input: JsonInput, rng: Rng): Promise<void> {
    const stats = this.round.stats;
    const payload = Buffer.from(input.text, 'utf8');
    const prediction = predictMessage(payload.toString('utf8'));
    try {
      const conn = await this.connection();
      if (prediction.usesToken) await this.spendToken();
      const frames: Buffer[] = [];
      if (rng.chance(0.85)) frames.push(encodeFrame({ opcode: Op.text, payload, key: rng.bytes(4) }, rng));
      else for (const f of fragments(Op.text, payload, rng.range(2, 3), rng)) frames.push(encodeFrame(f, rng));
      let probeId: string | undefined;
      if (prediction.kind === 'notify' || prediction.kind === 'none') {
        // Nothing comes back for these: a probe answered at once shows the input was read and ignored.
        probeId = `probe-${this.round.name}-${this.slot}-${this.probes++}`;
        frames.push(encodeFrame({ opcode: Op.text, payload: `{"jsonrpc":"2.0","id":"${probeId}"}` }, rng));
      }
      conn.write(Buffer.concat(frames));
      const what = await withTimeout(this.check(conn, prediction, probeId), prediction.maxWaitMs, 'hang: JSON input');
      if (what) {
        stats.fail(input.category, input.index, what, payload);
        this.conn?.destroy();
      }
    } catch (error) {
      stats.fail(input.category, input.index, describeError(error), payload);
      this.conn?.destroy();
    }
  }

  private async nextReply(conn: RawConnection): Promise<RpcReply | string> {
    for (;;) {
      const frame = await conn.readFrameOrEnd(60_000);
      if (!frame) return 'the agent closed the connection';
      if (frame.opcode === Op.close) return `the agent closed the connection with ${frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 'no code'}: ${frame.payload.subarray(2).toString()}`;
      if (frame.opcode !== Op.text || !frame.fin) return `unexpected frame, opcode ${frame.opcode}`;
      let reply: RpcReply;
      try {
        reply = JSON.parse(frame.payload.toString('utf8')) as RpcReply;
      } catch {
        return `the agent sent invalid JSON: ${frame.payload.subarray(0, 200).toString()}`;
      }
      if (typeof reply !== 'object' || reply === null) return 'the agent sent a JSON value that is not an object';
      if (!isSample(reply)) return reply;
    }
  }

  /** Why the agent's answer is wrong, or undefined. */
  private async check(conn: RawConnection, prediction: MessagePrediction, probeId?: string): Promise<string | undefined> {
    const stats = this.round.stats;
    const first = await this.nextReply(conn);
    if (typeof first === 'string') return first;
    if (probeId === undefined) {
      const mismatch = replyMismatch(first, prediction);
      if (mismatch) return `${mismatch}; reply ${JSON.stringify(first).slice(0, 300)}`;
      stats.outcome(outcomeName(first));
      return undefined;
    }
    const probe: MessagePrediction = { kind: 'sync', id: probeId, allowed: new Set([E.InvalidRequest]), usesToken: false, maxWaitMs: 0 };
    if (replyMismatch(first, probe) === undefined) {
      stats.outcome(prediction.kind === 'notify' ? 'no reply (notification)' : 'no reply (client response ignored)');
      return undefined;
    }
    if (prediction.kind === 'none' && replyMismatch(first, { ...prediction, kind: 'sync' }) === undefined) {
      const second = await this.nextReply(conn);
      if (typeof second === 'string') return second;
      if (replyMismatch(second, probe) !== undefined) return `expected the probe's answer, got ${JSON.stringify(second).slice(0, 300)}`;
      stats.outcome('rpc -32600');
      return undefined;
    }
    return `expected no reply, got ${JSON.stringify(first).slice(0, 300)}`;
  }
}

async function runJsonLane(round: Round): Promise<void> {
  const order: { category: Category | 'sweep'; index: number }[] = [];
  for (const category of JSON_CATEGORIES) {
    for (let index = 0; index < round.counts[category]; index++) order.push({ category, index });
  }
  new Rng(mix(round.seed, 55)).shuffle(order);
  if (round.sweepLocalPids) {
    // Every method on every random local pid once, before the atom baseline.
    for (let index = 0; index < LOCAL_PID_RANGE * 3; index++) order.push({ category: 'sweep', index });
  }
  const ctxPids = round.node.pids;
  const connections = Array.from({ length: JSON_CONNECTIONS }, (_, slot) => new JsonConnection(round, slot));
  try {
    await Promise.all(connections.map(async (connection, slot) => {
      for (let k = slot; k < order.length && !shouldStop(round); k += JSON_CONNECTIONS) {
        const { category, index } = order[k];
        const rng = inputRng(round, category, index);
        const ctx: GenContext = { pids: ctxPids, tag: `${round.name[0]}${CATEGORIES.indexOf(category as Category)}.${index}` };
        let text: string;
        if (category === 'sweep') {
          const pid = `<0.${index % LOCAL_PID_RANGE}.0>`;
          const method = ['process/info', 'process/messages', 'process/state'][Math.floor(index / LOCAL_PID_RANGE)];
          text = requestText(method, obj({ pid: S(pid), timeoutMs: '300', limit: '1' }), S(`sweep-${index}`));
        } else {
          text = JSON_GENERATORS[category](rng, ctx);
          round.stats.input(category);
        }
        await connection.run({ category, index, text }, rng);
      }
    }));
  } finally {
    connections.forEach((c) => c.close());
  }
}

/**
 * Checks the frames the agent sends against a stream prediction, one at a
 * time: pongs and the connection's own replies in order, workers' replies
 * anywhere (or lost when the connection closes first), then the close.
 */
class FrameMatcher {
  private readonly required: StreamEvent[];
  private readonly optional: Extract<StreamEvent, { kind: 'reply' }>[];
  private next = 0;
  private closeFrame: Frame | undefined;

  constructor(prediction: StreamPrediction, private readonly stats: Stats) {
    this.required = prediction.events.filter((e) => e.kind === 'pong' || e.required);
    this.optional = prediction.events.filter((e): e is Extract<StreamEvent, { kind: 'reply' }> => e.kind === 'reply' && !e.required);
  }

  /** Required answers not received yet. */
  pending(): number {
    return this.required.length - this.next;
  }

  /** Why this frame is wrong here, or undefined. */
  feed(frame: Frame): string | undefined {
    if (this.closeFrame) return `a frame after the close frame, opcode ${frame.opcode}`;
    if (frame.opcode === Op.close) {
      this.closeFrame = frame;
      return undefined;
    }
    if (frame.opcode === Op.pong) {
      const want = this.required[this.next];
      if (want?.kind !== 'pong' || !want.payload.equals(frame.payload)) return `unexpected pong ${hex(frame.payload, 40)}`;
      this.next++;
      this.stats.outcome('pong');
      return undefined;
    }
    if (frame.opcode !== Op.text || !frame.fin) return `unexpected frame, opcode ${frame.opcode}: ${frame.payload.subarray(0, 100).toString()}`;
    let reply: RpcReply;
    try {
      reply = JSON.parse(frame.payload.toString('utf8')) as RpcReply;
    } catch {
      return `the agent sent invalid JSON: ${frame.payload.subarray(0, 200).toString()}`;
    }
    if (typeof reply !== 'object' || reply === null) return 'the agent sent a JSON value that is not an object';
    if (isSample(reply)) return undefined;
    const want = this.required[this.next];
    if (want?.kind === 'reply' && replyMismatch(reply, want.prediction) === undefined) {
      this.next++;
    } else {
      const k = this.optional.findIndex((o) => replyMismatch(reply, o.prediction) === undefined);
      if (k < 0) {
        const why = want?.kind === 'reply' ? replyMismatch(reply, want.prediction) : 'no reply expected here';
        return `unexpected reply ${JSON.stringify(reply).slice(0, 200)} (${why})`;
      }
      this.optional.splice(k, 1);
    }
    this.stats.outcome(outcomeName(reply));
    return undefined;
  }

  /** Once the connection has closed: why the end is wrong, or undefined. */
  finish(closeCodes: number[] | null): string | undefined {
    if (this.next < this.required.length) {
      const missing = this.required[this.next];
      return `missing ${missing.kind === 'pong' ? 'pong' : `reply (${[...missing.prediction.allowed].join(', ')})`}`;
    }
    if (!closeCodes) {
      if (this.closeFrame) return `unexpected close frame ${this.closeFrame.payload.length >= 2 ? this.closeFrame.payload.readUInt16BE(0) : ''}`;
      this.stats.outcome('closed after the client hung up');
      return undefined;
    }
    const last = this.closeFrame;
    if (!last) return `expected a close frame with ${closeCodes.join(' or ')}, the connection just closed`;
    if (last.payload.length < 2) return 'close frame without a code';
    const code = last.payload.readUInt16BE(0);
    const reason = last.payload.subarray(2);
    if (!closeCodes.includes(code)) return `close ${code} (${reason.toString()}), expected ${closeCodes.join(' or ')}`;
    if (!isValidUtf8(reason) || reason.length > 123) return 'close reason is not short UTF-8';
    this.stats.outcome(`close ${code}`);
    return undefined;
  }
}

/** Feed frames to the matcher until it has every required answer (or, with untilClosed, until the connection closes). */
async function readInto(conn: RawConnection, matcher: FrameMatcher, deadline: number, untilClosed: boolean): Promise<string | undefined> {
  while (untilClosed || matcher.pending() > 0) {
    const frame = await conn.readFrameOrEnd(Math.max(1, deadline - Date.now()));
    if (!frame) return untilClosed ? undefined : 'the agent closed the connection before answering';
    const why = matcher.feed(frame);
    if (why) return why;
  }
  return undefined;
}

async function runFrameInput(round: Round, category: 'frames' | 'oversized', index: number): Promise<void> {
  const rng = inputRng(round, category, index);
  const tag = `${round.name[0]}${CATEGORIES.indexOf(category)}.${index}`;
  const generated = category === 'frames' ? genFrames(rng, tag) : genOversized(rng, tag);
  round.stats.input(category);
  let prediction = predictStream(generated);
  let stream = generated;
  let closeCodes: number[] | null = null;
  if (prediction.end.kind === 'close') {
    // Nothing after the point where the agent gives up: unread bytes would turn its close into a reset.
    stream = generated.subarray(0, prediction.end.at);
    closeCodes = prediction.end.codes;
  } else if (prediction.end.kind === 'open') {
    stream = Buffer.concat([generated, encodeFrame({ opcode: Op.close, payload: closeBody(1000, rng.pick(['', 'done'])) }, rng)]);
    prediction = predictStream(stream);
    closeCodes = [1000];
  }
  const timeoutMs = category === 'oversized' ? OVERSIZED_TIMEOUT_MS : INPUT_TIMEOUT_MS;
  await round.clientSlots.acquire();
  let conn: RawConnection | undefined;
  try {
    const run = async (): Promise<string | undefined> => {
      const deadline = Date.now() + timeoutMs;
      const pipelined = stream.length < 16384 && rng.chance(0.2);
      conn = await openClient(round, rng, pipelined ? stream : undefined);
      if (!pipelined) await writeInPieces(conn, stream, rng, category === 'oversized' ? 3 : 4);
      const matcher = new FrameMatcher(prediction, round.stats);
      if (prediction.end.kind === 'incomplete') {
        // The agent waits for the rest of the frame. Take its answers so far, then hang up
        // (after a FIN the agent drops the connection, answers still unsent included).
        const early = await readInto(conn, matcher, deadline, false);
        if (early) return early;
        conn.end();
      }
      return (await readInto(conn, matcher, deadline, true)) ?? matcher.finish(closeCodes);
    };
    const what = await withTimeout(run(), timeoutMs + 1000, 'hang: frame input');
    if (what) round.stats.fail(category, index, what, generated);
  } catch (error) {
    round.stats.fail(category, index, describeError(error), generated);
  } finally {
    conn?.destroy();
    round.clientSlots.release();
  }
}

async function runFrameLane(round: Round): Promise<void> {
  const order: { category: 'frames' | 'oversized'; index: number }[] = [];
  for (let index = 0; index < round.counts.frames; index++) order.push({ category: 'frames', index });
  for (let index = 0; index < round.counts.oversized; index++) order.push({ category: 'oversized', index });
  new Rng(mix(round.seed, 66)).shuffle(order);
  await pool(round, order.length, FRAME_CONCURRENCY, (k) => runFrameInput(round, order[k].category, order[k].index));
}

/** Why the agent's answer to a handshake does not fit the prediction, or undefined. */
async function checkHandshake(conn: RawConnection, prediction: HandshakePrediction, fin: boolean, rng: Rng,
  stats: Stats, timeoutMs: number): Promise<string | undefined> {
  const response = await conn.readHttpResponseOrEnd(timeoutMs);
  if (prediction.kind === 'silent') {
    if (response) return `expected the agent to close quietly after the client hung up, got HTTP ${response.status}`;
    stats.outcome('closed after the client hung up');
    return undefined;
  }
  if (!response) return `the agent closed the connection without an HTTP response (expected ${prediction.kind === 'status' ? prediction.statuses.join(' or ') : 408})`;
  const statuses = prediction.kind === 'timeout' ? [408] : prediction.statuses;
  const capped = statuses.includes(101) && response.status === 503 && response.body === 'too many clients\n';
  if (!statuses.includes(response.status) && !capped) {
    return `HTTP ${response.status} ${response.body.trim()}, expected ${statuses.join(' or ')}`;
  }
  stats.outcome(`http ${response.status}`);
  if (response.status === 101) {
    if (prediction.kind !== 'status' || response.headers['sec-websocket-accept'] !== expectedAccept(prediction.key!)) {
      return 'wrong Sec-WebSocket-Accept';
    }
    if (!fin) {
      conn.write(encodeFrame({ opcode: Op.close, payload: closeBody(1000) }, rng));
      const frame = await conn.readFrameOrEnd(timeoutMs);
      if (!frame || frame.opcode !== Op.close || frame.payload.length < 2 || frame.payload.readUInt16BE(0) !== 1000) {
        return 'the upgraded connection did not echo a close frame';
      }
    }
  } else {
    if (response.headers['connection'] !== 'close') return `HTTP ${response.status} without Connection: close`;
    if (response.headers['content-type'] !== 'text/plain; charset=utf-8') return `HTTP ${response.status} with content type ${response.headers['content-type']}`;
    if (!response.body.endsWith('\n') || response.body.length < 2) return `HTTP ${response.status} without a message`;
  }
  const rest = await conn.readFrameOrEnd(timeoutMs).catch((error: Error) => error);
  if (rest !== undefined) return `unexpected bytes after the answer: ${rest instanceof Error ? rest.message : hex(rest.payload, 40)}`;
  return undefined;
}

async function runHandshakeInput(round: Round, index: number): Promise<void> {
  const rng = inputRng(round, 'handshake', index);
  const input = genHandshake(rng, round.node, `${round.name[0]}${index}`);
  round.stats.input('handshake');
  const prediction = predictHandshake(input.bytes, round.node.token, input.fin);
  const bytes = input.bytes.subarray(0, prediction.at);
  const needsSlot = prediction.kind === 'status' && prediction.statuses.includes(101);
  if (needsSlot) await round.clientSlots.acquire();
  let conn: RawConnection | undefined;
  try {
    const run = async () => {
      conn = await connect(round.node);
      if (bytes.length > 0) await writeInPieces(conn, bytes, rng, 3);
      if (input.fin) conn.end();
      return checkHandshake(conn, prediction, input.fin, rng, round.stats, INPUT_TIMEOUT_MS);
    };
    const what = await withTimeout(run(), INPUT_TIMEOUT_MS + 1000, 'hang: handshake input');
    if (what) round.stats.fail('handshake', index, what, bytes);
  } catch (error) {
    round.stats.fail('handshake', index, describeError(error), bytes);
  } finally {
    conn?.destroy();
    if (needsSlot) round.clientSlots.release();
  }
}

/** Heads that never finish: each must get 408 after the 5 s handshake timeout. */
async function runSlowloris(round: Round, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, async (_, k) => {
    const index = 1_000_000 + k;
    const rng = inputRng(round, 'handshake', index);
    round.stats.input('handshake');
    const { text } = upgradeRequest(round.node, {}, 'GET / HTTP/1.1', rng.bytes(16).toString('base64'));
    const bytes = Buffer.from(text, 'latin1').subarray(0, rng.int(text.length - 4));
    const prediction = predictHandshake(bytes, round.node.token, false);
    let conn: RawConnection | undefined;
    try {
      const started = Date.now();
      const run = async () => {
        conn = await connect(round.node);
        if (bytes.length) conn.write(bytes);
        return checkHandshake(conn, prediction, false, rng, round.stats, SLOWLORIS_TIMEOUT_MS);
      };
      const what = await withTimeout(run(), SLOWLORIS_TIMEOUT_MS + 1000, 'hang: slowloris head');
      const elapsed = Date.now() - started;
      if (what) round.stats.fail('handshake', index, what, bytes);
      else if (elapsed < 4000) round.stats.fail('handshake', index, `408 after only ${elapsed} ms`, bytes);
    } catch (error) {
      round.stats.fail('handshake', index, describeError(error), bytes);
    } finally {
      conn?.destroy();
    }
  }));
}

async function runHandshakeLane(round: Round, slowloris: number): Promise<void> {
  await Promise.all([
    pool(round, round.counts.handshake - slowloris, HANDSHAKE_CONCURRENCY, (i) => runHandshakeInput(round, i)),
    runSlowloris(round, slowloris),
  ]);
}

async function runRound(node: FixtureNode, name: Round['name'], seed: number, counts: Record<Category, number>,
  sweepLocalPids: boolean, slowloris: number): Promise<{ stats: Stats; elapsedMs: number }> {
  const started = Date.now();
  const round: Round = {
    name, seed, node, counts, sweepLocalPids,
    stats: new Stats(seed, name),
    deadline: started + FUZZ_BUDGET_MS,
    clientSlots: new Semaphore(SPARE_CLIENT_SLOTS),
    laneMs: {},
  };
  const stderrStart = node.stderr().length;
  const timed = async (lane: string, run: Promise<void>) => {
    await run;
    round.laneMs[lane] = Date.now() - started;
  };
  await Promise.all([timed('json', runJsonLane(round)), timed('frames', runFrameLane(round)),
    timed('handshakes', runHandshakeLane(round, slowloris))]);
  // A crashed agent process leaves a report (the node logs to stderr, see startErlangFixture below).
  await sleep(200);
  const logged = node.stderr().slice(stderrStart);
  const reports = logged.split(/(?==(?:ERROR|CRASH) REPORT)/).filter((r) => /^=(ERROR|CRASH) REPORT/.test(r));
  for (const report of reports) round.stats.fail('node', 0, `the node logged: ${report.slice(0, 1500)}`);
  if (round.stats.overBudget) {
    round.stats.fail('budget', 0, `time budget of ${FUZZ_BUDGET_MS} ms exceeded after ${round.stats.total()} inputs`);
  }
  round.stats.laneMs = round.laneMs;
  return { stats: round.stats, elapsedMs: Date.now() - started };
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

async function agentMemory(node: FixtureNode): Promise<number> {
  return (await node.command<{ bytes: number }>('agent_memory')).bytes;
}

async function atomCount(node: FixtureNode): Promise<number> {
  return (await node.command<{ atomCount: number }>('atom_count')).atomCount;
}

/** Every method once through the extension's own client (its error paths too). */
async function callEveryMethod(node: FixtureNode): Promise<void> {
  const client = await AgentClient.connect({ port: node.port, token: node.token });
  try {
    const samples: unknown[] = [];
    const subscription = client.onSample((s) => samples.push(s));
    await client.subscribeLoad(100);
    const until = Date.now() + 3000;
    while (samples.length === 0 && Date.now() < until) await sleep(20);
    await client.unsubscribeLoad();
    subscription.dispose();
    for (const sortBy of ['reductions', 'memory', 'messageQueueLen'] as const) await client.listProcesses({ sortBy, limit: 3, filter: 'fixture' });
    await client.processInfo(node.pids.counter);
    await client.processState(node.pids.counter);
    await client.processMessages(node.pids.small_mailbox, 1);
    const failing: (() => Promise<unknown>)[] = [
      () => client.processState(node.pids.stuck, 50), () => client.processState(node.pids.plain),
      () => client.processMessages(node.pids.huge_mailbox), () => client.processInfo('<5.1.0>'),
      () => client.processInfo('not a pid'), () => client.processInfo('<0.32767.8191>'), () => client.listProcesses({ limit: 0 }),
    ];
    for (const call of failing) await call().then(() => undefined, () => undefined);
  } finally {
    client.dispose();
  }
}

describe('agent fuzzing (erl node)', () => {
  const seed = fuzzSeed();
  let node: FixtureNode;
  let warmup: { stats: Stats; elapsedMs: number };
  let atomsBaseline: number;
  let memoryBaseline: number;

  before(async () => {
    console.log(`agent fuzz: seed ${seed} (replay with BEAM_OBSERVER_FUZZ_SEED=${seed})`);
    // Logger reports go to stderr: stdout is the fixture's command channel, and a crash report there would garble it.
    node = await startErlangFixture({
      extraArgs: ['-kernel', 'logger', '[{handler,default,logger_std_h,#{config => #{type => standard_error}}}]'],
    });
    await callEveryMethod(node);
    const warmupCounts = Object.fromEntries(CATEGORIES.map((c) => [c, Math.max(4, Math.ceil(MAIN_COUNTS[c] / WARMUP_DIVISOR))])) as Record<Category, number>;
    warmup = await runRound(node, 'warm-up', mix(seed, 0xa11ce), warmupCounts, true, 0);
    console.log(warmup.stats.summary(warmup.elapsedMs));
    // The fixture's own commands load code the first time too.
    await node.command('alive');
    await atomCount(node);
    await agentMemory(node);
    await sleep(300);
    atomsBaseline = await atomCount(node);
    memoryBaseline = await agentMemory(node);
  });

  after(async () => {
    await node?.stop();
  });

  it(`answers at least ${MIN_TOTAL_INPUTS} malformed inputs with documented outcomes only, none hanging or crashing`, { timeout: 120_000 }, async () => {
    const main = await runRound(node, 'main', seed, { ...MAIN_COUNTS }, false, SLOWLORIS_INPUTS);
    console.log(main.stats.summary(main.elapsedMs));
    const failed = warmup.stats.failureCount + main.stats.failureCount;
    assert.equal(failed, 0, `${failed} failure(s), replay with BEAM_OBSERVER_FUZZ_SEED=${seed}`
      + `${main.stats.stopped ? ' (stopped early)' : ''}:\n${[warmup.stats.report(), main.stats.report()].filter(Boolean).join('\n')}`);
    assert.ok(main.stats.total() >= MIN_TOTAL_INPUTS, `only ${main.stats.total()} inputs were sent`);
  });

  it('afterwards: a legitimate client is served, no atom was created, memory is back, no user process died', async () => {
    const client = await AgentClient.connect({ port: node.port, token: node.token });
    try {
      assert.equal(client.info.node, 'nonode@nohost');
      const list = await client.listProcesses({ limit: 5 });
      assert.ok(list.rows.length > 0, 'processes/list returned rows');
    } finally {
      client.dispose();
    }

    assert.equal(await atomCount(node), atomsBaseline, `the fuzzing created atoms (seed ${seed})`);

    const alive = await node.command<Record<string, boolean>>('alive');
    assert.deepEqual(Object.keys(alive).sort(), Object.keys(node.pids).sort());
    for (const [name, isAlive] of Object.entries(alive)) assert.equal(isAlive, true, `${name} died (seed ${seed})`);

    // Connections and workers are gone; long-lived agent processes may need a moment to collect.
    const limit = 2 * 1024 * 1024;
    let memory = await agentMemory(node);
    const deadline = Date.now() + 5000;
    while (Math.abs(memory - memoryBaseline) > limit && Date.now() < deadline) {
      await sleep(250);
      memory = await agentMemory(node);
    }
    assert.ok(Math.abs(memory - memoryBaseline) <= limit,
      `agent memory ${memory} bytes, baseline ${memoryBaseline} bytes (seed ${seed})`);
  });
});
