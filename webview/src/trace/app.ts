/**
 * The BEAM Trace panel: a heading (what is traced, where), the set-up form
 * before the trace starts, then the running bar (the trace's state, a Stop
 * button and the filter), notes, the event table, and why the trace ended.
 * Rendering follows the host's messages (bridge.ts).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { TraceLimits } from '../../../extension/src/protocol/agentProtocol';
import type { HostToTraceWebview, TraceWebviewToHost } from '../../../extension/src/protocol/webviewProtocol';
import { addEvents, type TraceRow } from '../../../extension/src/shared/traceFormat';
import { component, el } from './dom';
import { EventTable } from './eventTable';
import { SetupForm } from './setupForm';

type State = 'empty' | 'setup' | 'starting' | 'running' | 'ended';

export class TraceApp {
  private readonly title: HTMLHeadingElement;
  private readonly subtitle: HTMLParagraphElement;
  private readonly form: SetupForm;
  private readonly bar: HTMLDivElement;
  private readonly status: HTMLSpanElement;
  private readonly stop: HTMLElement;
  private readonly filter: HTMLElement & { value: string };
  private readonly notes: HTMLUListElement;
  private readonly ended: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
  private readonly table: EventTable;
  private readonly tooltip: HTMLDivElement;
  private rows = new Map<number, TraceRow>();
  private state: State = 'empty';
  private returns = false;
  private limits: TraceLimits | undefined;
  private events = 0;
  private dropped = 0;
  private tooltipPid: string | undefined;
  private renderQueued = false;

  constructor(
    root: HTMLElement,
    private readonly post: (message: TraceWebviewToHost) => void,
  ) {
    const header = el('header', 'heading', root);
    this.title = el('h1', 'title', header, 'BEAM Trace');
    this.subtitle = el('p', 'subtitle', header, 'Trace a function from its CodeLens, or a process from the process tree.');
    this.form = new SetupForm((request) => {
      this.setState('starting');
      this.post({ type: 'start', ...request });
    });
    root.append(this.form.element);
    this.bar = el('div', 'bar', root);
    this.status = el('span', 'status', this.bar);
    this.stop = component<HTMLElement>('vscode-button', 'stop', this.bar);
    this.stop.textContent = 'Stop';
    this.stop.setAttribute('secondary', '');
    this.stop.addEventListener('click', () => this.post({ type: 'stop' }));
    this.filter = component<HTMLElement & { value: string }>('vscode-textfield', 'filter', this.bar);
    this.filter.setAttribute('placeholder', 'Filter: pid, function, argument, result…');
    this.filter.setAttribute('aria-label', 'Filter events');
    this.filter.addEventListener('input', () => this.renderTable());
    this.ended = el('p', 'ended', root);
    this.error = el('p', 'error', root);
    this.notes = el('ul', 'notes', root);
    this.table = new EventTable({
      openFunction: (mfa) => this.post({ type: 'openFunction', function: mfa }),
      revealPid: (pid) => this.post({ type: 'revealPid', pid }),
      hoverPid: (pid, cell) => this.showTooltip(pid, cell),
      leavePid: () => this.hideTooltip(),
    });
    root.append(this.table.element);
    this.tooltip = el('div', 'tooltip', document.body);
    this.setState('empty');
  }

  handle(message: HostToTraceWebview): void {
    switch (message.type) {
      case 'setup':
        this.rows = new Map();
        this.events = 0;
        this.dropped = 0;
        this.title.textContent = `Trace ${message.target.label}`;
        this.subtitle.textContent = `on ${message.node} · ${message.target.kind === 'calls' ? 'calls' : 'messages sent and received'}`;
        this.form.show(message);
        this.table.setKind(message.target.kind);
        this.filter.value = '';
        this.notes.replaceChildren();
        this.error.hidden = true;
        this.ended.hidden = true;
        this.setState('setup');
        this.renderTable();
        break;
      case 'started':
        this.limits = message.limits;
        this.returns = message.returns;
        this.notes.replaceChildren(...message.notes.map((note) => el('li', '', undefined, note)));
        this.setState('running');
        break;
      case 'events':
        addEvents(this.rows, message.events, this.returns);
        this.events += message.events.filter((e) => e.kind !== 'return' && e.kind !== 'exception').length;
        this.dropped = message.dropped;
        this.updateStatus();
        this.queueRender();
        break;
      case 'stopped':
        this.events = message.events;
        this.dropped = message.dropped;
        this.ended.textContent = message.text;
        this.ended.hidden = false;
        this.setState('ended');
        break;
      case 'error':
        this.error.textContent = message.message;
        this.error.hidden = false;
        if (this.state === 'starting') this.setState('setup');
        break;
      case 'pidInfo':
        if (message.pid === this.tooltipPid) this.tooltip.textContent = message.text;
        break;
    }
  }

  private setState(state: State): void {
    this.state = state;
    this.form.element.hidden = state !== 'setup' && state !== 'starting';
    this.bar.hidden = state === 'empty' || state === 'setup' || state === 'starting';
    this.stop.hidden = state !== 'running';
    this.table.element.hidden = state === 'empty' || state === 'setup' || state === 'starting';
    this.updateStatus();
  }

  private updateStatus(): void {
    const limits = this.limits;
    const of = limits ? ` of ${limits.maxEvents.toLocaleString('en-US')}` : '';
    const rate = limits ? ` · at most ${limits.maxPerSecond.toLocaleString('en-US')}/s for ${Math.round(limits.durationMs / 1000)} s` : '';
    const dropped = this.dropped > 0 ? ` · ${this.dropped.toLocaleString('en-US')} dropped` : '';
    const label = this.state === 'running' ? 'Tracing' : 'Ended';
    this.status.textContent = `${label}: ${this.events.toLocaleString('en-US')}${of} events${dropped}${this.state === 'running' ? rate : ''}`;
  }

  /** Batches come every 200 ms: draw once per frame at most. */
  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderTable();
    });
  }

  private renderTable(): void {
    this.table.render(this.rows.values(), this.filter.value ?? '');
  }

  private showTooltip(pid: string, cell: HTMLElement): void {
    this.tooltipPid = pid;
    this.tooltip.textContent = `${pid}: …`;
    const box = cell.getBoundingClientRect();
    this.tooltip.style.left = `${box.left + window.scrollX}px`;
    this.tooltip.style.top = `${box.bottom + window.scrollY + 4}px`;
    this.tooltip.classList.add('shown');
    this.post({ type: 'pidInfo', pid });
  }

  private hideTooltip(): void {
    this.tooltipPid = undefined;
    this.tooltip.classList.remove('shown');
  }
}
