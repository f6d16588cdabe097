/**
 * Read-only virtual documents for text the agent produced (a mailbox peek):
 * nothing to save, nothing to prompt about on close.
 */
import * as vscode from 'vscode';

/**
 * The path of a virtual document holding Elixir or Erlang *terms* (a state, a
 * mailbox). Its folder gives it one of the extension's own languages
 * ("Elixir term", "Erlang term": package.json, contributes.languages), with
 * highlighting, instead of Elixir or Erlang: opening an `.ex` document starts
 * ElixirLS's language server (a whole VM) in a workspace where it did not run.
 */
export function termDocumentPath(language: 'elixir' | 'erlang', ...segments: string[]): string {
  return ['', '.beam-observer', language, ...segments].join('/');
}

export const TEXT_SCHEME = 'beam-observer-text';
const MAX_DOCUMENTS = 20;

export class TextDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private counter = 0;

  /** Store terms of a language under a file name and return the document's URI. */
  put(language: 'elixir' | 'erlang', fileName: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TEXT_SCHEME, path: termDocumentPath(language, fileName), query: String(++this.counter) });
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
