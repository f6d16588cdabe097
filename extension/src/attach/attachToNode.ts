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
import type { NodeRegistry } from '../nodes/nodeRegistry';
import {
  AttachReply, AttachSuccess, AttachTarget, RunningHelper, attachThroughDistribution, relayThroughDistribution,
} from './distributionHelper';
import { epmdNames } from './epmd';
import { NodeReturnWatcher, type ReturnWatch } from './nodeReturn';

export const ATTACH_COMMAND = 'beamObserver.attachToNode';

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

/** Does a host name or address mean this machine? */
export function isThisMachine(host: string): boolean {
  const own = os.hostname().toLowerCase();
  return ['localhost', '127.0.0.1', '::1', own, own.split('.')[0]].includes(host.toLowerCase());
}

function hostOf(target: AttachTarget): string {
  return 'node' in target ? target.node.slice(target.node.indexOf('@') + 1) : target.host ?? 'localhost';
}

export function registerAttachToNode(
  context: vscode.ExtensionContext,
  registry: NodeRegistry,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  /** Relay helpers by the registry id of the node they serve; closed when it goes. */
  const relays = new Map<string, RunningHelper>();
  /** How each node attached here was reached, by registry id: to attach it again when it comes back. */
  const reached = new Map<string, ReturnWatch>();
  const cookies = new Map<string, string>(); // the cookie that worked, by node: in memory only, for the return watch
  const returns = new NodeReturnWatcher({
    names: async (host, port) => (await epmdNames(host, port ? { port } : {})).map((n) => n.name),
    attach: async (watch) => {
      const cookie = cookies.get(watch.node);
      if (!cookie) return 'refused';
      const result = await run({ node: watch.node, cookie, epmdPort: watch.epmdPort }, true);
      if (result === 'refused') {
        void vscode.window.showWarningMessage(`BEAM Observer: ${watch.node} is back but refused the cookie that worked ` +
          'before. Run Attach to Node to give its new one.');
        return 'refused';
      }
      return result?.nodeId !== undefined && registry.get(result.nodeId)?.state === 'connected' ? 'attached' : 'failed';
    },
    log: (message) => log.info(message),
  });
  const closeRelays = registry.onDidChangeNodes(() => {
    for (const [id, relay] of relays) {
      const node = registry.get(id);
      if (!node || node.state === 'disconnected') {
        relays.delete(id);
        relay.close();
      }
    }
    // A VM attached over distribution died: watch for the node's return. One disconnected on
    // purpose leaves the registry, its VM alive: nothing to watch. (A relay's registry node has
    // no OS pid: its return is watched when its target leaves, below.)
    for (const [id, how] of reached) {
      const node = registry.get(id);
      if (node && node.state !== 'disconnected') continue;
      reached.delete(id);
      if (node && registry.vmGone(node)) returns.watch(how);
    }
  });
  // A relay exists for its target only: when the target leaves, the relay ends, and its return is watched.
  const endRelays = registry.onDidChangeCluster((node) => {
    if (!relays.has(node.id) || !node.clusterRoot) return;
    if (node.members.get(node.clusterRoot)?.state !== 'gone') return;
    log.info(`${node.clusterRoot} left: ending the relay ${node.name}`);
    void vscode.window.showWarningMessage(`BEAM Observer: ${node.clusterRoot} left; its relay has ended. ` +
      'It is attached again when it comes back (its host\'s epmd is watched for 10 minutes).');
    const how = reached.get(node.id);
    reached.delete(node.id);
    registry.disconnect(node.id);
    if (how) returns.watch(how);
  });
  const ebin = () => installAgent(context.extensionPath, context.globalStorageUri.fsPath,
    String(context.extension.packageJSON.version)).ebin;

  const askCookie = async (label: string, retry: string | undefined): Promise<{ cookie: string; source: CookieSource } | undefined> => {
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
  };

  const attachWithProgress = (target: AttachTarget, label: string, cookie: string, epmdPort: number | undefined) =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BEAM Observer: attaching to ${label}…` },
      async () => {
        // A node elsewhere is reached through a relay at once: its own agent's port is out of reach.
        if (isThisMachine(hostOf(target))) return { reply: await attachThroughDistribution(target, cookie, { ebin: ebin(), epmdPort }) };
        return relayThroughDistribution(target, cookie, { ebin: ebin(), epmdPort });
      });

  /**
   * `quiet`: a return watch attaching again; it asks nothing, reports only success,
   * and says 'refused' when the node refused the cookie.
   */
  const run = async (args: AttachArgs | undefined, quiet = false): Promise<AttachResult | 'refused' | undefined> => {
    const target = args?.node || args?.name ? targetOf(args) : await pickTarget(args?.epmdPort);
    if (!target) return undefined;
    if (!quiet && 'node' in target) returns.cancel(target.node); // the user attaches by hand
    const key = targetKey(target);
    const label = 'node' in target ? target.node : `${target.name} on ${target.host ?? 'localhost'}`;

    let credentials: { cookie: string; source: CookieSource } | undefined;
    if (args?.cookie) credentials = { cookie: args.cookie, source: 'args' };
    else {
      const stored = await context.secrets.get(cookieKey(key));
      credentials = stored ? { cookie: stored, source: 'stored' } : await askCookie(label, undefined);
    }
    if (!credentials) return undefined;

    let attempt: { reply: AttachReply; relay?: RunningHelper } =
      await attachWithProgress(target, label, credentials.cookie, args?.epmdPort);
    let reply = attempt.reply;
    if (!reply.ok && reply.error === 'cookie' && credentials.source !== 'args' && !quiet) {
      // A remembered cookie that stopped working is forgotten; the user gets one more try.
      if (credentials.source === 'stored') await context.secrets.delete(cookieKey(key));
      log.warn(reply.message);
      credentials = await askCookie(label, 'The node refused this cookie.');
      if (!credentials) return undefined;
      attempt = await attachWithProgress(target, label, credentials.cookie, args?.epmdPort);
      reply = attempt.reply;
    }
    if (!reply.ok) {
      log.error(`attach to ${label} failed (${reply.error}): ${reply.message}`);
      if (quiet) return reply.error === 'cookie' ? 'refused' : undefined;
      void vscode.window.showErrorMessage(`BEAM Observer: ${reply.message}`);
      return undefined;
    }
    returns.cancel(reply.node);
    cookies.set(reply.node, credentials.cookie);
    log.info(`attached to ${reply.node} over distribution (${reply.mode}, OTP ${reply.otpRelease}, ` +
      `${reply.reused ? 'agent already running' : `${reply.pushed} modules loaded`}, agent port ${reply.port})`);
    if (credentials.source === 'typed' || credentials.source === 'stored') {
      await context.secrets.store(cookieKey(key), credentials.cookie);
      if (reply.node !== key) await context.secrets.store(cookieKey(reply.node), credentials.cookie);
    }
    const remember = (nodeId: string | undefined) => {
      if (nodeId !== undefined) reached.set(nodeId, { node: reply.node, epmdPort: args?.epmdPort });
      return nodeId;
    };
    if (attempt.relay) return { nodeId: remember(await connectRelay(reply, attempt.relay)), reply };
    const nodeId = remember(await connect(reply));
    if (nodeId !== undefined) return { nodeId, reply };
    // Its agent listens where this machine cannot reach (a container publishing only the
    // distribution ports): relay to it instead.
    log.info(`relaying to ${reply.node}: its agent's port is not reachable from here`);
    const relayed = await relayThroughDistribution({ node: reply.node }, credentials.cookie, { ebin: ebin(), epmdPort: args?.epmdPort });
    if (!relayed.reply.ok || !relayed.relay) {
      void vscode.window.showErrorMessage(`BEAM Observer: ${relayed.reply.ok ? 'the relay did not start' : relayed.reply.message}`);
      return undefined;
    }
    return { nodeId: remember(await connectRelay(relayed.reply, relayed.relay)), reply: relayed.reply };
  };

  /** Through a relay: the registry connects to the helper's agent and shows the target. */
  const connectRelay = async (reply: AttachSuccess, relay: RunningHelper): Promise<string | undefined> => {
    const node = await registry.attach({ host: '127.0.0.1', port: reply.port, token: reply.token }, 'distribution');
    if (node.state !== 'connected') {
      relay.close();
      void vscode.window.showErrorMessage(`BEAM Observer: the relay to ${reply.node} started but connecting to it failed: ${node.lastError ?? 'not connected'}`);
      return undefined;
    }
    relays.set(node.id, relay);
    registry.setClusterRoot(node.id, reply.node);
    relay.onExit(() => relays.delete(node.id));
    registry.select(node.id, reply.node);
    log.info(`relaying to ${reply.node} through ${node.name} (helper OS pid ${relay.osPid})`);
    void vscode.window.showInformationMessage(`BEAM Observer: attached to ${reply.node} through a relay on this machine.`);
    return node.id;
  };

  /** Hand the endpoint to the registry, if this machine can reach it. */
  const connect = async (reply: AttachSuccess): Promise<string | undefined> => {
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
      const why = error instanceof Error ? error.message : String(error);
      log.warn(`the agent of ${reply.node} (port ${reply.port}) is not reachable from here: ${why}`);
      return undefined;
    }
    const node = await registry.attach(endpoint, 'distribution', reply.discovery ?? undefined);
    if (node.state !== 'connected') {
      void vscode.window.showErrorMessage(`BEAM Observer: the agent started in ${reply.node} but connecting to it failed: ${node.lastError ?? 'not connected'}`);
      return node.id;
    }
    registry.select(node.id);
    void vscode.window.showInformationMessage(`BEAM Observer: attached to ${reply.node}` +
      (reply.reused ? ' (its agent was already running).' : '.'));
    return node.id;
  };

  const command = vscode.commands.registerCommand(ATTACH_COMMAND, async (args?: AttachArgs) => {
    try {
      return await run(args && typeof args === 'object' ? args : undefined);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`attach to node: ${message}`);
      void vscode.window.showErrorMessage(`BEAM Observer: cannot attach: ${message}`);
      return undefined;
    }
  });
  return vscode.Disposable.from(command, closeRelays, endRelays, returns, { dispose: () => relays.forEach((relay) => relay.close()) });
}

