/**
 * The node overview a language model reads: utilisation (normal and dirty
 * schedulers), the run queue against the overload rule (shared/overload.ts,
 * the rule the status bar and the charts apply), memory by kind, counts
 * against their limits, and a plain verdict. Built from the node's
 * `initialize` answer and its newest load samples; pure and unit-tested.
 */
import type { InitializeResult, LoadSample } from '../protocol/agentProtocol';
import { formatBytes, formatCount, formatPercent, formatQueue } from '../shared/format';
import { OVERLOAD_MIN_SAMPLES, queueAboveGuide, queueGuide, queueLoad } from '../shared/overload';
import { formatAgentCost, formatDebuggerShare } from '../views/format';
import { grouped } from './toolText';

/** A scheduler kind this busy (average over the online ones) is saturated. */
export const SATURATED = 0.9;
/** A count this close to its limit is worth a warning. */
export const NEAR_LIMIT = 0.8;

export interface Verdict {
  overloaded: boolean;
  /** What makes it overloaded (the run-queue rule), or why it is not. */
  reason: string;
  /** Other things worth knowing whatever the verdict: saturated schedulers, counts near a limit. */
  warnings: string[];
}

/** The verdict on a node from its newest samples (oldest first). */
export function verdict(samples: readonly LoadSample[]): Verdict {
  const last = samples[samples.length - 1];
  const online = last.schedulers.online;
  const guide = queueGuide(online);
  const load = queueLoad(samples);
  const recent = samples.slice(-OVERLOAD_MIN_SAMPLES).map((s) => formatQueue(s.runQueue.totalAvg));
  const rule =
    `the run queue must stay at or below ${formatQueue(guide)} (half the ${online} online schedulers); ` +
    `it averaged ${recent.join(', ')} in the last ${recent.length} one-sample intervals`;
  let reason: string;
  if (load === 'overloaded') {
    reason = `the run queue has stayed above its guide for ${OVERLOAD_MIN_SAMPLES} samples in a row: work waits for a scheduler (${rule})`;
  } else if (load === 'above-guide') {
    reason = `not overloaded yet: the run queue is above its guide in the newest sample only, a burst until it lasts ${OVERLOAD_MIN_SAMPLES} samples (${rule})`;
  } else {
    reason = `the run queue is within its guide (${rule})`;
  }
  return { overloaded: load === 'overloaded', reason, warnings: warnings(last) };
}

function warnings(s: LoadSample): string[] {
  const found: string[] = [];
  if (s.utilisation.normalAvg >= SATURATED) {
    found.push(`normal schedulers ${formatPercent(s.utilisation.normalAvg)} busy: CPU-bound Erlang/Elixir code fills them`);
  }
  if (s.schedulers.dirtyCpuOnline > 0 && s.utilisation.dirtyCpuAvg >= SATURATED) {
    found.push(
      `dirty CPU schedulers ${formatPercent(s.utilisation.dirtyCpuAvg)} busy: NIFs or BIFs on dirty schedulers ` +
        '(crypto, large binaries) use the CPU, which the normal schedulers and the run queue do not show',
    );
  }
  if (!queueAboveGuide(s.runQueue.totalAvg, s.schedulers.online) && s.runQueue.totalMax > s.schedulers.online * 4) {
    found.push(
      `run queue bursts up to ${s.runQueue.totalMax} within the interval at ${formatPercent(s.utilisation.normalAvg)} utilisation: ` +
        'many processes waking at once (timers), a "high load, moderate CPU" pattern',
    );
  }
  for (const [what, count] of [
    ['processes', s.processes],
    ['ports', s.ports],
    ['atoms', s.atoms],
  ] as const) {
    if (count.limit > 0 && count.count >= count.limit * NEAR_LIMIT) {
      found.push(
        `${what} at ${formatPercent(count.count / count.limit)} of their limit (${grouped(count.count)} of ${grouped(count.limit)})`,
      );
    }
  }
  return found;
}

function perSecond(n: number, intervalMs: number): number {
  return intervalMs > 0 ? (n * 1000) / intervalMs : n;
}

