import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { descendsFrom, processAlive } from '../../extension/src/nodes/processAlive';

describe('OS processes', () => {
  it('finds the shell a node was started from among its parents (real /proc)', async () => {
    // sh -> sleep: the grandchild descends from this test process, through the shell.
    const shell = spawn('sh', ['-c', 'sleep 5 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const grandchild = await new Promise<number>((resolve) =>
        shell.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      assert.ok(processAlive(grandchild));
      assert.equal(descendsFrom(grandchild, shell.pid!), true);
      assert.equal(descendsFrom(grandchild, process.pid), true);
      assert.equal(descendsFrom(shell.pid!, grandchild), false);
      assert.equal(descendsFrom(process.pid, shell.pid!), false);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('stops at a cycle or a missing parent', () => {
    assert.equal(descendsFrom(10, 99, (pid) => (pid === 10 ? 11 : 10)), false);
    assert.equal(descendsFrom(10, 99, () => undefined), false);
  });
});
