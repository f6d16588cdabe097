/** The frame lane: frames and oversized messages, each on a new connection, checked frame by frame. */
import { Frame, Op, RawConnection } from '../rawAgentSocket';
import { CATEGORIES, FRAME_CONCURRENCY, INPUT_TIMEOUT_MS, OVERSIZED_TIMEOUT_MS } from './budget';
import { mix, Rng } from './random';
import { hex, isValidUtf8 } from './encoding';
import { describeError } from './async';
import { withTimeout } from '../wait';
import { isSample, outcomeName, parseReply, replyMismatch } from './rpcOracle';
import { predictStream, StreamEvent, StreamPrediction } from './frameOracle';
import { inputRng, pool, Round, Stats } from './round';
import { openClient, writeInPieces } from './connections';
import { closeBody, encodeFrame } from './frameEncoding';
import { genFrames, genOversized } from './frameGenerators';

// ---------------------------------------------------------------------------
// Lanes
// ---------------------------------------------------------------------------

/**
 * Checks the frames the agent sends against a stream prediction, one at a
 * time: pongs and the connection's own replies in order, workers' replies
 * anywhere (or lost when the connection closes first), then the close.
 */
class FrameMatcher {
  private readonly required: StreamEvent[];
  private readonly optional: Extract<StreamEvent, { kind: 'reply' }>[];
  private next = 0;
  private closeFrame: Frame | undefined;

  constructor(
    prediction: StreamPrediction,
    private readonly stats: Stats,
  ) {
    this.required = prediction.events.filter((e) => e.kind === 'pong' || e.required);
    this.optional = prediction.events.filter((e): e is Extract<StreamEvent, { kind: 'reply' }> => e.kind === 'reply' && !e.required);
  }

  /** Required answers not received yet. */
  pending(): number {
    return this.required.length - this.next;
  }

  /** Why this frame is wrong here, or undefined. */
  feed(frame: Frame): string | undefined {
    if (this.closeFrame) return `a frame after the close frame, opcode ${frame.opcode}`;
    if (frame.opcode === Op.close) {
      this.closeFrame = frame;
      return undefined;
    }
    if (frame.opcode === Op.pong) {
      const want = this.required[this.next];
      if (want?.kind !== 'pong' || !want.payload.equals(frame.payload)) return `unexpected pong ${hex(frame.payload, 40)}`;
      this.next++;
      this.stats.outcome('pong');
      return undefined;
    }
    if (frame.opcode !== Op.text || !frame.fin) {
      return `unexpected frame, opcode ${frame.opcode}: ${frame.payload.subarray(0, 100).toString()}`;
    }
    const reply = parseReply(frame.payload);
    if (typeof reply === 'string') return reply;
    if (isSample(reply)) return undefined;
    const want = this.required[this.next];
    if (want?.kind === 'reply' && replyMismatch(reply, want.prediction) === undefined) {
      this.next++;
    } else {
      const k = this.optional.findIndex((o) => replyMismatch(reply, o.prediction) === undefined);
      if (k < 0) {
        const why = want?.kind === 'reply' ? replyMismatch(reply, want.prediction) : 'no reply expected here';
        return `unexpected reply ${JSON.stringify(reply).slice(0, 200)} (${why})`;
      }
      this.optional.splice(k, 1);
    }
    this.stats.outcome(outcomeName(reply));
    return undefined;
  }

  /** Once the connection has closed: why the end is wrong, or undefined. */
  finish(closeCodes: number[] | null): string | undefined {
    if (this.next < this.required.length) {
      const missing = this.required[this.next];
      return `missing ${missing.kind === 'pong' ? 'pong' : `reply (${[...missing.prediction.allowed].join(', ')})`}`;
    }
    if (!closeCodes) {
      if (this.closeFrame) {
        return `unexpected close frame ${this.closeFrame.payload.length >= 2 ? this.closeFrame.payload.readUInt16BE(0) : ''}`;
      }
      this.stats.outcome('closed after the client hung up');
      return undefined;
    }
    const last = this.closeFrame;
    if (!last) return `expected a close frame with ${closeCodes.join(' or ')}, the connection just closed`;
    if (last.payload.length < 2) return 'close frame without a code';
    const code = last.payload.readUInt16BE(0);
    const reason = last.payload.subarray(2);
    if (!closeCodes.includes(code)) return `close ${code} (${reason.toString()}), expected ${closeCodes.join(' or ')}`;
    if (!isValidUtf8(reason) || reason.length > 123) return 'close reason is not short UTF-8';
    this.stats.outcome(`close ${code}`);
    return undefined;
  }
}

