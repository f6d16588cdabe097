/** The oracle's predictions for a stream of WebSocket frames. */
import { maskBytes, Op } from '../rawAgentSocket';
import { MAX_FRAME_BYTES } from './budget';
import { isValidUtf8 } from './encoding';
import { MessagePrediction, Outcome, predictMessage } from './rpcOracle';

// ---------------------------------------------------------------------------
// Model of the WebSocket layer (RFC 6455 and docs/protocol.md, "Closing codes")
// ---------------------------------------------------------------------------

export type StreamEvent =
  { kind: 'pong'; payload: Buffer } | { kind: 'reply'; prediction: MessagePrediction; required: boolean; alsoAllowed: Outcome[] };

export interface StreamPrediction {
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

export function predictStream(data: Buffer): StreamPrediction {
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
    // Decided from the first two bytes: nothing after them is sent (see runFrameInput in frameLane.ts).
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
