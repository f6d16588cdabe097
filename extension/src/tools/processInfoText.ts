/**
 * One process as a model reads it: who it is, what it does now (current
 * function, stack), what it holds (memory, queue) and whom it is tied to
 * (links, monitors). The process dictionary's values are left out, except
 * OTP's own `$initial_call` and `$ancestors`: the rest is application data.
 * Pure and unit-tested.
 */
import type { MonitorEntry, ProcessInfo, StackFrame } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatMfa, formatName } from '../shared/format';
import { holdLabel } from '../views/processDetails';
import { boundedLines, grouped, listSome, plural } from './toolText';

/** Links, monitors and stack frames listed before "… and N more". */
export const MAX_LISTED = 50;
export const MAX_FRAMES = 30;

/** Dictionary keys whose values are OTP's bookkeeping (pids and names), safe to show. */
const SHOWN_DICTIONARY_KEYS = new Set(['$initial_call', '$ancestors']);

/** A key as formatted in either language ('$ancestors' in Erlang, :"$ancestors" in Elixir), bare. */
function bareKey(key: string): string {
  return key.replace(/^:/, '').replace(/^(['"])(.*)\1$/, '$2');
}

function shownKey(key: string): boolean {
  return SHOWN_DICTIONARY_KEYS.has(bareKey(key));
}

function monitorText(m: MonitorEntry): string {
  if ('pid' in m) return m.pid;
  if ('name' in m) return `${formatName(m.name)} on ${m.node}`;
  if ('port' in m) return m.port;
  return `${m.type} ${m.description}`;
}

export function frameText(frame: StackFrame): string {
  const where = frame.file ? ` (${frame.file}${frame.line ? `:${frame.line}` : ''})` : '';
  return `${formatMfa(frame)}${where}`;
}

/** The first lines of a process's description, shared with the pid lookup. */
export function processSummaryLines(info: ProcessInfo): string[] {
  const name = info.name ? formatName(info.name) : formatMfa(info.initialCall) || 'an unnamed process';
  const behaviour = info.otp.behaviour ?? (info.otp.isOtp ? 'proc_lib, no behaviour found on its stack' : 'a plain process (not OTP)');
  const owner = info.agent
    ? " It is one of BEAM Observer agent's own processes."
    : info.debugger
      ? " It is one of the debugger's own processes."
      : '';
  const held = info.heldByDebugger ? ` A debugger holds it: ${holdLabel(info.heldByDebugger)}.` : '';
  const word = info.wordSize;
  return [
    `Process ${info.pid} on ${info.node}: ${name}.${owner}${held}`,
    `- Status ${info.status}; current function ${formatMfa(info.currentFunction) || 'unknown'}; ` +
      `initial call ${formatMfa(info.initialCall) || 'unknown'}; behaviour ${behaviour}.`,
    `- Memory ${formatBytes(info.memory)} (heap ${formatBytes(info.heapSize * word)}, total heap ${formatBytes(info.totalHeapSize * word)}, ` +
      `stack ${formatBytes(info.stackSize * word)}); message queue ${grouped(info.messageQueueLen)}; ` +
      `${formatCount(info.reductions)} reductions since it started.`,
  ];
}

function dictionaryLine(info: ProcessInfo): string {
  const shown = info.dictionary.filter((e) => shownKey(e.key)).map((e) => `${e.key} = ${e.value}`);
  const others = info.dictionary.filter((e) => !shownKey(e.key)).map((e) => e.key);
  const rest = others.length ? `; other keys (values not shown: application data): ${listSome(others, 20)}` : '';
  return `- Process dictionary: ${shown.length ? shown.join('; ') : 'no OTP entries'}${rest}.`;
}

export function processInfoText(info: ProcessInfo): string {
  const lines = [
    ...processSummaryLines(info),
    `- Trap exit ${info.trapExit}; priority ${info.priority}; group leader ${info.groupLeader}; ` +
      `${info.otp.sysAware ? 'its state can be read (beam_process_state)' : 'it cannot report a state (no sys-aware loop)'}.`,
    `- Links (${grouped(info.links.length)}): ${listSome(info.links, MAX_LISTED)}.`,
    `- Monitors (${grouped(info.monitors.length)}): ${listSome(info.monitors.map(monitorText), MAX_LISTED)}.`,
    `- Monitored by (${grouped(info.monitoredBy.length)}): ${listSome(info.monitoredBy, MAX_LISTED)}.`,
    dictionaryLine(info),
    `- Stack (${plural(info.stacktrace.length, 'frame')}, innermost first):`,
    ...info.stacktrace.slice(0, MAX_FRAMES).map((f) => `  ${frameText(f)}`),
  ];
  if (info.stacktrace.length > MAX_FRAMES) lines.push(`  … and ${grouped(info.stacktrace.length - MAX_FRAMES)} more frames`);
  return boundedLines(lines, (cut) => `[cut: ${grouped(cut.omittedBytes)} bytes of this description left out to keep it short]`);
}
