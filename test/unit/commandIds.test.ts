import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Commands, InternalCommands, Views } from '../../extension/src/commands/commandIds';

const ROOT = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);

describe('command ids', () => {
  it('are exactly the commands package.json contributes', () => {
    assert.deepEqual([...Object.values(Commands)].sort(), [...contributed].sort());
  });

  it('internal ones are not contributed, and no id is listed twice', () => {
    for (const id of Object.values(InternalCommands)) assert.ok(!contributed.includes(id), id);
    assert.equal(new Set(contributed).size, contributed.length);
  });

  it('every menu entry names a contributed command, and the views exist', () => {
    const menus = Object.values(manifest.contributes.menus as Record<string, { command: string }[]>).flat();
    for (const entry of menus) assert.ok(contributed.includes(entry.command), `menu entry ${entry.command}`);
    const views = Object.values(manifest.contributes.views as Record<string, { id: string }[]>)
      .flat()
      .map((v) => v.id);
    for (const id of Object.values(Views)) assert.ok(views.includes(id), id);
  });
});
