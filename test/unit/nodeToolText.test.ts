/**
 * The text of the tools of the rest of the node and of the recorded history,
 * formatted from agent answers recorded from real nodes
 * (test/fixtures/tools/node-answers.json from node_fixture.erl and
 * node_fixture.exs; test/fixtures/samples/history.json, where hist_burner
 * burned a scheduler for 3 s and exited): what each answer says, that it stays
 * within the size rule, and that the cut-off cases say what was cut. A case
 * the fixtures cannot hold (a count near its limit, a fragmented allocator,
 * 20 rows of 4 KB) is the recorded answer with that one figure changed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RecordedMoment, SupervisorChildren, SystemInfo } from '../../extension/src/protocol/agentProtocol';
import type { RecordingFile } from '../../extension/src/protocol/recordingFormat';
import { runTool, TOOLS } from '../../extension/src/tools/catalog';
import { MAX_ROW_BYTES, tableRowsText, tablesText } from '../../extension/src/tools/etsText';
import { historyText } from '../../extension/src/tools/historyText';
import { askedTime, MAX_RANGE_MS } from '../../extension/src/tools/historyTool';
import { ToolError, type NodeSource, type ToolClient } from '../../extension/src/tools/nodeSource';
import { portsText } from '../../extension/src/tools/portsText';
import { applicationsText, supervisorChildrenText } from '../../extension/src/tools/supervisionText';
import { FRAGMENTED_MIN_BYTES, MAX_FAMILIES, systemInfoText } from '../../extension/src/tools/systemInfoText';
import { timeInput } from '../../extension/src/tools/toolInputs';
import { MAX_TOOL_TEXT_BYTES, utf8Bytes } from '../../extension/src/tools/toolText';
import { ROOT } from '../support/beamNode';
import { loadNodeToolAnswers } from '../support/nodeToolAnswers';
import { loadToolAnswers } from '../support/toolAnswers';

const { erlang, elixir } = loadNodeToolAnswers();
const RECORDING = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'history.json'), 'utf8')) as RecordingFile;
const HISTORY = RECORDING.history;
const MOMENTS = HISTORY.moments;
const burning = (m: RecordedMoment) => m.top.reductions.some((i) => m.processes[i].name === 'hist_burner');
/** "Now" for the history texts: a few seconds after the last moment, as when it was asked. */
const NOW = MOMENTS[MOMENTS.length - 1].timestamp + 3000;

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\<>#]/g, '\\$&');
const numbered = (text: string) => text.split('\n').filter((line) => /^\d+\. /.test(line));

function withinSize(text: string): void {
  assert.ok(utf8Bytes(text) <= MAX_TOOL_TEXT_BYTES, `${utf8Bytes(text)} bytes`);
}

const refused = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof ToolError && message.test(e.message));

