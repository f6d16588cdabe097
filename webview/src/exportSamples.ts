/**
 * Export of the recorded samples, for a bug report: JSON keeps them exactly
 * as the agent sent them; CSV flattens each sample into one row (nested keys
 * joined with dots, list items numbered from 1: "utilisation.normal.3"), with
 * an ISO time first so a spreadsheet sorts and plots it as is.
 */
import { csvFormatRows } from 'd3';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import type { ChartNode } from '../../extension/src/protocol/webviewProtocol';

export type ExportFormat = 'json' | 'csv';

/** One sample per line: compact, and still readable and diffable in a bug report. */
export function samplesToJson(node: ChartNode | null, samples: readonly LoadSample[], exportedAt: number): string {
  return (
    `{"exportedAt": ${JSON.stringify(new Date(exportedAt).toISOString())},\n"node": ${JSON.stringify(node)},\n` +
    `"samples": [\n${samples.map((sample) => JSON.stringify(sample)).join(',\n')}\n]}\n`
  );
}

export function samplesToCsv(samples: readonly LoadSample[]): string {
  const rows = samples.map((sample) => flatten(sample));
  // The union of columns, in first-seen order: osCpu is null on some systems, lists can grow.
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of row.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const header = ['time', ...columns];
  const body = rows.map((row, i) => [
    new Date(samples[i].timestamp).toISOString(),
    ...columns.map((column) => formatCell(row.get(column))),
  ]);
  return csvFormatRows([header, ...body]) + '\n';
}

function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) value.forEach((item, i) => flatten(item, `${prefix}.${i + 1}`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) flatten(item, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, value);
  return out;
}

function formatCell(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

/** beam-load-<node>-<local time>.<ext>, safe on every file system. */
export function exportFileName(node: ChartNode | null, format: ExportFormat, at: number): string {
  const name = (node?.name ?? 'node').replace(/[^A-Za-z0-9._-]+/g, '_');
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  return `beam-load-${name}-${stamp}.${format}`;
}
