/**
 * The tool catalog is declared once (extension/src/tools/catalog.ts):
 * package.json's contributes.languageModelTools must say the same, and the
 * inputs, the settings and the MCP server's command line behave as documented.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMcpArgs } from '../../extension/src/mcp/mcpArgs';
import { MCP_PROVIDER_ID } from '../../extension/src/mcp/mcpServer';
import { TOOLS } from '../../extension/src/tools/catalog';
import { ToolError } from '../../extension/src/tools/nodeSource';
import { inputObject, integerIn, nodeName, pidText, sortKey } from '../../extension/src/tools/toolInputs';

const ROOT = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('tool catalog and package.json', () => {
  it('contributes.languageModelTools declares every tool exactly as the catalog does, in order', () => {
    const contributed = manifest.contributes.languageModelTools as Record<string, unknown>[];
    assert.deepEqual(
      contributed.map((t) => t.name),
      TOOLS.map((t) => t.name),
    );
    for (const [i, tool] of TOOLS.entries()) {
      const entry = contributed[i];
      assert.equal(entry.displayName, tool.displayName, tool.name);
      assert.equal(entry.toolReferenceName, tool.referenceName, tool.name);
      assert.equal(entry.modelDescription, tool.modelDescription, tool.name);
      assert.equal(entry.userDescription, tool.userDescription, tool.name);
      assert.deepEqual(entry.inputSchema, tool.inputSchema, tool.name);
      assert.equal(entry.canBeReferencedInPrompt, true, tool.name);
      assert.equal(entry.when, 'config.beamObserver.languageModelTools', tool.name);
    }
  });

  it('names are snake_case and unique, reference names unique, and only the state and ETS tools ask first', () => {
    for (const tool of TOOLS) assert.match(tool.name, /^beam_[a-z_]+$/);
    assert.equal(new Set(TOOLS.map((t) => t.name)).size, TOOLS.length);
    assert.equal(new Set(TOOLS.map((t) => t.referenceName)).size, TOOLS.length);
    assert.deepEqual(
      TOOLS.filter((t) => t.needsConfirmation).map((t) => t.name),
      ['beam_process_state', 'beam_ets_tables'],
    );
    const state = TOOLS.find((t) => t.name === 'beam_process_state')!.describe({ pid: '<0.5.0>' });
    assert.match(state.confirmTitle ?? '', /state of process <0\.5\.0>/);
  });

  it('every model description says what it costs the node', () => {
    for (const tool of TOOLS) assert.match(tool.modelDescription, /Cost to the node: /, tool.name);
  });

  it('declares the MCP provider, the settings, and a bin that exists', () => {
    assert.deepEqual(
      manifest.contributes.mcpServerDefinitionProviders.map((p: { id: string }) => p.id),
      [MCP_PROVIDER_ID],
    );
    const properties = manifest.contributes.configuration.properties;
    for (const key of ['beamObserver.languageModelTools', 'beamObserver.mcpServer']) {
      assert.equal(properties[key].type, 'boolean', key);
      assert.equal(properties[key].default, true, key);
    }
    assert.ok(existsSync(join(ROOT, manifest.bin['beam-observer-mcp'])));
    // The API the tools need is newer than engines: the extension must not claim it.
    assert.equal(manifest.engines.vscode, '^1.90.0');
  });
});

describe('tool inputs', () => {
  const refused = (f: () => unknown, message: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof ToolError && message.test(e.message));

  it('takes a pid in any printed form, and says what a wrong one should look like', () => {
    assert.equal(pidText({ pid: '#PID<0.123.0>' }), '<0.123.0>');
    assert.equal(pidText({ pid: ' <9003.50.0> ' }), '<9003.50.0>');
    assert.equal(pidText({ pid: '0.7.0' }), '<0.7.0>');
    refused(() => pidText({}), /"pid" is required/);
    refused(() => pidText({ pid: 'self()' }), /"pid" must be a pid such as "<0\.123\.0>"/);
    refused(() => pidText({ pid: 42 }), /"pid" is required/);
  });

  it('checks node names, sort keys, limits and unknown keys', () => {
    assert.equal(nodeName({ node: 'app@host' }), 'app@host');
    assert.equal(nodeName({}), undefined);
    refused(() => nodeName({ node: 'app' }), /"node" must be an Erlang node name such as "app@host" \(got "app"\)/);
    assert.equal(sortKey({}), 'reductions');
    refused(() => sortKey({ sortBy: 'cpu' }), /"sortBy" must be one of "reductions", "memory", "messageQueueLen" \(got "cpu"\)/);
    assert.equal(integerIn({ limit: 100 }, 'limit', 1, 100, 10), 100);
    refused(() => integerIn({ limit: 0 }, 'limit', 1, 100, 10), /"limit" must be an integer from 1 to 100 \(got 0\)/);
    refused(() => integerIn({ limit: 2.5 }, 'limit', 1, 100, 10), /got 2\.5/);
    refused(
      () => inputObject('beam_process_info', { pid: '<0.1.0>', code: 'x' }, ['pid', 'node']),
      /beam_process_info does not take "code"; it takes "pid", "node"/,
    );
    refused(() => inputObject('beam_process_info', [1], ['pid']), /takes an object/);
  });
});

describe('the MCP server command line', () => {
  it('uses the discovery directory by default, BEAM_OBSERVER_DIR, or --discovery-dir', () => {
    assert.deepEqual(parseMcpArgs([], { BEAM_OBSERVER_DIR: '/d' }), { kind: 'serve', location: { discoveryDir: '/d' } });
    assert.deepEqual(parseMcpArgs(['--discovery-dir', '/e'], {}), { kind: 'serve', location: { discoveryDir: '/e' } });
  });

  it('takes one agent by --url and --token, or their environment variables', () => {
    const endpoint = { kind: 'serve', location: { endpoint: { host: '127.0.0.1', port: 4040, token: 't0k' } } };
    assert.deepEqual(parseMcpArgs(['--url', 'ws://127.0.0.1:4040', '--token=t0k'], {}), endpoint);
    assert.deepEqual(parseMcpArgs([], { BEAM_OBSERVER_URL: 'ws://127.0.0.1:4040/', BEAM_OBSERVER_TOKEN: 't0k' }), endpoint);
  });

  it('refuses what it cannot use, saying why', () => {
    assert.deepEqual(parseMcpArgs(['--url', 'ws://127.0.0.1:4040'], {}), {
      kind: 'error',
      message: "--url needs --token (or BEAM_OBSERVER_TOKEN): the agent's token, from its discovery file or start()",
    });
    assert.match((parseMcpArgs(['--url', 'http://x'], {}) as { message: string }).message, /--url must look like ws:\/\//);
    assert.match((parseMcpArgs(['--bogus'], {}) as { message: string }).message, /unknown argument --bogus/);
    assert.match((parseMcpArgs(['--token', 'x'], {}) as { message: string }).message, /--token goes with --url/);
    assert.deepEqual(parseMcpArgs(['--help'], {}), { kind: 'help' });
  });
});