/** Feed frames to the matcher until it has every required answer (or, with untilClosed, until the connection closes). */
async function readInto(conn: RawConnection, matcher: FrameMatcher, deadline: number, untilClosed: boolean): Promise<string | undefined> {
  while (untilClosed || matcher.pending() > 0) {
    const frame = await conn.readFrameOrEnd(Math.max(1, deadline - Date.now()));
    if (!frame) return untilClosed ? undefined : 'the agent closed the connection before answering';
    const why = matcher.feed(frame);
    if (why) return why;
  }
  return undefined;
}

async function runFrameInput(round: Round, category: 'frames' | 'oversized', index: number): Promise<void> {
  const rng = inputRng(round, category, index);
  const tag = `${round.name[0]}${CATEGORIES.indexOf(category)}.${index}`;
  const generated = category === 'frames' ? genFrames(rng, tag) : genOversized(rng, tag);
  round.stats.input(category);
  let prediction = predictStream(generated);
  let stream = generated;
  let closeCodes: number[] | null = null;
  if (prediction.end.kind === 'close') {
    // Nothing after the point where the agent gives up: unread bytes would turn its close into a reset.
    stream = generated.subarray(0, prediction.end.at);
    closeCodes = prediction.end.codes;
  } else if (prediction.end.kind === 'open') {
    stream = Buffer.concat([generated, encodeFrame({ opcode: Op.close, payload: closeBody(1000, rng.pick(['', 'done'])) }, rng)]);
    prediction = predictStream(stream);
    closeCodes = [1000];
  }
  const timeoutMs = category === 'oversized' ? OVERSIZED_TIMEOUT_MS : INPUT_TIMEOUT_MS;
  await round.clientSlots.acquire();
  let conn: RawConnection | undefined;
  try {
    const run = async (): Promise<string | undefined> => {
      const deadline = Date.now() + timeoutMs;
      const pipelined = stream.length < 16384 && rng.chance(0.2);
      conn = await openClient(round, rng, pipelined ? stream : undefined);
      if (!pipelined) await writeInPieces(conn, stream, rng, category === 'oversized' ? 3 : 4);
      const matcher = new FrameMatcher(prediction, round.stats);
      if (prediction.end.kind === 'incomplete') {
        // The agent waits for the rest of the frame. Take its answers so far, then hang up
        // (after a FIN the agent drops the connection, answers still unsent included).
        const early = await readInto(conn, matcher, deadline, false);
        if (early) return early;
        conn.end();
      }
      return (await readInto(conn, matcher, deadline, true)) ?? matcher.finish(closeCodes);
    };
    const what = await withTimeout(run(), timeoutMs + 1000, 'hang: frame input');
    if (what) round.stats.fail(category, index, what, generated);
  } catch (error) {
    round.stats.fail(category, index, describeError(error), generated);
  } finally {
    conn?.destroy();
    round.clientSlots.release();
  }
}

export async function runFrameLane(round: Round): Promise<void> {
  const order: { category: 'frames' | 'oversized'; index: number }[] = [];
  for (let index = 0; index < round.counts.frames; index++) order.push({ category: 'frames', index });
  for (let index = 0; index < round.counts.oversized; index++) order.push({ category: 'oversized', index });
  new Rng(mix(round.seed, 66)).shuffle(order);
  await pool(round, order.length, FRAME_CONCURRENCY, (k) => runFrameInput(round, order[k].category, order[k].index));
}
