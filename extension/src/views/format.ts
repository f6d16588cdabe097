/**
 * How the process views read: a row's label and figure, the sort keys' names,
 * the agent's and a debugger's cost. Pure functions, unit-tested; the numbers
 * and names themselves follow shared/format.ts.
 */
import type { ProcessRow, SortKey } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa, formatName, formatPercent } from '../shared/format';

/** The row's label: its registered name, else its initial call, else its pid. */
export function rowLabel(row: Pick<ProcessRow, 'name' | 'initialCall' | 'pid'>): string {
  if (row.name) return formatName(row.name);
  if (row.initialCall) return formatMfa(row.initialCall);
  return row.pid;
}

/** The figure the rows are sorted by, for the row's description. */
export function rowFigure(row: ProcessRow, sortBy: SortKey, windowMs: number | null): string {
  switch (sortBy) {
    case 'reductions': {
      const perSecond = windowMs && windowMs > 0 ? (row.reductions * 1000) / windowMs : null;
      return perSecond === null ? `${formatCount(row.reductionsTotal)} reds` : `${formatCount(perSecond)} reds/s`;
    }
    case 'memory':
      return formatBytes(row.memory);
    case 'messageQueueLen':
      return `${formatCount(row.messageQueueLen)} msgs`;
  }
}

export const SORT_LABELS: Record<SortKey, string> = {
  reductions: 'Reductions',
  memory: 'Memory',
  messageQueueLen: 'Message Queue',
};

/**
 * What the agent cost its node during a sample's interval: its busy time as a
 * share of one scheduler (wall time of its work; close to CPU time unless the
 * node is saturated) and its reductions.
 */
export function formatAgentCost(agent: { reductions: number; busyUs: number }, intervalMs: number): string {
  const share = intervalMs > 0 ? agent.busyUs / (intervalMs * 1000) : 0;
  const percent = share < 0.001 ? '<0.1%' : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
  return (
    `${(agent.busyUs / 1000).toFixed(1)} ms of work in ${(intervalMs / 1000).toFixed(1)} s (${percent} of one scheduler), ` +
    `${formatCount(agent.reductions)} reductions`
  );
}

/**
 * What share of the node's work a debugger's own processes (OTP's interpreter,
 * the debug adapter) ran during a sample's interval, by reductions; undefined
 * when no debugger runs in the node.
 */
export function formatDebuggerShare(sample: {
  reductions: number;
  debugger?: { reductions: number; processes: number } | null;
}): string | undefined {
  const debug = sample.debugger;
  if (!debug) return undefined;
  const share = sample.reductions > 0 ? Math.min(1, debug.reductions / sample.reductions) : 0;
  return (
    `${formatPercent(share)} of the node's reductions (${formatCount(debug.reductions)}), in ${debug.processes} ` +
    `process${debug.processes === 1 ? '' : 'es'} of the debugger`
  );
}
