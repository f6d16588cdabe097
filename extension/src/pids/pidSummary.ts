/**
 * The live one-glance summary of a pid, shared by hovers and terminal links.
 */
import { agentErrorCode } from '../agent/agentClient';
import { ErrorCodes } from '../protocol/agentProtocol';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { errorMessage } from '../shared/errors';
import { escapeMarkdown, formatBytes, formatCount, formatMfa, formatName } from '../shared/format';
import { PidMatch, isLocalPid, otherNodeMessage } from './pidText';

export interface PidSummary {
  /** Markdown, without command links. */
  markdown: string;
  /** One line, for plain tooltips. */
  plain: string;
  /** The process exists on the observed node. */
  alive: boolean;
}

/**
 * Text in logs and terminals was printed by the attached agent's node, so a
 * pid is asked of that node: "<0.Y.Z>" is its own process, and a pid of
 * another node of its cluster ("<9003.Y.Z>") is resolved there by the agent.
 */
export async function summarisePid(registry: NodeRegistry, match: PidMatch): Promise<PidSummary> {
  const shown = registry.shown;
  if (!shown) {
    const message = isLocalPid(match) ? 'BEAM Observer is not connected to a node.' : otherNodeMessage(match);
    return { markdown: escapeMarkdown(message), plain: message, alive: false };
  }
  try {
    // Asked of the agent's node, which printed the text (its pid forms are the agent node's).
    const info = await shown.processInfo({ pid: match.pid, member: undefined });
    const agentNode = shown.agentName;
    const onNode = info.node && info.node !== agentNode ? info.node : agentNode;
    const name = info.name ? formatName(info.name) : formatMfa(info.initialCall);
    const plain =
      `${match.pid} ${name}${onNode !== agentNode ? ` on ${onNode}` : ''} · ${info.status} · ${formatMfa(info.currentFunction)} · ` +
      `${formatBytes(info.memory)} · queue ${formatCount(info.messageQueueLen)}`;
    const markdown = [
      `**${escapeMarkdown(name)}** \`${match.pid}\` on \`${onNode}\`` + (onNode !== agentNode ? ` (\`${info.pid}\` there)` : ''),
      '',
      `${info.status} in \`${formatMfa(info.currentFunction)}\``,
      '',
      `Memory ${formatBytes(info.memory)} · Queue ${formatCount(info.messageQueueLen)} · Reductions ${formatCount(info.reductions)}` +
        (info.otp.behaviour ? ` · ${info.otp.behaviour}` : ''),
    ].join('\n');
    return { markdown, plain, alive: true };
  } catch (error) {
    const dead = agentErrorCode(error) === ErrorCodes.ProcessNotFound;
    const message = dead ? `${match.pid} is not alive on ${shown.agentName}.` : `${match.pid}: ${errorMessage(error)}`;
    return { markdown: escapeMarkdown(message), plain: message, alive: false };
  }
}
