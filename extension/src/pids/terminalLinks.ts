/**
 * PIDs in terminals become links: the tooltip is the live summary, a click
 * reveals the process in the tree.
 */
import * as vscode from 'vscode';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { summarisePid } from './pidSummary';
import { PidMatch, findPids } from './pidText';

interface PidTerminalLink extends vscode.TerminalLink {
  match: PidMatch;
}

/** A line may hold many pids; only the first few get a live summary. */
const MAX_SUMMARIES_PER_LINE = 4;

export class PidTerminalLinkProvider implements vscode.TerminalLinkProvider<PidTerminalLink> {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly reveal: (pid: string) => void,
  ) {}

  async provideTerminalLinks(context: vscode.TerminalLinkContext): Promise<PidTerminalLink[]> {
    const matches = findPids(context.line);
    if (matches.length === 0 || !this.registry.selected) return [];
    return Promise.all(
      matches.map(async (match, i) => ({
        startIndex: match.start,
        length: match.end - match.start,
        tooltip: i < MAX_SUMMARIES_PER_LINE ? (await summarisePid(this.registry, match)).plain : `Reveal ${match.pid}`,
        match,
      })),
    );
  }

  handleTerminalLink(link: PidTerminalLink): void {
    this.reveal(link.match.text);
  }
}
