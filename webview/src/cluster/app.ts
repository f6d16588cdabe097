/**
 * The cluster overview page: a one-line summary, the node table, or a
 * sentence saying why there is nothing to show. Each host message carries
 * the whole table (overload verdicts included, computed by the host from
 * every recorded sample, rows with a problem first), so rendering is a pure
 * function of the newest one and of the filter typed above the table (a
 * cluster of a hundred nodes is read by name).
 */
import { el, setText } from './dom';
import type { ClusterMessage } from './bridge';
import { ClusterTable } from './table';

export class ClusterApp {
  private readonly summary: HTMLDivElement;
  private readonly title: HTMLHeadingElement;
  private readonly counts: HTMLSpanElement;
  private readonly empty: HTMLParagraphElement;
  private readonly scroller: HTMLDivElement;
  private readonly table: ClusterTable;
  private readonly filter: HTMLInputElement;
  private last: ClusterMessage = { type: 'cluster', agentNode: null, selected: null, rows: [] };

  constructor(root: HTMLElement, onSelect: (node: string) => void) {
    this.summary = el('div', 'summary', root);
    this.title = el('h1', 'summary-title', this.summary);
    this.counts = el('span', 'summary-counts', this.summary);
    this.filter = el('input', 'filter', this.summary);
    this.filter.type = 'search';
    this.filter.placeholder = 'Filter nodes by name';
    this.filter.setAttribute('aria-label', 'Filter nodes by name');
    this.filter.addEventListener('input', () => this.render(this.last));
    this.empty = el('p', 'empty', root);
    // The table scrolls sideways in a narrow editor group rather than squeezing its bars to nothing.
    this.scroller = el('div', 'table-scroller', root);
    this.table = new ClusterTable(this.scroller, onSelect);
    this.render({ type: 'cluster', agentNode: null, selected: null, rows: [] });
  }

  render(message: ClusterMessage): void {
    this.last = message;
    const { agentNode, selected } = message;
    const needle = this.filter.value.trim().toLowerCase();
    const rows = needle ? message.rows.filter((row) => row.name.toLowerCase().includes(needle)) : message.rows;
    // While the extension reconnects the table stays, dimmed, with the last figures it had.
    const stale = message.connection === 'lost' || message.connection === 'connecting';
    this.scroller.classList.toggle('stale', stale);
    const showTable = agentNode !== null && rows.length > 0;
    this.filter.hidden = message.rows.length < 2;
    this.summary.hidden = agentNode === null;
    this.empty.hidden = showTable;
    this.scroller.hidden = !showTable;
    if (agentNode === null) {
      setText(
        this.empty,
        'Not connected to a node. Connect to a node running the BEAM Observer agent to see every node of its cluster here.',
      );
    } else if (message.rows.length === 0) {
      setText(this.empty, `Waiting for the nodes of ${agentNode}'s cluster…`);
    } else if (rows.length === 0) {
      setText(this.empty, `No node's name contains "${this.filter.value.trim()}".`);
    }
    if (agentNode !== null) {
      setText(this.title, `Cluster of ${agentNode}`);
      setText(
        this.counts,
        stale ? (message.connection === 'lost' ? 'connection lost, reconnecting…' : 'connecting…') : countsText(message.rows, rows.length),
      );
    }
    this.table.render(showTable ? rows : [], selected);
  }
}

/** "31 nodes, 28 up, 1 in error, 2 gone, 1 overloaded" (and "showing 4" while filtered). */
export function countsText(rows: readonly ClusterMessage['rows'][number][], shown: number): string {
  const count = (test: (row: ClusterMessage['rows'][number]) => boolean) => rows.filter(test).length;
  const parts = [`${rows.length} ${rows.length === 1 ? 'node' : 'nodes'}`, `${count((r) => r.state === 'up')} up`];
  const error = count((r) => r.state === 'error');
  const gone = count((r) => r.state === 'gone');
  const overloaded = count((r) => r.state === 'up' && r.queueLoad === 'overloaded');
  if (error) parts.push(`${error} in error`);
  if (gone) parts.push(`${gone} gone`);
  if (overloaded) parts.push(`${overloaded} overloaded`);
  if (shown < rows.length) parts.push(`showing ${shown}`);
  return parts.join(', ');
}
