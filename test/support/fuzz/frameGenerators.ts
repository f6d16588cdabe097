/** Generators of frame streams and oversized messages. */
import { Op } from '../rawAgentSocket';
import { MAX_FRAME_BYTES } from './budget';
import { Rng } from './random';
import { unicodeString } from './jsonGenerators';
import { closeBody, encodeFrame, fragments, FrameSpec } from './frameEncoding';

// ---------------------------------------------------------------------------
// Generators: frames and oversized messages
// ---------------------------------------------------------------------------

/** A text message for the frame tests: mostly answered by the connection itself, in order. */
function frameText(rng: Rng, tag: string): string {
  switch (rng.int(7)) {
    case 0:
    case 1:
      return `{"jsonrpc":"2.0","id":"${tag}"}`;
    case 2:
      return `{"jsonrpc":"2.0","id":"${tag}","method":"initialize"}`;
    case 3:
      return `{"jsonrpc":"2.0","id":"${tag}","method":"no_such/${tag}"}`;
    case 4:
      return rng.pick(['[', '{', 'x', '', ' ', '{"a":']);
    case 5:
      return '[{"jsonrpc":"2.0","id":1,"method":"initialize"}]';
    default:
      return unicodeString(rng, rng.range(0, 60));
  }
}

const INVALID_UTF8 = [
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
  [0xfe],
  [0xc3],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe0, 0x80, 0xaf],
  [0xc3, 0x28],
  [0xed, 0xbf, 0xbf],
];

export function genFrames(rng: Rng, tag: string): Buffer {
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
    () => [
      {
        opcode: rng.pick([Op.text, Op.binary, Op.continuation]),
        payload: text(),
        lengthBits: 64,
        msb: true,
        declaredLength: rng.chance(0.5) ? BigInt(rng.int(1000)) : BigInt(rng.range(0, 2 ** 31)) * BigInt(rng.range(1, 2 ** 31)),
      },
    ],
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
    () => [
      { opcode: Op.text, fin: false, payload: text() },
      { opcode: rng.pick([Op.text, Op.binary]), payload: text() },
    ],
    () => [
      { opcode: Op.text, fin: false, payload: '{"jsonrpc":' },
      { opcode: Op.continuation, payload: '"2.0"}' },
      { opcode: Op.continuation, payload: text() },
    ],
    () => [
      { opcode: Op.binary, fin: false, payload: rng.bytes(10) },
      { opcode: Op.continuation, payload: rng.bytes(10) },
    ],
    () => [
      { opcode: Op.text, fin: false, payload: '{"jsonrpc":"2.0"' },
      { opcode: Op.close, payload: closeBody(1000) },
    ],
    () => [
      { opcode: Op.text, fin: false, payload: text() },
      { opcode: Op.continuation, fin: false, payload: text() },
      { opcode: Op.text, fin: rng.chance(0.5), payload: text() },
    ],
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
    () => [
      { opcode: Op.text, payload: text() },
      { opcode: Op.binary, payload: text() },
    ],
    // Close frames: empty, one byte, every kind of code, bad reasons.
    () => [
      {
        opcode: Op.close,
        payload: rng.pick([
          Buffer.alloc(0),
          Buffer.from([rng.int(256)]),
          closeBody(
            rng.pick([
              0,
              999,
              1000,
              1001,
              1002,
              1003,
              1004,
              1005,
              1006,
              1007,
              1011,
              1014,
              1015,
              1016,
              2999,
              3000,
              4999,
              5000,
              65535,
              rng.range(0, 65535),
            ]),
            rng.pick(['', 'bye', 'x'.repeat(123), unicodeString(rng, 10)]),
          ),
          closeBody(1000, Buffer.from(rng.pick(INVALID_UTF8))),
        ]),
      },
    ],
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

export function genOversized(rng: Rng, tag: string): Buffer {
  const enc = (specs: FrameSpec[]) => Buffer.concat(specs.map((f) => encodeFrame(f, rng)));
  const pad = (size: number, prefix: string, suffix: string) =>
    Buffer.from(prefix + 'x'.repeat(size - prefix.length - suffix.length) + suffix, 'utf8');
  const request = (size: number) => pad(size, `{"jsonrpc":"2.0","id":"${tag}","method":"initialize","pad":"`, '"}');
  const scenario = rng.int(9);
  switch (scenario) {
    case 0: // A header announcing more than 1 MiB: refused from the header alone.
      return enc([
        {
          opcode: rng.pick([Op.text, Op.binary, Op.continuation]),
          lengthBits: 64,
          payload: Buffer.alloc(0),
          declaredLength: rng.chance(0.5)
            ? BigInt(MAX_FRAME_BYTES + rng.range(1, 1000))
            : (1n << BigInt(rng.range(21, 62))) + BigInt(rng.int(1000)),
        },
      ]);
    case 1: {
      // Fragments that add up to just over 1 MiB.
      const total = MAX_FRAME_BYTES + rng.range(1, 4096);
      return enc(fragments(Op.text, pad(total, '', ''), rng.range(2, 16), rng));
    }
    case 2: // Exactly 1 MiB, one frame or fragments: accepted.
      return rng.chance(0.5)
        ? enc([{ opcode: Op.text, payload: request(MAX_FRAME_BYTES) }])
        : enc(fragments(Op.text, request(MAX_FRAME_BYTES), rng.range(2, 8), rng));
    case 3: {
      // Almost 1 MiB with invalid UTF-8 at the end.
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
