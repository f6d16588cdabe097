/**
 * How the budget for observing reads (extension/src/shared/budget.ts): the
 * process tree's description and refresh delay from processes/list's
 * `refresh`, and where the agent's time went from load samples' `byKind`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BudgetKind, LoadSample, RefreshInfo } from '../../extension/src/protocol/agentProtocol';
import {
  agentWork,
  formatAgentWork,
  formatDuration,
  formatShare,
  nextRefreshDelay,
  refreshDescription,
} from '../../extension/src/shared/budget';
import { ROOT } from '../support/beamNode';

const fresh = (nextSweepInMs: number): RefreshInfo => ({ fresh: true, ageMs: 0, nextSweepInMs, budgetShare: 0.02 });

/** A sample recorded from a real node (an agent before the budget), given a budget's kinds. */
function sample(byKind: Partial<Record<BudgetKind, number>>, busyUs: number, intervalMs = 1000): LoadSample {
  const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'idle.json'), 'utf8')) as { samples: LoadSample[] };
  const base = recorded.samples[1];
  const kinds = { sampler: 0, sweeps: 0, explicit: 0, recorder: 0, cluster: 0, trace: 0, ...byKind };
  return {
    ...base,
    intervalMs,
    agent: { ...base.agent, busyUs, byKind: kinds, budget: { share: 0.02, windowMs: 5000, balanceUs: 0, nextPeriodicInMs: 0 } },
  };
}

describe('the budget, as the tree and the status bar say it', () => {
  it('reads shares and durations as people do', () => {
    assert.equal(formatShare(0.02), '2%');
    assert.equal(formatShare(0.005), '0.5%');
    assert.equal(formatShare(0.0002), '0.02%');
    assert.equal(formatShare(0.25), '25%');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(4500), '4.5 s');
    assert.equal(formatDuration(45_000), '45 s');
    assert.equal(formatDuration(300_000), '5 min');
  });

  it('says nothing while the budget allows a sweep every interval', () => {
    assert.equal(refreshDescription(undefined, 12, 1000), '');
    assert.equal(refreshDescription(fresh(0), 12, 1000), '');
    assert.equal(refreshDescription(fresh(900), 12, 1000), '');
  });

  it('says how often it refreshes, why, and what the last sweep cost, when the budget spaces sweeps out', () => {
    assert.equal(
      refreshDescription(fresh(45_200), 904, 1000),
      'refreshing every 45 s to stay within 2% of a scheduler (last sweep 904 ms)',
    );
    assert.equal(
      refreshDescription({ fresh: false, ageMs: 12_000, nextSweepInMs: 48_000, budgetShare: 0.005 }, 1210, 1000),
      'swept 12 s ago, next in 48 s to stay within 0.5% of a scheduler (last sweep 1.2 s)',
    );
  });

  it('asks again after the usual interval, or when the agent allows the next sweep', () => {
    assert.equal(nextRefreshDelay(undefined, 1000), 1000);
    assert.equal(nextRefreshDelay(fresh(0), 1000), 1000);
    assert.equal(nextRefreshDelay(fresh(45_200), 1000), 45_200);
  });

  it('sums where the time went over the samples; the rest of the busy time is requests', () => {
    const work = agentWork([
      sample({ sampler: 200, sweeps: 9000, recorder: 4000 }, 14_000),
      sample({ sampler: 200, recorder: 6000 }, 6_200),
    ])!;
    assert.equal(work.seconds, 2);
    assert.equal(work.total, 20_200 / 2e6);
    const share = (kind: string) => work.byKind.find((k) => k.kind === kind)!.share;
    assert.equal(share('sweeps'), 9000 / 2e6);
    assert.equal(share('recorder'), 10_000 / 2e6);
    assert.equal(share('requests'), 800 / 2e6);
    assert.equal(work.budgetShare, 0.02);
    assert.equal(
      formatAgentWork(work),
      'over 2 s: 1% of one scheduler (recorder 0.5%, process tree 0.45%, requests (states, info, views) 0.04%, load sampler 0.02%); ' +
        'periodic work is kept within 2%',
    );
  });

  it('says nothing of kinds for an agent without the budget', () => {
    const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'samples', 'idle.json'), 'utf8')) as { samples: LoadSample[] };
    assert.equal(agentWork(recorded.samples.slice(0, 5)), undefined);
  });
});
