import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRestartRequest, isStopRequest, sessionMarker, sessionVm } from '../../extension/src/attach/debugSessionNodes';
import { inFolders } from '../../extension/src/attach/autoConnect';
import type { DiscoveryFile } from '../../extension/src/protocol/agentProtocol';

const agent = (osPid: number, startedAt: number, launchedBy: string | null = 'debug:abc'): DiscoveryFile => ({
  node: 'nonode@nohost',
  osPid,
  port: 40000 + osPid,
  token: 't',
  cwd: '/w',
  otpRelease: '25',
  elixirVersion: '1.14.0',
  agentVersion: '0.1.0',
  startedAt,
  launchedBy,
});

describe('one node per debug session', () => {
  it('reads the session marker of an agent', () => {
    assert.equal(sessionMarker(agent(1, 0)), 'abc');
    assert.equal(sessionMarker(agent(1, 0, 'terminal')), undefined);
    assert.equal(sessionMarker(agent(1, 0, null)), undefined);
  });

  it("the session's VM is the newest one that does not descend from another of its VMs", () => {
    // ElixirLS: the shell 100 runs the launcher 130 (its child), then execs the adapter's VM as 100 itself.
    const parents = new Map([
      [130, 100],
      [100, 50],
      [200, 100],
      [201, 200],
    ]);
    const parentOf = (pid: number) => parents.get(pid);
    assert.equal(sessionVm([], parentOf), undefined);
    assert.equal(sessionVm([agent(130, 1000)], parentOf)?.osPid, 130, 'alone, the launcher would be it (hence the gate)');
    // The adapter's VM (100) and a VM its task started (200, then 201 under it): the task's are its children.
    assert.equal(sessionVm([agent(100, 3000), agent(200, 5000), agent(201, 6000)], parentOf)?.osPid, 100);
    // Restart: two unrelated VMs, the newer wins.
    assert.equal(sessionVm([agent(300, 1000), agent(400, 2000)], () => 1)?.osPid, 400);
  });

  it('tells a Stop from a Restart among the requests VS Code sends the adapter', () => {
    assert.equal(isStopRequest({ type: 'request', command: 'disconnect' }), true);
    assert.equal(isStopRequest({ type: 'request', command: 'terminate', arguments: {} }), true);
    assert.equal(isStopRequest({ type: 'request', command: 'disconnect', arguments: { restart: true } }), false);
    assert.equal(isStopRequest({ type: 'response', command: 'disconnect' }), false);
    assert.equal(isStopRequest({ type: 'request', command: 'evaluate' }), false);
    assert.equal(isRestartRequest({ type: 'request', command: 'restart' }), true);
    assert.equal(isRestartRequest({ type: 'request', command: 'disconnect', arguments: { restart: true } }), true);
    assert.equal(isRestartRequest({ type: 'request', command: 'disconnect' }), false);
  });

  it('terminals mode attaches VMs whose working directory is in the workspace', () => {
    assert.equal(inFolders('/w/app', ['/w/app']), true);
    assert.equal(inFolders('/w/app/lib', ['/x', '/w/app']), true);
    assert.equal(inFolders('/w/application', ['/w/app']), false);
    assert.equal(inFolders(null, ['/w/app']), false);
  });
});
