/**
 * Attaching through debug sessions.
 *
 * 1. Before launch: a DebugConfigurationProvider adds to BEAM debug
 *    configurations an environment that loads and autostarts the agent
 *    (ERL_AFLAGS, kept in front of the user's own), plus a marker
 *    (BEAM_OBSERVER_LAUNCHED_BY=debug:<id>) that the agent writes into its
 *    discovery file, so the extension knows which agent is this session's.
 * 2. When a session did not go through the provider (an attach request,
 *    another client), the agent is loaded through the debug adapter itself:
 *    a DAP `evaluate` with no frame, whose expression adds the agent to the
 *    code path and starts it. ElixirLS runs the user's code inside the
 *    adapter's own VM, so this reaches the right node.
 */
import * as crypto from 'node:crypto';
import type * as vscode from 'vscode';
import type { AgentInstall } from '../agent/agentInstall';
import { agentEnvironment } from '../agent/agentInstall';
import { SESSION_MARKER_KEY } from '../shared/debugTypes';

/** Modules ElixirLS must never interpret: interpreted code runs orders of magnitude slower. */
export const AGENT_MODULES = [
  'beam_observer_agent',
  'beam_observer_json',
  'beam_observer_ws',
  'beam_observer_config',
  'beam_observer_format',
  'beam_observer_pid',
  'beam_observer_registry',
  'beam_observer_budget',
  'beam_observer_discovery',
  'beam_observer_debugger',
  'beam_observer_sampler',
  'beam_observer_ranking',
  'beam_observer_inspect',
  'beam_observer_loader',
  'beam_observer_cluster',
  'beam_observer_cluster_load',
  // The rest of the node (issue 12).
  'beam_observer_bounded',
  'beam_observer_supervisor',
  'beam_observer_apps',
  'beam_observer_ets',
  'beam_observer_ports',
  'beam_observer_system',
  'beam_observer_actions',
  'beam_observer_node_rpc',
  // Tracing (issue 13).
  'beam_observer_trace_params',
  'beam_observer_trace_index',
  'beam_observer_trace_backend',
  'beam_observer_trace_events',
  'beam_observer_trace_counts',
  'beam_observer_trace_watcher',
  'beam_observer_trace_session',
  'beam_observer_trace_rpc',
  'beam_observer_rpc',
  'beam_observer_conn',
  'beam_observer_listener',
  'beam_observer_sup',
  // The recorder and its sweep (issue 14).
  'beam_observer_touch',
  'beam_observer_sweep',
  'beam_observer_recorder',
];

/** Add the agent to a launch configuration (pure, unit-tested). */
export function withAgent(
  config: vscode.DebugConfiguration,
  install: AgentInstall,
  discoveryDir: string,
  id: string,
): vscode.DebugConfiguration {
  const env: Record<string, string> = { ...(config.env ?? {}) };
  const agentEnv = agentEnvironment(install, discoveryDir, env.ERL_AFLAGS);
  const next: vscode.DebugConfiguration = {
    ...config,
    env: { ...env, ...agentEnv, BEAM_OBSERVER_LAUNCHED_BY: `debug:${id}` },
    [SESSION_MARKER_KEY]: id,
  };
  if (config.type === 'mix_task') {
    const excluded: string[] = Array.isArray(config.excludeModules) ? config.excludeModules : [];
    next.excludeModules = [...new Set([...excluded, ...AGENT_MODULES.map((m) => `:${m}`)])];
  }
  return next;
}

export class AgentDebugConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(
    private readonly install: () => AgentInstall,
    private readonly discoveryDir: string,
    private readonly enabled: () => boolean,
  ) {}

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    if (!this.enabled() || config.request !== 'launch' || config[SESSION_MARKER_KEY]) return config;
    return withAgent(config, this.install(), this.discoveryDir, crypto.randomBytes(6).toString('hex'));
  }
}

/** The expression that loads and starts the agent, in the debuggee's language. */
export function injectionExpression(language: 'elixir' | 'erlang', install: AgentInstall): string {
  const ebin = JSON.stringify(install.ebin);
  if (language === 'elixir') {
    return `(Code.append_path(${ebin}); case :beam_observer_agent.start() do {:ok, %{port: p, token: t}} -> "beam_observer #{p} #{t}"; {:error, e} -> "beam_observer_error #{inspect(e)}" end)`;
  }
  return `begin code:add_patha(${ebin}), case beam_observer_agent:start() of {ok, #{port := P, token := T}} -> lists:flatten(io_lib:format("beam_observer ~b ~s", [P, T])); {error, E} -> lists:flatten(io_lib:format("beam_observer_error ~p", [E])) end end.`;
}

/** Read port and token from what the evaluate request returned. */
export function parseInjectionResult(result: string): { port: number; token: string } | { error: string } {
  const ok = /beam_observer (\d+) ([A-Za-z0-9_-]+)/.exec(result);
  if (ok) return { port: Number(ok[1]), token: ok[2] };
  const failed = /beam_observer_error (.*)/.exec(result);
  return { error: failed ? failed[1].replace(/"$/, '') : `unexpected answer: ${result.slice(0, 200)}` };
}

/** Ask the debug adapter to load the agent into its debuggee. */
export async function injectThroughAdapter(session: vscode.DebugSession, install: AgentInstall): Promise<{ port: number; token: string }> {
  const language = session.type === 'mix_task' ? 'elixir' : 'erlang';
  const response = await session.customRequest('evaluate', { expression: injectionExpression(language, install), context: 'repl' });
  const parsed = parseInjectionResult(String(response?.result ?? ''));
  if ('error' in parsed) throw new Error(`loading the agent through the debugger failed: ${parsed.error}`);
  return parsed;
}
