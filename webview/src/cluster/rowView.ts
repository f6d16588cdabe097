/**
 * One table row, built once per node and updated in place on every message:
 * rebuilding would lose keyboard focus, hover tooltips and a screen reader's
 * place a few times a second.
 */
import type { ClusterRow, QueueLoad } from '../../../extension/src/protocol/webviewProtocol';
import { queueGuide } from '../../../extension/src/shared/overload';
import { formatBytes, formatCount, formatPercent, formatQueue } from '../format';
import { el, setAttr, setText } from './dom';

import { Sparkline } from './sparkline';
import { clampFraction, limitShare, stateText } from './text';

const NONE = '—';

class Bar {
  readonly element: HTMLDivElement;
  private readonly fill: HTMLDivElement;

  constructor(className: string, parent: Node) {
    this.element = el('div', `bar ${className}`, parent);
    this.fill = el('div', 'bar-fill', this.element);
  }

  /** Width through the CSSOM: the CSP forbids style attributes, not this. */
  set(fraction: number): void {
    const width = `${(clampFraction(fraction) * 100).toFixed(1)}%`;
    if (this.fill.style.width !== width) this.fill.style.width = width;
  }
}

export class RowView {
  readonly element: HTMLTableRowElement;
  private readonly name: HTMLSpanElement;
  private readonly agentBadge: HTMLSpanElement;
  private readonly hiddenBadge: HTMLSpanElement;
  private readonly state: HTMLSpanElement;
  private readonly utilCell: HTMLTableCellElement;
  private readonly utilBar: Bar;
  private readonly utilPct: HTMLSpanElement;
  private readonly dirtyBar: Bar;
  private readonly dirtyPct: HTMLSpanElement;
  private readonly sparkline: Sparkline;
  private readonly queueCell: HTMLTableCellElement;
  private readonly queueAvg: HTMLSpanElement;
  private readonly queueBadge: HTMLSpanElement;
  private readonly queueMax: HTMLSpanElement;
  private readonly memory: HTMLSpanElement;
  private readonly processes: HTMLSpanElement;
  private readonly processShare: HTMLSpanElement;

  constructor(readonly node: string) {
    this.element = el('tr', 'cluster-row');
    this.element.setAttribute('role', 'row');
    this.element.setAttribute('data-node', node);
    this.element.tabIndex = -1;

    const nameCell = el('td', 'cell-name', this.element);
    const nameLine = el('div', 'name-line', nameCell);
    this.name = el('span', 'node-name', nameLine);
    this.name.textContent = node;
    this.agentBadge = el('span', 'badge badge-agent', nameLine);
    this.agentBadge.textContent = 'agent';
    this.hiddenBadge = el('span', 'badge badge-hidden', nameLine);
    this.hiddenBadge.textContent = 'hidden';

    this.state = el('span', 'state', el('td', 'cell-state', this.element));

    this.utilCell = el('td', 'cell-util', this.element);
    const util = el('div', 'util', this.utilCell);
    this.utilBar = new Bar('bar-normal', util);
    this.utilPct = el('span', 'util-pct', util);
    this.sparkline = new Sparkline(util);
    this.dirtyBar = new Bar('bar-dirty', util);
    this.dirtyPct = el('span', 'util-dirty secondary', util);

    this.queueCell = el('td', 'cell-queue num', this.element);
    const queueLine = el('div', 'primary-line', this.queueCell);
    this.queueBadge = el('span', 'badge badge-load', queueLine);
    this.queueAvg = el('span', 'queue-avg', queueLine);
    this.queueMax = el('div', 'queue-max secondary', this.queueCell);

    this.memory = el('span', 'memory', el('td', 'cell-memory num', this.element));

    const processCell = el('td', 'cell-processes num', this.element);
    this.processes = el('div', 'process-count', processCell);
    this.processShare = el('div', 'process-share secondary', processCell);
  }

  update(row: ClusterRow, selected: boolean): void {
    const load = row.state === 'up' ? row.queueLoad : 'normal';
    const tr = this.element;
    setAttr(tr, 'aria-selected', String(selected));
    setAttr(tr, 'data-state', row.state);
    setAttr(tr, 'data-hidden', row.hidden ? 'true' : null);
    setAttr(tr, 'data-agent', row.agentNode ? 'true' : null);
    this.agentBadge.hidden = !row.agentNode;
    this.hiddenBadge.hidden = !row.hidden;
    const about = [row.agentNode && 'the agent runs in this node', row.hidden && 'a hidden node'].filter(Boolean).join('; ');
    setAttr(this.name, 'title', about ? `${row.name} (${about})` : row.name);

    setText(this.state, stateText(row));
    setAttr(this.state, 'data-state', row.state);
    setAttr(this.state, 'title', row.state === 'error' && row.error ? row.error : null);

    this.sparkline.update(row.utilisationHistory);
    const f = row.figures;
    setAttr(tr, 'data-figures', f ? null : 'none');
    if (!f) {
      for (const text of [this.utilPct, this.queueAvg, this.memory, this.processes]) setText(text, NONE);
      for (const text of [this.dirtyPct, this.queueMax, this.processShare]) setText(text, '');
      this.utilBar.set(0);
      this.dirtyBar.set(0);
      this.setLoad('normal', '');
      setAttr(this.utilCell, 'title', null);
      return;
    }

    this.utilBar.set(f.utilisation);
    this.dirtyBar.set(f.dirtyCpuUtilisation);
    setText(this.utilPct, formatPercent(f.utilisation));
    setText(this.dirtyPct, `dirty ${formatPercent(f.dirtyCpuUtilisation)}`);
    setAttr(
      this.utilCell,
      'title',
      `Normal schedulers ${formatPercent(f.utilisation)} busy (${f.schedulersOnline} online); dirty CPU schedulers ${formatPercent(f.dirtyCpuUtilisation)}`,
    );

    setText(this.queueAvg, formatQueue(f.runQueue));
    setText(this.queueMax, `max ${formatQueue(f.runQueueMax)}`);
    const guide = `guide ${formatQueue(queueGuide(f.schedulersOnline))}: half the ${f.schedulersOnline} online schedulers`;
    this.setLoad(load, `Run queue ${formatQueue(f.runQueue)} on average, ${formatQueue(f.runQueueMax)} at most; ${guide}`);

    setText(this.memory, formatBytes(f.memory));
    setText(this.processes, formatCount(f.processes));
    setText(this.processShare, limitShare(f.processes, f.processLimit));
    setAttr(this.processShare, 'title', f.processLimit > 0 ? `${f.processes} of at most ${f.processLimit} processes` : null);
  }

  private setLoad(load: QueueLoad, title: string): void {
    setAttr(this.queueCell, 'data-load', load === 'normal' ? null : load);
    this.queueBadge.hidden = load !== 'overloaded';
    setText(this.queueBadge, load === 'overloaded' ? 'overloaded' : '');
    const verdict =
      load === 'overloaded'
        ? ' — above the guide for several samples in a row: overloaded'
        : load === 'above-guide'
          ? ' — above the guide'
          : '';
    setAttr(this.queueCell, 'title', title ? title + verdict : null);
  }
}