describe('beam_supervision_tree text', () => {
  it('lists the applications with their top supervisors, libraries said as such', () => {
    const text = applicationsText(elixir.applications);
    assert.match(text, /^Applications running on nonode@nohost \(5, 3 with a supervision tree\):/);
    const kernel = elixir.applications.applications.find((a) => a.name === 'kernel')!;
    assert.ok(text.includes(`- kernel ${kernel.version}: ERTS  CXC 138 10; top supervisor kernel_sup ${kernel.supervisor}`), text);
    assert.match(text, /^- logger [\d.]+: logger; top supervisor Logger\.Supervisor <0\.\d+\.0>$/m);
    assert.match(text, /^- stdlib [\d.]+: .*; a library application \(no processes of its own, no supervisor\)$/m);
    assert.match(text, /Ask with "supervisor"/);
  });

  it("a supervisor's children: id, pid, worker or supervisor, restart type, all six", () => {
    const text = supervisorChildrenText(erlang.childrenTop);
    assert.match(
      text,
      /^Supervisor nf_top \(<0\.\d+\.0>\) on nonode@nohost: callback node_fixture, strategy one_for_one; 6 children \(all shown\):/,
    );
    for (const [id, type, restart] of [
      ['worker_a', 'worker', 'permanent'],
      ['worker_b', 'worker', 'transient'],
      ['worker_c', 'worker', 'temporary'],
      ['nf_pool', 'supervisor', 'permanent'],
    ]) {
      const child = erlang.childrenTop.children.find((c) => c.id === id)!;
      assert.match(text, new RegExp(`^\\d\\. ${id} ${esc(child.pid!)}: ${type}, restart ${restart}, id ${id}`, 'm'));
    }
    assert.match(text, /nf_pool <0\.\d+\.0>: supervisor, .* \(ask with "supervisor" for its children\)/);
    assert.equal(numbered(text).length, 6);
    assert.ok(!text.includes('[cut'));
  });

  it('an Elixir supervisor reads as Elixir; dynamic children have no id', () => {
    assert.match(
      supervisorChildrenText(elixir.childrenTop),
      /^Supervisor NodeFixture\.Top .*callback Supervisor\.Default, strategy one_for_one; 3 children/,
    );
    const dynamic = supervisorChildrenText(elixir.childrenDynamic);
    assert.equal(numbered(dynamic).length, 5);
    assert.match(dynamic, /^1\. Worker <0\.\d+\.0>: worker, restart permanent, no id \(a dynamic child\)$/m);
  });

  it('250 children a page at a time: says how many are left and the offset of the next page', () => {
    const first = supervisorChildrenText(erlang.childrenPoolPage);
    withinSize(first);
    assert.match(first, /strategy simple_one_for_one; 250 children \(1 to 50 shown\):/);
    assert.equal(numbered(first).length, 50);
    assert.match(first, /\[cut: 200 more children; ask with "offset": 50 for the next page\]$/);
    const last = supervisorChildrenText(erlang.childrenPoolEnd);
    assert.match(last, /250 children \(241 to 250 shown\):\n241\. /);
    assert.ok(!last.includes('[cut'), 'the last page has nothing after it');
  });

  it('a child without a pid says why: restarting, or not running; a which_children answer says its restart is unknown', () => {
    const page: SupervisorChildren = {
      ...erlang.childrenTop,
      source: 'which_children',
      children: [
        { ...erlang.childrenTop.children[0], pid: null, status: 'restarting', name: null },
        { ...erlang.childrenTop.children[1], pid: null, status: 'undefined', name: null, restart: null },
      ],
    };
    const text = supervisorChildrenText(page);
    assert.match(text, /its state has an unknown shape, so which_children answered/);
    assert.match(text, /^1\. \S+ no pid: its supervisor is restarting it: supervisor, restart permanent/m);
    assert.match(text, /^2\. \S+ no pid: not running \(.*\): supervisor, restart type unknown/m);
  });

  it("the agent's refusal of a process that is no supervisor is a sentence that says it was sent nothing", () => {
    assert.equal(erlang.errorNotSupervisor.code, -32020);
    assert.match(erlang.errorNotSupervisor.message, /is not a supervisor \(it runs node_fixture:init\/1\).*so it was sent nothing$/);
  });
});

