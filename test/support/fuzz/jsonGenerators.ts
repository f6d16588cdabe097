/** Generators of JSON-level inputs, one per JSON category. */
import { LOCAL_PID_RANGE } from './budget';
import { Rng } from './random';
import { lenientUtf8, obj, S } from './encoding';

// ---------------------------------------------------------------------------
// Generators: JSON level
// ---------------------------------------------------------------------------

export interface GenContext {
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
  [0x20, 0x7e],
  [0xa0, 0xff],
  [0x400, 0x4ff],
  [0x590, 0x5ff],
  [0x300, 0x36f],
  [0x4e00, 0x4eff],
  [0x200b, 0x200f],
  [0x2028, 0x2029],
  [0xfff0, 0xffff],
  [0x1f600, 0x1f64f],
  [0x10000, 0x1007f],
];

export function unicodeString(rng: Rng, length: number): string {
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
    `beam_observer_${id}`,
    `Elixir.${cap}`,
    `Elixir.Beam.Observer.${cap}`,
    `Elixir.Foo.${cap}`,
    `'quoted atom ${id}'`,
    `'${id}'`,
    `${id}@127.0.0.1`,
    `erlang:${id}`,
    `:${id}`,
    `${id}/0`,
    `atom_${id}`,
    `${id}:${id}/1`,
    `ατομ_${id}`,
    `beam_observer_${id}:start`,
    `Elixir.${cap}.init/1`,
    `'Elixir.${cap}'`,
  ]);
}

const KNOWN_METHODS = [
  'initialize',
  'processes/list',
  'process/info',
  'process/state',
  'process/messages',
  'load/subscribe',
  'load/unsubscribe',
  'cluster/nodes',
  'cluster/subscribe',
  'pid/resolve',
];

/** Values for `node`: the node itself, names it is not connected to (new atoms if made), wrong types, too long. */
function nodeValue(rng: Rng, ctx: GenContext): string {
  return rng.pick([
    '"nonode@nohost"',
    'null',
    S(`${rng.ident()}_${ctx.tag.replace(/\W/g, '_')}@127.0.0.1`),
    S(atomLikeString(rng, ctx)),
    '"init"',
    '"erlang"',
    '""',
    '1',
    '[]',
    '{}',
    'true',
    S('n'.repeat(255)),
    S('n'.repeat(256)),
    S(`é@${'h'.repeat(200)}`),
  ]);
}

function idText(rng: Rng, ctx: GenContext): string {
  return rng.chance(0.8) ? S(ctx.tag) : String(rng.range(0, 2 ** 31));
}

export function requestText(method: string, params: string | undefined, id: string | undefined): string {
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
      case 0:
        b[at] ^= 1 << rng.int(8);
        break;
      case 1:
        b[at] = rng.chance(0.5) ? rng.pick(interesting) : rng.int(256);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([rng.pick(interesting)]), b.subarray(at)]);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        const len = rng.range(1, 16);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      case 6:
        if (at + 1 < b.length) [b[at], b[at + 1]] = [b[at + 1], b[at]];
        break;
      default: {
        const len = rng.range(1, 4);
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.alloc(0),
          ...Array(rng.range(2, 200)).fill(b.subarray(at, at + len)),
          b.subarray(at + len),
        ]);
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
    () =>
      obj({
        jsonrpc: '"2.0"',
        id: rng.pick([
          '1e400',
          '-1e400',
          '1.5e308',
          '1e-400',
          '0.1e999999999',
          '1E+99999',
          '-0.0',
          '4.9e-324',
          '123456789012345678901234567890.5',
        ]),
        method: '"initialize"',
      }),
    () => requestText('processes/list', obj({ limit: rng.pick(['1e3', '1E2', digits(1001), '1.0', '-0']) }), id),
    // Unpaired surrogates (and a good pair).
    () =>
      requestText(
        'initialize',
        obj({
          x: `"${rng.pick(['\\ud800', '\\udfff', '\\ud800\\u0041', '\\ud800\\n', '\\udc00\\ud800', '\\uD800', '\\ud83d\\ude00', '\\\\ud800', 'a\\ud800'])}"`,
        }),
        id,
      ),
    () => `{"jsonrpc":"2.0","id":"${rng.pick(['\\ud800', '\\udbff\\udbff', '\\udc00'])}","method":"initialize"}`,
    () => `{"jsonrpc":"2.0","id":1,"method":"process/${rng.pick(['\\ud800', '\\udfff'])}"}`,
    // Bad escapes, raw control characters, literals JavaScript would accept elsewhere.
    () =>
      requestText(
        'initialize',
        `{"x":"${rng.pick(['\\x41', '\\u12', '\\u12G4', '\\U0041', "\\'", '\\0', '\\', '\u0001', '\t', '\n', '\u001f'])}"}`,
        id,
      ),
    () =>
      requestText(
        'initialize',
        obj({
          x: rng.pick([
            'NaN',
            'Infinity',
            '-Infinity',
            'undefined',
            'True',
            'nul',
            'tru',
            "'x'",
            '[1,]',
            '{"a":1,}',
            '01',
            '+1',
            '.5',
            '1.',
            '0x10',
            '1_000',
            '/* */1',
            '1 2',
            '--1',
            '1e',
            '1e+',
            '-',
          ]),
        }),
        id,
      ),
    () =>
      rng.pick([
        '',
        ' ',
        '\n\t ',
        '{} {}',
        '{}x',
        '[',
        ']',
        '{',
        '}',
        '"',
        '{"a"}',
        '{"a":}',
        '{:1}',
        '{1:1}',
        '{"a":1 "b":2}',
        'null null',
        '\u00a0{}',
        '\ufeff{}',
        '{}\u0000',
        '[1,,2]',
        '{,}',
      ]),
    () => '\ufeff' + requestText('initialize', undefined, id),
    () => requestText('initialize', undefined, id) + rng.pick(['\u0000', 'x', ' }', ',', '\u00a0']),
    // Long strings, many escapes, many keys (all valid JSON, still under 1 MiB).
    () => requestText('initialize', obj({ s: S('x'.repeat(rng.range(1000, 200_000))) }), id),
    () => requestText('initialize', `{"s":"${'\\n\\u00e9'.repeat(rng.range(100, 20000))}"}`, id),
    () =>
      requestText('processes/list', `{${Array.from({ length: rng.range(100, 10000) }, (_, k) => `"k${k}":${k}`).join(',')},"limit":1}`, id),
    () => requestText('initialize', `[${Array(rng.range(100, 50000)).fill('0').join(',')}]`, id),
  ];
  return rng.pick(special)();
}

