/**
 * The language-model tools' text, formatted from agent answers recorded from
 * real nodes (test/fixtures/tools/answers.json, test/fixtures/samples/*.json):
 * what each answer says, that it stays within the size rule, and that the
 * cut-off cases (100 processes, 2,000 links, a 64-frame stack, a 66 KB state)
 * say what was cut.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import { queueLoad } from '../../extension/src/shared/overload';
import { overviewText, SATURATED, verdict } from '../../extension/src/tools/overviewText';
import { pidLookupText } from '../../extension/src/tools/pidLookupText';
import { processesText } from '../../extension/src/tools/processesText';
import { MAX_FRAMES, MAX_LISTED, processInfoText } from '../../extension/src/tools/processInfoText';
import { MAX_STATE_LINES, processStateText } from '../../extension/src/tools/processStateText';
import { boundedLines, cutToBytes, MAX_TOOL_TEXT_BYTES, utf8Bytes } from '../../extension/src/tools/toolText';
import { loadRecording } from '../support/recordedSamples';
import { loadToolAnswers } from '../support/toolAnswers';

const answers = loadToolAnswers();
const { elixir, erlang } = answers;

/** The numbered process lines of a top-processes answer. */
const rankedLines = (text: string) => text.split('\n').filter((line) => /^\d+\. </.test(line));

function withinSize(text: string): void {
  assert.ok(utf8Bytes(text) <= MAX_TOOL_TEXT_BYTES, `${utf8Bytes(text)} bytes`);
}

/** The first window of three samples (ending at index i) for which `test` holds, from a recording. */
function windowWhere(samples: LoadSample[], test: (window: LoadSample[]) => boolean): LoadSample[] {
  for (let i = 3; i <= samples.length; i++) {
    const window = samples.slice(i - 3, i);
    if (test(window)) return window;
  }
  throw new Error('no such window in the recording');
}

