/**
 * "The node is unharmed": what the abuse tests (agentSecurity, agentFuzz)
 * measure of the fixture node before they start and check after they end.
 * The fixture (test/fixtures/observer_fixture.erl) answers the commands
 * `atom_count`, `agent_memory` and `alive`.
 */
import assert from 'node:assert/strict';
import type { FixtureNode } from './beamNode';
import { sleep } from './wait';

/** Bytes of memory held by the agent's processes. */
export async function agentMemory(node: FixtureNode): Promise<number> {
  return (await node.command<{ bytes: number }>('agent_memory')).bytes;
}

/** The node's atom count (atoms are never collected: a client must not be able to create them). */
export async function atomCount(node: FixtureNode): Promise<number> {
  return (await node.command<{ atomCount: number }>('atom_count')).atomCount;
}

/** The agent may hold this much more (or less) than its baseline once the load is over. */
export const AGENT_MEMORY_SLACK = 2 * 1024 * 1024;

export interface UnharmedOptions {
  /** The atom count taken before the abuse. */
  atomsBaseline: number;
  /** The message of a failed atom check. */
  atomsMessage: string;
  /** The agent's memory taken before the abuse. */
  memoryBaseline: number;
  /** How long the agent's processes may take to get back near the baseline (hibernate, collect garbage). */
  settleMs: number;
  /** How often the memory is read meanwhile. */
  pollMs: number;
  /** Appended to the other failure messages (e.g. " (seed 42)"). */
  note?: string;
}

/**
 * After the abuse: no atom was created, every process of the fixture is alive,
 * and the agent's memory is back within AGENT_MEMORY_SLACK of its baseline.
 */
export async function assertNodeUnharmed(node: FixtureNode, options: UnharmedOptions): Promise<void> {
  const note = options.note ?? '';
  assert.equal(await atomCount(node), options.atomsBaseline, options.atomsMessage);

  const alive = await node.command<Record<string, boolean>>('alive');
  assert.deepEqual(Object.keys(alive).sort(), Object.keys(node.pids).sort());
  for (const [name, isAlive] of Object.entries(alive)) assert.equal(isAlive, true, `${name} died${note}`);

  let memory = await agentMemory(node);
  const deadline = Date.now() + options.settleMs;
  while (Math.abs(memory - options.memoryBaseline) > AGENT_MEMORY_SLACK && Date.now() < deadline) {
    await sleep(options.pollMs);
    memory = await agentMemory(node);
  }
  assert.ok(
    Math.abs(memory - options.memoryBaseline) <= AGENT_MEMORY_SLACK,
    `agent memory ${memory} bytes, baseline ${options.memoryBaseline} bytes${note}`,
  );
}
