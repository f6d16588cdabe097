/**
 * The node's system as a model reads it: versions, uptime, schedulers,
 * counts against their limits (naming those above 80%), memory by kind, and
 * the allocators: what their carriers hold from the OS against what is in
 * use in them (fragmentation). Pure and unit-tested.
 */
import type { AllocatorFamily, CountAndLimit, SystemInfo } from '../protocol/agentProtocol';
import { formatBytes, formatPercent } from '../shared/format';
import { formatUptime, LIMIT_WARNING_RATIO, limitLine } from '../shared/nodeFormat';
import { boundedLines, grouped } from './toolText';

/**
 * An allocator family this little in use, holding at least FRAGMENTED_MIN_BYTES,
 * is pointed out: smaller ones are a young node's carriers, not worth a look.
 */
export const FRAGMENTED_USAGE = 0.5;
export const FRAGMENTED_MIN_BYTES = 8 * 1024 * 1024;
/** Allocator families listed (largest carriers first). */
export const MAX_FAMILIES = 12;

const LIMIT_NAMES: Record<keyof SystemInfo['limits'], string> = {
  processes: 'processes',
  ports: 'ports',
  atoms: 'atoms',
  etsTables: 'ETS tables',
};

function limitText(name: string, limit: CountAndLimit): string {
  const enforced = limit.enforced ? '' : ' (not enforced since OTP 20: ETS tables are limited by memory only)';
  return `${name} ${limitLine(name, limit).description}${enforced}`;
}

/** The counts at or above 80% of an enforced limit, in a sentence. */
export function nearLimits(info: SystemInfo): string {
  const near = (Object.keys(LIMIT_NAMES) as (keyof SystemInfo['limits'])[]).filter(
    (key) => info.limits[key].enforced && info.limits[key].ratio >= LIMIT_WARNING_RATIO,
  );
  if (near.length === 0) return `None is above ${formatPercent(LIMIT_WARNING_RATIO)} of its limit.`;
  const named = near.map((key) => `${LIMIT_NAMES[key]} at ${formatPercent(info.limits[key].ratio)}`);
  return `Above ${formatPercent(LIMIT_WARNING_RATIO)} of the limit: ${named.join(', ')}: the node fails to create more at the limit (atoms are never freed).`;
}

function usage(value: number | null): string {
  return value === null ? 'no carriers' : `${formatPercent(value)} in use`;
}

export function familyLine(family: AllocatorFamily): string {
  const fragmented =
    family.usage !== null && family.usage < FRAGMENTED_USAGE && family.carriersBytes >= FRAGMENTED_MIN_BYTES
      ? ': less than half in use: fragmentation, or carriers kept after a peak (memory the node holds and does not use)'
      : '';
  return (
    `  ${family.name} (${family.instances} instance${family.instances === 1 ? '' : 's'}): ${formatBytes(family.carriersBytes)} ` +
    `in carriers, ${formatBytes(family.blocksBytes)} in blocks, ${usage(family.usage)}${fragmented}`
  );
}

export function systemInfoText(info: SystemInfo): string {
  const { schedulers: s, logicalProcessors: cpus, memory: m, allocators: a } = info;
  const elixir = info.elixirVersion ? `Elixir ${info.elixirVersion}, ` : '';
  const families = [...a.families].sort((x, y) => y.carriersBytes - x.carriersBytes);
  const lines = [
    `System of ${info.node}: ${elixir}OTP ${info.otpRelease} (ERTS ${info.ertsVersion}), ${info.systemArchitecture}, ` +
      `${info.wordSize * 8}-bit; up ${formatUptime(info.uptimeMs)}.`,
    `- Schedulers: ${s.online} online of ${s.total}; dirty CPU ${s.dirtyCpuOnline} online of ${s.dirtyCpu}; dirty IO ${s.dirtyIo}. ` +
      `Logical processors: ${cpus.total ?? 'unknown'} (online ${cpus.online ?? 'unknown'}, available ${cpus.available ?? 'unknown'}).`,
    `- Counts against limits: ${(Object.keys(LIMIT_NAMES) as (keyof SystemInfo['limits'])[])
      .map((key) => limitText(LIMIT_NAMES[key], info.limits[key]))
      .join('; ')}.`,
    `  ${nearLimits(info)}`,
    `- Memory: total ${formatBytes(m.total)}; processes ${formatBytes(m.processes)} (used ${formatBytes(m.processesUsed)}), ` +
      `system ${formatBytes(m.system)}, binary ${formatBytes(m.binary)}, ETS ${formatBytes(m.ets)}, code ${formatBytes(m.code)}, ` +
      `atoms ${formatBytes(m.atom)} (used ${formatBytes(m.atomUsed)}).`,
    `- Allocators: carriers hold ${formatBytes(a.carriersBytes)} from the OS, blocks in use ${formatBytes(a.blocksBytes)} ` +
      `(${usage(a.usage)}; the rest is free space inside the carriers). By family, largest first:`,
    ...families.slice(0, MAX_FAMILIES).map(familyLine),
  ];
  if (families.length > MAX_FAMILIES) lines.push(`  … and ${grouped(families.length - MAX_FAMILIES)} smaller families`);
  lines.push(`- Read in ${info.elapsedMs.toFixed(2)} ms.`);
  return boundedLines(lines, (cut) => `[cut: ${grouped(cut.omittedBytes)} bytes left out to keep this answer short]`);
}
