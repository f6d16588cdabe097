/**
 * What the table's cells say, as pure functions of a row, on top of the
 * load charts' number formats (../format.ts) so both pages read alike.
 */
import type { ClusterRow } from '../../../extension/src/protocol/webviewProtocol';
import { formatClock, formatCount } from '../format';

export function stateText(row: ClusterRow): string {
  switch (row.state) {
    case 'up':
      return 'up';
    case 'loading':
      return 'loading…';
    case 'gone':
      return row.goneAt === null ? 'gone' : `gone since ${formatClock(row.goneAt)}`;
    case 'error':
      return row.error ? `error: ${row.error}` : 'error';
  }
}

/** Share of the process limit: "<1%" rather than a misleading "0%" for a few hundred of a million. */
export function limitShare(count: number, limit: number): string {
  if (!(limit > 0)) return '';
  const fraction = count / limit;
  const share = fraction > 0 && fraction < 0.01 ? '<1%' : `${Math.round(fraction * 100)}%`;
  return `${share} of ${formatCount(limit)}`;
}

/** 0..1, whatever the host sent: a bar or a sparkline must not overflow its box. */
export function clampFraction(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
