/**
 * "BEAM Observer: Attach to Node…": load the agent into a running named
 * node (started with -sname/-name, or a release) over Erlang distribution,
 * without restarting it or installing anything in it.
 *
 * host -> node name (from epmd) -> cookie -> helper node (distributionHelper)
 * -> the agent's endpoint -> the node registry.
 *
 * Cookies are secrets: they live in SecretStorage, keyed by node, and only
 * once they have worked; never in settings. An empty cookie means the one
 * in ~/.erlang.cookie, which is not copied anywhere.
 *
 * A node attached this way that goes away (its VM dies, or a relay's target
 * leaves) is attached again when it comes back (nodeReturn.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AgentClient } from '../agent/agentClient';
import { installAgent } from '../agent/agentInstall';
import { Commands } from '../commands/commandIds';
import type { NodeRegistry, ObservedNode } from '../nodes/nodeRegistry';
import { errorMessage, userMessage } from '../shared/errors';
import type { AttachReply, AttachSuccess, AttachTarget } from '../protocol/attachHelperProtocol';
import { RunningHelper, attachThroughDistribution, relayThroughDistribution } from './distributionHelper';
import { epmdNames } from './epmd';
import { NodeReturnWatcher, type ReturnWatch } from './nodeReturn';

/** Arguments for callers that know the target (tests, other commands): no pickers then. */
export interface AttachArgs {
  node?: string;
  name?: string;
  host?: string;
  cookie?: string;
  /** A non-default epmd port. */
  epmdPort?: number;
}

/** What the command resolves with: the registry's node id and the helper's answer, or undefined. */
export interface AttachResult {
  nodeId: string | undefined;
  reply: AttachSuccess;
}

export function cookieKey(key: string): string {
  return `beamObserver.cookie/${key}`;
}

/** The key a target's cookie is remembered under, before its real name is known. */
export function targetKey(target: AttachTarget): string {
  return 'node' in target ? target.node : `${target.name}@${target.host ?? 'localhost'}`;
}

/** The cookie every Erlang tool uses when none is given, if the file exists. */
export function readDefaultCookie(home = os.homedir()): string | undefined {
  try {
    const text = fs.readFileSync(path.join(home, '.erlang.cookie'), 'utf8').trim();
    return text || undefined;
  } catch {
    return undefined;
  }
}

type CookieSource = 'args' | 'stored' | 'typed' | 'file';

interface Credentials {
  cookie: string;
  source: CookieSource;
}

/** Does a host name or address mean this machine? */
export function isThisMachine(host: string): boolean {
  const own = os.hostname().toLowerCase();
  return ['localhost', '127.0.0.1', '::1', own, own.split('.')[0]].includes(host.toLowerCase());
}

function hostOf(target: AttachTarget): string {
  return 'node' in target ? target.node.slice(target.node.indexOf('@') + 1) : (target.host ?? 'localhost');
}

export function registerAttachToNode(
  context: vscode.ExtensionContext,
  registry: NodeRegistry,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const attacher = new NodeAttacher(context, registry, log);
  const command = vscode.commands.registerCommand(Commands.attachToNode, async (args?: AttachArgs) => {
    try {
      return await attacher.run(args && typeof args === 'object' ? args : undefined);
    } catch (error) {
      const message = errorMessage(error);
      log.error(`attach to node: ${message}`);
      void vscode.window.showErrorMessage(userMessage(`cannot attach: ${message}`));
      return undefined;
    }
  });
  return vscode.Disposable.from(command, attacher);
}

/**
 * Attach to Node's flow and what it keeps: the relays it started, how each node
 * was reached (to attach it again when it comes back) and the cookies that
 * worked (in memory only, for that).
 */
