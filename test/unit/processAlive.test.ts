import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { descendsFrom, processAlive } from '../../extension/src/nodes/processAlive';

describe('OS processes', () => {
  it('finds the shell a node was started from among its parents (real /proc)', async () => {
    // sh -> sleep: the grandchild descends from this test process, through the shell.
    const shell = spawn('sh', ['-c', 'sleep 5 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const grandchild = await new Promise<number>((resolve) =>
        shell.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
      );
      assert.ok(processAlive(grandchild));
      assert.equal(descendsFrom(grandchild, shell.pid!), true);
      assert.equal(descendsFrom(grandchild, process.pid), true);
      assert.equal(descendsFrom(shell.pid!, grandchild), false);
      assert.equal(descendsFrom(process.pid, shell.pid!), false);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('a zombie (killed, not yet reaped by its parent) is not alive (real /proc)', async () => {
    // After exec, the shell is `sleep 5`, which never reaps its child `sleep 0`: a zombie for 5 s.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const child = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      const deadline = Date.now() + 5000;
      while (!/\) Z /.test(readFileSync(`/proc/${child}/stat`, 'utf8')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      process.kill(child, 0); // signal 0 still reaches it
      assert.equal(processAlive(child), false);
      assert.equal(processAlive(parent.pid!), true);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('stops at a cycle or a missing parent', () => {
    assert.equal(
      descendsFrom(10, 99, (pid) => (pid === 10 ? 11 : 10)),
      false,
    );
    assert.equal(
      descendsFrom(10, 99, () => undefined),
      false,
    );
  });
});
