/**
 * The node table: one RowView per node name, kept across messages and
 * reordered only when the host's order changes, so the focused row keeps
 * focus. Keyboard: one tab stop for the whole table (the row last focused,
 * else the selected one, else the first), arrows and Home/End move between
 * rows, Enter or Space picks one, as in VS Code's own lists.
 */
import type { ClusterRow } from '../../../extension/src/protocol/webviewProtocol';
import { el } from './dom';
import { RowView } from './rowView';

const COLUMNS: [label: string, className: string][] = [
  ['Node', 'col-name'],
  ['State', 'col-state'],
  ['Scheduler utilisation', 'col-util'],
  ['Run queue', 'col-queue num'],
  ['Memory', 'col-memory num'],
  ['Processes', 'col-processes num'],
];

export class ClusterTable {
  readonly element: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly views = new Map<string, RowView>();
  private order: RowView[] = [];
  /** The row Tab lands on. */
  private tabStop: string | null = null;

  constructor(
    parent: Node,
    private readonly onSelect: (node: string) => void,
  ) {
    this.element = el('table', 'cluster-table', parent);
    // A grid, so rows may carry aria-selected and screen readers announce the selection.
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-readonly', 'true');
    this.element.setAttribute('aria-label', 'Nodes of the cluster');
    const head = el('tr', undefined, el('thead', undefined, this.element));
    for (const [label, className] of COLUMNS) {
      const th = el('th', className, head);
      th.scope = 'col';
      th.textContent = label;
    }
    this.body = el('tbody', undefined, this.element);

    this.body.addEventListener('click', (event) => {
      const view = this.viewOf(event.target);
      if (view) {
        view.element.focus();
        this.onSelect(view.node);
      }
    });
    this.body.addEventListener('keydown', (event) => this.onKey(event));
    this.body.addEventListener('focusin', (event) => {
      const view = this.viewOf(event.target);
      if (view) this.setTabStop(view.node);
    });
  }

  render(rows: readonly ClusterRow[], selected: string | null): void {
    const focusedIndex = this.order.findIndex((view) => view.element === document.activeElement);
    const focused = focusedIndex >= 0 ? this.order[focusedIndex] : null;

    const order: RowView[] = [];
    const names = new Set<string>();
    for (const row of rows) {
      if (names.has(row.name)) continue; // a name twice would share one element: show the first
      names.add(row.name);
      let view = this.views.get(row.name);
      if (!view) {
        view = new RowView(row.name);
        this.views.set(row.name, view);
      }
      view.update(row, row.name === selected);
      order.push(view);
    }
    for (const [name, view] of this.views) {
      if (!names.has(name)) {
        view.element.remove();
        this.views.delete(name);
      }
    }
    // Move only what is out of place: moving a row out of the document blurs it.
    order.forEach((view, i) => {
      if (this.body.children[i] !== view.element) this.body.insertBefore(view.element, this.body.children[i] ?? null);
    });
    this.order = order;

    if (!this.tabStop || !this.views.has(this.tabStop)) {
      this.tabStop = selected && this.views.has(selected) ? selected : (order[0]?.node ?? null);
    }
    this.setTabStop(this.tabStop);

    // Keep the keyboard where it was: on the same node, or where that node's row was if it left.
    const target =
      focused && this.views.get(focused.node) === focused
        ? focused
        : focusedIndex >= 0
          ? order[Math.min(focusedIndex, order.length - 1)]
          : undefined;
    if (target && document.activeElement !== target.element) target.element.focus({ preventScroll: true });
  }

  private setTabStop(node: string | null): void {
    this.tabStop = node;
    for (const view of this.order) {
      const index = view.node === node ? 0 : -1;
      if (view.element.tabIndex !== index) view.element.tabIndex = index;
    }
  }

  private onKey(event: KeyboardEvent): void {
    const view = this.viewOf(event.target);
    if (!view) return;
    const index = this.order.indexOf(view);
    let next: RowView | undefined;
    switch (event.key) {
      case 'Enter':
      case ' ':
        event.preventDefault();
        this.onSelect(view.node);
        return;
      case 'ArrowDown':
        next = this.order[index + 1];
        break;
      case 'ArrowUp':
        next = this.order[index - 1];
        break;
      case 'Home':
        next = this.order[0];
        break;
      case 'End':
        next = this.order[this.order.length - 1];
        break;
      default:
        return;
    }
    event.preventDefault();
    next?.element.focus();
  }

  private viewOf(target: EventTarget | null): RowView | undefined {
    const tr = target instanceof Element ? target.closest('tr.cluster-row') : null;
    return this.order.find((view) => view.element === tr);
  }
}
