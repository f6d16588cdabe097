/**
 * Ports and sockets as a model reads them: the top ones by bytes in, out,
 * queued in the driver or memory, each with its driver, addresses and state
 * (sockets), the figures with units, and its owner. Pure and unit-tested.
 */
import type { PortRow, PortSortKey, PortsList } from '../protocol/agentProtocol';
import { formatBytes, formatName } from '../shared/format';
import { boundedLines, grouped, plural } from './toolText';

const SORT_WORDS: Record<PortSortKey, string> = {
  input: 'bytes in',
  output: 'bytes out',
  queueSize: 'bytes queued in the driver',
  memory: 'memory',
};

function what(port: PortRow): string {
  if (port.protocol) {
    const local = port.local ?? 'no local address';
    const peer = port.peer ? ` → ${port.peer}` : '';
    const state = port.state ? ` (${port.state})` : '';
    return `${port.kind === 'socket' ? 'socket-module' : port.name} ${port.protocol} ${local}${peer}${state}`;
  }
  const os = port.osPid !== null ? `, OS pid ${port.osPid}` : '';
  return `${port.name}${os}${port.state ? ` (${port.state})` : ''}`;
}

function owner(port: PortRow): string {
  if (!port.owner) return 'no owner';
  return port.ownerName ? `${formatName(port.ownerName)} ${port.owner}` : port.owner;
}

export function portLine(rank: number, port: PortRow): string {
  const figures = [
    `in ${formatBytes(port.input)}`,
    `out ${formatBytes(port.output)}`,
    ...(port.queueSize !== null ? [`queued ${formatBytes(port.queueSize)}`] : []),
    ...(port.memory !== null ? [`memory ${formatBytes(port.memory)}`] : []),
  ];
  const agent = port.agent ? " [BEAM Observer agent's own]" : '';
  return `${rank}. ${port.id} ${what(port)}: ${figures.join(', ')}; owner ${owner(port)}${agent}`;
}

export function portsText(list: PortsList, filter: string | undefined): string {
  const among = filter ? `${grouped(list.matched)} of ${grouped(list.total)} match "${filter}"` : `${grouped(list.total)} in all`;
  const lines = [
    `Ports and sockets of ${list.node} by ${SORT_WORDS[list.sortBy]} (${among}; read in ${list.elapsedMs.toFixed(1)} ms). ` +
      "A socket's in and out are its driver's byte counts; queued is unsent data (a peer that does not read):",
    ...list.ports.map((port, i) => portLine(i + 1, port)),
  ];
  if (list.ports.length === 0) lines.push(filter ? `No port matches "${filter}".` : 'No port.');
  const left = list.matched - list.ports.length;
  if (left > 0) lines.push(`[cut: ${plural(left, 'more port')} not listed; ask with a larger "limit" or a "filter"]`);
  return boundedLines(
    lines,
    (cut) =>
      `[cut: ${grouped(Math.max(0, cut.shownLines - 1))} of ${grouped(list.ports.length)} ports shown, ${grouped(cut.omittedBytes)} bytes ` +
      'left out; ask with a smaller "limit" or a "filter"]',
  );
}
