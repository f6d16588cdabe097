import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeReturnWatcher, type AttachOutcome, type ReturnWatch } from '../../extension/src/attach/nodeReturn';
import { waitFor } from '../support/wait';

/** A scripted epmd: what `names` answers at each poll, then the last answer for ever. */
function scripted(answers: (string[] | Error)[]) {
  let polls = 0;
  const asked: string[] = [];
  return {
    asked,
    get polls() {
      return polls;
    },
    names: async (host: string): Promise<string[]> => {
      asked.push(host);
      const answer = answers[Math.min(polls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function watcher(
  epmd: ReturnType<typeof scripted>,
  attach: (w: ReturnWatch) => Promise<AttachOutcome>,
  options: { graceMs?: number; giveUpMs?: number } = {},
) {
  const logs: string[] = [];
  const w = new NodeReturnWatcher({
    names: epmd.names,
    attach,
    log: (m) => logs.push(m),
    pollMs: 2,
    graceMs: options.graceMs ?? 10_000,
    giveUpMs: options.giveUpMs ?? 10_000,
  });
  return { w, logs };
}

describe('watching for a node to come back', () => {
  it('attaches once the name is gone from epmd and registered again, then stops', async () => {
    const epmd = scripted([['shop'], [], new Error('econnrefused'), ['other'], ['other', 'shop']]);
    const attached: ReturnWatch[] = [];
    const { w, logs } = watcher(epmd, async (watch) => {
      attached.push(watch);
      return 'attached';
    });
    w.watch({ node: 'shop@box', epmdPort: 4370 });
    await waitFor(() => attached.length > 0, 2000, 'an attach');
    assert.deepEqual(attached, [{ node: 'shop@box', epmdPort: 4370 }]);
    assert.equal(epmd.polls, 5, 'attached at the first poll that lists it again');
    assert.deepEqual([...new Set(epmd.asked)], ['box'], "asks the epmd of the node's host");
    await waitFor(() => w.watching().length === 0, 1000, 'the watch ends');
    assert.match(logs.join('\n'), /shop@box is back: attached again/);
  });

  it('a name that never left is tried only after the grace period', async () => {
    const epmd = scripted([['shop']]);
    let attaches = 0;
    const { w } = watcher(
      epmd,
      async () => {
        attaches++;
        return 'attached';
      },
      { graceMs: 60 },
    );
    const started = Date.now();
    w.watch({ node: 'shop@box' });
    await waitFor(() => attaches === 1, 2000, 'an attach');
    assert.ok(Date.now() - started >= 60, 'not before the grace period');
  });

  it('keeps trying while attaching fails, waiting twice as long after each failure, and gives up after its time', async () => {
    const epmd = scripted([[], ['shop']]);
    const at: number[] = [];
    const { w, logs } = watcher(epmd, async () => {
      at.push(Date.now());
      return at.length >= 4 ? 'attached' : 'failed';
    });
    w.watch({ node: 'shop@box' });
    await waitFor(() => at.length === 4, 3000, 'four attempts');
    await waitFor(() => w.watching().length === 0, 1000, 'the watch ends');
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    // pollMs 2: the waits after 1, 2 and 3 failures are 4, 8 and 16 ms. Timers may run late, never early, but
    // by the event loop's clock, which it reads once per turn: measured with Date.now() a wait can look up to
    // 1 ms short (seen once: gaps 5, 8, 15 ms).
    assert.ok(gaps[0] >= 3 && gaps[1] >= 7 && gaps[2] >= 15, `gaps ${gaps.join(', ')} ms`);
    // Twice as long each time: the gaps grow, whatever the machine's load.
    assert.ok(gaps[2] > gaps[0], `gaps ${gaps.join(', ')} ms`);

    const never = scripted([[]]);
    const gave = watcher(never, async () => 'attached', { giveUpMs: 40 });
    gave.w.watch({ node: 'gone@box' });
    await waitFor(() => gave.w.watching().length === 0, 2000, 'giving up');
    assert.match(gave.logs.join('\n'), /gone@box did not come back/);
    assert.match(logs.join('\n'), /watching epmd for shop@box/);
  });

  it('a node that refuses the cookie ends the watch at once', async () => {
    const epmd = scripted([[], ['shop']]);
    let attaches = 0;
    const { w, logs } = watcher(epmd, async () => {
      attaches++;
      return 'refused';
    });
    w.watch({ node: 'shop@box' });
    await waitFor(() => w.watching().length === 0, 2000, 'the watch ends');
    assert.equal(attaches, 1);
    assert.match(logs.join('\n'), /refused the cookie/);
  });

  it('cancel and dispose stop polling; a name without a host is not watched', async () => {
    const epmd = scripted([[]]);
    const { w } = watcher(epmd, async () => 'attached');
    w.watch({ node: 'a@box' });
    w.watch({ node: 'b@box' });
    w.watch({ node: 'nohost' });
    assert.deepEqual(w.watching(), ['a@box', 'b@box']);
    w.cancel('a@box');
    assert.deepEqual(w.watching(), ['b@box']);
    w.dispose();
    const polls = epmd.polls;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(epmd.polls, polls, 'no poll after dispose');
  });
});
