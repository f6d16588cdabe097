/**
 * How figures and names read in the UI. Pure functions, unit-tested.
 */
import type { Mfa, ProcessRow, SortKey } from '../protocol/agentProtocol';

/** Elixir modules read as Elixir (MyApp.Worker.init/1), Erlang ones as Erlang (gen_server:loop/7). */
export function formatMfa(mfa: Mfa | null | undefined): string {
  if (!mfa) return '';
  if (mfa.module.startsWith('Elixir.')) {
    return `${mfa.module.slice('Elixir.'.length)}.${mfa.function}/${mfa.arity}`;
  }
  return `${quoteAtom(mfa.module)}:${quoteAtom(mfa.function)}/${mfa.arity}`;
}

/** A registered name as the user wrote it. */
export function formatName(name: string): string {
  return name.startsWith('Elixir.') ? name.slice('Elixir.'.length) : name;
}

function quoteAtom(atom: string): string {
  return /^[a-z][a-zA-Z0-9_@]*$/.test(atom) ? atom : `'${atom.replace(/'/g, "\\'")}'`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

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
  return `${(agent.busyUs / 1000).toFixed(1)} ms of work in ${(intervalMs / 1000).toFixed(1)} s (${percent} of one scheduler), ` +
    `${formatCount(agent.reductions)} reductions`;
}

/**
 * What share of the node's work a debugger's own processes (OTP's interpreter,
 * the debug adapter) ran during a sample's interval, by reductions; undefined
 * when no debugger runs in the node.
 */
export function formatDebuggerShare(sample: { reductions: number; debugger?: { reductions: number; processes: number } | null }): string | undefined {
  const debug = sample.debugger;
  if (!debug) return undefined;
  const share = sample.reductions > 0 ? Math.min(1, debug.reductions / sample.reductions) : 0;
  return `${formatPercent(share)} of the node's reductions (${formatCount(debug.reductions)}), in ${debug.processes} ` +
    `process${debug.processes === 1 ? '' : 'es'} of the debugger`;
}