function genInvalidJsonRpc(rng: Rng, ctx: GenContext): string {
  const request: Record<string, string | undefined> = {
    jsonrpc: '"2.0"',
    id: idText(rng, ctx),
    method: S(rng.pick(KNOWN_METHODS)),
    params: rng.chance(0.5) ? '{}' : undefined,
  };
  const req = () => obj(request);
  const variants: (() => string)[] = [
    () =>
      obj({
        ...request,
        jsonrpc: rng.pick([
          undefined,
          '"1.0"',
          '2',
          '2.0',
          '"2.0 "',
          '" 2.0"',
          '"2"',
          'null',
          '["2.0"]',
          '{"v":"2.0"}',
          '"２.０"',
          'true',
          '""',
          '"2.00"',
        ]),
      }),
    () =>
      obj({ ...request, method: rng.pick([undefined, '1', 'null', '[]', '{}', 'true', '""', '["initialize"]', '{"name":"initialize"}']) }),
    () =>
      obj({
        ...request,
        method: '"initialize"',
        id: rng.pick([
          '{}',
          '[]',
          'true',
          'false',
          '1.5',
          '-1',
          '1e300',
          '"str"',
          'null',
          undefined,
          '"\\u0000"',
          S('i'.repeat(10000)),
          '-0',
          '[1]',
          '{"id":1}',
        ]),
      }),
    () =>
      obj({
        ...request,
        method: S(rng.pick(KNOWN_METHODS)),
        params: rng.pick(['[]', '"x"', '1', 'null', 'true', '[{"pid":"<0.1.0>"}]', '"{}"']),
      }),
    () => rng.pick(['[]', `[${req()}]`, `[${req()},${req()}]`, '[1]', '[[]]', '[{}]', '[null]', `[${req()}`]),
    () =>
      rng.pick([
        '{"jsonrpc":"2.0","id":1,"result":{}}',
        '{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}',
        '{"jsonrpc":"2.0","result":null}',
        '{"id":1,"result":1}',
        `{"jsonrpc":"2.0","id":${S(ctx.tag)},"error":null}`,
        `{"jsonrpc":"2.0","id":${S(ctx.tag)},"method":"initialize","result":{}}`,
        '{"result":[],"error":{}}',
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
      case 0:
        return m.slice(0, at) + m.slice(at + 1);
      case 1:
        return m.slice(0, at) + rng.pick([...'abcxyz/._-0 ']) + m.slice(at);
      case 2:
        return m.slice(0, at) + m[at].toUpperCase() + m.slice(at + 1);
      default:
        return m + rng.pick(['\u0000', '\n', ' ', '/', '/x', '\u200b', 'о']);
    }
  };
  const name = rng.pick<() => string>([
    () =>
      `${rng.pick(['process/', 'processes/', 'load/', '$/', 'rpc.', 'system/', 'agent/', '', 'node/', 'debug/', 'process/kill_'])}${rng.ident()}_${tag}`,
    nearMiss,
    () => unicodeString(rng, rng.range(1, 40)) + tag,
    () => `${rng.ident()}_${tag}`.repeat(rng.range(10, 2000)),
    () =>
      rng.pick([
        '',
        ' ',
        '\u0000',
        'initialize\u0000',
        'process/info\n',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        '$/cancelRequest',
        'rpc.discover',
        'load/sample',
        'exit',
        'shutdown',
        'erlang:halt',
        'init:stop',
        'os:cmd',
      ]) + (rng.chance(0.5) ? tag : ''),
  ])();
  const id = rng.chance(0.1) ? undefined : idText(rng, ctx);
  const params = rng.pick([undefined, '{}', '[]', '{"pid":"<0.1.0>"}', 'null']);
  return requestText(name, params, id);
}

const INT_EDGES = [
  '0',
  '1',
  '-1',
  '2',
  '20',
  '99',
  '100',
  '101',
  '200',
  '1000',
  '1001',
  '5000',
  '30000',
  '30001',
  '60000',
  '60001',
  '2147483648',
  '18446744073709551616',
  '1' + '0'.repeat(999),
  '-' + '9'.repeat(1000),
];
const NOT_INTS = [
  '1.0',
  '1e2',
  '100.5',
  '-0.0',
  '1E3',
  '0.1e1',
  'null',
  'true',
  'false',
  '"5"',
  '"100"',
  '""',
  '[]',
  '[5]',
  '{}',
  '{"value":5}',
  '"five"',
  '5e-1',
];

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
    return requestText(
      method,
      rng.pick(['[]', '[1]', '"params"', '42', 'null', 'true', '[{"pid":"<0.1.0>"}]', `"${ctx.pids.counter}"`, '1.5']),
      id,
    );
  }
  const members: Record<string, string | undefined> = {};
  const maybe = (key: string, value: () => string) => {
    if (rng.chance(0.75)) members[key] = value();
  };
  const pidValue = () =>
    rng.chance(0.65)
      ? S(quickPid(rng, ctx))
      : rng.pick(['1', '0', '1.5', 'null', 'true', '[]', '{}', '""', `["${ctx.pids.counter}"]`, `{"pid":"${ctx.pids.counter}"}`]);
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
      maybe('sortBy', () =>
        rng.pick([
          '"reductions"',
          '"memory"',
          '"messageQueueLen"',
          '"Reductions"',
          '"MEMORY"',
          '"message_queue_len"',
          '"cpu"',
          '""',
          '"reductions "',
          '"\\u0000"',
          '1',
          'null',
          '[]',
          '{"by":"memory"}',
          'true',
        ]),
      );
      maybe('limit', () => paramValue(rng, ['1', '5', '1000']));
      maybe('refresh', () => rng.pick(['"periodic"', '"explicit"', '"Periodic"', '"now"', '""', '1', 'null', 'true']));
      maybe('filter', () =>
        rng.pick([
          'null',
          '""',
          '"fixture"',
          S('x'.repeat(200)),
          S('x'.repeat(201)),
          S('é'.repeat(100)),
          S('é'.repeat(101)),
          '5',
          '[]',
          '{}',
          'true',
          S('<0.'),
          S('\u0000'),
        ]),
      );
      break;
    case 'load/subscribe':
      maybe('intervalMs', () => paramValue(rng, ['100', '1000', '60000']));
      break;
    case 'cluster/subscribe':
      maybe('intervalMs', () => paramValue(rng, ['100', '1000', '60000']));
      // Names: none, some (new atoms if made), the node itself, wrong types, too many.
      members.nodes = rng.pick([
        '[]',
        `[${nodeValue(rng, ctx)}]`,
        `[${nodeValue(rng, ctx)},${nodeValue(rng, ctx)}]`,
        '["nonode@nohost"]',
        '[1]',
        '"a@b"',
        'null',
        `[${Array.from({ length: 257 }, (_, i) => S(`n${i}@h`)).join(',')}]`,
      ]);
      break;
    case 'pid/resolve':
      maybe('pid', pidValue);
      break;
    default:
      break;
  }
  if (rng.chance(0.3)) members.node = nodeValue(rng, ctx);
  if (rng.chance(0.2)) members[rng.ident()] = rng.pick(['1', '"x"', 'null', '{"pid":"<0.1.0>"}']);
  return requestText(method, obj(members), id);
}

