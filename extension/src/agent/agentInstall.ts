/**
 * Where the agent's compiled modules live for nodes to load. They are
 * copied from the extension into its global storage, keyed by version, so
 * that the path put into ERL_AFLAGS (of debug sessions and terminals) stays
 * valid across extension updates and in terminals that outlive a window.
 * The sources are copied beside them (`../src`): that is where the agent
 * finds the source of its own modules for their stack frames
 * (beam_observer_inspect's module_source), since the path they were
 * compiled from does not exist on a user's machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AgentInstall {
  /** Directory holding beam_observer_*.beam (and ../src, their sources). */
  ebin: string;
}

export function installAgent(extensionPath: string, storagePath: string, version: string): AgentInstall {
  const target = path.join(storagePath, `agent-${version}`);
  const ebin = path.join(target, 'ebin');
  const src = path.join(target, 'src');
  const shipped = path.join(extensionPath, 'agent');
  const marker = path.join(target, '.complete');
  // A development build changes its beams without changing its version: copy when they differ.
  if (!fs.existsSync(marker) || newer(path.join(shipped, 'ebin'), ebin)) {
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target, { recursive: true });
    fs.cpSync(path.join(shipped, 'ebin'), ebin, { recursive: true });
    fs.cpSync(path.join(shipped, 'src'), src, { recursive: true });
    fs.writeFileSync(marker, version);
  }
  return { ebin };
}

function newer(from: string, to: string): boolean {
  try {
    const a = fs.statSync(path.join(from, 'beam_observer_agent.beam')).mtimeMs;
    const b = fs.statSync(path.join(to, 'beam_observer_agent.beam')).mtimeMs;
    return a > b;
  } catch {
    return true;
  }
}

/** The ERL_AFLAGS fragment that loads and autostarts the agent. */
export function agentErlFlags(install: AgentInstall): string {
  return `-pa ${quoteForErlFlags(install.ebin)} -s beam_observer_agent autostart`;
}

/** ERL_AFLAGS is split on whitespace by erlexec; quote a path that holds any. */
function quoteForErlFlags(p: string): string {
  return /\s/.test(p) ? `"${p}"` : p;
}

/** Environment that makes a VM started from it load and autostart the agent. */
export function agentEnvironment(install: AgentInstall, discoveryDir: string, existingAflags?: string): Record<string, string> {
  const flags = agentErlFlags(install);
  return {
    ERL_AFLAGS: existingAflags && existingAflags.trim() ? `${flags} ${existingAflags}` : flags,
    BEAM_OBSERVER_AUTOSTART: '1',
    BEAM_OBSERVER_DIR: discoveryDir,
  };
}