function percents(values: readonly number[], online: number): string {
  return values
    .slice(0, online)
    .map((v) => formatPercent(v))
    .join(' ');
}

function counted(count: { count: number; limit: number }): string {
  return `${grouped(count.count)} of ${grouped(count.limit)} (${formatPercent(count.count / Math.max(1, count.limit))})`;
}

/** The overview of one node: who it is, the verdict, then the figures of its newest sample. */
export function overviewText(info: InitializeResult, samples: readonly LoadSample[]): string {
  const who =
    `Node ${info.node}: ${info.elixirVersion ? `Elixir ${info.elixirVersion}, ` : ''}OTP ${info.otpRelease} ` +
    `(ERTS ${info.ertsVersion}), OS pid ${info.osPid}`;
  if (samples.length === 0) {
    return `${who}\nNo load sample has arrived from this node yet, so there is no verdict; ask again in a few seconds.`;
  }
  const s = samples[samples.length - 1];
  const v = verdict(samples);
  const { schedulers: sch, utilisation: u, runQueue: q, memory: m } = s;
  const seconds = (s.intervalMs / 1000).toFixed(1);
  const lines = [
    who,
    `Verdict: ${v.overloaded ? 'OVERLOADED' : 'not overloaded'}: ${v.reason}.`,
    ...v.warnings.map((w) => `Watch: ${w}.`),
    `Newest sample (${seconds} s, ${samples.length} sample${samples.length === 1 ? '' : 's'} read):`,
    `- Utilisation: normal schedulers ${formatPercent(u.normalAvg)} on average (${sch.online} online of ${sch.total}: ${percents(u.normal, sch.online)}); ` +
      `dirty CPU ${formatPercent(u.dirtyCpuAvg)} (${sch.dirtyCpuOnline} online: ${percents(u.dirtyCpu, sch.dirtyCpuOnline)}); ` +
      `dirty IO busiest ${formatPercent(Math.max(0, ...u.dirtyIo))} of ${sch.dirtyIo}.`,
    `- Run queue (normal, summed): ${formatQueue(q.totalAvg)} on average over ${q.readings} readings, max ${q.totalMax}; ` +
      `guide ${formatQueue(queueGuide(sch.online))}; dirty CPU queue ${formatQueue(q.dirtyCpu.avg)} (max ${q.dirtyCpu.max}), ` +
      `dirty IO ${formatQueue(q.dirtyIo.avg)} (max ${q.dirtyIo.max}).`,
    ...(s.osCpu
      ? [`- OS CPU of the VM: ${s.osCpu.cores.toFixed(2)} cores (${formatPercent(s.osCpu.share)} of ${s.osCpu.logicalCpus} logical CPUs).`]
      : []),
    `- Memory: total ${formatBytes(m.total)}; processes ${formatBytes(m.processes)} (used ${formatBytes(m.processesUsed)}), ` +
      `binary ${formatBytes(m.binary)}, ETS ${formatBytes(m.ets)}, atoms ${formatBytes(m.atom)}, code ${formatBytes(m.code)}, ` +
      `system ${formatBytes(m.system)}.`,
    `- Counts against limits: processes ${counted(s.processes)}, ports ${counted(s.ports)}, atoms ${counted(s.atoms)}.`,
    `- Work: ${formatCount(perSecond(s.reductions, s.intervalMs))} reductions/s, ` +
      `${formatCount(perSecond(s.garbageCollections.count, s.intervalMs))} garbage collections/s, ` +
      `IO in ${formatBytes(perSecond(s.io.inBytes, s.intervalMs))}/s, out ${formatBytes(perSecond(s.io.outBytes, s.intervalMs))}/s.`,
  ];
  const debug = formatDebuggerShare(s);
  if (debug) lines.push(`- A debugger runs in this node: ${debug}.`);
  lines.push(`- BEAM Observer's agent cost the node ${formatAgentCost(s.agent, s.intervalMs)} in this sample.`);
  return lines.join('\n');
}
