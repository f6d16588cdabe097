/**
 * A node's recent scheduler utilisation as a tiny SVG line: a hand-written
 * path, since d3 would add nothing for one polyline. The x axis has a slot
 * per sample of the longest history (60), newest at the right edge, so a
 * node that just came up shows a short line ending "now" rather than one
 * stretched over the whole box; the y axis is 0..100%.
 */
import { svgEl, setAttr } from './dom';
import { clampFraction } from './text';

const SLOTS = 60;
const HEIGHT = 20;
/** Room for half the stroke at 0% and 100%. */
const PAD = 1.5;

export function sparklinePath(values: readonly number[]): { line: string; area: string } {
  const shown = values.slice(-SLOTS);
  if (shown.length === 0) return { line: '', area: '' };
  // One sample is still worth a visible tick.
  const points = shown.length === 1 ? [shown[0], shown[0]] : shown;
  const first = SLOTS - points.length;
  const y = (v: number) => (PAD + (1 - clampFraction(v)) * (HEIGHT - 2 * PAD)).toFixed(2);
  const line = points.map((v, i) => `${i ? 'L' : 'M'}${first + i},${y(v)}`).join('');
  return { line, area: `${line}L${SLOTS - 1},${HEIGHT}L${first},${HEIGHT}Z` };
}

export class Sparkline {
  readonly element: SVGSVGElement;
  private readonly area: SVGPathElement;
  private readonly line: SVGPathElement;
  private readonly title: SVGTitleElement;

  constructor(parent: Node) {
    this.element = svgEl('svg', parent);
    this.element.setAttribute('class', 'sparkline');
    this.element.setAttribute('viewBox', `0 0 ${SLOTS - 1} ${HEIGHT}`);
    this.element.setAttribute('preserveAspectRatio', 'none');
    this.element.setAttribute('role', 'img');
    this.title = svgEl('title', this.element);
    this.area = svgEl('path', this.element);
    this.area.setAttribute('class', 'sparkline-area');
    this.line = svgEl('path', this.element);
    this.line.setAttribute('class', 'sparkline-line');
  }

  update(values: readonly number[]): void {
    const { line, area } = sparklinePath(values);
    setAttr(this.line, 'd', line || null);
    setAttr(this.area, 'd', area || null);
    const label = values.length ? `Scheduler utilisation, last ${Math.min(values.length, SLOTS)} samples` : 'No utilisation history yet';
    if (this.title.textContent !== label) this.title.textContent = label;
    setAttr(this.element, 'aria-label', label);
  }
}
