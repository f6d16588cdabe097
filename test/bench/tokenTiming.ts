/**
 * Token timing: how long the agent takes to refuse a wrong token that
 * differs in its last byte, in its first, or in its length. The agent
 * compares SHA-256 digests of both sides with crypto:hash_equals/2, so the
 * three should not be told apart. Loopback jitter (tens of µs) is far
 * larger than a byte-by-byte comparison's difference would be, so this is a
 * figure to read, not a test: it shows no gross leak, such as an early exit
 * that skips hashing.
 */
import { Socket, connect } from 'node:net';
import { startErlangFixture } from '../support/beamNode';

const ROUNDS = 300;

function refusalMicros(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let started = 0n;
    socket.once('connect', () => {
      started = process.hrtime.bigint();
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `Authorization: Bearer ${token}\r\n\r\n`,
      );
    });
    socket.once('data', (data) => {
      const micros = Number(process.hrtime.bigint() - started) / 1000;
      socket.destroy();
      if (!data.toString('latin1').startsWith('HTTP/1.1 401')) {
        reject(new Error(`expected 401, got ${data.toString('latin1').split('\r\n')[0]}`));
      } else resolve(micros);
    });
    socket.once('error', reject);
  });
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function measureTokenTiming(log: (line: string) => void): Promise<void> {
  const node = await startErlangFixture();
  try {
    const right = node.token;
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const variants: Record<string, string> = {
      'last byte wrong': right.slice(0, -1) + flip(right[right.length - 1]),
      'first byte wrong': flip(right[0]) + right.slice(1),
      'one byte long': 'x',
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    // Interleaved, so drift in the machine's load touches every variant alike.
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, token] of Object.entries(variants)) times[name].push(await refusalMicros(node.port, token));
    }
    log(`\n## Token timing: HTTP 401 round trip on loopback, ${ROUNDS} interleaved requests per variant`);
    for (const [name, values] of Object.entries(times)) {
      log(`${name.padEnd(17)} median ${quantile(values, 0.5).toFixed(0)} µs, p90 ${quantile(values, 0.9).toFixed(0)} µs`);
    }
  } finally {
    await node.stop();
  }
}
