import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentUrl } from '../../extension/src/agent/agentUrl';
import { discoveryDir, parseDiscoveryFile, readDiscoveryDir } from '../../extension/src/nodes/discovery';
import { SampleHistory } from '../../extension/src/nodes/sampleHistory';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';

describe('discovery', () => {
  it("computes the agent's directory with the same rule", () => {
    assert.equal(discoveryDir({ BEAM_OBSERVER_DIR: '/x/y' }), '/x/y');
    assert.equal(discoveryDir({ TMPDIR: '/var/tmp/', USER: 'ada' }), '/var/tmp/beam-observer-ada');
    assert.equal(discoveryDir({ TMP: '/t', LOGNAME: 'bob' }), '/t/beam-observer-bob');
    assert.match(discoveryDir({}), /^\/tmp\/beam-observer-.+$/);
  });

  it('reads live agents and prunes the files of dead OS processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bo-unit-'));
    const file = (osPid: number, extra = {}) =>
      JSON.stringify({
        node: `n${osPid}@host`,
        osPid,
        port: 4000 + osPid,
        token: 't'.repeat(43),
        cwd: '/w',
        otpRelease: '25',
        elixirVersion: null,
        agentVersion: '0.1.0',
        startedAt: osPid,
        launchedBy: null,
        ...extra,
      });
    writeFileSync(join(dir, '10.json'), file(10));
    writeFileSync(join(dir, '20.json'), file(20));
    writeFileSync(join(dir, '30.json'), 'not json');
    writeFileSync(join(dir, '40.json'), file(41)); // names another pid: ignored
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const alive = (pid: number) => pid !== 20;
    const agents = readDiscoveryDir(dir, alive);
    assert.deepEqual(
      agents.map((a) => a.osPid),
      [10],
    );
    assert.deepEqual(readdirSync(dir).sort(), ['10.json', '30.json', '40.json', 'notes.txt'], "the dead agent's file is gone");
  });

  it('rejects files that miss fields', () => {
    assert.equal(parseDiscoveryFile('{"port":1}'), undefined);
    assert.equal(parseDiscoveryFile('[]'), undefined);
  });

  it('parses agent URLs', () => {
    assert.deepEqual(parseAgentUrl('ws://127.0.0.1:4040'), { host: '127.0.0.1', port: 4040 });
    assert.deepEqual(parseAgentUrl(' ws://[::1]:80/ '), { host: '::1', port: 80 });
    assert.equal(parseAgentUrl('http://127.0.0.1:4040'), undefined);
    assert.equal(parseAgentUrl('ws://host:99999'), undefined);
  });
});

describe('sample history', () => {
  const sample = (t: number) => ({ timestamp: t }) as LoadSample;
  it('keeps the newest samples in order within its capacity', () => {
    const history = new SampleHistory(3);
    assert.deepEqual(history.toArray(), []);
    [1, 2].forEach((t) => history.push(sample(t)));
    assert.deepEqual(
      history.toArray().map((s) => s.timestamp),
      [1, 2],
    );
    [3, 4, 5].forEach((t) => history.push(sample(t)));
    assert.deepEqual(
      history.toArray().map((s) => s.timestamp),
      [3, 4, 5],
    );
    assert.deepEqual(
      history.latest(2).map((s) => s.timestamp),
      [4, 5],
    );
    assert.equal(history.size, 3);
  });
});
