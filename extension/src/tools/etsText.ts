/**
 * ETS tables as a model reads them: the largest tables (or by rows, or by
 * name) with their owner, type, protection, rows and memory; and the first
 * rows of one table, formatted inside the node as the agent formats them
 * (Elixir's inspect in an Elixir node, which hides the fields an application
 * marks secret; io_lib with limits in an Erlang node). Pure and unit-tested.
 */
import type { EtsList, EtsRows, EtsSortKey, EtsTable } from '../protocol/agentProtocol';
import { formatBytes, formatName } from '../shared/format';
import { boundedLines, cutToBytes, grouped, plural } from './toolText';

/** A row's text beyond this many bytes is cut here (the agent cuts at 4 KB), so a page of 20 rows fits an answer. */
export const MAX_ROW_BYTES = 1000;

const SORT_WORDS: Record<EtsSortKey, string> = { memory: 'memory', size: 'rows', name: 'name' };

function ownerText(table: EtsTable): string {
  return table.ownerName ? `${formatName(table.ownerName)} ${table.owner}` : table.owner;
}

function readability(table: EtsTable): string {
  if (table.agent) return " [BEAM Observer agent's own: rows not shown]";
  if (!table.readable) return ' [private: only its owner reads its rows]';
  return '';
}

export function tableLine(rank: number, table: EtsTable): string {
  const label = table.named ? table.name : `${table.name} (unnamed, id ${table.id})`;
  const heir = table.heir ? `, heir ${table.heir}` : '';
  const compressed = table.compressed ? ', compressed' : '';
  return (
    `${rank}. ${label}: ${table.type}, ${table.protection}${compressed}, ${plural(table.size, 'row')}, ` +
    `${formatBytes(table.memory)}; owner ${ownerText(table)}${heir}${readability(table)}`
  );
}

export function tablesText(list: EtsList, filter: string | undefined): string {
  const among = filter ? `${grouped(list.matched)} of ${grouped(list.total)} tables match "${filter}"` : `${grouped(list.total)} tables`;
  const lines = [
    `ETS tables of ${list.node} by ${SORT_WORDS[list.sortBy]} (${among}; read in ${list.elapsedMs.toFixed(1)} ms):`,
    ...list.tables.map((table, i) => tableLine(i + 1, table)),
  ];
  if (list.tables.length === 0) lines.push(filter ? `No table matches "${filter}".` : 'No table.');
  const left = list.matched - list.tables.length;
  if (left > 0) lines.push(`[cut: ${plural(left, 'more table')} not listed; ask with a larger "limit" or a "filter"]`);
  lines.push('Ask with "table" (a name, or the id of an unnamed table) for its first rows.');
  return boundedLines(
    lines,
    (cut) =>
      `[cut: ${grouped(Math.max(0, cut.shownLines - 1))} of ${grouped(list.tables.length)} tables shown, ${grouped(cut.omittedBytes)} bytes ` +
      'left out; ask with a smaller "limit" or a "filter"]',
  );
}

function howFormatted(language: EtsRows['language']): string {
  return language === 'elixir'
    ? "formatted inside the node by Elixir's inspect (fields the application marks secret with @derive {Inspect, except: ...} are hidden)"
    : 'formatted inside the node by io_lib with a depth and a character limit';
}

/** The first page of a table's rows, one row a line, each cut at MAX_ROW_BYTES. */
export function tableRowsText(page: EtsRows): string {
  const order = page.returned < page.size ? 'the first' : 'all';
  const lines = [
    `ETS table ${page.table} on ${page.node}: ${order} ${plural(page.returned, 'row')} of ${grouped(page.size)}, ` +
      `${howFormatted(page.language)}; in the table's order (key order for an ordered_set, hash order otherwise):`,
  ];
  let cutRows = 0;
  for (const row of page.rows) {
    const text = row.text.replace(/\s*\n\s*/g, ' ');
    const short = cutToBytes(text, MAX_ROW_BYTES);
    if (short.length < text.length || row.truncated) cutRows++;
    lines.push(short.length < text.length ? `${short}…` : text);
  }
  if (cutRows > 0) {
    const hidden = page.language === 'elixir' ? ', or where fields marked secret are hidden' : '';
    lines.push(
      `[${plural(cutRows, 'row')} elided: "…" or "..." marks where the formatter's limits or this answer's left parts out${hidden}]`,
    );
  }
  const left = page.size - page.returned;
  if (left > 0) lines.push(`[${plural(left, 'more row')} not read: this tool reads the first rows only]`);
  return boundedLines(
    lines,
    (cut) =>
      `[cut: ${grouped(Math.max(0, cut.shownLines - 1))} of ${grouped(page.returned)} rows shown, ${grouped(cut.omittedBytes)} bytes left out; ` +
      'ask for fewer "rows"]',
  );
}
