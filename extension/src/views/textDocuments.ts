/**
 * Read-only virtual documents for text the agent produced (a mailbox peek):
 * nothing to save, nothing to prompt about on close.
 */
import * as vscode from 'vscode';

export const TEXT_SCHEME = 'beam-observer-text';
const MAX_DOCUMENTS = 20;

export class TextDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private counter = 0;

  /** Store a text under a file name (its extension picks the highlighting) and return its URI. */
  put(fileName: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TEXT_SCHEME, path: `/${fileName}`, query: String(++this.counter) });
    this.texts.set(uri.toString(), text);
    if (this.texts.size > MAX_DOCUMENTS) this.texts.delete(this.texts.keys().next().value!);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this text is no longer kept; fetch it again)';
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
