/** Encoding client WebSocket frames, close bodies and fragments. */
import { maskBytes, Op } from '../rawAgentSocket';
import { Rng } from './random';

// ---------------------------------------------------------------------------
// Generators: frames and oversized messages
// ---------------------------------------------------------------------------

export interface FrameSpec {
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

export function encodeFrame(spec: FrameSpec, rng: Rng): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : (spec.payload ?? Buffer.alloc(0));
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

export function closeBody(code: number, reason: Buffer | string = ''): Buffer {
  const r = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason;
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

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
export function fragments(opcode: number, payload: Buffer, pieces: number, rng: Rng, interleave = false): FrameSpec[] {
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
