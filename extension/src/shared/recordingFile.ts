/**
 * Reading and writing recording files (protocol/recordingFormat.ts, prose in
 * docs/recording.md). A file from another version or a damaged one is refused
 * with an error that says what and where, never half-shown. Pure: the
 * commands read and write the bytes.
 */
import type { HistoryResult, InitializeResult, RecordedMoment } from '../protocol/agentProtocol';
import { RECORDING_FORMAT, RECORDING_VERSION, type RecordedTime, type RecordingFile } from '../protocol/recordingFormat';

/** Why a file cannot be shown as a recording. */
export class RecordingError extends Error {}

export function recordingFile(
  node: InitializeResult,
  history: HistoryResult,
  extension: string,
  shown: RecordedTime | null = null,
  savedAt = Date.now(),
): RecordingFile {
  return {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    savedAt,
    savedBy: { extension, agent: node.agentVersion },
    node,
    history,
    shown,
  };
}

export function recordingText(recording: RecordingFile): string {
  return JSON.stringify(recording);
}

/** The recording in `text`, checked; a RecordingError says what is wrong and where. */
export function parseRecording(text: string): RecordingFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RecordingError(`the file is not valid JSON (${jsonErrorPlace(text, error)}); it may be cut short or damaged`);
  }
  if (!isObject(data) || data.format !== RECORDING_FORMAT) {
    const format = isObject(data) && 'format' in data ? ` (its format is ${JSON.stringify(data.format)})` : '';
    throw new RecordingError(`the file is not a BEAM Observer recording${format}`);
  }
  if (data.version !== RECORDING_VERSION) {
    const newer = typeof data.version === 'number' && data.version > RECORDING_VERSION;
    throw new RecordingError(
      newer
        ? `the recording is version ${data.version}, written by a newer BEAM Observer; this one reads version ${RECORDING_VERSION}`
        : `the recording's version ${JSON.stringify(data.version)} is not one this BEAM Observer reads (version ${RECORDING_VERSION})`,
    );
  }
  const check = new Checker();
  check.number(data, 'savedAt');
  check.object(data, 'savedBy');
  checkNode(check, data);
  checkHistory(check, data);
  checkShown(data.shown);
  return data as unknown as RecordingFile;
}

function checkShown(shown: unknown): void {
  if (shown === null || shown === undefined) return;
  const ok =
    isObject(shown) &&
    ((shown.kind === 'moment' && typeof shown.at === 'number') ||
      (shown.kind === 'range' && typeof shown.from === 'number' && typeof shown.to === 'number' && shown.from <= shown.to));
  if (!ok) throw new RecordingError(`shown must be null, {"kind":"moment","at":<ms>} or {"kind":"range","from":<ms>,"to":<ms>}`);
}

function checkNode(check: Checker, data: Record<string, unknown>): void {
  const node = check.object(data, 'node');
  check.string(node, 'node', 'node.');
  check.string(node, 'otpRelease', 'node.');
  const schedulers = check.object(node, 'schedulers', 'node.');
  for (const key of ['total', 'online', 'dirtyCpu', 'dirtyCpuOnline', 'dirtyIo']) check.number(schedulers, key, 'node.schedulers.');
}

function checkHistory(check: Checker, data: Record<string, unknown>): void {
  const history = check.object(data, 'history');
  for (const key of ['windowS', 'topN', 'intervalMs']) check.number(history, key, 'history.');
  const moments = check.array(history, 'moments', 'history.');
  let previous = -Infinity;
  moments.forEach((value, i) => {
    const at = `history.moments[${i}].`;
    if (!isObject(value)) throw new RecordingError(`history.moments[${i}] must be an object`);
    const moment = value;
    const timestamp = check.number(moment, 'timestamp', at);
    if (timestamp < previous) throw new RecordingError(`${at}timestamp is before the moment above it: moments must be oldest first`);
    previous = timestamp;
    check.number(moment, 'intervalMs', at);
    const sample = check.object(moment, 'sample', at);
    check.number(sample, 'timestamp', `${at}sample.`);
    const utilisation = check.object(sample, 'utilisation', `${at}sample.`);
    check.array(utilisation, 'normal', `${at}sample.utilisation.`);
    check.object(sample, 'runQueue', `${at}sample.`);
    check.object(sample, 'memory', `${at}sample.`);
    const processes = check.array(moment, 'processes', at);
    processes.forEach((p, j) => {
      const where = `${at}processes[${j}].`;
      if (!isObject(p)) throw new RecordingError(`${at}processes[${j}] must be an object`);
      check.string(p, 'pid', where);
      for (const key of ['reductions', 'memory', 'messageQueueLen']) check.number(p, key, where);
    });
    const top = check.object(moment, 'top', at);
    for (const key of ['reductions', 'memory', 'messageQueueLen']) {
      check.array(top, key, `${at}top.`).forEach((index, k) => {
        if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= processes.length) {
          throw new RecordingError(`${at}top.${key}[${k}] must be the index of one of the moment's ${processes.length} processes`);
        }
      });
    }
  });
}

/** The moments of a recording, as history/get gave them. */
export function recordingMoments(recording: RecordingFile): RecordedMoment[] {
  return recording.history.moments;
}

class Checker {
  object(parent: Record<string, unknown>, key: string, at = ''): Record<string, unknown> {
    const value = parent[key];
    if (!isObject(value)) throw new RecordingError(`${at}${key} must be an object${found(value)}`);
    return value;
  }

  array(parent: Record<string, unknown>, key: string, at = ''): unknown[] {
    const value = parent[key];
    if (!Array.isArray(value)) throw new RecordingError(`${at}${key} must be a list${found(value)}`);
    return value;
  }

  number(parent: Record<string, unknown>, key: string, at = ''): number {
    const value = parent[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RecordingError(`${at}${key} must be a number${found(value)}`);
    return value;
  }

  string(parent: Record<string, unknown>, key: string, at = ''): string {
    const value = parent[key];
    if (typeof value !== 'string') throw new RecordingError(`${at}${key} must be a string${found(value)}`);
    return value;
  }
}

function found(value: unknown): string {
  return value === undefined ? ' and is missing' : `, not ${JSON.stringify(value)?.slice(0, 40)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "... at line 3, column 14" from a JSON.parse error's position (or the end of the text, for input that stops early). */
function jsonErrorPlace(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (text.trim() === '') return 'the file is empty';
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : /end of JSON input/i.test(message) ? text.length : undefined;
  const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'the text ends early');
  if (offset === undefined) return what;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${what} at line ${line}, column ${column}`;
}
