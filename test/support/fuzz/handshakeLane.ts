/** The handshake lane: malformed handshakes and slowloris heads, each on a new connection. */
import { expectedAccept, Op, RawConnection, upgradeRequest } from '../rawAgentSocket';
import { HANDSHAKE_CONCURRENCY, INPUT_TIMEOUT_MS, SLOWLORIS_TIMEOUT_MS } from './budget';
import { Rng } from './random';
import { hex } from './encoding';
import { describeError } from './async';
import { withTimeout } from '../wait';
import { HandshakePrediction, predictHandshake } from './handshakeOracle';
import { inputRng, pool, Round, Stats } from './round';
import { connect, writeInPieces } from './connections';
import { closeBody, encodeFrame } from './frameEncoding';
import { genHandshake } from './handshakeGenerator';

// ---------------------------------------------------------------------------
// Lanes
// ---------------------------------------------------------------------------

/** Why the agent's answer to a handshake does not fit the prediction, or undefined. */
async function checkHandshake(
  conn: RawConnection,
  prediction: HandshakePrediction,
  fin: boolean,
  rng: Rng,
  stats: Stats,
  timeoutMs: number,
): Promise<string | undefined> {
  const response = await conn.readHttpResponseOrEnd(timeoutMs);
  if (prediction.kind === 'silent') {
    if (response) return `expected the agent to close quietly after the client hung up, got HTTP ${response.status}`;
    stats.outcome('closed after the client hung up');
    return undefined;
  }
  if (!response) {
    return `the agent closed the connection without an HTTP response (expected ${prediction.kind === 'status' ? prediction.statuses.join(' or ') : 408})`;
  }
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
    if (response.headers['content-type'] !== 'text/plain; charset=utf-8') {
      return `HTTP ${response.status} with content type ${response.headers['content-type']}`;
    }
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
  await Promise.all(
    Array.from({ length: count }, async (_, k) => {
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
    }),
  );
}

export async function runHandshakeLane(round: Round, slowloris: number): Promise<void> {
  await Promise.all([
    pool(round, round.counts.handshake - slowloris, HANDSHAKE_CONCURRENCY, (i) => runHandshakeInput(round, i)),
    runSlowloris(round, slowloris),
  ]);
}
