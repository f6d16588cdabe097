/**
 * The modules and functions of open Elixir and Erlang documents, parsed once
 * per document version (shared/sourceFunctions.ts), for the CodeLens and the
 * live figures. Every parse tells the SourceLocator where its modules live.
 */
import type * as vscode from 'vscode';
import { languageOf, parseSource, type SourceFile } from '../shared/sourceFunctions';
import type { SourceLocator } from './sourceLocator';

export class SourceDocuments {
  private readonly cache = new Map<string, { version: number; file: SourceFile }>();

  constructor(private readonly locator: SourceLocator) {}

  of(document: vscode.TextDocument): SourceFile | undefined {
    const language = languageOf(document.fileName);
    if (!language) return undefined;
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached.file;
    const file = parseSource(document.getText(), language);
    this.cache.set(key, { version: document.version, file });
    this.locator.learn(document.uri, file.modules);
    return file;
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }
}
