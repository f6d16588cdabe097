/**
 * Colours for the canvas. The canvas cannot use CSS variables, so the
 * palette is declared once in charts.css (--chart-* custom properties built
 * from VS Code's --vscode-* theme variables) and resolved here; legends and
 * axes use the same properties directly. VS Code swaps the theme by
 * rewriting the <html> style attribute and the body classes, so both are
 * watched and the canvas redrawn.
 */
export const TONES = ['foreground', 'grid', 'blue', 'orange', 'purple', 'green', 'yellow', 'red', 'muted'] as const;
export type Tone = (typeof TONES)[number];

export interface Palette {
  color: Record<Tone, string>;
  /** Thicker lines in high-contrast themes. */
  lineScale: number;
}

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const read = (name: string) => style.getPropertyValue(name).trim();
  const color = Object.fromEntries(TONES.map((tone) => [tone, read(`--chart-${tone}`) || read('--vscode-foreground') || 'gray'])) as Record<
    Tone,
    string
  >;
  const lineScale = Number.parseFloat(read('--chart-line-scale')) || 1;
  return { color, lineScale };
}

export function watchTheme(onChange: () => void): MutationObserver {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return observer;
}