class NodeAttacher implements vscode.Disposable {
  /** Relay helpers by the registry id of the node they serve; closed when it goes. */
  private readonly relays = new Map<string, RunningHelper>();
  /** How each node attached here was reached, by registry id: to attach it again when it comes back. */
  private readonly reached = new Map<string, ReturnWatch>();
  /** The cookie that worked, by node: in memory only, for the return watch. */
  private readonly cookies = new Map<string, string>();
  private readonly returns: NodeReturnWatcher;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly registry: NodeRegistry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.returns = new NodeReturnWatcher({
      names: async (host, port) => (await epmdNames(host, port ? { port } : {})).map((n) => n.name),
      attach: (watch) => this.attachAgain(watch),
      log: (message) => log.info(message),
    });
    this.disposables = [
      registry.onDidChangeNodes(() => this.nodesChanged()),
      registry.onDidChangeCluster((node) => this.clusterChanged(node)),
      this.returns,
    ];
  }

  /** A node that came back: attach it with the cookie that worked, without asking anything. */
  private async attachAgain(watch: ReturnWatch): Promise<'attached' | 'failed' | 'refused'> {
    const cookie = this.cookies.get(watch.node);
    if (!cookie) return 'refused';
    const result = await this.run({ node: watch.node, cookie, epmdPort: watch.epmdPort }, true);
    if (result === 'refused') {
      void vscode.window.showWarningMessage(
        userMessage(`${watch.node} is back but refused the cookie that worked ` + 'before. Run Attach to Node to give its new one.'),
      );
      return 'refused';
    }
    return result?.nodeId !== undefined && this.registry.get(result.nodeId)?.state === 'connected' ? 'attached' : 'failed';
  }

  private nodesChanged(): void {
    for (const [id, relay] of this.relays) {
      const node = this.registry.get(id);
      if (!node || node.state === 'disconnected') {
        this.relays.delete(id);
        relay.close();
      }
    }
    // A VM attached over distribution died: watch for the node's return. One disconnected on
    // purpose leaves the registry, its VM alive: nothing to watch. (A relay's registry node has
    // no OS pid: its return is watched when its target leaves, below.)
    for (const [id, how] of this.reached) {
      const node = this.registry.get(id);
      if (node && node.state !== 'disconnected') continue;
      this.reached.delete(id);
      if (node && this.registry.vmGone(node)) this.returns.watch(how);
    }
  }

  /** A relay exists for its target only: when the target leaves, the relay ends, and its return is watched. */
  private clusterChanged(node: ObservedNode): void {
    if (!this.relays.has(node.id) || !node.clusterRoot) return;
    if (node.members.get(node.clusterRoot)?.state !== 'gone') return;
    this.log.info(`${node.clusterRoot} left: ending the relay ${node.name}`);
    void vscode.window.showWarningMessage(
      userMessage(
        `${node.clusterRoot} left; its relay has ended. ` +
          "It is attached again when it comes back (its host's epmd is watched for 10 minutes).",
      ),
    );
    const how = this.reached.get(node.id);
    this.reached.delete(node.id);
    this.registry.disconnect(node.id);
    if (how) this.returns.watch(how);
  }

  private ebin(): string {
    return installAgent(
      this.context.extensionPath,
      this.context.globalStorageUri.fsPath,
      String(this.context.extension.packageJSON.version),
    ).ebin;
  }

  private async askCookie(label: string, retry: string | undefined): Promise<Credentials | undefined> {
    const typed = await vscode.window.showInputBox({
      title: `Cookie of ${label}`,
      prompt: `${retry ? `${retry} ` : ''}Leave empty to use ~/.erlang.cookie.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (typed === undefined) return undefined;
    if (typed.trim()) return { cookie: typed.trim(), source: 'typed' };
    const fromFile = readDefaultCookie();
    if (!fromFile) throw new Error(`no cookie given and ${path.join(os.homedir(), '.erlang.cookie')} does not exist`);
    return { cookie: fromFile, source: 'file' };
  }

  private attachWithProgress(target: AttachTarget, label: string, cookie: string, epmdPort: number | undefined) {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: userMessage(`attaching to ${label}…`) },
      async (): Promise<{ reply: AttachReply; relay?: RunningHelper }> => {
        // A node elsewhere is reached through a relay at once: its own agent's port is out of reach.
        if (isThisMachine(hostOf(target))) {
          return { reply: await attachThroughDistribution(target, cookie, { ebin: this.ebin(), epmdPort }) };
        }
        return relayThroughDistribution(target, cookie, { ebin: this.ebin(), epmdPort });
      },
    );
  }

  /** The cookie to try: given, remembered, or asked for. */
  private async credentials(args: AttachArgs | undefined, key: string, label: string): Promise<Credentials | undefined> {
    if (args?.cookie) return { cookie: args.cookie, source: 'args' };
    const stored = await this.context.secrets.get(cookieKey(key));
    return stored ? { cookie: stored, source: 'stored' } : this.askCookie(label, undefined);
  }

  /**
   * `quiet`: a return watch attaching again; it asks nothing, reports only success,
   * and says 'refused' when the node refused the cookie.
   */
  async run(args: AttachArgs | undefined, quiet = false): Promise<AttachResult | 'refused' | undefined> {
    const target = args?.node || args?.name ? targetOf(args) : await pickTarget(args?.epmdPort);
    if (!target) return undefined;
    if (!quiet && 'node' in target) this.returns.cancel(target.node); // the user attaches by hand
    const key = targetKey(target);
    const label = 'node' in target ? target.node : `${target.name} on ${target.host ?? 'localhost'}`;
    let credentials = await this.credentials(args, key, label);
    if (!credentials) return undefined;

    let attempt = await this.attachWithProgress(target, label, credentials.cookie, args?.epmdPort);
    if (!attempt.reply.ok && attempt.reply.error === 'cookie' && credentials.source !== 'args' && !quiet) {
      // A remembered cookie that stopped working is forgotten; the user gets one more try.
      if (credentials.source === 'stored') await this.context.secrets.delete(cookieKey(key));
      this.log.warn(attempt.reply.message);
      credentials = await this.askCookie(label, 'The node refused this cookie.');
      if (!credentials) return undefined;
      attempt = await this.attachWithProgress(target, label, credentials.cookie, args?.epmdPort);
    }
    const reply = attempt.reply;
    if (!reply.ok) {
      this.log.error(`attach to ${label} failed (${reply.error}): ${reply.message}`);
      if (quiet) return reply.error === 'cookie' ? 'refused' : undefined;
      void vscode.window.showErrorMessage(userMessage(reply.message));
      return undefined;
    }
    await this.attached(reply, credentials, key);
    return this.connectTo(reply, attempt.relay, credentials.cookie, args?.epmdPort);
  }

  /** The helper attached: remember the cookie, and say how. */
  private async attached(reply: AttachSuccess, credentials: Credentials, key: string): Promise<void> {
    this.returns.cancel(reply.node);
    this.cookies.set(reply.node, credentials.cookie);
    this.log.info(
      `attached to ${reply.node} over distribution (${reply.mode}, OTP ${reply.otpRelease}, ` +
        `${reply.reused ? 'agent already running' : `${reply.pushed} modules loaded`}, agent port ${reply.port})`,
    );
    if (credentials.source === 'typed' || credentials.source === 'stored') {
      await this.context.secrets.store(cookieKey(key), credentials.cookie);
      if (reply.node !== key) await this.context.secrets.store(cookieKey(reply.node), credentials.cookie);
    }
  }

  /** Connect to the node's agent, directly or through a relay (started now if its port is out of reach). */
  private async connectTo(
    reply: AttachSuccess,
    relay: RunningHelper | undefined,
    cookie: string,
    epmdPort: number | undefined,
  ): Promise<AttachResult | undefined> {
    const remember = (nodeId: string | undefined) => {
      if (nodeId !== undefined) this.reached.set(nodeId, { node: reply.node, epmdPort });
      return nodeId;
    };
    if (relay) return { nodeId: remember(await this.connectRelay(reply, relay)), reply };
    const nodeId = remember(await this.connect(reply));
    if (nodeId !== undefined) return { nodeId, reply };
    // Its agent listens where this machine cannot reach (a container publishing only the
    // distribution ports): relay to it instead.
    this.log.info(`relaying to ${reply.node}: its agent's port is not reachable from here`);
    const relayed = await relayThroughDistribution({ node: reply.node }, cookie, { ebin: this.ebin(), epmdPort });
    if (!relayed.reply.ok || !relayed.relay) {
      void vscode.window.showErrorMessage(userMessage(relayed.reply.ok ? 'the relay did not start' : relayed.reply.message));
      return undefined;
    }
    return { nodeId: remember(await this.connectRelay(relayed.reply, relayed.relay)), reply: relayed.reply };
  }

  /** Through a relay: the registry connects to the helper's agent and shows the target. */
  private async connectRelay(reply: AttachSuccess, relay: RunningHelper): Promise<string | undefined> {
    const node = await this.registry.attach({ host: '127.0.0.1', port: reply.port, token: reply.token }, 'distribution');
    if (node.state !== 'connected') {
      relay.close();
      void vscode.window.showErrorMessage(
        userMessage(`the relay to ${reply.node} started but connecting to it failed: ${node.lastError ?? 'not connected'}`),
      );
      return undefined;
    }
    this.relays.set(node.id, relay);
    this.registry.setClusterRoot(node.id, reply.node);
    relay.onExit(() => this.relays.delete(node.id));
    this.registry.select(node.id, reply.node);
    this.log.info(`relaying to ${reply.node} through ${node.name} (helper OS pid ${relay.osPid})`);
    void vscode.window.showInformationMessage(userMessage(`attached to ${reply.node} through a relay on this machine.`));
    return node.id;
  }

  /** Hand the endpoint to the registry, if this machine can reach it. */
  private async connect(reply: AttachSuccess): Promise<string | undefined> {
    const endpoint = { host: '127.0.0.1', port: reply.port, token: reply.token };
    // The agent listens on the loopback of the node's machine. A node on
    // another host or in a container answered over distribution, but its
    // agent is out of reach: say so rather than let the registry retry.
    try {
      const probe = await AgentClient.connect(endpoint, 3000);
      const same = probe.info.node === reply.node;
      probe.dispose();
      if (!same) throw new Error(`another agent (${probe.info.node}) answers on 127.0.0.1:${reply.port}`);
    } catch (error) {
      this.log.warn(`the agent of ${reply.node} (port ${reply.port}) is not reachable from here: ${errorMessage(error)}`);
      return undefined;
    }
    const node = await this.registry.attach(endpoint, 'distribution', reply.discovery ?? undefined);
    if (node.state !== 'connected') {
      void vscode.window.showErrorMessage(
        userMessage(`the agent started in ${reply.node} but connecting to it failed: ${node.lastError ?? 'not connected'}`),
      );
      return node.id;
    }
    this.registry.select(node.id);
    void vscode.window.showInformationMessage(
      userMessage(`attached to ${reply.node}` + (reply.reused ? ' (its agent was already running).' : '.')),
    );
    return node.id;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.relays.forEach((relay) => relay.close());
  }
}

function targetOf(args: AttachArgs): AttachTarget {
  if (args.node) return { node: args.node };
  return { name: args.name!, host: args.host || 'localhost' };
}

/** Host, then one of the names its epmd lists (or a full name typed in). */
async function pickTarget(epmdPort: number | undefined): Promise<AttachTarget | undefined> {
  const other = '$(edit) Other host…';
  const host = await vscode.window.showQuickPick(
    [
      { label: 'localhost', description: 'this machine' },
      { label: other, description: 'a host whose epmd (port 4369) is reachable' },
    ],
    // Steps of one flow (host, node, cookie): a click elsewhere does not throw the user out of it.
    { title: 'Attach to Node: host', placeHolder: 'Where the node runs', ignoreFocusOut: true },
  );
  if (!host) return undefined;
  const hostName =
    host.label === other
      ? (
          await vscode.window.showInputBox({
            title: 'Attach to Node: host',
            prompt: 'Host name or address of the machine the node runs on',
            validateInput: (v) => (/^[^\s@]+$/.test(v.trim()) ? undefined : 'a host name, without spaces or @'),
            ignoreFocusOut: true,
          })
        )?.trim()
      : 'localhost';
  if (!hostName) return undefined;

  const names = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: userMessage(`asking epmd on ${hostName}`) },
    () => epmdNames(hostName, epmdPort ? { port: epmdPort } : {}),
  );
  const typeFull = '$(edit) Type a full node name…';
  type Pick = vscode.QuickPickItem & { name?: string };
  const items: Pick[] = names.map((n) => ({ label: n.name, description: `distribution port ${n.port}`, name: n.name }));
  items.push({ label: typeFull, description: 'name@host' });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Attach to Node: nodes on ${hostName}`,
    placeHolder: names.length ? 'Node to load the agent into' : `epmd on ${hostName} lists no node: start one with -sname or -name`,
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  if (picked.name) return { name: picked.name, host: hostName };
  const full = await vscode.window.showInputBox({
    title: 'Attach to Node: node name',
    prompt: "The node's full name, as node() prints it",
    placeHolder: `app@${hostName}`,
    validateInput: (v) => (/^[^\s@]+@[^\s@]+$/.test(v.trim()) ? undefined : 'expected name@host'),
    ignoreFocusOut: true,
  });
  return full ? { node: full.trim() } : undefined;
}
