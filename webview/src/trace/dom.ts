/** Small DOM helpers for the trace panel: every text goes in as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent?: HTMLElement,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  parent?.append(node);
  return node;
}

/** A VS Code Elements component (already registered by its import). */
export function component<T extends HTMLElement>(tag: string, className: string, parent?: HTMLElement): T {
  const node = document.createElement(tag) as T;
  if (className) node.className = className;
  parent?.append(node);
  return node;
}
