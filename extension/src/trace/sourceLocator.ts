/**
 * Where a traced function is defined in the workspace: the documents the
 * CodeLens already read, else a search of the workspace's .ex/.exs/.erl
 * files for the module (files under deps, _build and node_modules left out),
 * read once and remembered. Used by a click on a call in the trace panel
 * and to put an exception's diagnostic on the function.
 */
import * as vscode from 'vscode';
import type { Mfa } from '../protocol/agentProtocol';
import { languageOf, parseSource, type SourceFunction } from '../shared/sourceFunctions';

export interface SourcePlace {
  uri: vscode.Uri;
  fn: SourceFunction;
}

const SEARCH_LIMIT = 5000;

export class SourceLocator {
  /** Module → the file that defines it. */
  private readonly files = new Map<string, vscode.Uri>();

  /** A document was read (by the CodeLens): remember its modules. */
  learn(uri: vscode.Uri, modules: string[]): void {
    for (const module of modules) this.files.set(module, uri);
  }

  async find(mfa: Mfa): Promise<SourcePlace | undefined> {
    const uri = this.files.get(mfa.module) ?? (await this.search(mfa.module));
    if (!uri) return undefined;
    const fn = await this.functionIn(uri, mfa);
    return fn ? { uri, fn } : undefined;
  }

  private async functionIn(uri: vscode.Uri, mfa: Mfa): Promise<SourceFunction | undefined> {
    const language = languageOf(uri.fsPath);
    if (!language) return undefined;
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const found = parseSource(text, language).functions.filter((f) => f.module === mfa.module && f.name === mfa.function);
    return found.find((f) => f.arities.includes(mfa.arity)) ?? found[0];
  }

  private async search(module: string): Promise<vscode.Uri | undefined> {
    const elixir = module.startsWith('Elixir.');
    const needle = elixir ? module.slice('Elixir.'.length).split('.').pop()! : `-module(${module})`;
    const uris = await vscode.workspace.findFiles(
      elixir ? '**/*.{ex,exs}' : '**/*.erl',
      '**/{deps,_build,node_modules,.elixir_ls}/**',
      SEARCH_LIMIT,
    );
    for (const uri of uris) {
      const bytes = await vscode.workspace.fs.readFile(uri);
      const text = Buffer.from(bytes).toString('utf8');
      if (!text.includes(needle)) continue;
      const modules = parseSource(text, elixir ? 'elixir' : 'erlang').modules;
      this.learn(uri, modules);
      if (modules.includes(module)) return uri;
    }
    return undefined;
  }
}

/** Open a function's source at its head. */
export async function showFunction(place: SourcePlace): Promise<void> {
  const position = new vscode.Position(place.fn.line, 0);
  // In the first editor group: the trace panel's group is beside it.
  await vscode.window.showTextDocument(place.uri, {
    selection: new vscode.Range(position, position),
    preview: true,
    viewColumn: vscode.ViewColumn.One,
  });
}
