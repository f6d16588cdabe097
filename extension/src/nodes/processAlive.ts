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
