/**
 * The floating tooltip of the hovered chart: the sample's time and that
 * chart's figures. Built with textContent only; it never parses HTML.
 */
import { formatClock } from './format';

export class Tooltip {
  readonly element: HTMLDivElement;
  private readonly time: HTMLDivElement;
  private readonly table: HTMLTableElement;

  constructor() {
    this.element = document.createElement('div');
    this.element.className = 'tooltip';
    this.element.setAttribute('role', 'tooltip');
    this.element.hidden = true;
    this.time = document.createElement('div');
    this.time.className = 'tooltip-time';
    this.table = document.createElement('table');
    this.element.append(this.time, this.table);
  }

  show(title: string, timestamp: number, rows: [string, string][], clientX: number, clientY: number): void {
    this.time.textContent = `${title} · ${formatClock(timestamp)}`;
    this.table.replaceChildren(
      ...rows.map(([label, value]) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.textContent = label;
        const td = document.createElement('td');
        td.textContent = value;
        tr.append(th, td);
        return tr;
      }),
    );
    this.element.hidden = false;
    // Beside the pointer, flipped to stay inside the (often narrow) view.
    const { width, height } = this.element.getBoundingClientRect();
    const gap = 12;
    let left = clientX + gap;
    if (left + width > window.innerWidth) left = Math.max(0, clientX - gap - width);
    let top = clientY + gap;
    if (top + height > window.innerHeight) top = Math.max(0, clientY - gap - height);
    this.element.style.setProperty('left', `${left}px`);
    this.element.style.setProperty('top', `${top}px`);
  }

  hide(): void {
    this.element.hidden = true;
  }
}
