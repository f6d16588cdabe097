/** The fuzzer's budget: input counts per category, the agent's documented limits, concurrency and timeouts. */

// ---------------------------------------------------------------------------
// Budget
// ---------------------------------------------------------------------------

export const MAIN_COUNTS = {
  handshake: 2500,
  frames: 2400,
  oversized: 60,
  invalidJson: 2500,
  invalidJsonRpc: 1500,
  unknownMethods: 1500,
  wrongParams: 1500,
  pids: 800,
  atomLike: 1500,
};
export type Category = keyof typeof MAIN_COUNTS;
export const CATEGORIES = Object.keys(MAIN_COUNTS) as Category[];
export const JSON_CATEGORIES: Category[] = ['invalidJson', 'invalidJsonRpc', 'unknownMethods', 'wrongParams', 'pids', 'atomLike'];
export const MIN_TOTAL_INPUTS = 10_000;
/** The warm-up round runs this fraction of each category. */
export const WARMUP_DIVISOR = 25;

/** The agent's documented limits (docs/protocol.md). */
const MAX_CLIENTS = 8;
export const MAX_FRAME_BYTES = 1024 * 1024;
export const MAX_HEAD_BYTES = 8192;
export const RATE_PER_SECOND = 100;
export const RATE_BURST = 200;

export const JSON_CONNECTIONS = 5;
/** Client slots left for connections that come and go (frames, successful handshakes). */
export const SPARE_CLIENT_SLOTS = MAX_CLIENTS - JSON_CONNECTIONS;
export const FRAME_CONCURRENCY = 2;
export const HANDSHAKE_CONCURRENCY = 4;
export const SLOWLORIS_INPUTS = 4;

/** How long one input may take before it counts as a hang (the machine is shared and noisy). */
export const INPUT_TIMEOUT_MS = 4000;
export const OVERSIZED_TIMEOUT_MS = 8000;
/** The handshake timeout is 5 s; the 408 must come within this. */
export const SLOWLORIS_TIMEOUT_MS = 9000;
export const FUZZ_BUDGET_MS = 40_000;
/** Stop a round after this many failures, or this many hangs. */
export const MAX_FAILURES = 300;
export const MAX_HANGS = 6;
/** Random local pids are <0.N.0> with N below this; the warm-up visits each once. */
export const LOCAL_PID_RANGE = 100;
