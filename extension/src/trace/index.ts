/**
 * Tracing from the code: the CodeLens (Trace, Count Calls), the live figures
 * of counted functions, the BEAM Trace panel with its diagnostics, the
 * status bar item and the commands, wired to the node registry.
 */
import * as vscode from 'vscode';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { CallCounters } from './callCounters';
import { CountDecorations } from './countDecorations';
import { LoadedModules } from './loadedModules';
import { SourceDocuments } from './sourceDocuments';
import { SourceLocator } from './sourceLocator';
import { registerTraceCommands } from './traceCommands';
import { TRACE_SELECTOR, TraceCodeLensProvider } from './traceCodeLens';
import { TraceDiagnostics } from './traceDiagnostics';
import { TracePanel } from './tracePanel';
import { TraceStatusBar } from './traceStatusBar';

export function registerTracing(context: vscode.ExtensionContext, registry: NodeRegistry, log: vscode.LogOutputChannel): vscode.Disposable {
  const locator = new SourceLocator();
  const documents = new SourceDocuments(locator);
  const loaded = new LoadedModules();
  const counters = new CallCounters(log);
  const diagnostics = new TraceDiagnostics(locator);
  const panel = new TracePanel(context.extensionUri, locator, diagnostics, counters, log);
  const lenses = new TraceCodeLensProvider(registry, documents, loaded, counters);
  return vscode.Disposable.from(
    panel,
    counters,
    diagnostics,
    new CountDecorations(registry, counters, documents),
    new TraceStatusBar(panel, counters),
    vscode.languages.registerCodeLensProvider(TRACE_SELECTOR, lenses),
    counters.onDidChange(() => lenses.refresh()),
    registry.onDidChangeNodes(() => lenses.refresh()),
    registry.onDidChangeSelection(() => lenses.refresh()),
    // A module compiled (or loaded) since: ask again when its file is saved.
    vscode.workspace.onDidSaveTextDocument(() => {
      const client = registry.selected?.client;
      if (client) loaded.reset(client);
      lenses.refresh();
    }),
    vscode.workspace.onDidCloseTextDocument((document) => documents.forget(document)),
    ...registerTraceCommands({ registry, panel, counters, log }),
  );
}
