/**
 * Which debug sessions run a BEAM VM, and the key BEAM Observer marks the
 * launch configurations it prepared with. A leaf: the attach strategies and
 * the pids seen in debug output both read it.
 */

/** Debug types whose debuggee is a BEAM VM: ElixirLS, edb, and Erlang LS's adapter. */
export const BEAM_DEBUG_TYPES = ['mix_task', 'erlang-edb', 'erlang'] as const;

/** The key, in a launch configuration, of the session marker BEAM Observer added. */
export const SESSION_MARKER_KEY = '__beamObserverId';

export function isBeamSession(type: string): boolean {
  return (BEAM_DEBUG_TYPES as readonly string[]).includes(type);
}
