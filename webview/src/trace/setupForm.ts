/**
 * The trace's set-up, shown before it starts: what it follows, its limits
 * (editable, checked against the agent's caps), whether to capture the
 * arguments and the results, and the Start button.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { TraceLimits } from '../../../extension/src/protocol/agentProtocol';
import type { HostToTraceWebview } from '../../../extension/src/protocol/webviewProtocol';
import { component, el } from './dom';

type Setup = Extract<HostToTraceWebview, { type: 'setup' }>;
type Field = HTMLElement & { value: string; invalid: boolean };
type Check = HTMLElement & { checked: boolean };

export interface StartRequest {
  limits: TraceLimits;
  detail: 'arity' | 'args';
  returns: boolean;
}

export class SetupForm {
  readonly element: HTMLFormElement;
  private readonly maxEvents: Field;
  private readonly maxPerSecond: Field;
  private readonly durationS: Field;
  private readonly args: Check;
  private readonly returns: Check;
  private readonly problem: HTMLParagraphElement;
  private caps: TraceLimits | undefined;

  constructor(onStart: (request: StartRequest) => void) {
    this.element = el('form', 'setup');
    const fields = el('div', 'limits', this.element);
    this.maxEvents = this.field(fields, 'max-events', 'Events in all');
    this.maxPerSecond = this.field(fields, 'max-per-second', 'Events a second');
    this.durationS = this.field(fields, 'duration', 'Seconds');
    const options = el('div', 'options', this.element);
    this.args = component<Check>('vscode-checkbox', 'with-args', options);
    this.args.setAttribute('label', 'Arguments');
    this.returns = component<Check>('vscode-checkbox', 'with-returns', options);
    this.returns.setAttribute('label', 'Results, exceptions and durations');
    const start = component<HTMLElement>('vscode-button', 'start', options);
    start.textContent = 'Start';
    this.problem = el('p', 'problem', this.element);
    this.problem.hidden = true;
    const submit = () => {
      const request = this.read();
      if (request) onStart(request);
    };
    start.addEventListener('click', submit);
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      submit();
    });
  }

  private field(parent: HTMLElement, className: string, label: string): Field {
    const wrap = el('label', `field ${className}`, parent);
    el('span', 'field-label', wrap, label);
    const input = component<Field>('vscode-textfield', '', wrap);
    input.setAttribute('type', 'number');
    input.setAttribute('aria-label', label);
    return input;
  }

  show(setup: Setup): void {
    this.caps = setup.caps;
    this.maxEvents.value = String(setup.limits.maxEvents);
    this.maxPerSecond.value = String(setup.limits.maxPerSecond);
    this.durationS.value = String(Math.round(setup.limits.durationMs / 1000));
    this.args.checked = setup.detail === 'args';
    this.returns.checked = setup.returns;
    const calls = setup.target.kind === 'calls';
    this.args.hidden = !calls;
    this.returns.hidden = !calls;
    this.problem.hidden = true;
  }

  /** The limits typed, or undefined (and a sentence saying why) when one is out of range. */
  private read(): StartRequest | undefined {
    const caps = this.caps;
    if (!caps) return undefined;
    const checks: [Field, string, number, number][] = [
      [this.maxEvents, 'Events in all', caps.maxEvents, 1],
      [this.maxPerSecond, 'Events a second', caps.maxPerSecond, 1],
      [this.durationS, 'Seconds', Math.floor(caps.durationMs / 1000), 1000],
    ];
    const values: number[] = [];
    for (const [field, label, cap, scale] of checks) {
      const value = Number(field.value);
      field.invalid = !Number.isInteger(value) || value < 1 || value > cap;
      if (field.invalid) {
        this.problem.textContent = `${label} must be a whole number from 1 to ${cap.toLocaleString('en-US')}.`;
        this.problem.hidden = false;
        return undefined;
      }
      values.push(value * scale);
    }
    this.problem.hidden = true;
    return {
      limits: { maxEvents: values[0], maxPerSecond: values[1], durationMs: values[2] },
      detail: this.args.checked ? 'args' : 'arity',
      returns: this.returns.checked,
    };
  }
}