describe('toolText: the size rule', () => {
  it('keeps a text that fits, and cuts one that does not at a line, saying so', () => {
    assert.equal(
      boundedLines(['a', 'b'], () => 'cut'),
      'a\nb',
    );
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(60)}`);
    const text = boundedLines(lines, (cut) => `[cut ${cut.shownLines} of ${cut.totalLines}, ${cut.omittedBytes} bytes]`);
    withinSize(text);
    const note = /\[cut (\d+) of 500, (\d+) bytes\]$/.exec(text);
    assert.ok(note, text.slice(-200));
    assert.equal(text.split('\n').length - 1, Number(note[1]));
    assert.equal(utf8Bytes(lines.join('\n')) - utf8Bytes(text.slice(0, text.lastIndexOf('\n'))), Number(note[2]));
  });

  it('cuts a single long line at a character, never inside one', () => {
    const text = boundedLines(['é'.repeat(20_000)], (cut) => `[cut, ${cut.shownLines} whole lines]`);
    withinSize(text);
    assert.match(text, /^é+\n\[cut, 0 whole lines\]$/);
    assert.equal(cutToBytes('aé', 2), 'a');
  });
});

describe('beam_node_overview text', () => {
  it('tells a quiet recorded node is not overloaded, with every figure and its unit', () => {
    const text = overviewText(elixir.initialize, elixir.samples);
    withinSize(text);
    const last = elixir.samples[elixir.samples.length - 1];
    assert.match(text, new RegExp(`^Node ${elixir.fixture.node}: Elixir 1\\.`));
    assert.match(text, /Verdict: not overloaded: the run queue is within its guide/);
    assert.match(text, /normal schedulers \d+% on average \(2 online of 2/);
    assert.match(text, /dirty CPU \d+% \(\d+ online/);
    assert.match(text, /Memory: total [\d.]+ MB; processes/);
    assert.ok(text.includes(`processes ${last.processes.count.toLocaleString('en-US')} of 262,144`), text);
    assert.match(text, /reductions\/s/);
    assert.match(text, /BEAM Observer's agent cost the node [\d.]+ ms of work/);
  });

  it('says OVERLOADED, and why, over three samples above the guide of a recorded node', () => {
    const { samples } = loadRecording('overloaded');
    // The recording's timer phase: 200 processes waking every millisecond, a long queue at low utilisation.
    const window = windowWhere(samples, (w) => queueLoad(w) === 'overloaded');
    const text = overviewText(elixir.initialize, window);
    assert.match(text, /Verdict: OVERLOADED: the run queue has stayed above its guide for 3 samples in a row/);
    // The recorded node ran +S 4:3: the guide is half the 3 online schedulers.
    assert.match(text, /at or below 1\.5 \(half the 3 online schedulers\)/);
    assert.ok(!text.includes('Watch: normal schedulers'), 'its schedulers were not saturated');
  });

  it('warns of busy dirty CPU schedulers, which the run queue does not show', () => {
    const { samples } = loadRecording('overloaded');
    const window = windowWhere(samples, (w) => w[2].utilisation.dirtyCpuAvg >= SATURATED);
    const text = overviewText(elixir.initialize, window);
    assert.match(text, /Watch: dirty CPU schedulers \d+% busy: NIFs or BIFs on dirty schedulers/);
    assert.ok(verdict(window).warnings.some((w) => w.startsWith('dirty CPU schedulers')));
  });

  it('says a node above its guide in its newest sample only is not overloaded yet', () => {
    const { samples } = loadRecording('overloaded');
    const window = windowWhere(samples, (w) => queueLoad(w) === 'above-guide');
    assert.match(verdict(window).reason, /^not overloaded yet: the run queue is above its guide in the newest sample only/);
  });

  it('a node of the idle recording is not overloaded; without samples there is no verdict', () => {
    assert.equal(verdict(loadRecording('idle').samples).overloaded, false);
    assert.match(overviewText(elixir.initialize, []), /No load sample has arrived from this node yet/);
  });
});

describe('beam_top_processes text', () => {
  it('ranks by reductions per second over the window, the agent left out and counted', () => {
    const result = elixir.listReductions;
    const text = processesText(result, 10);
    const lines = rankedLines(text);
    assert.equal(lines.length, 10);
    const expected = result.rows.filter((r) => !r.agent).slice(0, 10);
    lines.forEach((line, i) => assert.ok(line.startsWith(`${i + 1}. ${expected[i].pid} `), line));
    assert.match(lines[0], /ToolsFixture\.Busy \(initial call erlang:apply\/2\): [\d.]+k reductions\/s/);
    assert.ok(!lines.some((line) => line.includes('beam_observer_')), 'the agent is not listed');
    const agentRows = result.rows.slice(0, result.rows.indexOf(expected[9]) + 1).filter((r) => r.agent).length;
    assert.match(text, new RegExp(`Not listed: ${agentRows} of BEAM Observer agent's own processes`));
    assert.match(text, new RegExp(`over the last ${(result.windowMs! / 1000).toFixed(2)} s \\(2,\\d{3} processes`));
  });

  it('ranks by memory and by message queue with the real initial calls', () => {
    const memory = rankedLines(processesText(elixir.listMemory, 10));
    assert.match(memory[0], /^1\. <0\.\d+\.0> \S+ .*: [\d.]+ KB memory; [\d.]+k? reductions in total/);
    const queue = processesText(elixir.listQueue, 10);
    assert.match(rankedLines(queue)[0], /^1\. <[\d.]+> ToolsFixture\.Inbox \(initial call erlang:apply\/2\): 500 queued messages/);
    const counter = rankedLines(processesText(elixir.listFiltered, 10, 'ToolsFixture')).find((l) => l.includes('ToolsFixture.Counter'));
    assert.match(counter ?? '', /ToolsFixture\.Counter \(initial call ToolsFixture\.Counter\.init\/1\)/);
    assert.match(processesText(elixir.listNoMatch, 10, 'no-such-process'), /No process matches "no-such-process"/);
  });

  it("says when the rows are an earlier sweep's, how old, and why (the node's budget)", () => {
    const stale = { ...elixir.listMemory, refresh: { fresh: false, ageMs: 12_000, nextSweepInMs: 48_000, budgetShare: 0.02 } };
    assert.match(
      processesText(stale, 10).split('\n')[0],
      /— as of the agent's last sweep, 12 s ago: the node's budget for observing \(2% of a scheduler\) allows the next sweep in 48 s:$/,
    );
    const fresh = { ...elixir.listMemory, refresh: { fresh: true, ageMs: 0, nextSweepInMs: 0, budgetShare: 0.02 } };
    assert.doesNotMatch(processesText(fresh, 10), /last sweep/);
  });

  it('cuts 100 processes to the size rule and says how many it shows', () => {
    const text = processesText(elixir.listReductionsMany, 100);
    withinSize(text);
    const shown = rankedLines(text).length;
    assert.ok(shown > 20 && shown < 100, `${shown} lines`);
    assert.match(
      text,
      new RegExp(`\\[cut: ${shown} of 100 processes shown, [\\d,]+ bytes left out .*ask for a smaller limit or a filter\\]$`),
    );
  });
});

