/**
 * Small DOM builders. Everything shown comes from the network (node names,
 * error messages), so text goes in through textContent and attributes
 * through setAttribute only, never markup. Setters skip unchanged values so
 * a re-render a few times a second touches only what changed (and leaves a
 * hovered tooltip or a screen reader's place alone).
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, parent?: Node): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  parent?.appendChild(node);
  return node;
}

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, parent?: Node): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  parent?.appendChild(node);
  return node;
}

export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** null removes the attribute. */
export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}
