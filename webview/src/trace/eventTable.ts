/**
 * The trace's events as a table, newest first: time, process (hover for a
 * summary, Reveal to show it in the process tree), function (a click opens
 * its source), arguments or message, result or exception, duration. A call
 * and its return are one row (shared/traceFormat.ts). At most MAX_SHOWN
 * rows are drawn; the filter matches any cell.
 */
import type { Mfa } from '../../../extension/src/protocol/agentProtocol';
import {
  formatDuration,
  formatEventTime,
  formatFunction,
  newestFirst,
  rowMatches,
  type TraceRow,
} from '../../../extension/src/shared/traceFormat';
import { el } from './dom';

export const MAX_SHOWN = 500;

export interface TableActions {
  openFunction(mfa: Mfa): void;
  revealPid(pid: string): void;
  hoverPid(pid: string, cell: HTMLElement): void;
  leavePid(): void;
}

const HEADINGS = {
  calls: ['Time', 'Process', 'Function', 'Arguments', 'Result', 'Duration'],
  messages: ['Time', 'Process', 'Event', 'Message', '', ''],
};
const CLASSES = ['time', 'process', 'function', 'arguments', 'result', 'duration'];

export class EventTable {
  readonly element: HTMLDivElement;
  private readonly body: HTMLTableSectionElement;
  private readonly footer: HTMLParagraphElement;
  private readonly headings: HTMLTableCellElement[];

  constructor(private readonly actions: TableActions) {
    this.element = el('div', 'events');
    const table = el('table', 'event-table', this.element);
    const head = el('tr', '', el('thead', '', table));
    this.headings = CLASSES.map((name) => el('th', `col-${name}`, head));
    this.setKind('calls');
    this.body = el('tbody', '', table);
    this.footer = el('p', 'table-footer', this.element);
  }

  /** The column headings of a call trace or a message trace. */
  setKind(kind: 'calls' | 'messages'): void {
    HEADINGS[kind].forEach((text, i) => (this.headings[i].textContent = text));
  }

  render(rows: Iterable<TraceRow>, filter: string): void {
    const all = newestFirst(rows);
    const matching = all.filter((row) => rowMatches(row, filter));
    const shown = matching.slice(0, MAX_SHOWN);
    this.body.replaceChildren(...shown.map((row) => this.row(row)));
    const parts = [`${all.length.toLocaleString('en-US')} ${all.length === 1 ? 'row' : 'rows'}`];
    if (filter.trim() !== '') parts.push(`${matching.length.toLocaleString('en-US')} match the filter`);
    if (matching.length > shown.length) parts.push(`the newest ${MAX_SHOWN} shown`);
    this.footer.textContent = all.length === 0 ? '' : parts.join(' · ');
  }

  private row(row: TraceRow): HTMLTableRowElement {
    const tr = el('tr', `row kind-${row.kind} outcome-${row.outcome.kind}`);
    tr.dataset.id = String(row.id);
    el('td', 'cell-time', tr, formatEventTime(row.timeUs));
    tr.append(this.pidCell(row.pid));
    tr.append(this.functionCell(row));
    const args = el('td', 'cell-args', tr, row.kind === 'call' ? (row.args ?? '') : (row.message ?? ''));
    if (row.kind === 'call' && row.args === null) args.textContent = '(arity only)';
    args.title = args.textContent ?? '';
    const result = el('td', `cell-result ${row.outcome.kind}`, tr, outcomeText(row));
    result.title = result.textContent ?? '';
    el('td', 'cell-duration', tr, row.durationUs === null ? '' : formatDuration(row.durationUs));
    if (row.truncated) tr.classList.add('truncated');
    return tr;
  }

  private pidCell(pid: string): HTMLTableCellElement {
    const td = el('td', 'cell-pid');
    const text = el('span', 'pid', td, pid);
    text.addEventListener('mouseenter', () => this.actions.hoverPid(pid, text));
    text.addEventListener('mouseleave', () => this.actions.leavePid());
    const reveal = el('a', 'reveal', td, 'Reveal');
    reveal.href = '#';
    reveal.title = `Reveal ${pid} in the process tree`;
    reveal.addEventListener('click', (event) => {
      event.preventDefault();
      this.actions.revealPid(pid);
    });
    return td;
  }

  private functionCell(row: TraceRow): HTMLTableCellElement {
    const td = el('td', 'cell-function');
    if (!row.function) {
      td.textContent =
        row.kind === 'receive' ? 'receive' : `${row.kind === 'sendToDead' ? 'send to a dead process' : 'send'} → ${row.to ?? ''}`;
      return td;
    }
    const mfa = row.function;
    const link = el('a', 'function', td, formatFunction(mfa));
    link.href = '#';
    link.title = `Open the source of ${formatFunction(mfa)}`;
    link.addEventListener('click', (event) => {
      event.preventDefault();
      this.actions.openFunction(mfa);
    });
    return td;
  }
}

function outcomeText(row: TraceRow): string {
  switch (row.outcome.kind) {
    case 'pending':
      return '…';
    case 'exception':
      return `✖ ${row.outcome.text}`;
    default:
      return row.outcome.text;
  }
}
