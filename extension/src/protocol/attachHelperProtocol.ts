/**
 * The attach helper's line protocol: what the extension and the helper VM
 * (agent/src/beam_observer_attach.erl, started by attach/distributionHelper.ts)
 * say to each other over the helper's standard input and output. Its prose
 * twin is docs/distribution.md, "The helper's line protocol".
 *
 * One JSON request per line on the helper's stdin; one reply per request on
 * its stdout, on a line that starts with REPLY_MARKER (anything else the VM
 * prints is ignored). The helper halts at the end of its input; a relay's
 * helper keeps running after its reply until then.
 */
import type { DiscoveryFile } from './agentProtocol';

export const REPLY_MARKER = 'BEAM_OBSERVER_ATTACH ';

/** A node name (`foo@host`), or a name and the host to find it on (default localhost). */
export type AttachTarget = { node: string } | { name: string; host?: string };

/**
 * attach: load the agent into the target and start it; relay: the same through
 * a helper that stays connected and serves the target from an agent of its own;
 * names: what the host's epmd lists.
 */
export type HelperRequest =
  | { op: 'attach' | 'relay'; node: string; cookie: string }
  | { op: 'attach' | 'relay'; name: string; host: string; cookie: string }
  | { op: 'names'; host: string };

/** What the helper answers with when it cannot attach; see beam_observer_attach.erl. */
export type AttachErrorKind =
  | 'cookie'
  | 'not_found'
  | 'no_epmd'
  | 'unreachable'
  | 'handshake'
  | 'name_mismatch'
  | 'old_otp'
  | 'agent_version'
  | 'agent_failed'
  | 'timeout'
  | 'bad_request'
  | 'internal'
  // Raised on this side: no `erl` to start, or the helper died without answering.
  | 'no_erl'
  | 'helper';

export interface AttachSuccess {
  ok: true;
  /** The node's real name (it may differ from what was asked: foo on localhost is foo@myhost). */
  node: string;
  port: number;
  token: string;
  osPid: number;
  otpRelease: string;
  /** Modules loaded into the node (0 when its agent was already running). */
  pushed: number;
  reused: boolean;
  mode: 'shortnames' | 'longnames';
  agentVersion: string;
  /** The agent's discovery file, when the node wrote one. */
  discovery: DiscoveryFile | null;
  /** Through a relay: port and token are the relay helper's agent, which serves `node`. */
  relay?: boolean;
}

export interface AttachFailure {
  ok: false;
  error: AttachErrorKind;
  message: string;
}

export type AttachReply = AttachSuccess | AttachFailure;
