/**
 * How figures read on axes, legends and tooltips: the numbers as everywhere
 * (extension/src/shared/format.ts, short enough for a 300-pixel sidebar), and
 * the clock time of a sample.
 */
import { timeFormat } from 'd3';

export { byteUnit, formatBytes, formatBytesPerSecond, formatCount, formatPercent, formatQueue } from '../../extension/src/shared/format';

const clock = timeFormat('%H:%M:%S');
export function formatClock(ms: number): string {
  return clock(new Date(ms));
}
