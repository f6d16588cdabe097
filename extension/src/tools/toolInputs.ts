/**
 * The tools' inputs, checked. VS Code validates a language model's input
 * against the tool's JSON Schema, but an MCP client may send anything: every
 * input is checked here too, and a wrong one gets a message that says what is
 * expected. Nothing from an input becomes an atom in the node: pids and names
 * travel as text and the agent matches them against what exists.
 */
import { SORT_KEYS, type SortKey } from '../protocol/agentProtocol';
import { parsePid } from '../pids/pidText';
import { lineTimestamp } from '../shared/rewind';
import { ToolError } from './nodeSource';

export type RawInput = Record<string, unknown>;

/** The input as an object whose keys are all among `known`. */
export function inputObject(tool: string, raw: unknown, known: readonly string[]): RawInput {
  const input = raw === undefined || raw === null ? {} : raw;
  if (typeof input !== 'object' || Array.isArray(input)) throw new ToolError(`${tool} takes an object with ${describeKeys(known)}`);
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new ToolError(`${tool} does not take ${unknown.map((k) => `"${k}"`).join(', ')}; it takes ${describeKeys(known)}`);
  }
  return input as RawInput;
}

function describeKeys(known: readonly string[]): string {
  return known.length ? known.map((k) => `"${k}"`).join(', ') : 'no input';
}

/** An Erlang node name such as "app@host", or undefined when not given. */
export function nodeName(input: RawInput, key = 'node'): string | undefined {
  const value = input[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 255 || !/^[^@\s]+@[^@\s]+$/.test(value)) {
    throw new ToolError(`"${key}" must be an Erlang node name such as "app@host" (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** A pid as a log prints it: "<0.123.0>", "#PID<0.123.0>" or "0.123.0"; returned in the agent's form "<X.Y.Z>". */
export function pidText(input: RawInput, key = 'pid'): string {
  const value = input[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ToolError(`"${key}" is required: a pid as printed, such as "<0.123.0>" or "#PID<0.123.0>"`);
  }
  const match = value.length <= 64 ? parsePid(value) : undefined;
  if (!match) {
    throw new ToolError(`"${key}" must be a pid such as "<0.123.0>" or "#PID<0.123.0>" (got ${JSON.stringify(value.slice(0, 64))})`);
  }
  return match.pid;
}

export function sortKey(input: RawInput): SortKey {
  const value = input.sortBy ?? 'reductions';
  if (typeof value !== 'string' || !(SORT_KEYS as readonly string[]).includes(value)) {
    throw new ToolError(`"sortBy" must be one of ${SORT_KEYS.map((k) => `"${k}"`).join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as SortKey;
}

export function integerIn(input: RawInput, key: string, min: number, max: number, fallback: number): number {
  const value = input[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ToolError(`"${key}" must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export function optionalText(input: RawInput, key: string, maxLength: number): string | undefined {
  const value = input[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new ToolError(`"${key}" must be text of at most ${maxLength} characters`);
  }
  return value;
}

/** One of `values`, or `fallback` when not given. */
export function oneOf<T extends string>(input: RawInput, key: string, values: readonly T[], fallback: T): T {
  const value = input[key] ?? fallback;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new ToolError(`"${key}" must be one of ${values.map((v) => `"${v}"`).join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

const AGO_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A time as a model writes one: "now", "90 seconds ago", "5 min ago", an ISO
 * time with a date ("2026-12-06T10:42:13Z", a zone or local time), or a time
 * of day ("10:42:13", today's in local time, as shared/rewind.ts reads a log
 * line's). Milliseconds since the epoch; undefined when not given.
 */
export function timeInput(input: RawInput, key: string, now: number): number | undefined {
  const value = input[key];
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'string' && value.length <= 64 ? value.trim() : undefined;
  if (text === 'now') return now;
  const ago = text && /^(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\s+ago$/i.exec(text);
  if (ago) return now - Number(ago[1]) * AGO_UNITS[ago[2][0].toLowerCase()];
  const at =
    text && /^(\d{4}-\d{2}-\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)
      ? lineTimestamp(text, now)
      : undefined;
  if (at === undefined) {
    throw new ToolError(
      `"${key}" must be a time such as "2026-12-06T10:42:13Z", "10:42:13" (today, local time), "90 seconds ago" or "now" ` +
        `(got ${JSON.stringify(typeof value === 'string' ? value.slice(0, 64) : value)})`,
    );
  }
  return at;
}
