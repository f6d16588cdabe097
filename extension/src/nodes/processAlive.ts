import { readFileSync } from 'node:fs';
/**
 * Whether an OS process runs (signal 0 checks without sending anything). A
 * zombie does not: a VM killed while its parent has not reaped it yet (a debug
 * adapter's child, the extension host's own) still answers signal 0.
 */
export function processAlive(osPid: number): boolean {
  try {
    process.kill(osPid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(osPid);
}

/** Linux: state Z (zombie) or X (dead); elsewhere, never. */
function isZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === 'Z' || state === 'X';
}

/** Parent pid of a Linux process (undefined elsewhere or when gone). */
export function parentPid(pid: number): number | undefined {
  const ppid = statFields(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/**
 * The fields of /proc/<pid>/stat after the command name: state, parent pid, …
 * The name (field 2) may hold spaces and parentheses: read after its closing one.
 */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Is `ancestor` the process itself or one of its parents? */
export function descendsFrom(pid: number, ancestor: number, parentOf = parentPid): boolean {
  let current: number | undefined = pid;
  for (let depth = 0; current && current > 1 && depth < 32; depth++) {
    if (current === ancestor) return true;
    current = parentOf(current);
  }
  return false;
}
