/**
 * Rewind (issue 14): the process tree and the charts as of a recorded moment
 * or over a range, from the shown node's recorder (history/get) or from a
 * recording file opened with no node attached; Back to Live returns to the
 * present. Save Recording… writes the shown node's history to a file.
 *
 * It decides what is shown; the tree renders it (asOfTree.ts, processTree.ts)
 * and the charts mark it (loadCharts.ts listens to onDidChange).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NodeRegistry } from '../nodes/nodeRegistry';
import type { RecordedMoment } from '../protocol/agentProtocol';
import { MAX_RECORDING_BYTES, type RecordingFile } from '../protocol/recordingFormat';
import { errorMessage, userMessage } from '../shared/errors';
import { parseRecording, recordingFile, recordingText } from '../shared/recordingFile';
import { type AsOf, momentAt, momentsIn } from '../shared/rewind';
import { asOfBanner, type AsOfView } from './asOfTree';
import type { ProcessTreeProvider, TreeNode } from './processTree';

/** How far around an instant the node is asked for moments: beyond any planned interval but the longest. */
const AROUND_MS = 60_000;

export interface OpenRecording {
  /** The file's name, for titles. */
  name: string;
  recording: RecordingFile;
}

export class Rewind implements vscode.Disposable {
  private view: AsOfView | undefined;
  private opened: OpenRecording | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** What is shown changed: an instant, a range, a recording opened or closed, or back to live. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly registry: NodeRegistry,
    private readonly tree: ProcessTreeProvider,
    private readonly treeView: vscode.TreeView<TreeNode>,
    private readonly extensionVersion: string,
  ) {
    this.disposables = [
      this.changeEmitter,
      // Another node shown: the past of the previous one no longer applies.
      registry.onDidChangeSelection(() => {
        if (this.view && !this.opened) this.backToLive();
      }),
    ];
  }

  /** The instant or range shown, if not the present. */
  get asOf(): AsOf | undefined {
    return this.view?.asOf;
  }

  /** The recording opened from a file, if one is. */
  get recording(): OpenRecording | undefined {
    return this.opened;
  }

  /** Show the moment covering `at` (a click on a chart). */
  async showTime(at: number): Promise<void> {
    await this.show({ kind: 'moment', at });
  }

  /** Show the processes that ranked highest from `from` to `to` (a drag on a chart). */
  async showRange(from: number, to: number): Promise<void> {
    await this.show(from < to ? { kind: 'range', from, to } : { kind: 'moment', at: to });
  }

  private async show(asOf: AsOf): Promise<void> {
    try {
      const found = this.opened ? this.fromRecording(this.opened.recording, asOf) : await this.fromNode(asOf);
      if (!found) return;
      this.apply({ asOf, ...found, recording: this.opened?.name });
    } catch (error) {
      void vscode.window.showErrorMessage(userMessage(`cannot show that moment: ${errorMessage(error)}`));
    }
  }

  private fromRecording(recording: RecordingFile, asOf: AsOf): { moments: RecordedMoment[]; node: string } {
    return { moments: pick(recording.history.moments, asOf), node: recording.node.node };
  }

  private async fromNode(asOf: AsOf): Promise<{ moments: RecordedMoment[]; node: string } | undefined> {
    const shown = this.registry.shown;
    if (!shown) {
      void vscode.window.showInformationMessage(userMessage('no node is connected: open a recording to go back in time.'));
      return undefined;
    }
    if (!shown.records) {
      void vscode.window.showWarningMessage(userMessage(`the agent in ${shown.name} keeps no history (it is older than this extension).`));
      return undefined;
    }
    const [since, until] = asOf.kind === 'moment' ? [asOf.at - AROUND_MS, asOf.at + AROUND_MS] : [asOf.from, asOf.to + AROUND_MS];
    const history = await shown.history({ since: Math.max(0, Math.floor(since)), until: Math.ceil(until) });
    return { moments: pick(history.moments, asOf), node: shown.name };
  }

  private apply(view: AsOfView | undefined): void {
    this.view = view;
    this.tree.showAsOf(view);
    this.treeView.message = view ? asOfBanner(view) : undefined;
    void vscode.commands.executeCommand('setContext', 'beamObserver.asOf', view !== undefined);
    void vscode.commands.executeCommand('setContext', 'beamObserver.recordingOpen', this.opened !== undefined);
    this.changeEmitter.fire();
  }

  /** The present again (a recording opened is closed). */
  backToLive(): void {
    this.opened = undefined;
    this.apply(undefined);
  }

  /** Write the shown node's history, its info and what the tree shows to a file. */
  async save(): Promise<void> {
    const shown = this.registry.shown;
    const info = this.registry.target?.info;
    if (!shown || !info) {
      void vscode.window.showInformationMessage(userMessage('no node is connected: there is no history to save.'));
      return;
    }
    if (!shown.records) {
      void vscode.window.showWarningMessage(userMessage(`the agent in ${shown.name} keeps no history (it is older than this extension).`));
      return;
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const fileName = `beam-recording-${shown.name.replace(/[^\w.@-]+/g, '_')}-${stamp}.json`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: { 'BEAM Observer recording': ['json'] },
      saveLabel: 'Save Recording',
      title: `Save the recording of ${shown.name}`,
    });
    if (!target) return;
    try {
      const history = await shown.history();
      const recording = recordingFile(info, history, this.extensionVersion, this.view && !this.opened ? this.view.asOf : null);
      await vscode.workspace.fs.writeFile(target, Buffer.from(recordingText(recording), 'utf8'));
      void vscode.window.showInformationMessage(
        userMessage(
          `the recording of ${shown.name} (${history.moments.length} moments) is saved to ${vscode.workspace.asRelativePath(target)}.`,
        ),
      );
    } catch (error) {
      void vscode.window.showErrorMessage(userMessage(`saving the recording failed: ${errorMessage(error)}`));
    }
  }

  /** Read a recording file and show it: the charts its load, the tree the moment it was saved at (or its newest). */
  async open(uri?: vscode.Uri): Promise<void> {
    const file =
      uri ??
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'BEAM Observer recording': ['json'] },
          openLabel: 'Open Recording',
          title: 'Open a BEAM Observer recording',
        })
      )?.[0];
    if (!file) return;
    const name = path.basename(file.path);
    try {
      const stat = await vscode.workspace.fs.stat(file);
      if (stat.size > MAX_RECORDING_BYTES) {
        throw new Error(
          `the file is ${(stat.size / 1048576).toFixed(0)} MB, over the ${MAX_RECORDING_BYTES / 1048576} MB a recording can be`,
        );
      }
      const recording = parseRecording(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8'));
      const moments = recording.history.moments;
      if (moments.length === 0) throw new Error('the recording holds no moment');
      this.opened = { name, recording };
      const asOf = recording.shown ?? { kind: 'moment', at: moments[moments.length - 1].timestamp };
      this.apply({ asOf, moments: pick(moments, asOf), node: recording.node.node, recording: name });
    } catch (error) {
      void vscode.window.showErrorMessage(userMessage(`cannot open ${name} as a recording: ${errorMessage(error)}`));
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The moments an instant or a range shows. */
function pick(moments: readonly RecordedMoment[], asOf: AsOf): RecordedMoment[] {
  if (asOf.kind === 'range') return momentsIn(moments, asOf.from, asOf.to);
  const moment = momentAt(moments, asOf.at);
  return moment ? [moment] : [];
}
