import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Priority, RequestQueue } from '../../extension/src/agent/requestQueue';

class Refused extends Error {
  constructor(readonly code: number) {
    super(`refused ${code}`);
  }
}
const isRefusal = (error: unknown) => error instanceof Refused && (error.code === -32007 || error.code === -32008);

/** A fake agent: answers after `ms`, counting how many requests it holds at once. */
function agent(ms: number) {
  let inFlight = 0;
  let peak = 0;
  const order: string[] = [];
  return {
    get peak() {
      return peak;
    },
    order,
    send: (name: string) => async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      order.push(name);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return name;
    },
  };
}

describe('request queue', () => {
  it('never has more requests in flight than the agent allows', async () => {
    const fake = agent(5);
    const queue = new RequestQueue({ maxInflight: 8, ratePerSecond: 10_000, rateBurst: 10_000 }, isRefusal);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => queue.run('view', fake.send(`r${i}`))));
    assert.equal(results.length, 50);
    assert.equal(fake.peak, 8);
  });

  it("a user's request goes before queued background work", async () => {
    const fake = agent(5);
    const queue = new RequestQueue({ maxInflight: 2, ratePerSecond: 10_000, rateBurst: 10_000 }, isRefusal);
    const background = Array.from({ length: 30 }, (_, i) => queue.run('background', fake.send(`b${i}`)));
    const tree = queue.run('view', fake.send('tree'));
    const click = queue.run('user', fake.send('click'));
    await Promise.all([...background, tree, click]);
    // Two were in flight already; the click, then the tree, come next.
    assert.deepEqual(fake.order.slice(2, 4), ['click', 'tree']);
  });

  it('keeps to the rate: a burst, then the sustained rate', async () => {
    const fake = agent(0);
    const queue = new RequestQueue({ maxInflight: 100, ratePerSecond: 50, rateBurst: 10 }, isRefusal);
    const started = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => queue.run('view', fake.send(`r${i}`))));
    // 10 at once, the next 10 at 50 per second: about 200 ms, never much less.
    assert.ok(Date.now() - started >= 180, `took ${Date.now() - started} ms`);
  });

  it('sends again what the agent refused for its limits, and nothing else', async () => {
    const queue = new RequestQueue({ maxInflight: 8, ratePerSecond: 10_000, rateBurst: 10_000 }, isRefusal);
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls < 3) throw new Refused(-32008);
      return 'ok';
    };
    assert.equal(await queue.run('user', flaky), 'ok');
    assert.equal(calls, 3);
    assert.equal(queue.retried, 2);
    await assert.rejects(
      queue.run('user', async () => {
        throw new Refused(-32001);
      }),
      /refused -32001/,
    );
    assert.equal(queue.retried, 2, 'a real failure is not retried');
  });

  it('fails what still waits when the connection ends', async () => {
    const queue = new RequestQueue({ maxInflight: 1, ratePerSecond: 10_000, rateBurst: 10_000 }, isRefusal);
    const first = queue.run('view', () => new Promise((r) => setTimeout(() => r('first'), 20)));
    const waiting = queue.run('view' as Priority, async () => 'never');
    queue.close(new Error('closed'));
    await assert.rejects(waiting, /closed/);
    assert.equal(await first, 'first');
  });
});
