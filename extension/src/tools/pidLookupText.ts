/**
 * Which node a pid printed in a log belongs to, and what it is. The first
 * number of a pid names a node *as the printing node sees it*, so the node that
 * printed it resolves it (pid/resolve) and the process's own node describes it.
 * Pure and unit-tested.
 */
import type { PidResolveResult, ProcessInfo } from '../protocol/agentProtocol';
import { processSummaryLines } from './processInfoText';

export function pidLookupText(printed: string, resolved: PidResolveResult, info: ProcessInfo): string {
  const where =
    resolved.node === resolved.printedBy
      ? `${printed}, as printed by ${resolved.printedBy}, is that node's own process ${resolved.pid}.`
      : `${printed}, as printed by ${resolved.printedBy}, is process ${resolved.pid} of another node: ${resolved.node} ` +
        `(the first number, ${printed.replace(/^#PID/, '').slice(1).split('.')[0]}, is how ${resolved.printedBy} numbers that node).`;
  return [
    where,
    ...processSummaryLines(info),
    `- Links ${info.links.length}, monitors ${info.monitors.length}; beam_process_info tells more.`,
  ].join('\n');
}
