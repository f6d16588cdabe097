/**
 * What the end-to-end tests read of an observed node from outside the
 * workbench (the agents' discovery files) and from the workbench's status
 * bar item.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveryFile } from '../../../extension/src/protocol/agentProtocol';
import type { Workbench } from './workbench';

/** The discovery files of the agents running now (an empty list when the dir is missing). */
export function discoveryFiles(dir: string): DiscoveryFile[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as DiscoveryFile);
  } catch {
    return [];
  }
}

/**
 * Wait until BEAM Observer's status bar item (found by `item`, the node's name)
 * matches `pattern`; returns how long that took, in ms.
 */
export async function statusBecomes(workbench: Workbench, pattern: RegExp, timeoutMs: number, item = /nonode@nohost/): Promise<number> {
  const status = () => workbench.page.locator('.statusbar-item', { hasText: item }).first();
  const started = Date.now();
  await workbench.step(`status bar matching ${pattern}`, async () => {
    // Short reads: an item that is not there (yet) must not hold the loop for Playwright's default 30 s.
    while (
      !pattern.test(
        await status()
          .innerText({ timeout: 500 })
          .catch(() => ''),
      )
    ) {
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `status bar shows "${await status()
            .innerText({ timeout: 500 })
            .catch(() => '(nothing)')}"`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return Date.now() - started;
}

/**
 * Open the Run and Debug sidebar and wait for the process tree's welcome text. It
 * shows only once the extension is active (its `when` needs the `beamObserver.active`
 * context, set after the terminals' environment), so terminals opened after it carry
 * the agent's variables.
 */
export async function extensionActive(workbench: Workbench, timeoutMs = 60_000): Promise<void> {
  await workbench.openDebugSidebar();
  const processes = await workbench.expandedView('BEAM Processes');
  await workbench.step('the extension is active (the welcome text of the process tree)', () =>
    processes.getByText('No Erlang or Elixir node is connected.').waitFor({ timeout: timeoutMs }),
  );
}

/**
 * "BEAM Observer: Filter Processes…", `text` typed in its box and Enter pressed on the
 * box itself: right after a click in a webview, VS Code may hand the focus back to it
 * as the palette closes; the filter box stays open (ignoreFocusOut) and gets the key.
 */
export async function filterProcesses(workbench: Workbench, text: string): Promise<void> {
  await workbench.runCommand('BEAM Observer: Filter Processes…');
  const filterBox = workbench.page.locator('.quick-input-widget input');
  await filterBox.fill(text);
  await filterBox.press('Enter');
}

/** SIGKILL every VM whose agent has a discovery file in `dir` (test teardown). */
export function killObservedNodes(dir: string): void {
  for (const agent of discoveryFiles(dir)) {
    try {
      process.kill(agent.osPid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** The rows "BEAM Observer: Select Node…" lists now (whitespace collapsed), then the picker is closed. */
export async function listedNodes(workbench: Workbench, screenshot?: string): Promise<string[]> {
  await workbench.runCommand('BEAM Observer: Select Node…');
  const rows = workbench.page.locator('.quick-input-list .monaco-list-row');
  await workbench.step('the node list', () => rows.first().waitFor({ timeout: 10_000 }));
  const listed = (await rows.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
  if (screenshot) await workbench.screenshot(screenshot);
  await workbench.page.keyboard.press('Escape');
  return listed;
}

/** A wider side bar, for rows' and views' descriptions: drag its edge (the sash between it and the editor) by `px`. */
export async function widenSideBar(workbench: Workbench, px = 250): Promise<void> {
  const { page } = workbench;
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const edge = { x: box.x + box.width + 1, y: box.y + box.height / 2 };
  await page.mouse.move(edge.x, edge.y);
  await page.mouse.down();
  await page.mouse.move(edge.x + px, edge.y, { steps: 10 });
  await page.mouse.up();
}
