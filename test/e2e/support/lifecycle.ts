/**
 * The set-up and tear-down every end-to-end file shares: a scratch dir of
 * its own (the workspace folder, the agents' discovery dir), the extension
 * packaged as users get it, and after the tests: the observed nodes killed,
 * the workbench closed, the scratch dir removed. What a file puts in its
 * workspace, its settings and its environment stay in the file.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killObservedNodes } from './observedNode';
import { importScript, startWorkbench, type Workbench, type WorkbenchOptions } from './workbench';

export interface Scratch {
  /** The temp dir holding everything below; removed by teardown(). */
  dir: string;
  /** The folder the workbench opens (created, empty). */
  workspace: string;
  /** BEAM_OBSERVER_DIR of the workbench and of the nodes it observes (not created). */
  discovery: string;
}

/** A fresh scratch dir named `<prefix>XXXXXX`, with an empty workspace folder named `workspaceName` in it. */
export function scratchDirs(prefix: string, workspaceName = 'workspace'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const workspace = join(dir, workspaceName);
  mkdirSync(workspace, { recursive: true });
  return { dir, workspace, discovery: join(dir, 'discovery') };
}

/** The .vsix of `npm run package` (scripts/package.mjs: built, bundled, its contents checked), made now. */
export async function packagedExtension(): Promise<string> {
  const { packageExtension } = await importScript<{ packageExtension(): Promise<string> }>('package.mjs');
  return packageExtension();
}

/**
 * A workbench on the scratch workspace with the packaged extension installed,
 * its agents' discovery dir the scratch one (BEAM_OBSERVER_DIR, beside `options.env`).
 */
export async function startObserverWorkbench(
  scratch: Scratch,
  options: Omit<WorkbenchOptions, 'workspace' | 'extensionDir'>,
): Promise<Workbench> {
  const vsix = await packagedExtension();
  return startWorkbench({
    ...options,
    workspace: scratch.workspace,
    extensionDir: vsix,
    env: { BEAM_OBSERVER_DIR: scratch.discovery, ...options.env },
  });
}

/**
 * For after(): SIGKILL the VMs whose agents wrote to the scratch discovery dir,
 * close the workbench (if it started) and remove the scratch dir.
 */
export async function teardown(scratch: Scratch, workbench: Workbench | undefined): Promise<void> {
  killObservedNodes(scratch.discovery);
  await workbench?.close();
  rmSync(scratch.dir, { recursive: true, force: true });
}
