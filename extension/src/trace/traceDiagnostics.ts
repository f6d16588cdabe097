/**
 * Exceptions a trace saw, as diagnostics on the functions that raised them
 * (one per function and exception, with how often and the latest process).
 * Cleared when the next trace starts or the panel closes.
 */
import * as vscode from 'vscode';
import type { TraceEvent } from '../protocol/agentProtocol';
import { formatEventTime, formatFunction } from '../shared/traceFormat';
import type { SourceLocator } from './sourceLocator';

interface Seen {
  uri: vscode.Uri;
  line: number;
  text: string;
  count: number;
  latest: string;
}

export class TraceDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('beam-trace');
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly locator: SourceLocator) {}

  async add(events: TraceEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind !== 'exception' || !e.function) continue;
      const key = `${formatFunction(e.function)} ${e.exception}`;
      const known = this.seen.get(key);
      const latest = `${e.pid} at ${formatEventTime(e.timeUs)}`;
      if (known) {
        known.count++;
        known.latest = latest;
        continue;
      }
      const place = await this.locator.find(e.function);
      if (!place) continue;
      this.seen.set(key, {
        uri: place.uri,
        line: place.fn.line,
        text: `${formatFunction(e.function)} raised ${e.exception ?? ''}`,
        count: 1,
        latest,
      });
    }
    this.publish();
  }

  private publish(): void {
    const byFile = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    for (const seen of this.seen.values()) {
      const entry = byFile.get(seen.uri.toString()) ?? { uri: seen.uri, list: [] };
      const times = seen.count === 1 ? 'once' : `${seen.count} times`;
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(seen.line, 0, seen.line, Number.MAX_SAFE_INTEGER),
        `BEAM trace: ${seen.text} (${times}; latest: ${seen.latest})`,
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'BEAM Observer';
      entry.list.push(diagnostic);
      byFile.set(seen.uri.toString(), entry);
    }
    this.collection.clear();
    for (const { uri, list } of byFile.values()) this.collection.set(uri, list);
  }

  clear(): void {
    this.seen.clear();
    this.collection.clear();
  }

  dispose(): void {
    this.collection.dispose();
  }
}
