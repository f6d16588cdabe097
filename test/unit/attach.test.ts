import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnvironment, agentErlFlags } from '../../extension/src/agent/agentInstall';
import { AGENT_MODULES, injectionExpression, parseInjectionResult, withAgent } from '../../extension/src/attach/debugSessions';
import { SESSION_MARKER_KEY } from '../../extension/src/shared/debugTypes';
import { terminalVariables, variableChanges } from '../../extension/src/attach/terminalVariables';

const install = { ebin: '/store/agent-0.1.0/ebin' };

describe('attach strategies', () => {
  it("builds ERL_AFLAGS that keep the user's own flags", () => {
    assert.equal(agentErlFlags(install), '-pa /store/agent-0.1.0/ebin -s beam_observer_agent autostart');
    assert.equal(agentErlFlags({ ...install, ebin: '/a b/ebin' }), '-pa "/a b/ebin" -s beam_observer_agent autostart');
    const env = agentEnvironment(install, '/tmp/d', '+S 4');
    assert.equal(env.ERL_AFLAGS, '-pa /store/agent-0.1.0/ebin -s beam_observer_agent autostart +S 4');
    assert.equal(env.BEAM_OBSERVER_AUTOSTART, '1');
    assert.equal(env.BEAM_OBSERVER_DIR, '/tmp/d');
  });

  it('adds the agent to a mix_task launch and excludes its modules from interpretation', () => {
    const config = withAgent(
      { type: 'mix_task', name: 'run', request: 'launch', env: { ERL_AFLAGS: '+P 5000000', FOO: '1' }, excludeModules: ['Some.Module'] },
      install,
      '/tmp/d',
      'abc',
    );
    assert.equal(config.env.FOO, '1');
    assert.match(config.env.ERL_AFLAGS, /^-pa \S+ -s beam_observer_agent autostart \+P 5000000$/);
    assert.equal(config.env.BEAM_OBSERVER_LAUNCHED_BY, 'debug:abc');
    assert.equal(config[SESSION_MARKER_KEY], 'abc');
    assert.ok(config.excludeModules.includes('Some.Module'));
    for (const m of AGENT_MODULES) assert.ok(config.excludeModules.includes(`:${m}`), m);
    // Every module that runs in a node (all but the attach helper's own) is listed.
    const sources = readdirSync(join(__dirname, '..', '..', '..', 'agent', 'src'))
      .filter((f) => f.endsWith('.erl') && f !== 'beam_observer_attach.erl')
      .map((f) => f.replace(/\.erl$/, ''));
    assert.deepEqual([...AGENT_MODULES].sort(), sources.sort());
  });

  it('leaves Erlang launches without ElixirLS options', () => {
    const config = withAgent({ type: 'erlang-edb', name: 'x', request: 'launch' }, install, '/tmp/d', 'id');
    assert.equal(config.excludeModules, undefined);
    assert.ok(config.env.ERL_AFLAGS.includes('beam_observer_agent autostart'));
  });

  it('writes injection expressions for both languages and reads their answers', () => {
    assert.match(injectionExpression('elixir', install), /^\(Code\.append_path\("\/store\/agent-0\.1\.0\/ebin"\);/);
    assert.match(injectionExpression('erlang', install), /code:add_patha\("\/store\/agent-0\.1\.0\/ebin"\)/);
    assert.deepEqual(parseInjectionResult('"beam_observer 4040 abc_DEF-123"'), { port: 4040, token: 'abc_DEF-123' });
    assert.deepEqual(parseInjectionResult('"beam_observer_error :eaddrinuse"'), { error: ':eaddrinuse' });
    assert.match((parseInjectionResult('nonsense') as { error: string }).error, /unexpected answer/);
  });

  describe('terminal environment', () => {
    const wanted = terminalVariables('terminals', install, '/tmp/d');

    it('gives terminals the agent only when autoAttach covers them', () => {
      assert.deepEqual(Object.fromEntries(wanted), {
        // Prepended, with a space: the user's own ERL_AFLAGS follow it.
        ERL_AFLAGS: { type: 'prepend', value: '-pa /store/agent-0.1.0/ebin -s beam_observer_agent autostart ' },
        BEAM_OBSERVER_AUTOSTART: { type: 'replace', value: '1' },
        BEAM_OBSERVER_DIR: { type: 'replace', value: '/tmp/d' },
        BEAM_OBSERVER_LAUNCHED_BY: { type: 'replace', value: 'terminal' },
      });
      assert.equal(terminalVariables('debugSessions', install, '/tmp/d').size, 0);
      assert.equal(terminalVariables('off', install, '/tmp/d').size, 0);
    });

    it('changes nothing when the collection already holds it (a new window, the collection persisted)', () => {
      assert.deepEqual(variableChanges(new Map(wanted), wanted), { set: [], remove: [] });
    });

    it('sets only what differs: a new agent version moves the ebin path', () => {
      const updated = terminalVariables('terminals', { ...install, ebin: '/store/agent-0.2.0/ebin' }, '/tmp/d');
      const { set, remove } = variableChanges(wanted, updated);
      assert.deepEqual(
        set.map(([name]) => name),
        ['ERL_AFLAGS'],
      );
      assert.deepEqual(remove, []);
    });

    it('replaces a variable held with another mutator, and removes what is no longer wanted', () => {
      const current = new Map(wanted);
      current.set('BEAM_OBSERVER_DIR', { type: 'append', value: '/tmp/d' });
      current.set('BEAM_OBSERVER_OLD', { type: 'replace', value: 'x' });
      const { set, remove } = variableChanges(current, wanted);
      assert.deepEqual(set, [['BEAM_OBSERVER_DIR', { type: 'replace', value: '/tmp/d' }]]);
      assert.deepEqual(remove, ['BEAM_OBSERVER_OLD']);
      // Switched off: every variable goes.
      assert.deepEqual(variableChanges(wanted, terminalVariables('off', install, '/tmp/d')).remove.sort(), [...wanted.keys()].sort());
    });
  });
});
