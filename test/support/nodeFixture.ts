/**
 * The node of the rest-of-the-node tests (issue 12): test/fixtures/node_fixture.erl
 * in a real `erl` node with the agent, or as a cluster member without it, and
 * an `elixir` node running test/fixtures/node_fixture.exs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_EBIN, FIXTURE_EBIN, FixtureNode, ROOT, startFixture } from './beamNode';

let compiled = false;
function compileNodeFixture(): void {
  if (compiled) return;
  mkdirSync(FIXTURE_EBIN, { recursive: true });
  execFileSync('erlc', ['-o', FIXTURE_EBIN, join(ROOT, 'test', 'fixtures', 'node_fixture.erl')]);
  compiled = true;
}

/** What node_fixture prints first, beside the agent's port and token. */
export interface NodeFixtureHello {
  pids: Record<string, string>;
  tables: { unnamed: string };
  sockets: { listen: string; listenPort: number; client: string; server: string; udp: string; socket: string };
}

export type NodeFixture = FixtureNode & { hello: FixtureNode['hello'] & NodeFixtureHello };

/** The fixture with the agent; `extraArgs` name it (`-sname`) for a cluster. */
export async function startNodeFixture(extraArgs: string[] = []): Promise<NodeFixture> {
  compileNodeFixture();
  const node = await startFixture(
    'erl',
    ['-noshell', '-pa', AGENT_EBIN, '-pa', FIXTURE_EBIN, ...extraArgs, '-eval', 'node_fixture:main()'],
    {},
  );
  return node as NodeFixture;
}

/**
 * The same zoo in a named node that joins `peer` and runs no agent (the
 * agent's node loads itself there on the first request naming it). The
 * agent's code is on its path only for the fixture's JSON lines.
 */
export async function startMemberFixture(extraArgs: string[]): Promise<NodeFixture> {
  compileNodeFixture();
  const node = await startFixture(
    'erl',
    ['-noshell', '-pa', AGENT_EBIN, '-pa', FIXTURE_EBIN, ...extraArgs, '-eval', 'node_fixture:member()'],
    {},
  );
  return node as NodeFixture;
}

export function startElixirNodeFixture(): Promise<FixtureNode> {
  return startFixture('elixir', ['--erl', `-pa ${AGENT_EBIN}`, join(ROOT, 'test', 'fixtures', 'node_fixture.exs')], {});
}
