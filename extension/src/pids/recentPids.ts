/**
 * PIDs recently seen in BEAM debug sessions' output, newest first, so the
 * "Inspect Process State" quick pick offers them before the rest.
 */
import * as vscode from 'vscode';
import { isBeamSession } from '../shared/debugTypes';
import { findPids } from './pidText';

const MAX_RECENT = 50;

export class RecentPids implements vscode.DebugAdapterTrackerFactory {
  private readonly recent: string[] = [];

  /** Remember the pids in a line of output. */
  observe(text: string): void {
    for (const match of findPids(text)) {
      if (match.nodeIndex !== 0) continue;
      const at = this.recent.indexOf(match.pid);
      if (at >= 0) this.recent.splice(at, 1);
      this.recent.unshift(match.pid);
    }
    this.recent.length = Math.min(this.recent.length, MAX_RECENT);
  }

  get pids(): readonly string[] {
    return this.recent;
  }

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker | undefined {
    if (!isBeamSession(session.type)) return undefined;
    return {
      onDidSendMessage: (message: { type?: string; event?: string; body?: { output?: string } }) => {
        if (message.type === 'event' && message.event === 'output' && typeof message.body?.output === 'string') {
          this.observe(message.body.output);
        }
      },
    };
  }
}
