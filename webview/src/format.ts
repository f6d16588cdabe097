/**
 * How figures read on axes, legends and tooltips: short, so a 300-pixel
 * sidebar still fits a label per tick.
 */
import { timeFormat } from 'd3';

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Binary multiples, as erlang:memory/0 and Observer count them. */
export function byteUnit(bytes: number): { unit: string; divisor: number } {
  let index = 0;
  while (index < BYTE_UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (index + 1)) index++;
  return { unit: BYTE_UNITS[index], divisor: 1024 ** index };
}

export function formatBytes(bytes: number): string {
  const { unit, divisor } = byteUnit(bytes);
  const value = bytes / divisor;
  return `${trimNumber(value, value < 10 && divisor > 1 ? 1 : 0)} ${unit}`;
}

export function formatBytesPerSecond(bytes: number): string {
  return `${formatBytes(bytes)}/s`;
}

/** 1234 -> 1.2k, 2.5e9 -> 2.5G: reductions per second run into the billions. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return trimNumber(n, abs < 10 && !Number.isInteger(n) ? 1 : 0);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
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

const clock = timeFormat('%H:%M:%S');
export function formatClock(ms: number): string {
  return clock(new Date(ms));
}

function trimNumber(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.0$/, '');
}
