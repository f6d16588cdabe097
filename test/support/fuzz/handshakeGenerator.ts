/** The generator of malformed HTTP upgrade requests. */
import { FixtureNode } from '../beamNode';
import { Rng } from './random';
import { u8 } from './encoding';

// ---------------------------------------------------------------------------
// Generators: handshakes
// ---------------------------------------------------------------------------

interface HandshakeInput {
  bytes: Buffer;
  fin: boolean;
}

export function genHandshake(rng: Rng, node: FixtureNode, tag: string): HandshakeInput {
  const port = node.port;
  const token = node.token;
  const key = rng.bytes(16).toString('base64');
  let headers: [string, string][] = [
    ['Host', `127.0.0.1:${port}`],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', '13'],
    ['Authorization', `Bearer ${token}`],
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
    Host: [
      'localhost',
      'LOCALHOST',
      `localhost:${port}`,
      '127.0.0.1',
      '127.1.2.3:9',
      '127.0.0.1:',
      '127.0.0.1:abc',
      '[::1]',
      `[::1]:${port}`,
      '[::1]:',
      '[::1]x',
      '::1',
      '[::1',
      '0.0.0.0',
      '10.0.0.1',
      'evil.example.com',
      'localhost.evil.com',
      '127.0.0.1.nip.io',
      '127.000.0.1',
      '0x7f.0.0.1',
      '2130706433',
      '',
      'localhost, localhost',
      u8('lòcalhost'),
      '\xff',
      '\xc3',
      '127.0.0.1:80:80',
      '[::ffff:127.0.0.1]',
      u8('ｌｏｃａｌｈｏｓｔ'),
      'LocalHost:1',
      null,
      `localhost:${port}\xff`,
      '\x80localhost',
    ],
    Authorization: [
      null,
      `Bearer ${token}`,
      `bearer ${token}`,
      `BEARER ${token}`,
      `Bearer  ${token}`,
      `Bearer ${token}\t`,
      `Bearer\t${token}`,
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token.toUpperCase()}`,
      `Basic ${Buffer.from(token).toString('base64')}`,
      `Token ${token}`,
      token,
      'Bearer',
      'Bearer ',
      `Bearer ${token}, Bearer ${token}`,
      u8(`Bearer ${token}\u0085`),
      u8(`Bearer \u00a0${token}`),
      u8(`Bearer ${token}\u200e`),
      `Bearer ${'x'.repeat(rng.range(1, 6000))}`,
      `\xffearer ${token}`,
      'Bearer \xff',
      `Bearer \xff${token}`,
      u8(`Bearé ${token}`),
      `Bearer "${token}"`,
      `Bearer ${token};`,
      `Bearer ${token}\x7f`,
      u8(`Bearer ${token}\u3000`),
    ],
    'Sec-WebSocket-Key': [
      null,
      'not-base64!',
      rng.bytes(18).toString('base64'),
      rng.bytes(15).toString('base64'),
      '',
      key.toLowerCase(),
      'AAAAAAAAAAAAAAAAAAAAAA==',
      'AAAAAAAAAAAAAAAAAAAAAB==',
      'AAAAAAAAAAAAAAAAAAAA-_==',
      'AAAAAAAAAAAAAAAAAAAAA===',
      'AAAAAAAAAAAAAAAAAAAAAAA=',
      '='.repeat(24),
      `${key}, ${key}`,
      `${key.slice(0, 10)} ${key.slice(11)}`,
      `${key}\xff`,
    ],
    'Sec-WebSocket-Version': [null, '8', '12', '14', '13, 8', '013', '13.0', '', 'thirteen', u8('1３'), '13,13'],
    Upgrade: [
      null,
      'websocket',
      'WebSocket',
      'WEBSOCKET',
      'websocket, h2c',
      'h2c, websocket',
      'h2c',
      '',
      'web socket',
      'websockets',
      ',websocket,',
      u8('websocket\u00a0'),
    ],
    Connection: [null, 'Upgrade', 'upgrade', 'keep-alive, Upgrade', 'close', '', 'Upgrade, close', 'upgrades', 'keep-alive', 'UPGRADE,,'],
    Origin: ['null', 'http://localhost', `http://127.0.0.1:${port}`, 'vscode-webview://x', '', 'file://'],
  };
  let rawLines: ((text: string) => string) | undefined;
  let whole: Buffer | undefined;
  const mutations: (() => void)[] = [
    () => {
      method = rng.pick([
        'get',
        'POST',
        'PUT',
        'HEAD',
        'OPTIONS',
        'CONNECT',
        'DELETE',
        'GETT',
        'G\tET',
        '',
        'GET\x00',
        rng.ident(),
        'PRI',
        'G(T',
      ]);
    },
    () => {
      target = rng.pick([
        '',
        '*',
        '/ws',
        `/?token=${token}`,
        'http://127.0.0.1/',
        '/\x01',
        '/%00',
        '/' + 'a'.repeat(rng.range(100, 5000)),
        '/a b',
        '/\x7f',
        '/\xff\xfe',
      ]);
    },
    () => {
      version = rng.pick([
        'HTTP/1.0',
        'HTTP/2.0',
        'HTTP/0.9',
        'HTTP/1.2',
        'HTTP/9.9',
        'HTTP/1.10',
        'HTTP/1',
        'http/1.1',
        'HTTP/a.b',
        '',
        'HTTP/11',
        'HTTP/1.1\t',
        'HTTPS/1.1',
      ]);
    },
    () => {
      sep = rng.pick(['  ', '\t', '']);
    },
    () => {
      if (headers.length) headers.splice(rng.int(headers.length), 1);
    },
    () => {
      if (headers.length) {
        const h = rng.pick(headers);
        headers.splice(rng.int(headers.length + 1), 0, [h[0], rng.chance(0.5) ? h[1] : rng.ident()]);
      }
    },
    () => {
      if (!headers.length) return;
      const at = rng.int(headers.length);
      const [name, value] = headers[at];
      const mutated = rng.pick([
        name.toUpperCase(),
        name.toLowerCase(),
        ` ${name}`,
        `${name} `,
        `${name.slice(0, 2)}\x00${name.slice(2)}`,
        '',
        `X-${name}`,
        u8(`${name}é`),
        `${name}\t`,
      ]);
      headers[at] = [mutated, value];
    },
    () => setHeader('Origin', rng.pick(pools.Origin)),
    ...['Host', 'Authorization', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Upgrade', 'Connection'].map(
      (name) => () => setHeader(name, rng.pick(pools[name])),
    ),
    () => headers.push([rng.pick(['Host', 'Authorization', 'Origin', 'Upgrade']), rng.ident()]),
    () => {
      // Line endings: bare LF or CR, a blank line too early, no final blank line.
      const choice = rng.int(4);
      rawLines = (text) => {
        if (choice === 0) return text.replace('\r\n', '\n');
        if (choice === 1) return text.replace('\r\n', '\r');
        if (choice === 2) return text.replace('\r\n', '\r\n\r\n');
        return text.replace(/\r\n\r\n$/, '\n\n');
      };
    },
    () => {
      // Huge headers, around the 8192-byte limit and far beyond.
      const size = rng.chance(0.6) ? rng.range(7800, 8400) : rng.range(8400, 40000);
      headers.push(['X-Pad', 'a'.repeat(Math.max(0, size - 200))]);
    },
    () => {
      for (let k = rng.range(50, 600); k > 0; k--) headers.push([`X-H${k}`, rng.ident(1, 8)]);
    },
    () => headers.push([`beam_observer_${rng.ident()}_${tag}`, `Elixir.${rng.ident()}`]),
    () => {
      whole = Buffer.concat([rng.bytes(rng.range(1, 2000)), Buffer.from(rng.chance(0.5) ? '\r\n\r\n' : '')]);
    },
    () => {
      whole = Buffer.concat([
        Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
        rng.bytes(rng.range(10, 500)),
        Buffer.from(rng.chance(0.5) ? '\r\n\r\n' : ''),
      ]);
    },
    () => {
      whole = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    },
  ];
  const count = rng.pick([1, 1, 1, 2, 2, 3, 4]);
  for (let k = 0; k < count; k++) rng.pick(mutations)();
  let text = `${method}${sep}${target}${sep}${version}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  if (rawLines) text = rawLines(text);
  let bytes = whole ?? Buffer.from(text, 'latin1');
  if (rng.chance(0.1)) {
    // Byte flips anywhere.
    bytes = Buffer.from(bytes);
    for (let k = rng.range(1, 5); k > 0; k--) bytes[rng.int(bytes.length)] = rng.int(256);
  }
  if (rng.chance(0.1)) bytes = bytes.subarray(0, rng.int(bytes.length)); // A truncated head.
  const complete = bytes.includes('\r\n\r\n');
  return { bytes, fin: !complete || rng.chance(0.15) };
}
