/**
 * The environment terminals get from BEAM Observer, as plain data: which
 * variables a mode wants, and what to change in a collection that holds
 * others. terminals.ts applies it to VS Code's collection.
 */
import type { AgentInstall } from '../agent/agentInstall';
import { agentErlFlags } from '../agent/agentInstall';

export type AutoAttach = 'debugSessions' | 'terminals' | 'off';

/** One variable as the collection holds it. */
export interface TerminalVariable {
  type: 'replace' | 'prepend' | 'append';
  value: string;
}

/** The variables terminals get in a mode (none unless the mode covers terminals). */
export function terminalVariables(mode: AutoAttach, install: AgentInstall, discoveryDir: string): Map<string, TerminalVariable> {
  const wanted = new Map<string, TerminalVariable>();
  if (mode !== 'terminals') return wanted;
  wanted.set('ERL_AFLAGS', { type: 'prepend', value: `${agentErlFlags(install)} ` });
  wanted.set('BEAM_OBSERVER_AUTOSTART', { type: 'replace', value: '1' });
  wanted.set('BEAM_OBSERVER_DIR', { type: 'replace', value: discoveryDir });
  wanted.set('BEAM_OBSERVER_LAUNCHED_BY', { type: 'replace', value: 'terminal' });
  return wanted;
}

/**
 * What to change so that a collection holding `current` holds `wanted`:
 * the variables to set and the ones to delete, nothing for those already right.
 */
export function variableChanges(
  current: ReadonlyMap<string, TerminalVariable>,
  wanted: ReadonlyMap<string, TerminalVariable>,
): { set: [string, TerminalVariable][]; remove: string[] } {
  const set = [...wanted].filter(([name, v]) => {
    const held = current.get(name);
    return !held || held.type !== v.type || held.value !== v.value;
  });
  const remove = [...current.keys()].filter((name) => !wanted.has(name));
  return { set, remove };
}
