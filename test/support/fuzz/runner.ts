/** A round: the three lanes side by side, then the node's log checked for crash reports. */
import { FixtureNode } from '../beamNode';
import { sleep } from '../wait';
import { Category, FUZZ_BUDGET_MS, SPARE_CLIENT_SLOTS } from './budget';
import { Semaphore } from './async';
import { Round, Stats } from './round';
import { runJsonLane } from './jsonLane';
import { runFrameLane } from './frameLane';
import { runHandshakeLane } from './handshakeLane';

// ---------------------------------------------------------------------------
// Lanes
// ---------------------------------------------------------------------------

export async function runRound(
  node: FixtureNode,
  name: Round['name'],
  seed: number,
  counts: Record<Category, number>,
  sweepLocalPids: boolean,
  slowloris: number,
): Promise<{ stats: Stats; elapsedMs: number }> {
  const started = Date.now();
  const round: Round = {
    name,
    seed,
    node,
    counts,
    sweepLocalPids,
    stats: new Stats(seed, name),
    deadline: started + FUZZ_BUDGET_MS,
    clientSlots: new Semaphore(SPARE_CLIENT_SLOTS),
    laneMs: {},
  };
  const stderrStart = node.stderr().length;
  const timed = async (lane: string, run: Promise<void>) => {
    await run;
    round.laneMs[lane] = Date.now() - started;
  };
  await Promise.all([
    timed('json', runJsonLane(round)),
    timed('frames', runFrameLane(round)),
    timed('handshakes', runHandshakeLane(round, slowloris)),
  ]);
  // A crashed agent process leaves a report (the node logs to stderr, see startErlangFixture in agentFuzz.test.ts).
  await sleep(200);
  const logged = node.stderr().slice(stderrStart);
  const reports = logged.split(/(?==(?:ERROR|CRASH) REPORT)/).filter((r) => /^=(ERROR|CRASH) REPORT/.test(r));
  for (const report of reports) round.stats.fail('node', 0, `the node logged: ${report.slice(0, 1500)}`);
  if (round.stats.overBudget) {
    round.stats.fail('budget', 0, `time budget of ${FUZZ_BUDGET_MS} ms exceeded after ${round.stats.total()} inputs`);
  }
  round.stats.laneMs = round.laneMs;
  return { stats: round.stats, elapsedMs: Date.now() - started };
}
