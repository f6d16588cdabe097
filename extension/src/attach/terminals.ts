/**
 * Attaching through VS Code's integrated terminals, as js-debug's auto
 * attach does for Node: every terminal opened while the setting covers
 * terminals gets an environment that loads the agent into any BEAM VM
 * started there (`iex -S mix`, `erl`, `mix phx.server`), with a description
 * the user can read in the terminal's environment tooltip.
 */
import * as vscode from 'vscode';
import type { AgentInstall } from '../agent/agentInstall';
import { agentErlFlags } from '../agent/agentInstall';

export type AutoAttach = 'debugSessions' | 'terminals' | 'off';

export function applyTerminalEnvironment(
  collection: vscode.GlobalEnvironmentVariableCollection,
  mode: AutoAttach,
  install: AgentInstall,
  discoveryDir: string,
): void {
  collection.clear();
  if (mode !== 'terminals') return;
  collection.description = new vscode.MarkdownString(
    'BEAM Observer loads its agent into Erlang and Elixir VMs started in this terminal ' +
    '(`ERL_AFLAGS`), so `iex -S mix` shows up in the process tree. ' +
    'Setting: `beamObserver.autoAttach`.');
  collection.persistent = true;
  collection.prepend('ERL_AFLAGS', `${agentErlFlags(install)} `);
  collection.replace('BEAM_OBSERVER_AUTOSTART', '1');
  collection.replace('BEAM_OBSERVER_DIR', discoveryDir);
  collection.replace('BEAM_OBSERVER_LAUNCHED_BY', 'terminal');
}