function genPids(rng: Rng, ctx: GenContext): string {
  const huge = () =>
    rng.pick([
      `<0.${'9'.repeat(rng.range(11, 5000))}.0>`,
      ctx.pids.counter.repeat(rng.range(2, 200)),
      `<${'1'.repeat(rng.range(11, 3000))}.1.0>`,
      `#PID${'<0.1.0>'.repeat(rng.range(2, 100))}`,
      `<0.${'1'.repeat(58)}.0>`,
      `<0.${'1'.repeat(57)}.0>`,
      `#PID<0.${'1'.repeat(53)}.0>`,
      '<'.repeat(rng.range(65, 10000)),
    ]);
  const other = () =>
    rng.pick([
      `<${rng.range(1, 2 ** 31)}.${rng.range(0, 99999)}.${rng.range(0, 9)}>`,
      '<5.1.0>',
      '#PID<9.9.9>',
      '<1.0.0>',
      '<00.1.0>',
      '<4294967295.0.0>',
      '<0000000001.1.1>',
      `#PID<${rng.range(1, 99)}.${rng.range(0, 999)}.0>`,
      '<5.1.0>\n',
    ]);
  const malformed = () =>
    rng.pick([
      '<0.1>',
      '0.1.0',
      '<0.1.0',
      '0.1.0>',
      '<a.b.c>',
      '<0.-1.0>',
      '< 0.1.0>',
      '<0.1.0> ',
      '<0.1.0>\n',
      '\n<0.1.0>',
      '#PID<0.1.0',
      '#pid<0.1.0>',
      '#PID <0.1.0>',
      'PID<0.1.0>',
      '<０.1.0>',
      '<٠.1.0>',
      '<0.99999999999.0>',
      '<0.1.0.0>',
      '<0..0>',
      '<>',
      '',
      '<0.1.0><0.1.0>',
      '<0x1.0.0>',
      '<+0.1.0>',
      '<0.1e3.0>',
      '<0.1.0>\u0000',
      '<0.32768.0>',
      '<0.1.8192>',
      'self',
      'init',
      'beam_observer_listener',
      'fixture_counter',
      '#Port<0.1>',
      '#Ref<0.1.2.3>',
      '<0.0.0>',
      '<0.01.0>',
      '<0.1.0>\n\n',
    ]);
  const local = () =>
    rng.pick([
      randomLocalPid(rng),
      deadPid(rng),
      ctx.pids.counter,
      ctx.pids.stuck,
      ctx.pids.plain,
      ctx.pids.small_mailbox,
      ctx.pids.huge_mailbox,
      ctx.pids.big_state,
      `#PID${randomLocalPid(rng)}`,
    ]);
  const kind = rng.int(10);
  const pid =
    kind < 3
      ? S(other())
      : kind < 6
        ? S(malformed())
        : kind < 7
          ? S(huge())
          : kind < 9
            ? S(local())
            : rng.pick(['1', '1.5', 'null', 'true', '[]', '{}', `["${ctx.pids.counter}"]`, '{"pid":"<0.1.0>"}']);
  const method = rng.pick(['process/info', 'process/state', 'process/messages', 'pid/resolve']);
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
    case 0:
    case 1:
    case 2:
    case 3:
      return requestText(atom, rng.pick([undefined, '{}', obj({ [atom]: S(atom) })]), id);
    case 4:
      return requestText(atom, undefined, undefined); // a notification
    case 5:
      return requestText('processes/list', obj({ sortBy: S(atom), limit: '1' }), id);
    case 6:
      return requestText(
        rng.pick(['process/info', 'process/messages', 'process/state']),
        obj({ pid: S(rng.chance(0.5) ? atom : `#PID<${atom}>`), timeoutMs: '10' }),
        id,
      );
    case 7:
      return requestText('processes/list', obj({ filter: S(atom), limit: '1', [atom]: S(atom) }), id);
    case 8:
      return requestText('initialize', obj({ [atom]: '1' }), S(atom));
    default:
      return rng.chance(0.5)
        ? requestText('load/subscribe', obj({ intervalMs: S(atom) }), id)
        : obj({ jsonrpc: S(atom), id, method: '"initialize"' });
  }
}

export const JSON_GENERATORS: Record<string, (rng: Rng, ctx: GenContext) => string> = {
  invalidJson: genInvalidJson,
  invalidJsonRpc: genInvalidJsonRpc,
  unknownMethods: genUnknownMethod,
  wrongParams: genWrongParams,
  pids: genPids,
  atomLike: genAtomLike,
};
