/** The JSON lane: authenticated connections kept open, one input at a time, paced under the rate limit. */
import { Op, RawConnection } from '../rawAgentSocket';
import { sleep, withTimeout } from '../wait';
import { CATEGORIES, Category, JSON_CATEGORIES, JSON_CONNECTIONS, LOCAL_PID_RANGE, RATE_BURST, RATE_PER_SECOND } from './budget';
import { mix, Rng } from './random';
import { obj, S } from './encoding';
import { describeError } from './async';
import { E, isSample, MessagePrediction, outcomeName, parseReply, predictMessage, replyMismatch, RpcReply } from './rpcOracle';
import { inputRng, Round, shouldStop } from './round';
import { openClient } from './connections';
import { GenContext, JSON_GENERATORS, requestText } from './jsonGenerators';
import { encodeFrame, fragments } from './frameEncoding';

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

  constructor(
    private readonly round: Round,
    private readonly slot: number,
  ) {}

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
      if (frame.opcode === Op.close) {
        return `the agent closed the connection with ${frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 'no code'}: ${frame.payload.subarray(2).toString()}`;
      }
      if (frame.opcode !== Op.text || !frame.fin) return `unexpected frame, opcode ${frame.opcode}`;
      const reply = parseReply(frame.payload);
      if (typeof reply === 'string' || !isSample(reply)) return reply;
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

export async function runJsonLane(round: Round): Promise<void> {
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
    await Promise.all(
      connections.map(async (connection, slot) => {
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
      }),
    );
  } finally {
    connections.forEach((c) => c.close());
  }
}
