/**
 * BEAM Observer's settings (package.json, contributes.configuration), read
 * with their defaults in one place. Read them when needed: a change applies
 * from the next read.
 */
import * as vscode from 'vscode';
import type { AutoAttach } from './attach/terminalVariables';

const section = () => vscode.workspace.getConfiguration('beamObserver');

export const settings = {
  /** Where the agent is loaded on its own: debug sessions (default), also terminals, or nowhere. */
  autoAttach: (): AutoAttach => section().get<AutoAttach>('autoAttach', 'debugSessions'),
  /** Rows in the process tree. */
  processLimit: (): number => section().get<number>('processLimit', 200),
  /** The load sample interval; the tree refreshes at this pace while visible. */
  sampleIntervalMs: (): number => section().get<number>('sampleIntervalMs', 1000),
  /** Load the agent through the debugger into sessions BEAM Observer did not prepare. */
  injectThroughDebugger: (): boolean => section().get<boolean>('injectThroughDebugger', true),
  /** Offer the read-only tools to language models in VS Code's chat (issue 18). */
  languageModelTools: (): boolean => section().get<boolean>('languageModelTools', true),
  /**
   * The budget for observing, a share of one scheduler (the setting is a percentage, 0.1 to 50, default 2):
   * the agent keeps its periodic work in each node within it (issue 17).
   */
  agentBudget: (): number => Math.min(50, Math.max(0.1, section().get<number>('agentBudget', 2))) / 100,
  /** Offer the MCP server to VS Code's MCP clients (issue 18). */
  mcpServer: (): boolean => section().get<boolean>('mcpServer', true),
};

/** Did this configuration change touch the setting `key` (e.g. "autoAttach")? */
export function affects(event: vscode.ConfigurationChangeEvent, key: keyof typeof settings): boolean {
  return event.affectsConfiguration(`beamObserver.${key}`);
}
