/**
 * How figures and names read, wherever they are shown: the tree, hovers, the
 * status bar, the charts and the cluster overview. One rule each, so the same
 * figure reads the same everywhere. DOM-free and vscode-free: the extension
 * host and the webviews both import it.
 */
import type { Mfa } from '../protocol/agentProtocol';

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Binary multiples, as erlang:memory/0 and Observer count them. */
export function byteUnit(bytes: number): { unit: string; divisor: number } {
  let index = 0;
  while (index < BYTE_UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (index + 1)) index++;
  return { unit: BYTE_UNITS[index], divisor: 1024 ** index };
}

/** 12 MB, 2.5 MB, 980 KB: one decimal below 10 of a unit, so a narrow column or axis still fits. */
export function formatBytes(bytes: number): string {
  const { unit, divisor } = byteUnit(bytes);
  const value = bytes / divisor;
  return `${trimNumber(value, Math.abs(value) < 10 && divisor > 1 ? 1 : 0)} ${unit}`;
}

export function formatBytesPerSecond(bytes: number): string {
  return `${formatBytes(bytes)}/s`;
}

/** 1234 -> 1.2k, 2.5e9 -> 2.5G: reductions per second run into the billions. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return trimNumber(n, abs < 10 && !Number.isInteger(n) ? 1 : 0);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) return `${trimNumber(n / size, abs / size < 10 ? 1 : 0)}${suffix}`;
  }
  return String(n);
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Run-queue lengths: averages have a decimal, maxima are whole. */
export function formatQueue(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 1 : 0);
}

function trimNumber(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.0$/, '');
}

/** Elixir modules read as Elixir (MyApp.Worker.init/1), Erlang ones as Erlang (gen_server:loop/7). */
export function formatMfa(mfa: Mfa | null | undefined): string {
  if (!mfa) return '';
  if (mfa.module.startsWith('Elixir.')) {
    return `${mfa.module.slice('Elixir.'.length)}.${mfa.function}/${mfa.arity}`;
  }
  return `${quoteAtom(mfa.module)}:${quoteAtom(mfa.function)}/${mfa.arity}`;
}

/** A registered name (or a module) as the user wrote it. */
export function formatName(name: string): string {
  return name.startsWith('Elixir.') ? name.slice('Elixir.'.length) : name;
}

function quoteAtom(atom: string): string {
  return /^[a-z][a-zA-Z0-9_@]*$/.test(atom) ? atom : `'${atom.replace(/'/g, "\\'")}'`;
}

/** Markdown's special characters escaped, for names and messages in hovers and tooltips. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
