/**
 * "Inspect Process State": the formatted state of a process in a read-only
 * virtual document, with Elixir or Erlang highlighting, titled with the pid
 * and name. Every fetch is kept as a snapshot, so "Compare with Previous"
 * can open VS Code's diff editor between the last two.
 *
 * URIs: beam-observer-state:/.beam-observer/<elixir|erlang>/<node>/<pid> <name>.<ex|erl>?snapshot=<n>
 * (termDocumentPath: the folder picks the "Elixir term" or "Erlang term" language).
 */
import * as vscode from 'vscode';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import { formatName } from '../shared/format';
import { termDocumentPath } from './textDocuments';

export const STATE_SCHEME = 'beam-observer-state';

interface Snapshot {
  text: string;
  takenAt: Date;
}

interface ProcessSnapshots {
  nodeName: string;
  /** The cluster member the process runs on (undefined: the agent's own node). */
  member: string | undefined;
  pid: string;
  title: string;
  extension: 'ex' | 'erl';
  snapshots: Snapshot[];
}

const MAX_SNAPSHOTS = 10;

export class StateDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  /** Keyed by node name + pid. */
  private readonly byProcess = new Map<string, ProcessSnapshots>();

  constructor(private readonly registry: NodeRegistry) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const entry = this.byProcess.get(keyOf(uri));
    const n = Number(new URLSearchParams(uri.query).get('snapshot') ?? '-1');
    const snapshot = entry?.snapshots[n] ?? entry?.snapshots[entry.snapshots.length - 1];
    return snapshot?.text ?? '(no state fetched yet: run "BEAM Observer: Refresh State")';
  }

  /** Fetch the state now and return the URI of the new snapshot. Throws the agent's error. */
  async fetch(pid: string, name?: string | null, member?: string): Promise<vscode.Uri> {
    const shown = this.registry.shown;
    if (!shown) throw new Error('BEAM Observer is not connected to a node');
    const state = await shown.processState({ pid, member });
    const nodeName = member ?? shown.agentName;
    const key = `${nodeName}/${pid}`;
    let entry = this.byProcess.get(key);
    if (!entry) {
      const title = name ? `${pid} ${formatName(name)}` : pid;
      entry = { nodeName, member, pid, title, extension: state.language === 'elixir' ? 'ex' : 'erl', snapshots: [] };
      this.byProcess.set(key, entry);
    }
    const header = headerComment(state.language, pid, name, state.truncated, state.bytes);
    entry.snapshots.push({ text: `${header}\n${state.text}\n`, takenAt: new Date() });
    if (entry.snapshots.length > MAX_SNAPSHOTS) entry.snapshots.shift();
    const uri = this.uriFor(entry, entry.snapshots.length - 1);
    this.changeEmitter.fire(uri);
    return uri;
  }

  /** URIs of the last two snapshots, for the diff editor. */
  previousAndLatest(uri: vscode.Uri): [vscode.Uri, vscode.Uri] | undefined {
    const entry = this.byProcess.get(keyOf(uri));
    if (!entry || entry.snapshots.length < 2) return undefined;
    const last = entry.snapshots.length - 1;
    return [this.uriFor(entry, last - 1), this.uriFor(entry, last)];
  }

  /** The pid and name a state document shows. */
  processOf(uri: vscode.Uri): { pid: string; name: string | undefined; member: string | undefined } | undefined {
    const entry = this.byProcess.get(keyOf(uri));
    if (!entry) return undefined;
    const name = entry.title.slice(entry.pid.length).trim();
    return { pid: entry.pid, name: name || undefined, member: entry.member };
  }

  snapshotTime(uri: vscode.Uri): Date | undefined {
    const entry = this.byProcess.get(keyOf(uri));
    const n = Number(new URLSearchParams(uri.query).get('snapshot') ?? '-1');
    return entry?.snapshots[n]?.takenAt;
  }

  private uriFor(entry: ProcessSnapshots, n: number): vscode.Uri {
    return vscode.Uri.from({
      scheme: STATE_SCHEME,
      path: termDocumentPath(entry.extension === 'ex' ? 'elixir' : 'erlang', entry.nodeName, `${entry.title}.${entry.extension}`),
      query: `snapshot=${n}`,
    });
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** node/pid from a state URI's path ".../<node>/<pid> <name>.<ext>". */
function keyOf(uri: vscode.Uri): string {
  const [, node, file] = /\/([^/]+)\/([^/]*)$/.exec(uri.path) ?? [];
  const pid = /^(<\d+\.\d+\.\d+>)/.exec(file ?? '')?.[1] ?? '';
  return `${node}/${pid}`;
}

function headerComment(
  language: 'elixir' | 'erlang',
  pid: string,
  name: string | null | undefined,
  truncated: boolean,
  bytes: number,
): string {
  const mark = language === 'elixir' ? '#' : '%';
  const who = name ? `${pid} (${formatName(name)})` : pid;
  const cut = truncated ? ', bounded by the agent: "..." marks elided parts' : '';
  return `${mark} State of ${who} at ${new Date().toLocaleTimeString()}, ${bytes} bytes${cut}`;
}
