import { readFileSync } from 'node:fs';
/** Whether an OS process exists (signal 0 checks without sending anything). */
export function processAlive(osPid: number): boolean {
  try {
    process.kill(osPid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parent pid of a Linux process, from /proc (undefined elsewhere or when gone). */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: read after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
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
