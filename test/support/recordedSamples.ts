/**
 * Load samples recorded from real nodes (test/fixtures/samples/*.json, made by
 * test/fixtures/samples/record.ts): what the chart tests and the chart
 * benchmark feed the webview instead of a live agent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadSample } from '../../extension/src/protocol/agentProtocol';
import type { ChartNode } from '../../extension/src/protocol/webviewProtocol';
import { ROOT } from './beamNode';

export const SAMPLES_DIR = join(ROOT, 'test', 'fixtures', 'samples');

export type RecordingName = 'overloaded' | 'idle';

export interface Recording {
  /** How the node was started and what ran when, for a reader of the file. */
  description: string;
  /** Sample index at which each workload was added. */
  phases: { fromSample: number; workload: string }[];
  node: ChartNode;
  samples: LoadSample[];
}

export function loadRecording(name: RecordingName): Recording {
  return JSON.parse(readFileSync(join(SAMPLES_DIR, `${name}.json`), 'utf8')) as Recording;
}
