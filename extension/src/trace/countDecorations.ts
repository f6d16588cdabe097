/**
 * The live figure after the head of each function of a counted module, in
 * every visible editor ("1,204 calls/s · 0.31 ms avg"), updated with each
 * read (every second) until counting stops.
 */
import * as vscode from 'vscode';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import type { CallCounters } from './callCounters';
import type { SourceDocuments } from './sourceDocuments';

export class CountDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly registry: NodeRegistry,
    private readonly counters: CallCounters,
    private readonly documents: SourceDocuments,
  ) {
    this.disposables.push(
      counters.onDidChange(() => this.update()),
      registry.onDidChangeSelection(() => this.update()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.update()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) this.update();
      }),
    );
  }

  update(): void {
    const node = this.registry.selected;
    for (const editor of vscode.window.visibleTextEditors) {
      const file = this.documents.of(editor.document);
      const options: vscode.DecorationOptions[] = [];
      for (const fn of file?.functions ?? []) {
        const figure = this.counters.figure(node, fn.module, fn.name, fn.arities);
        if (figure === undefined) continue;
        const end = new vscode.Position(fn.headEnd.line, fn.headEnd.character);
        options.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: figure } } });
      }
      editor.setDecorations(this.type, options);
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.type.dispose();
  }
}
