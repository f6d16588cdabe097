/**
 * Attaching through VS Code's integrated terminals, as js-debug's auto
 * attach does for Node: every terminal opened while the setting covers
 * terminals gets an environment that loads the agent into any BEAM VM
 * started there (`iex -S mix`, `erl`, `mix phx.server`), with a description
 * the user can read in the terminal's environment tooltip.
 */
import * as vscode from 'vscode';
import type { AgentInstall } from '../agent/agentInstall';
import { affects, settings } from '../settings';
import { errorMessage } from '../shared/errors';
import { AutoAttach, TerminalVariable, terminalVariables, variableChanges } from './terminalVariables';

export type { AutoAttach } from './terminalVariables';

const DESCRIPTION =
  'BEAM Observer loads its agent into Erlang and Elixir VMs started in this terminal ' +
  '(`ERL_AFLAGS`), so `iex -S mix` shows up in the process tree. ' +
  'Setting: `beamObserver.autoAttach`.';

/**
 * Make the collection hold what the mode wants, touching only what differs.
 * Every change reaches VS Code's terminals, which relaunch a terminal they
 * think unused or mark it stale: clearing and re-adding the same variables
 * (at every activation, where the persisted collection is already right)
 * would do that for nothing.
 */
export function applyTerminalEnvironment(
  collection: vscode.GlobalEnvironmentVariableCollection,
  mode: AutoAttach,
  install: AgentInstall,
  discoveryDir: string,
): void {
  const current = new Map<string, TerminalVariable>();
  collection.forEach((name, mutator) => {
    const type =
      mutator.type === vscode.EnvironmentVariableMutatorType.Prepend
        ? 'prepend'
        : mutator.type === vscode.EnvironmentVariableMutatorType.Append
          ? 'append'
          : 'replace';
    current.set(name, { type, value: mutator.value });
  });
  const wanted = terminalVariables(mode, install, discoveryDir);
  const { set, remove } = variableChanges(current, wanted);
  for (const name of remove) collection.delete(name);
  if (wanted.size === 0) return;
  if (!collection.persistent) collection.persistent = true;
  const description = collection.description;
  if (typeof description === 'string' || description?.value !== DESCRIPTION) {
    collection.description = new vscode.MarkdownString(DESCRIPTION);
  }
  for (const [name, variable] of set) {
    if (variable.type === 'prepend') collection.prepend(name, variable.value);
    else collection.replace(name, variable.value);
  }
}

/**
 * Keep the terminals' environment in line with `beamObserver.autoAttach`, now
 * and when it changes; `changed` runs after a change (the auto-connect rule
 * applies to the agents already running).
 */
export function registerTerminalEnvironment(
  collection: vscode.GlobalEnvironmentVariableCollection,
  install: () => AgentInstall,
  discoveryDir: string,
  log: vscode.LogOutputChannel,
  changed: () => void,
): vscode.Disposable {
  const apply = () => {
    const mode = settings.autoAttach();
    try {
      applyTerminalEnvironment(collection, mode, install(), discoveryDir);
      log.info(`terminals: autoAttach is ${mode}`);
    } catch (error) {
      log.error(`cannot prepare terminals: ${errorMessage(error)}`);
    }
  };
  apply();
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (!affects(event, 'autoAttach')) return;
    apply();
    changed();
  });
}
