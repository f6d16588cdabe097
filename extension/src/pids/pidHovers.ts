/**
 * Hovers on PIDs in logs, plain text, Output channels and Elixir/Erlang
 * files: a live summary with links to reveal the process or inspect its state.
 */
import * as vscode from 'vscode';
import { Commands } from '../commands/commandIds';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { summarisePid } from './pidSummary';
import { pidAt } from './pidText';
import type { Rewind } from '../views/rewind';
import { pastOfPid } from './pidPast';

export const PID_HOVER_SELECTOR: vscode.DocumentSelector = [
  { language: 'log' },
  { language: 'plaintext' },
  { language: 'elixir' },
  { language: 'erlang' },
  { scheme: 'output' },
];

export class PidHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly rewind?: Rewind,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const line = document.lineAt(position.line).text;
    const match = pidAt(line, position.character);
    if (!match) return undefined;
    const [summary, past] = await Promise.all([summarisePid(this.registry, match), pastOfPid(this.registry, this.rewind, line, match)]);
    const markdown = new vscode.MarkdownString(summary.markdown);
    // issue 14: what it was doing when the line was written, when the history covers it.
    if (past) markdown.appendMarkdown(`\n\n---\n\n${past}`);
    // The commands resolve a pid of another node through the agent, as the summary did.
    if (summary.alive) {
      const arg = encodeURIComponent(JSON.stringify([match.pid]));
      markdown.appendMarkdown(
        `\n\n[Reveal in Process Tree](command:${Commands.revealProcess}?${arg}) · ` +
          `[Inspect State](command:${Commands.inspectState}?${arg}) · ` +
          `[Reveal in Supervision Tree](command:${Commands.revealInSupervisionTree}?${arg})`,
      );
      markdown.isTrusted = { enabledCommands: [Commands.revealProcess, Commands.inspectState, Commands.revealInSupervisionTree] };
    }
    const range = new vscode.Range(position.line, match.start, position.line, match.end);
    return new vscode.Hover(markdown, range);
  }
}
