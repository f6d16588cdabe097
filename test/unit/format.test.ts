import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessRow } from '../../extension/src/protocol/agentProtocol';
import { formatAgentCost, formatDebuggerShare, rowFigure, rowLabel } from '../../extension/src/views/format';
import { formatBytes, formatCount, formatMfa } from '../../extension/src/shared/format';
import {
  holdLabel,
  infoLines,
  ownerGroupItem,
  ownerOf,
  rowDescription,
  rowIcon,
  rowTooltip,
  stateLines,
} from '../../extension/src/views/processDetails';

const row: ProcessRow = {
  pid: '<0.250.0>',
  name: null,
  initialCall: { module: 'Elixir.Demo.Mailbox', function: 'init', arity: 1 },
  currentFunction: { module: 'gen_server', function: 'loop', arity: 7 },
  reductions: 5000,
  reductionsTotal: 123456,
  memory: 3 * 1024 * 1024,
  messageQueueLen: 42,
  status: 'waiting',
  agent: false,
  debugger: false,
  heldByDebugger: null,
};

describe('formatting', () => {
  it('renders MFAs in the language of the module', () => {
    assert.equal(formatMfa(row.initialCall), 'Demo.Mailbox.init/1');
    assert.equal(formatMfa(row.currentFunction), 'gen_server:loop/7');
    assert.equal(formatMfa({ module: 'Elixir.Foo', function: 'handle_call', arity: 3 }), 'Foo.handle_call/3');
    assert.equal(formatMfa({ module: 'My-Mod', function: 'Go', arity: 0 }), "'My-Mod':'Go'/0");
    assert.equal(formatMfa(null), '');
  });

  it('renders sizes and counts compactly, one rule for the tree and the charts', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(3 * 1024 * 1024), '3 MB');
    assert.equal(formatBytes(12.04 * 1024 * 1024), '12 MB');
    assert.equal(formatBytes(2.46 * 1024 ** 3), '2.5 GB');
    assert.equal(formatBytes(5 * 1024 ** 3), '5 GB');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1500), '1.5k');
    assert.equal(formatCount(2_500_000), '2.5M');
    assert.equal(formatCount(3.2e9), '3.2G');
  });

  it('labels a row by name, else initial call, else pid', () => {
    assert.equal(rowLabel(row), 'Demo.Mailbox.init/1');
    assert.equal(rowLabel({ ...row, name: 'Elixir.Demo.Mailbox' }), 'Demo.Mailbox');
    assert.equal(rowLabel({ ...row, name: 'code_server' }), 'code_server');
    assert.equal(rowLabel({ ...row, initialCall: null }), '<0.250.0>');
  });

  it('shows the figure of the sort key, reductions per second over the window', () => {
    assert.equal(rowFigure(row, 'reductions', 500), '10k reds/s');
    assert.equal(rowFigure(row, 'reductions', 2000), '2.5k reds/s');
    assert.equal(rowFigure(row, 'reductions', null), '123k reds');
    assert.equal(rowFigure(row, 'memory', 1000), '3 MB');
    assert.equal(rowFigure(row, 'messageQueueLen', 1000), '42 msgs');
  });

  it("sums the agent's own rows into one group row, in the figure of the sort key", () => {
    const own: ProcessRow[] = [
      { ...row, pid: '<0.90.0>', agent: true, reductions: 3000, reductionsTotal: 9000, memory: 1024 * 1024, messageQueueLen: 0 },
      { ...row, pid: '<0.91.0>', agent: true, reductions: 1000, reductionsTotal: 2000, memory: 1024 * 1024, messageQueueLen: 2 },
    ];
    assert.deepEqual(
      [
        ownerGroupItem('agent', own, 'reductions', 1000).description,
        ownerGroupItem('agent', own, 'memory', 1000).description,
        ownerGroupItem('agent', own, 'messageQueueLen', 1000).description,
        ownerGroupItem('agent', own.slice(1), 'reductions', 500).description,
      ],
      ['2 processes · 4k reds/s', '2 processes · 2 MB', '2 processes · 2 msgs', '1 process · 2k reds/s'],
    );
    assert.equal(ownerGroupItem('agent', own, 'reductions', 1000).label, 'BEAM Observer agent');
    assert.match(ownerGroupItem('agent', own, 'memory', 1000).tooltip, /2 processes in this list \(by memory\)/);
  });

  it("groups a debugger's own processes apart, and says what holds a process", () => {
    const interpreter: ProcessRow = { ...row, pid: '<0.95.0>', debugger: true, reductions: 27_000_000 };
    assert.equal(ownerOf(interpreter), 'debugger');
    assert.equal(ownerOf(row), undefined);
    assert.equal(ownerOf({ ...interpreter, agent: true }), 'agent', "the agent's own processes stay the agent's");
    const group = ownerGroupItem('debugger', [interpreter, { ...interpreter, reductions: 3_000_000 }], 'reductions', 1000);
    assert.equal(group.label, 'Debugger');
    assert.equal(group.description, '2 processes · 30M reds/s');
    assert.match(group.tooltip, /interpreter/);
    assert.equal(rowIcon(interpreter), 'bug');

    const atBreak = { status: 'break', callback: 'init/1', module: 'Elixir.Shop.Cache', line: 12, source: '/w/lib/shop/cache.ex' };
    assert.equal(holdLabel(atBreak), 'paused at a breakpoint (cache.ex:12)');
    assert.equal(holdLabel({ ...atBreak, source: null }), 'paused at a breakpoint (Shop.Cache:12)');
    const running = { status: 'running', callback: 'init/1', module: null, line: null, source: null };
    assert.equal(holdLabel(running), 'in init/1, interpreted by the debugger');
    assert.equal(holdLabel({ ...running, callback: null }), 'running interpreted code');
    assert.equal(holdLabel({ ...running, status: 'waiting', callback: 'handle_call/3' }), 'waiting in interpreted code (handle_call/3)');
    const held: ProcessRow = { ...row, heldByDebugger: atBreak };
    assert.equal(rowDescription(held, 'memory', 1000), '3 MB · paused at a breakpoint (cache.ex:12)');
    assert.equal(rowIcon(held), 'debug-breakpoint');
    assert.equal(rowIcon({ ...row, heldByDebugger: running }), 'debug-alt');
    assert.match(rowTooltip(held, 1000), /paused at a breakpoint/);
  });

  it("says what share of the node's reductions a debugger ran", () => {
    assert.equal(formatDebuggerShare({ reductions: 1000, debugger: null }), undefined);
    assert.equal(
      formatDebuggerShare({ reductions: 20_000_000, debugger: { reductions: 17_400_000, processes: 12 } }),
      "87% of the node's reductions (17M), in 12 processes of the debugger",
    );
    assert.equal(
      formatDebuggerShare({ reductions: 0, debugger: { reductions: 0, processes: 1 } }),
      "0% of the node's reductions (0), in 1 process of the debugger",
    );
  });

  it('says what the agent cost its node in a sample', () => {
    assert.equal(
      formatAgentCost({ busyUs: 480, reductions: 7800 }, 1000),
      '0.5 ms of work in 1.0 s (<0.1% of one scheduler), 7.8k reductions',
    );
    assert.equal(
      formatAgentCost({ busyUs: 25_000, reductions: 120_000 }, 1000),
      '25.0 ms of work in 1.0 s (2.5% of one scheduler), 120k reductions',
    );
    assert.equal(
      formatAgentCost({ busyUs: 300_000, reductions: 0 }, 2000),
      '300.0 ms of work in 2.0 s (15% of one scheduler), 0 reductions',
    );
  });

  it('builds a tooltip table and escapes Markdown in names', () => {
    const tooltip = rowTooltip({ ...row, name: 'weird_*name*' }, 1000);
    assert.match(tooltip, /\*\*weird\\_\\\*name\\\*\*\*/);
    assert.match(tooltip, /\| Message queue \| 42 \|/);
  });

  it('caps state lines in the tree', () => {
    const text = Array.from({ length: 250 }, (_, i) => `line ${i}`).join('\n');
    const { lines, more } = stateLines(text);
    assert.equal(lines.length, 200);
    assert.equal(more, 50);
    assert.deepEqual(stateLines('a\nb'), { lines: ['a', 'b'], more: 0 });
  });

  it('lists info lines with sizes in bytes from words', () => {
    const lines = infoLines({
      node: 'demo@host',
      pid: '<0.1.0>',
      name: 'Elixir.Demo',
      status: 'waiting',
      initialCall: null,
      currentFunction: null,
      stacktrace: [],
      links: [],
      monitors: [],
      monitoredBy: [],
      trapExit: true,
      groupLeader: '<0.2.0>',
      priority: 'normal',
      wordSize: 8,
      heapSize: 128,
      stackSize: 16,
      totalHeapSize: 256,
      memory: 4096,
      messageQueueLen: 0,
      reductions: 10,
      garbageCollection: {},
      dictionary: [],
      otp: { isOtp: true, behaviour: 'gen_server', sysAware: true },
      agent: false,
      debugger: false,
      heldByDebugger: null,
    });
    const get = (label: string) => lines.find((l) => l.label === label)?.description;
    assert.equal(get('Registered name'), 'Demo');
    assert.equal(get('Heap'), '1 KB (total 2 KB)');
    assert.equal(get('Behaviour'), 'gen_server');
    assert.equal(get('Trap exit'), 'true');
  });
});
