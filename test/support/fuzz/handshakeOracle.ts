/** The oracle's predictions for an HTTP upgrade request. */
import { MAX_HEAD_BYTES } from './budget';

// ---------------------------------------------------------------------------
// Model of the HTTP upgrade (docs/protocol.md, "Refusals before the upgrade")
// ---------------------------------------------------------------------------

export type HandshakePrediction =
  { kind: 'status'; statuses: number[]; at: number; key?: string } | { kind: 'silent'; at: number } | { kind: 'timeout'; at: number };

const TCHARS = new Set([..."!#$%&'*+-.^_`|~"].map((c) => c.charCodeAt(0)));
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

export function predictHandshake(data: Buffer, token: string, fin: boolean): HandshakePrediction {
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
