/**
 * What the Erlang agent and the TypeScript side must agree on, read from the
 * agent's sources: its JSON-RPC error codes (agent/src/beam_observer_errors.hrl
 * against ErrorCodes) and its version (beam_observer_agent's VERSION against
 * package.json, which names the .vsix and the agent's install directory).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '../../extension/src/protocol/agentProtocol';

const ROOT = join(__dirname, '..', '..', '..');
const readAgentFile = (name: string) => readFileSync(join(ROOT, 'agent', 'src', name), 'utf8');

/** Every `-define(Name, Integer).` of an Erlang header, comments left out. */
function integerMacros(header: string): Record<string, number> {
  const code = header
    .split('\n')
    .map((line) => line.replace(/%.*$/, ''))
    .join('\n');
  const macros: Record<string, number> = {};
  for (const [, name, value] of code.matchAll(/-define\(\s*(\w+)\s*,\s*(-?\d+)\s*\)\s*\./g)) {
    assert.ok(!(name in macros), `${name} is defined twice`);
    macros[name] = Number(value);
  }
  return macros;
}

describe("the agent's contract with the extension", () => {
  it('defines every error code of ErrorCodes, with the same name and number, and no other', () => {
    const macros = integerMacros(readAgentFile('beam_observer_errors.hrl'));
    assert.deepEqual(macros, { ...ErrorCodes });
  });

  it("finds the header's macros (the check above is not vacuous)", () => {
    const macros = integerMacros('%% -define(Commented, 1).\n-define(ParseError, -32700).\n-define( Spaced , 7 ).\n');
    assert.deepEqual(macros, { ParseError: -32700, Spaced: 7 });
  });

  it('has the version package.json gives the extension', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const defined = /^-define\(VERSION,\s*<<"([^"]*)">>\)\./m.exec(readAgentFile('beam_observer_agent.erl'));
    assert.ok(defined, 'beam_observer_agent.erl defines VERSION as a binary');
    assert.equal(defined[1], version);
  });
});
