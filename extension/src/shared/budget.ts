/**
 * How the budget for observing reads (docs/protocol.md, "The budget"): the
 * process tree's description when the budget spaces its refreshes out, and
 * where the agent's time went, for the status bar's tooltip. DOM-free and
 * vscode-free.
 */
import type { BudgetKind, LoadSample, RefreshInfo } from '../protocol/agentProtocol';
import { BUDGET_KINDS } from '../protocol/agentProtocol';

/** 2%, 0.5%: a budget is a share of one scheduler. */
export function formatShare(share: number): string {
  const percent = share * 100;
  if (percent >= 10) return `${Math.round(percent)}%`;
  return `${Number(percent.toFixed(percent < 1 ? 2 : 1))}%`;
}

/** 800 ms, 4.5 s, 45 s, 2 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${Number((ms / 1000).toFixed(1))} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/**
 * What the tree says about its refreshes, or '' when the budget does not slow them
 * (the next sweep is allowed within the usual interval):
 * "refreshing every 45 s to stay within 2% of a scheduler (last sweep 0.9 s)", or for
 * rows answered from an earlier sweep, "swept 12 s ago, next in 48 s to stay within…".
 */
export function refreshDescription(refresh: RefreshInfo | undefined, sweepMs: number, usualIntervalMs: number): string {
  if (!refresh) return '';
  const within = `to stay within ${formatShare(refresh.budgetShare)} of a scheduler (last sweep ${formatDuration(sweepMs)})`;
  if (!refresh.fresh) {
    return `swept ${formatDuration(refresh.ageMs)} ago, next in ${formatDuration(refresh.nextSweepInMs)} ${within}`;
  }
  if (refresh.nextSweepInMs <= usualIntervalMs) return '';
  return `refreshing every ${formatDuration(refresh.nextSweepInMs)} ${within}`;
}

/** When to ask again after an answer: the usual interval, or later when the budget allows no sooner. */
export function nextRefreshDelay(refresh: RefreshInfo | undefined, usualIntervalMs: number): number {
  return Math.max(usualIntervalMs, refresh ? refresh.nextSweepInMs : 0);
}

export interface AgentWork {
  /** Seconds the samples cover. */
  seconds: number;
  /** Share of one scheduler, all the agent's work. */
  total: number;
  /** Share of one scheduler by kind, requests last (what the kinds do not cover). */
  byKind: { kind: BudgetKind | 'requests'; share: number }[];
  budgetShare: number | undefined;
}

/** Where the agent's time went over these samples (oldest first); undefined for an agent without the budget. */
export function agentWork(samples: readonly LoadSample[]): AgentWork | undefined {
  const withKinds = samples.filter((s) => s.agent.byKind);
  if (withKinds.length === 0) return undefined;
  const us = withKinds.reduce((sum, s) => sum + s.intervalMs * 1000, 0);
  const total = withKinds.reduce((sum, s) => sum + s.agent.busyUs, 0);
  const sums = BUDGET_KINDS.map((kind) => ({ kind, us: withKinds.reduce((sum, s) => sum + (s.agent.byKind?.[kind] ?? 0), 0) }));
  // Sweeps run inside requests and count in both busyUs and their kind: the rest is other requests.
  const requests = Math.max(0, total - sums.reduce((sum, k) => sum + k.us, 0));
  return {
    seconds: us / 1e6,
    total: total / us,
    byKind: [...sums, { kind: 'requests' as const, us: requests }].map(({ kind, us: spent }) => ({ kind, share: spent / us })),
    budgetShare: withKinds[withKinds.length - 1].agent.budget?.share,
  };
}

const KIND_LABELS: Record<BudgetKind | 'requests', string> = {
  sampler: 'load sampler',
  sweeps: 'process tree',
  explicit: 'Refresh Now',
  recorder: 'recorder',
  cluster: 'cluster',
  trace: 'traces',
  requests: 'requests (states, info, views)',
};

/** "process tree 0.9%, recorder 0.6%, load sampler 0.02%" (kinds that cost nothing left out), then the budget. */
export function formatAgentWork(work: AgentWork): string {
  const parts = work.byKind
    .filter((k) => k.share >= 0.00005)
    .sort((a, b) => b.share - a.share)
    .map((k) => `${KIND_LABELS[k.kind]} ${formatShare(k.share)}`);
  const budget = work.budgetShare !== undefined ? `; periodic work is kept within ${formatShare(work.budgetShare)}` : '';
  return `over ${Math.round(work.seconds)} s: ${formatShare(work.total)} of one scheduler${parts.length ? ` (${parts.join(', ')})` : ''}${budget}`;
}
