/**
 * The controls above the charts: which node and its connection, the window
 * (1, 5 or 10 minutes), pause and resume, export, and, in the sidebar, a
 * button to open the roomy editor panel. VS Code Elements components, and
 * only the three used, so the bundle stays small.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { ChartConnectionState, ChartNode, NodeChoice } from '../../extension/src/protocol/webviewProtocol';
import type { ExportFormat } from './exportSamples';

export const WINDOWS_MS = [60_000, 300_000, 600_000] as const;
export const DEFAULT_WINDOW_MS = 60_000;

export interface ToolbarActions {
  windowChanged(ms: number): void;
  pauseToggled(): void;
  exportRequested(format: ExportFormat): void;
  openPanel(): void;
  nodeSelected(id: string): void;
}

const STATE_TEXT: Record<ChartConnectionState, string> = {
  connecting: 'connecting…',
  connected: 'connected',
  lost: 'connection lost, reconnecting…',
  disconnected: 'disconnected',
  recording: 'recording, no node attached',
};

export class Toolbar {
  readonly element: HTMLElement;
  private readonly nodeName: HTMLSpanElement;
  /** Shown instead of the name when there is more than one node to choose from. */
  private readonly nodeSelect: HTMLElement & { value: string };
  private choiceKey = '';
  private readonly nodeDetail: HTMLSpanElement;
  private readonly state: HTMLSpanElement;
  private readonly windowSelect: HTMLElement & { value: string };
  private readonly pause: HTMLElement;
  private readonly exports: HTMLElement[];

  constructor(actions: ToolbarActions, options: { windowMs: number; sidebar: boolean }) {
    this.element = document.createElement('header');
    this.element.className = 'toolbar';

    const identity = document.createElement('div');
    identity.className = 'node';
    this.nodeName = span('node-name');
    this.nodeDetail = span('node-detail');
    this.state = span('node-state');
    this.nodeSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string };
    this.nodeSelect.className = 'node-select';
    this.nodeSelect.setAttribute('aria-label', 'Node');
    this.nodeSelect.title = 'The node whose load is shown';
    this.nodeSelect.hidden = true;
    this.nodeSelect.addEventListener('change', () => actions.nodeSelected(this.nodeSelect.value));
    identity.append(this.nodeName, this.nodeSelect, this.nodeDetail, this.state);

    const controls = document.createElement('div');
    controls.className = 'controls';

    this.windowSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string };
    this.windowSelect.setAttribute('aria-label', 'Time window');
    this.windowSelect.title = 'Time window';
    this.windowSelect.className = 'window-select';
    for (const ms of WINDOWS_MS) {
      const option = document.createElement('vscode-option') as HTMLElement & { value: string; selected: boolean };
      option.value = String(ms);
      option.textContent = `${ms / 60_000} min`;
      if (ms === options.windowMs) option.selected = true;
      this.windowSelect.append(option);
    }
    this.windowSelect.addEventListener('change', () => actions.windowChanged(Number(this.windowSelect.value)));

    this.pause = button('Pause', 'Stop updating the charts; samples keep being recorded', () => actions.pauseToggled());
    this.pause.className = 'pause';
    const exportGroup = document.createElement('span');
    exportGroup.className = 'export';
    exportGroup.append(span('export-label', 'Export'));
    this.exports = (['json', 'csv'] as const).map((format) => {
      const b = button(format.toUpperCase(), `Save every recorded sample as ${format.toUpperCase()}, e.g. for a bug report`, () =>
        actions.exportRequested(format),
      );
      b.dataset.export = format;
      b.setAttribute('aria-label', `Export ${format.toUpperCase()}`);
      return b;
    });
    exportGroup.append(...this.exports);
    controls.append(this.windowSelect, this.pause, exportGroup);
    if (options.sidebar) {
      // Icon-only: the sidebar is narrow. Inline SVG, since the codicon font is not shipped.
      const open = button('', 'Open in Editor', () => actions.openPanel());
      open.className = 'open-panel';
      open.setAttribute('aria-label', 'Open in Editor');
      open.setAttribute('icon-only', '');
      open.append(openInEditorIcon());
      identity.append(open);
    }
    this.element.append(identity, controls);
  }

  showNode(node: ChartNode | null, state: ChartConnectionState | null): void {
    this.nodeName.textContent = node ? node.name : 'No node selected';
    this.nodeDetail.textContent = node ? `OTP ${node.otpRelease}` : '';
    this.state.textContent = state ? STATE_TEXT[state] : '';
    this.state.dataset.state = state ?? '';
  }

  /** The node picker: hidden while there is only one node (or none). Names are set as text only. */
  showChoices(choices: readonly NodeChoice[], selected: string | null): void {
    const many = choices.length > 1;
    this.nodeSelect.hidden = !many;
    this.nodeName.hidden = many;
    const key = JSON.stringify(choices);
    if (many && key !== this.choiceKey) {
      this.nodeSelect.replaceChildren(
        ...choices.map((choice) => {
          const option = document.createElement('vscode-option') as HTMLElement & { value: string; description: string };
          option.value = choice.id;
          option.textContent = choice.detail ? `${choice.label} (${choice.detail})` : choice.label;
          return option;
        }),
      );
    }
    this.choiceKey = key;
    // A cluster of many nodes: type to filter them (the host lists those with a problem first).
    this.nodeSelect.toggleAttribute('combobox', choices.length > 8);
    if (many && selected !== null) this.nodeSelect.value = selected;
  }

  showPaused(paused: boolean): void {
    this.pause.textContent = paused ? 'Resume' : 'Pause';
    this.pause.setAttribute('aria-pressed', String(paused));
  }

  setExportable(hasSamples: boolean): void {
    for (const b of this.exports) toggleDisabled(b, !hasSamples);
  }
}

function span(className: string, text = ''): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

function button(label: string, title: string, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('secondary', '');
  b.textContent = label;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function openInEditorIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('slot', 'content-before');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  // A box with an arrow leaving it by the top right corner.
  path.setAttribute('d', 'M9 2h5v5h-1.5V4.56L7.53 9.53 6.47 8.47l4.97-4.97H9zM2.5 4H7v1.5H4v6.5h6.5V9H12v4.5H2.5z');
  svg.append(path);
  return svg;
}

function toggleDisabled(el: HTMLElement, disabled: boolean): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
}
