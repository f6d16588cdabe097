/**
 * The recording file (issue 14): what Save Recording… writes and Open
 * Recording… reads, so that an incident can be opened on another machine
 * with no node attached. One JSON document; its prose twin is
 * docs/recording.md. Rename a field here and there, nowhere else.
 */
import type { HistoryResult, InitializeResult } from './agentProtocol';

export const RECORDING_FORMAT = 'beam-observer-recording';
/** The version this extension writes and reads; a file of another version is refused with a precise error. */
export const RECORDING_VERSION = 1;
/** Files are refused above this size before they are read (a full history is about 5-10 MB of JSON). */
export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

export interface RecordingFile {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  /** When it was saved (ms since the epoch). */
  savedAt: number;
  /** Who wrote it: the extension's version and the agent's. */
  savedBy: { extension: string; agent: string };
  /** What `initialize` said about the node (its name, OTP release, schedulers...). */
  node: InitializeResult;
  /** What `history/get` answered: the recorder's settings, the gaps and every moment held, oldest first. */
  history: HistoryResult;
  /** What the tree showed when it was saved (an instant or a range), shown again when opened; null: the newest moment. */
  shown: RecordedTime | null;
}

/** An instant, or a range, in ms since the epoch. */
export type RecordedTime = { kind: 'moment'; at: number } | { kind: 'range'; from: number; to: number };