function targetOf(args: AttachArgs): AttachTarget {
  if (args.node) return { node: args.node };
  return { name: args.name!, host: args.host || 'localhost' };
}

/** Host, then one of the names its epmd lists (or a full name typed in). */
async function pickTarget(epmdPort: number | undefined): Promise<AttachTarget | undefined> {
  const other = '$(edit) Other host…';
  const host = await vscode.window.showQuickPick(
    [{ label: 'localhost', description: 'this machine' }, { label: other, description: 'a host whose epmd (port 4369) is reachable' }],
    // Steps of one flow (host, node, cookie): a click elsewhere does not throw the user out of it.
    { title: 'Attach to Node: host', placeHolder: 'Where the node runs', ignoreFocusOut: true });
  if (!host) return undefined;
  const hostName = host.label === other
    ? (await vscode.window.showInputBox({
      title: 'Attach to Node: host', prompt: 'Host name or address of the machine the node runs on',
      validateInput: (v) => (/^[^\s@]+$/.test(v.trim()) ? undefined : 'a host name, without spaces or @'),
      ignoreFocusOut: true,
    }))?.trim()
    : 'localhost';
  if (!hostName) return undefined;

  const names = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `BEAM Observer: asking epmd on ${hostName}` },
    () => epmdNames(hostName, epmdPort ? { port: epmdPort } : {}));
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
    title: 'Attach to Node: node name', prompt: 'The node\'s full name, as node() prints it', placeHolder: `app@${hostName}`,
    validateInput: (v) => (/^[^\s@]+@[^\s@]+$/.test(v.trim()) ? undefined : 'expected name@host'),
    ignoreFocusOut: true,
  });
  return full ? { node: full.trim() } : undefined;
}
