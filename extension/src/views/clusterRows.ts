/**
 * The cluster overview's table, built from what the registry already holds:
 * the nodes with a problem first (gone, in error, overloaded), then the
 * agent's node (or a relay's target), then the other members by name. Pure (no `vscode`
 * import), so unit tests build rows from plain objects.
 */
import type { LoadSample } from '../protocol/agentProtocol';
import { problemRank, queueLoad } from '../shared/overload';
import type { ClusterFigures, ClusterRow } from '../protocol/webviewProtocol';

/** The parts of a registry node and member that the rows need. */
export interface RowSource {
  name: string;
  hidden: boolean;
  state: ClusterRow['state'];
  goneAt: number | undefined;
  error: string | undefined;
  samples: LoadSample[];
}

export const SPARKLINE_POINTS = 60;

export function figuresOf(sample: LoadSample): ClusterFigures {
  return {
    timestamp: sample.timestamp,
    utilisation: sample.utilisation.normalAvg,
    dirtyCpuUtilisation: sample.utilisation.dirtyCpuAvg,
    schedulersOnline: sample.schedulers.online,
    runQueue: sample.runQueue.totalAvg,
    runQueueMax: sample.runQueue.totalMax,
    memory: sample.memory.total,
    processes: sample.processes.count,
    processLimit: sample.processes.limit,
  };
}

function row(source: RowSource, agentNode: boolean): ClusterRow {
  const last = source.samples[source.samples.length - 1];
  return {
    name: source.name,
    state: source.state,
    hidden: source.hidden,
    agentNode,
    goneAt: source.state === 'gone' ? (source.goneAt ?? null) : null,
    error: source.state === 'error' ? (source.error ?? 'unknown error') : null,
    // A node that left keeps its last figures, greyed by the webview.
    figures: last ? figuresOf(last) : null,
    utilisationHistory: source.samples.slice(-SPARKLINE_POINTS).map((s) => s.utilisation.normalAvg),
    queueLoad: source.state === 'up' ? queueLoad(source.samples) : 'normal',
  };
}

/**
 * `first` is the node whose cluster it is: the agent's node, or, through a
 * relay (`agentInFirst` false), the relay's target, the agent running in the
 * relay helper, which is no node of the user's cluster and not shown.
 */
export function clusterRows(first: RowSource, members: RowSource[], agentInFirst = true): ClusterRow[] {
  const rows = [row(first, agentInFirst), ...members.map((m) => row(m, false))];
  // Problems first (a cluster of a hundred nodes is read from the top); then the cluster's own node, then by name.
  const rank = (r: ClusterRow) => problemRank(r.state, r.queueLoad);
  return rows.sort((a, b) => rank(a) - rank(b) || Number(b === rows[0]) - Number(a === rows[0]) || a.name.localeCompare(b.name));
}