describe('beam_ets_tables text', () => {
  it('lists the tables by memory with owner, type, protection, rows and memory; the rest is said cut', () => {
    const text = tablesText(erlang.etsByMemory, undefined);
    withinSize(text);
    const lines = numbered(text);
    assert.equal(lines.length, 20);
    const pub = erlang.etsByMemory.tables.find((t) => t.name === 'nf_public')!;
    assert.match(text, new RegExp(`^\\d+\\. nf_public: set, public, 1,000 rows, [\\d.]+ KB; owner nf_table_owner ${esc(pub.owner)}$`, 'm'));
    assert.match(text, /beam_observer_registry: .*\[BEAM Observer agent's own: rows not shown\]/);
    assert.match(text, /^\d+\. code \(unnamed, id #Ref<[\d.]+>\): set, private, .*\[private: only its owner reads its rows\]$/m);
    assert.match(
      text,
      new RegExp(`\\[cut: ${erlang.etsByMemory.matched - 20} more tables not listed; ask with a larger "limit" or a "filter"\\]`),
    );
  });

  it('a filter says how many match; ordered_set and bag tables as such', () => {
    const text = tablesText(erlang.etsFiltered, 'nf_');
    assert.match(text, /by name \(5 of \d+ tables match "nf_"/);
    assert.match(text, /nf_protected: ordered_set, protected, 10 rows/);
    assert.match(text, /nf_bag: bag, public, 3 rows/);
    assert.ok(!text.includes('[cut'));
  });

  it('the first rows of an Erlang table, and how many were not read', () => {
    const text = tableRowsText(erlang.etsRowsPublic);
    assert.match(text, /^ETS table nf_public on nonode@nohost: the first 10 rows of 1,000, formatted inside the node by io_lib/);
    const rows = text.split('\n').filter((l) => /^\{\d+,<<"value">>,\d+\}$/.test(l));
    assert.equal(rows.length, 10);
    for (const row of rows) {
      const [, k, square] = /^\{(\d+),<<"value">>,(\d+)\}$/.exec(row)!;
      assert.equal(Number(square), Number(k) ** 2, row);
    }
    assert.match(text, /\[990 more rows not read: this tool reads the first rows only\]$/);
    assert.match(tableRowsText(erlang.etsRowsBag), /all 3 rows of 3[^]*\{color,green\}/);
  });

  it("an Elixir table's rows through inspect: the field marked secret stays hidden, and the answer says so", () => {
    const text = tableRowsText(elixir.etsRowsAccounts);
    assert.match(text, /Elixir's inspect \(fields the application marks secret/);
    assert.match(text, /^\{"ada", #NodeFixture\.Account<user: "ada", balance: 42, \.\.\.>\}$/m);
    assert.ok(!text.includes('s3cr3t'));
    assert.match(text, /or where fields marked secret are hidden\]/);
  });

  it('cuts a long row at MAX_ROW_BYTES, and a page of 20 long rows to the size rule, saying so', () => {
    const long = { text: `{1, "${'x'.repeat(4000)}"}`, truncated: false };
    const page = { ...erlang.etsRowsPublic, rows: Array.from({ length: 20 }, () => long), returned: 20 };
    const text = tableRowsText(page);
    withinSize(text);
    const shown = text.split('\n').filter((l) => l.startsWith('{1, "'));
    assert.ok(shown.length >= 8 && shown.length < 20, `${shown.length} rows`);
    for (const row of shown) assert.ok(utf8Bytes(row) <= MAX_ROW_BYTES + 3 && row.endsWith('…'));
    assert.match(text, new RegExp(`\\[cut: ${shown.length} of 20 rows shown, [\\d,]+ bytes left out; ask for fewer "rows"\\]$`));
  });

  it('a private table is refused by the agent in a sentence naming its owner', () => {
    assert.equal(erlang.errorPrivateTable.code, -32022);
    assert.match(erlang.errorPrivateTable.message, /^ETS table nf_private is private to its owner <0\.\d+\.0> \(nf_table_owner\)/);
  });
});

describe('beam_ports text', () => {
  it('the listening socket, the connection with its bytes, UDP and socket-module sockets, the agent marked', () => {
    const text = portsText(erlang.portsByInput, undefined);
    const port = erlang.fixture.sockets.listenPort;
    assert.match(
      text,
      new RegExp(
        `^\\d+\\. ${esc(erlang.fixture.sockets.listen)} tcp_inet tcp 127\\.0\\.0\\.1:${port} \\(listen\\): in 0 B, out 0 B, queued 0 B, memory \\d+ B; owner nf_sockets <0\\.\\d+\\.0>$`,
        'm',
      ),
    );
    assert.match(text, new RegExp(`tcp_inet tcp 127\\.0\\.0\\.1:${port} → 127\\.0\\.0\\.1:\\d+ \\(connected\\): in 1000 B, out 0 B`));
    assert.match(text, /udp_inet udp 127\.0\.0\.1:\d+ \(open\)/);
    assert.match(text, /#Socket<[\d.]+> socket-module udp 127\.0\.0\.1:\d+ \(open\): in 0 B, out 0 B; owner nf_sockets/);
    assert.match(text, /beam_observer_listener <0\.\d+\.0> \[BEAM Observer agent's own\]/);
    assert.match(text, /^Ports and sockets of nonode@nohost by bytes in \(\d+ in all; read in [\d.]+ ms\)/);
  });

  it('a filter says how many match; more matches than rows are said cut', () => {
    assert.match(portsText(erlang.portsFiltered, 'tcp'), /by bytes queued in the driver \(5 of \d+ match "tcp"/);
    const cut = portsText({ ...erlang.portsFiltered, matched: 42 }, 'tcp');
    assert.match(cut, /\[cut: 37 more ports not listed; ask with a larger "limit" or a "filter"\]$/);
  });
});

describe('beam_system_info text', () => {
  it('versions, uptime, schedulers, counts against limits, memory and allocators', () => {
    const text = systemInfoText(elixir.system);
    withinSize(text);
    assert.match(text, /^System of nonode@nohost: Elixir 1\.14\.\d+, OTP 25 \(ERTS [\d.]+\), x86_64-[^,]+, 64-bit; up \d+ s\./);
    assert.match(text, /- Schedulers: 2 online of 2; dirty CPU 2 online of 2; dirty IO 10\./);
    assert.match(
      text,
      /processes 71 of 262,144 \(<0\.1%\); ports \d+ of 65,536 .*ETS tables \d+ of 8,192 \([\d.]+%\) \(not enforced since OTP 20/,
    );
    assert.match(text, /None is above 80% of its limit\./);
    assert.match(text, /- Memory: total \d+ MB; processes/);
    assert.match(text, /- Allocators: carriers hold \d+ MB from the OS, blocks in use \d+ MB \(\d+% in use/);
    assert.match(text, /^ {2}ll_alloc \(3 instances\): [\d.]+ MB in carriers, [\d.]+ MB in blocks, \d+% in use$/m);
  });

  it('names the counts above 80% of their limit, and a large allocator family little in use', () => {
    const info: SystemInfo = structuredClone(erlang.system);
    info.limits.atoms = { count: 900_000, limit: 1_048_576, ratio: 900_000 / 1_048_576, enforced: true };
    info.limits.etsTables = { count: 8000, limit: 8192, ratio: 8000 / 8192, enforced: false };
    const eheap = info.allocators.families.find((f) => f.name === 'eheap_alloc')!;
    Object.assign(eheap, { carriersBytes: FRAGMENTED_MIN_BYTES * 4, blocksBytes: FRAGMENTED_MIN_BYTES, usage: 0.25 });
    const text = systemInfoText(info);
    assert.match(text, /Above 80% of the limit: atoms at 86%: the node fails to create more at the limit/);
    assert.ok(!/Above 80%.*ETS/.test(text), 'the ETS table limit is not enforced');
    assert.match(text, /^ {2}eheap_alloc \(3 instances\): 32 MB in carriers, 8 MB in blocks, 25% in use: less than half in use/m);
    assert.equal(text.match(/less than half in use/g)?.length, 1, 'small families are not pointed out');
  });

  it(`lists at most ${MAX_FAMILIES} allocator families, largest first`, () => {
    const info: SystemInfo = structuredClone(erlang.system);
    const family = info.allocators.families[0];
    info.allocators.families = Array.from({ length: 20 }, (_, i) => ({ ...family, name: `a${i}_alloc`, carriersBytes: (i + 1) * 1024 }));
    const text = systemInfoText(info);
    assert.match(text, /^ {2}a19_alloc /m);
    assert.ok(!text.includes('a7_alloc'));
    assert.match(text, /… and 8 smaller families/);
  });
});

describe('beam_history text', () => {
  const burn = MOMENTS.filter(burning);

  it('at a moment of the burst: the burner first by reductions, marked exited, with the load then', () => {
    const at = burn[1].timestamp - 200;
    const text = historyText(HISTORY, { asOf: { kind: 'moment', at }, sortBy: 'reductions', limit: 5, now: NOW });
    withinSize(text);
    assert.match(text, /^nonode@nohost at \d\d:\d\d:\d\d \(\d+ s ago\): the moment recorded at \d\d:\d\d:\d\d over 1\.\d s/);
    assert.match(text, /^Load then: the run queue (within|above) its guide.*; normal schedulers \d+% busy \(2 online\)/m);
    assert.match(
      numbered(text)[0],
      /^1\. <0\.\d+\.0> hist_burner \(initial call history_fixture:burn\/1\) \[exited since\]: [\d.]+M reductions\/s/,
    );
    assert.ok(numbered(text).length <= 5);
    assert.match(text, /^Recorder of nonode@nohost: holds moments from .* keeps the last 600 s/m);
  });

  it('over a range: ranked over it, in how many moments each ranked, and the load over it', () => {
    const from = MOMENTS[0].timestamp - 1000;
    const text = historyText(HISTORY, { asOf: { kind: 'range', from, to: NOW }, sortBy: 'reductions', limit: 3, now: NOW });
    assert.match(text, new RegExp(`^nonode@nohost from .* to .*: ${MOMENTS.length} moments covering [\\d.]+ s\\.`));
    assert.match(text, /^Load over the range: normal schedulers \d+% busy on average \(highest \d+% at/m);
    assert.match(numbered(text)[0], new RegExp(`hist_burner .*\\[exited since\\]: .* over the range; .*ranked in ${burn.length} moments`));
    assert.equal(numbered(text).length, 3);
    assert.match(text, /of BEAM Observer agent's own not listed/);
  });

  it('by memory and by queue; a time before the window says so, with the window', () => {
    const at = burn[0].timestamp;
    const memory = historyText(HISTORY, { asOf: { kind: 'moment', at }, sortBy: 'memory', limit: 3, now: NOW });
    assert.match(numbered(memory)[0], /^1\. <0\.\d+\.0> .*: [\d.]+ KB memory; /);
    const queue = historyText(HISTORY, { asOf: { kind: 'moment', at }, sortBy: 'messageQueueLen', limit: 3, now: NOW });
    assert.match(queue, /No process had a message queue then\./);
    const before = historyText(HISTORY, {
      asOf: { kind: 'moment', at: MOMENTS[0].timestamp - 60_000 },
      sortBy: 'reductions',
      limit: 3,
      now: NOW,
    });
    assert.match(
      before,
      /^No recorded moment covers \d\d:\d\d:\d\d \(1 min \d+ s ago\) on nonode@nohost \(it is before the oldest moment held\)\.\nRecorder of/,
    );
  });
});

describe('the new tools: times, ranges and confirmation', () => {
  const now = Date.UTC(2026, 11, 6, 10, 0, 0);

  it('reads the times a model writes', () => {
    assert.equal(timeInput({ at: '90 seconds ago' }, 'at', now), now - 90_000);
    assert.equal(timeInput({ at: '5 min ago' }, 'at', now), now - 300_000);
    assert.equal(timeInput({ at: 'now' }, 'at', now), now);
    assert.equal(timeInput({ at: '2026-12-06T09:58:30.5Z' }, 'at', now), now - 89_500);
    assert.equal(timeInput({ at: '2026-12-06T10:58:30+01:00' }, 'at', now), now - 90_000);
    assert.equal(timeInput({}, 'at', now), undefined);
    refused(() => timeInput({ at: 'yesterday' }, 'at', now), /"at" must be a time such as "2026-12-06T10:42:13Z".*\(got "yesterday"\)/);
    refused(() => timeInput({ at: 'x 10:00:00 y' }, 'at', now), /"at" must be a time/);
  });

  it('an instant or a range, checked: not both, not in the future, not reversed, not over 10 minutes; the last minute by default', () => {
    assert.deepEqual(askedTime({ at: '10 s ago' }, now), { kind: 'moment', at: now - 10_000 });
    assert.deepEqual(askedTime({}, now), { kind: 'range', from: now - 60_000, to: now });
    assert.deepEqual(askedTime({ from: '2 min ago' }, now), { kind: 'range', from: now - 120_000, to: now });
    refused(() => askedTime({ at: 'now', from: '1 min ago' }, now), /either "at" .* or "from" and "to"/);
    refused(() => askedTime({ at: '2026-12-06T11:00:00Z' }, now), /"at" is in the future/);
    refused(() => askedTime({ from: '1 min ago', to: '2 min ago' }, now), /"from" must be before "to"/);
    refused(
      () => askedTime({ from: '20 min ago' }, now),
      new RegExp(`a range is at most ${MAX_RANGE_MS / 60_000} minutes \\(got 1200 s\\)`),
    );
  });

  it('the ETS tool asks first only when it reads rows', () => {
    const ets = TOOLS.find((t) => t.name === 'beam_ets_tables')!;
    assert.equal(ets.describe({}).confirmTitle, undefined);
    const rows = ets.describe({ table: 'sessions', rows: 5, node: 'a@h' });
    assert.equal(rows.confirmTitle, 'Send rows of ETS table sessions to the language model?');
    assert.match(
      rows.confirmMessage ?? '',
      /the first 5 rows of ETS table sessions on a@h .*Elixir hides only the fields the application marks secret/,
    );
    assert.match(ets.modelDescription, /the user is asked before they are read/);
  });
});

describe('a node whose agent lacks the capability', () => {
  // The initialize answer recorded from an agent of before issues 12 and 14: none of their capabilities.
  const info = loadToolAnswers().elixir.initialize;
  // Nothing may be asked of this node: the capability check answers first.
  const client = new Proxy({} as ToolClient, {
    get: (_, method) => () => Promise.reject(new Error(`asked ${String(method)}`)),
  });
  const source: NodeSource = {
    attached: async () => [{ name: info.node, members: [] }],
    node: async () => ({ name: info.node, agentName: info.node, member: undefined, client, info }),
    samples: async () => [],
  };

  it('gets a sentence naming the capability and what to do, for every new tool', async () => {
    assert.ok(!info.capabilities.includes('ets') && !info.capabilities.includes('history'));
    for (const [tool, input, capability] of [
      ['beam_supervision_tree', {}, 'applications/list'],
      ['beam_supervision_tree', { supervisor: '<0.80.0>' }, 'supervisor/children'],
      ['beam_ets_tables', {}, 'ets'],
      ['beam_ports', {}, 'ports/list'],
      ['beam_system_info', {}, 'system/info'],
      ['beam_history', { at: '5 s ago' }, 'history'],
    ] as const) {
      await assert.rejects(runTool(tool, input, source), (e: Error) => {
        assert.ok(e instanceof ToolError, e.message);
        assert.match(
          e.message,
          new RegExp(
            `^${esc(info.node)} cannot .*: its BEAM Observer agent \\(${esc(info.agentVersion)}\\) does not offer "${esc(capability)}"\\. Load the agent`,
          ),
        );
        return true;
      });
    }
  });
});
