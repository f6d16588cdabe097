/**
 * "Show Table Contents": an ETS table's rows in a read-only document of the
 * "Elixir term" or "Erlang term" language, a page at a time. The first page
 * is read when the document opens; "Load More Rows" (a CodeLens at the end,
 * and the editor's title bar) appends the next page, read with the
 * continuation the agent returned (ets/rows), so a page costs the node the
 * same whatever the table's size. A table deleted meanwhile ends the
 * document with the agent's reason.
 *
 * URIs: beam-observer-table:/.beam-observer/<elixir|erlang>/<node>/<table> rows.<ex|erl>
 */
import * as vscode from 'vscode';
import type { NodeMethods } from '../agent/nodeMethods';
import type { EtsRows } from '../protocol/agentProtocol';
import { errorMessage } from '../shared/errors';
import { tableDocumentText } from '../shared/nodeFormat';
import { termDocumentPath } from './textDocuments';

export const TABLE_SCHEME = 'beam-observer-table';
export const ROWS_PAGE = 100;
const MAX_DOCUMENTS = 20;

interface TableContents {
  methods: NodeMethods;
  nodeName: string;
  table: string;
  language: 'elixir' | 'erlang';
  rows: string[];
  size: number;
  continuation: string | null;
  /** Why no more rows can be read (the table was deleted...). */
  ended: string | undefined;
  loading: boolean;
}

export class TableDocuments implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensEmitter.event;
  private readonly documents = new Map<string, TableContents>();

  /** Read the first page of `table` and return the document's URI. Throws the agent's error. */
  async open(methods: NodeMethods, nodeName: string, table: string): Promise<vscode.Uri> {
    const first = await methods.etsRows(table, ROWS_PAGE, null);
    const extension = first.language === 'elixir' ? 'ex' : 'erl';
    const uri = vscode.Uri.from({
      scheme: TABLE_SCHEME,
      path: termDocumentPath(first.language, nodeName, `${table.replace(/[/\\]/g, '_')} rows.${extension}`),
    });
    const contents: TableContents = {
      methods,
      nodeName,
      table,
      language: first.language,
      rows: [],
      size: first.size,
      continuation: null,
      ended: undefined,
      loading: false,
    };
    append(contents, first);
    this.documents.set(uri.toString(), contents);
    if (this.documents.size > MAX_DOCUMENTS) this.documents.delete(this.documents.keys().next().value!);
    this.changeEmitter.fire(uri);
    return uri;
  }

  /** Append the next page to the document at `uri`. */
  async loadMore(uri: vscode.Uri): Promise<void> {
    const contents = this.documents.get(uri.toString());
    if (!contents || !contents.continuation || contents.loading) return;
    contents.loading = true;
    try {
      append(contents, await contents.methods.etsRows(contents.table, ROWS_PAGE, contents.continuation));
    } catch (error) {
      contents.ended = errorMessage(error);
      contents.continuation = null;
      throw error;
    } finally {
      contents.loading = false;
      this.changeEmitter.fire(uri);
      this.lensEmitter.fire();
    }
  }

  hasMore(uri: vscode.Uri): boolean {
    return Boolean(this.documents.get(uri.toString())?.continuation);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const contents = this.documents.get(uri.toString());
    return contents
      ? tableDocumentText({ ...contents, pageSize: ROWS_PAGE })
      : '(this table is no longer kept: run "Show Table Contents" again)';
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.hasMore(document.uri)) return [];
    const last = new vscode.Range(document.lineCount - 1, 0, document.lineCount - 1, 0);
    return [
      new vscode.CodeLens(last, {
        title: `$(arrow-down) Load the next ${ROWS_PAGE} rows`,
        command: 'beamObserver.loadMoreRows',
        arguments: [document.uri],
      }),
    ];
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.lensEmitter.dispose();
  }
}

function append(contents: TableContents, page: EtsRows): void {
  contents.rows.push(...page.rows.map((r) => r.text));
  contents.size = page.size;
  contents.continuation = page.continuation;
}
