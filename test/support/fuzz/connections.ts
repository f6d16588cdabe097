/** Opening connections to the agent and writing inputs in pieces. */
import { expectedAccept, RawConnection, upgradeRequest } from '../rawAgentSocket';
import { FixtureNode } from '../beamNode';
import { sleep } from '../wait';
import { INPUT_TIMEOUT_MS } from './budget';
import { Rng } from './random';
import { Round } from './round';

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

/** A raw connection that sends each write at once (no Nagle delay between the pieces of an input). */
export async function connect(node: FixtureNode): Promise<RawConnection> {
  const conn = await RawConnection.connect(node.port);
  conn.socket.setNoDelay(true);
  return conn;
}

// ---------------------------------------------------------------------------
// Run state, failures and outcomes
// ---------------------------------------------------------------------------

/** Write bytes in a few pieces, so that the agent sees them split across reads. */
export async function writeInPieces(conn: RawConnection, bytes: Buffer, rng: Rng, maxPieces = 4): Promise<void> {
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
export async function openClient(round: Round, rng: Rng, pipelined?: Buffer): Promise<RawConnection> {
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
