/** The oracle's predictions for JSON-RPC messages and the check of a reply against them. */
import { INPUT_TIMEOUT_MS } from './budget';
import { isInt, isNumber, JNumber, JObject, JsonModelError, JValue, parseJson } from './jsonModel';

// ---------------------------------------------------------------------------
// Model of the JSON-RPC layer (docs/protocol.md, "Messages" and "Errors")
// ---------------------------------------------------------------------------

export const E = {
  Parse: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  NotFound: -32001,
  NotOtp: -32002,
  Timeout: -32003,
  MailboxTooLarge: -32004,
  AgentProcess: -32005,
  OtherNode: -32006,
  RateLimited: -32007,
  TooManyInflight: -32008,
  NodeNotConnected: -32009,
  BudgetExceeded: -32060,
} as const;

/** The fuzzed node's name: it runs without distribution, so it is connected to no other node. */
const OWN_NODE = 'nonode@nohost';

/**
 * docs/protocol.md, "Cluster": `node` absent, null or the node's own name runs
 * the request here; another name (at most 255 bytes) is a node this one is
 * not connected to; anything else is an invalid parameter.
 */
function nodeTarget(params: JValue): 'here' | 'invalid' | 'unknown' {
  if (!(params instanceof JObject) || !params.has('node')) return 'here';
  const node = params.get('node');
  if (node === null || node === OWN_NODE) return 'here';
  return typeof node === 'string' && Buffer.byteLength(node) <= 255 ? 'unknown' : 'invalid';
}

export type Outcome = 'result' | number;

export interface MessagePrediction {
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

const METHODS = ['initialize', 'cluster/nodes', 'pid/resolve', 'processes/list', 'process/info', 'process/state', 'process/messages'];

/** What a method may answer to these params, and how long it may take. */
function methodOutcomes(method: string, params: JValue): { allowed: Outcome[]; maxWaitMs: number } {
  const quick = (...allowed: Outcome[]) => ({ allowed, maxWaitMs: INPUT_TIMEOUT_MS });
  const notObject = !(params instanceof JObject);
  // The node a request names is checked before its other parameters (load/subscribe: after intervalMs).
  const target = nodeTarget(params);
  if (METHODS.includes(method) && target !== 'here') return quick(target === 'invalid' ? E.InvalidParams : E.NodeNotConnected);
  switch (method) {
    case 'initialize':
    case 'cluster/nodes':
    case 'load/unsubscribe':
      return quick('result');
    case 'cluster/subscribe': {
      // intervalMs, then the list of names; each name is resolved or refused within the result.
      if (notObject) return quick(E.InvalidParams);
      if (intParam(params, 'intervalMs', 100, 60000) === 'bad') return quick(E.InvalidParams);
      const nodes = params.get('nodes');
      const ok = Array.isArray(nodes) && nodes.length <= 256 && nodes.every((n) => typeof n === 'string');
      return quick(ok ? 'result' : E.InvalidParams);
    }
    case 'load/subscribe': {
      if (notObject) return quick(E.InvalidParams);
      if (intParam(params, 'intervalMs', 100, 60000) === 'bad' || target === 'invalid') return quick(E.InvalidParams);
      return quick(target === 'unknown' ? E.NodeNotConnected : 'result');
    }
    case 'pid/resolve': {
      if (notObject) return quick(E.InvalidParams);
      const pid = checkPid(params.get('pid'));
      if (pid.kind === 'invalid') return quick(E.InvalidParams);
      if (pid.kind === 'other') return quick(E.OtherNode);
      // A local pid resolves whether or not the process lives.
      const allowed: Outcome[] = ['result'];
      if (pid.alsoOther) allowed.push(E.OtherNode);
      if (!pid.certain) allowed.push(E.InvalidParams);
      return quick(...allowed);
    }
    case 'processes/list': {
      if (notObject) return quick(E.InvalidParams);
      const sortBy = params.get('sortBy');
      const filter = params.get('filter');
      const refresh = params.get('refresh');
      const ok =
        (sortBy === undefined || sortBy === 'reductions' || sortBy === 'memory' || sortBy === 'messageQueueLen') &&
        intParam(params, 'limit', 1, 1000) !== 'bad' &&
        (filter === undefined || filter === null || (typeof filter === 'string' && Buffer.byteLength(filter) <= 200)) &&
        (refresh === undefined || refresh === 'periodic' || refresh === 'explicit');
      if (!ok) return quick(E.InvalidParams);
      // docs/protocol.md, "The budget": a periodic request for rows never swept, in debt, past its first look.
      return quick(...(refresh === 'explicit' ? ['result' as const] : ['result' as const, E.BudgetExceeded]));
    }
    case 'process/info':
    case 'process/state':
    case 'process/messages': {
      if (notObject) return quick(E.InvalidParams);
      const pid = checkPid(params.get('pid'));
      const extra =
        method === 'process/state'
          ? intParam(params, 'timeoutMs', 1, 30000)
          : method === 'process/messages'
            ? intParam(params, 'limit', 1, 100)
            : 'absent';
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
export function predictMessage(text: string): MessagePrediction {
  const sync = (code: number, id: JValue = null): MessagePrediction => ({
    kind: 'sync',
    id,
    allowed: new Set([code]),
    usesToken: false,
    maxWaitMs: INPUT_TIMEOUT_MS,
  });
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
      kind: 'dispatch',
      id,
      usesToken: true,
      maxWaitMs,
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

export interface RpcReply {
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
export function replyMismatch(reply: RpcReply, prediction: MessagePrediction, alsoAllowed: Outcome[] = []): string | undefined {
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

export function outcomeName(reply: RpcReply): string {
  return 'result' in reply ? 'rpc result' : `rpc ${String(reply.error?.code)}`;
}

export function isSample(reply: RpcReply): boolean {
  return reply.method === 'load/sample' && !('id' in reply);
}

/** A text frame's payload as a JSON-RPC message, or why it is not one. */
export function parseReply(payload: Buffer): RpcReply | string {
  let reply: RpcReply;
  try {
    reply = JSON.parse(payload.toString('utf8')) as RpcReply;
  } catch {
    return `the agent sent invalid JSON: ${payload.subarray(0, 200).toString()}`;
  }
  if (typeof reply !== 'object' || reply === null) return 'the agent sent a JSON value that is not an object';
  return reply;
}