describe('beam_process_info text', () => {
  it("describes a GenServer: behaviour, stack, and only OTP's dictionary entries", () => {
    const text = processInfoText(elixir.infoCounter);
    assert.match(
      text,
      new RegExp(`^Process ${elixir.fixture.pids.counter.replace(/[.<>]/g, '\\$&')} on ${elixir.fixture.node}: ToolsFixture\\.Counter\\.`),
    );
    assert.match(text, /behaviour gen_server/);
    assert.match(text, /its state can be read/);
    assert.match(text, /\$initial_call" = \{ToolsFixture\.Counter, :init, 1\}/);
    assert.match(text, /gen_server:loop\/7 \(gen_server\.erl:\d+\)/);
  });

  it('lists 50 of 2,000 links and says how many more', () => {
    const text = processInfoText(elixir.infoCrowd);
    withinSize(text);
    const links = /- Links \(2,000\): (.*)\.$/m.exec(text);
    assert.ok(links, text);
    assert.equal(links[1].split(', ').filter((l) => l.startsWith('<')).length, MAX_LISTED);
    assert.match(links[1], /… and 1,950 more$/);
  });

  it('shows 30 of a 64-frame stack and says how many more', () => {
    assert.equal(elixir.infoDeep.stacktrace.length, 64);
    const text = processInfoText(elixir.infoDeep);
    assert.match(text, /- Stack \(64 frames, innermost first\):/);
    assert.equal(text.split('\n').filter((l) => /^ {2}ToolsFixture\.Deep\./.test(l)).length, MAX_FRAMES);
    assert.match(text, /… and 34 more frames$/);
    assert.match(text, /it cannot report a state \(no sys-aware loop\)/);
  });
});

describe('beam_process_state text', () => {
  it('shows a small Elixir state whole, saying how it was formatted', () => {
    const text = processStateText(elixir.stateCounter);
    assert.match(text, /a gen_server, formatted inside the process by Elixir's inspect/);
    assert.ok(text.endsWith(elixir.stateCounter.text), text);
  });

  it('cuts a 66 KB state to the size rule and says so; its secret never was in the text', () => {
    const state = elixir.stateVault;
    assert.ok(state.bytes > 5 * MAX_TOOL_TEXT_BYTES, `${state.bytes}`);
    assert.ok(!state.text.includes('sk_live'), 'the agent formatted it with inspect, which hides the api_key');
    const text = processStateText(state);
    withinSize(text);
    assert.match(text, /^#ToolsFixture\.Vault<$/m);
    assert.match(text, /\[cut: [\d,]+ of [\d,]+ bytes left out to keep this answer short; the full state opens in VS Code/);
  });

  it('an Erlang state is in Erlang syntax, its elisions noted, and shows what Erlang does not hide', () => {
    const big = processStateText(erlang.stateBig);
    assert.match(big, /formatted inside the process by io_lib with a depth limit of 40/);
    assert.match(big, /\{row,1,<<"payload">>\}/);
    assert.match(big, /\[the agent's text is [\d,]+ bytes and elided/);
    assert.ok(big.split('\n').length <= MAX_STATE_LINES + 3);
    assert.match(processStateText(erlang.stateCounter), /secret => <<"hunter2">>/);
  });
});

describe('beam_pid_lookup text', () => {
  it('resolves a pid of another node as the node that printed it numbers it', () => {
    const { peer } = elixir.fixture;
    const text = pidLookupText(peer.pid, elixir.resolveRemote, elixir.infoRemote);
    const first = peer.pid.slice(1).split('.')[0];
    assert.ok(first !== '0');
    assert.ok(
      text.startsWith(
        `${peer.pid}, as printed by ${elixir.fixture.node}, is process ${elixir.resolveRemote.pid} of another node: ${peer.node} (the first number, ${first},`,
      ),
      text,
    );
    assert.match(text, new RegExp(`Process <0\\.\\d+\\.0> on ${peer.node}: timer:sleep/1\\.`));
  });

  it("a pid of the printing node is that node's own process", () => {
    const text = pidLookupText(elixir.fixture.pids.counter, elixir.resolveLocal, elixir.infoCounter);
    assert.ok(text.startsWith(`${elixir.fixture.pids.counter}, as printed by ${elixir.fixture.node}, is that node's own process`), text);
  });
});
