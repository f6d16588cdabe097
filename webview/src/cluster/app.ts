/**
 * The cluster overview page: a one-line summary, the node table, or a
 * sentence saying why there is nothing to show. Each host message carries
 * the whole table (overload verdicts included, computed by the host from
 * every recorded sample), so rendering is a pure function of the newest one.
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

  constructor(root: HTMLElement, onSelect: (node: string) => void) {
    this.summary = el('div', 'summary', root);
    this.title = el('h1', 'summary-title', this.summary);
    this.counts = el('span', 'summary-counts', this.summary);
    this.empty = el('p', 'empty', root);
    // The table scrolls sideways in a narrow editor group rather than squeezing its bars to nothing.
    this.scroller = el('div', 'table-scroller', root);
    this.table = new ClusterTable(this.scroller, onSelect);
    this.render({ type: 'cluster', agentNode: null, selected: null, rows: [] });
  }

  render(message: ClusterMessage): void {
    const { agentNode, rows, selected } = message;
    // While the extension reconnects the table stays, dimmed, with the last figures it had.
    const stale = message.connection === 'lost' || message.connection === 'connecting';
    this.scroller.classList.toggle('stale', stale);
    const showTable = agentNode !== null && rows.length > 0;
    this.summary.hidden = agentNode === null;
    this.empty.hidden = showTable;
    this.scroller.hidden = !showTable;
    if (agentNode === null) {
      setText(
        this.empty,
        'Not connected to a node. Connect to a node running the BEAM Observer agent to see every node of its cluster here.',
      );
    } else if (rows.length === 0) {
      setText(this.empty, `Waiting for the nodes of ${agentNode}'s cluster…`);
    }
    if (agentNode !== null) {
      setText(this.title, `Cluster of ${agentNode}`);
      const up = rows.filter((row) => row.state === 'up').length;
      setText(
        this.counts,
        stale
          ? message.connection === 'lost'
            ? 'connection lost, reconnecting…'
            : 'connecting…'
          : `${rows.length} ${rows.length === 1 ? 'node' : 'nodes'}, ${up} up`,
      );
    }
    this.table.render(showTable ? rows : [], selected);
  }
}
