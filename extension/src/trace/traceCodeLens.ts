/**
 * Trace and Count Calls above each function of an .ex, .exs or .erl file
 * whose module the attached node has loaded. Registered by file pattern, not
 * by language: a workbench without an Elixir or Erlang extension has no
 * such language.
 */
import * as vscode from 'vscode';
import { Commands } from '../commands/commandIds';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import type { CallCounters } from './callCounters';
import type { LoadedModules } from './loadedModules';
import type { SourceDocuments } from './sourceDocuments';

export const TRACE_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.{ex,exs,erl}' }];

/** The argument of the Trace and Count Calls lenses (and of the commands, from elsewhere). */
export interface FunctionTarget {
  module: string;
  function?: string;
  arity?: number;
}

export class TraceCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(
    private readonly registry: NodeRegistry,
    private readonly documents: SourceDocuments,
    private readonly loaded: LoadedModules,
    private readonly counters: CallCounters,
  ) {}

  refresh(): void {
    this.changeEmitter.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const file = this.documents.of(document);
    const node = this.registry.selected;
    const client = node?.state === 'connected' ? node.client : undefined;
    if (!file || file.functions.length === 0 || !node || !client) return [];
    let loaded: Set<string>;
    try {
      loaded = await this.loaded.loaded(client, file.modules);
    } catch {
      return [];
    }
    const lenses: vscode.CodeLens[] = [];
    for (const fn of file.functions) {
      if (!loaded.has(fn.module)) continue;
      const range = new vscode.Range(fn.line, 0, fn.line, 0);
      const target: FunctionTarget = {
        module: fn.module,
        function: fn.name,
        // Several arities (default arguments): trace them all.
        ...(fn.arities.length === 1 ? { arity: fn.arities[0] } : {}),
      };
      lenses.push(
        new vscode.CodeLens(range, {
          title: 'Trace',
          command: Commands.traceFunction,
          arguments: [target],
          tooltip: `Trace the calls of ${fn.name} in ${node.name}`,
        }),
      );
      const counting = this.counters.isCounting(node, fn.module);
      lenses.push(
        new vscode.CodeLens(range, {
          title: counting ? 'Stop Counting' : 'Count Calls',
          command: counting ? Commands.stopCounting : Commands.countCalls,
          arguments: [{ module: fn.module }],
          tooltip: counting
            ? `Stop counting the calls of ${fn.module}`
            : `Count the calls of every function of this module in ${node.name}, live`,
        }),
      );
    }
    return lenses;
  }
}
