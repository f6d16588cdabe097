/**
 * Commands about nodes: Connect to Agent…, Disconnect, Select Node…, Show Log.
 * (Attach to Node… lives with its helper in attach/attachToNode.ts, Load Agent
 * Again in attach/reloadAgent.ts.)
 */
import * as vscode from 'vscode';
import { AgentConnectError, AgentEndpoint } from '../agent/agentClient';
import { parseAgentUrl } from '../agent/agentUrl';
import { nodeChoices } from '../nodes/nodeChoices';
import type { NodeRegistry, NodeSource } from '../nodes/nodeRegistry';
import type { DiscoveryFile } from '../protocol/agentProtocol';
import { userMessage } from '../shared/errors';
import { Commands } from './commandIds';
import { CommandContext, reportFailure } from './context';

export function registerNodeCommands(ctx: CommandContext): vscode.Disposable[] {
  const { registry, log } = ctx;
  return [
    vscode.commands.registerCommand(Commands.connect, async () => {
      try {
        await connect(ctx);
      } catch (error) {
        reportFailure(log, 'cannot connect', error);
      }
    }),
    vscode.commands.registerCommand(Commands.disconnect, () => disconnect(registry)),
    vscode.commands.registerCommand(Commands.selectNode, (arg?: { node?: string }) => selectNode(registry, arg)),
    vscode.commands.registerCommand(Commands.showLog, () => log.show()),
  ];
}

/** A running agent from discovery, or a URL and token typed in. */
async function connect(ctx: CommandContext): Promise<void> {
  const agents = ctx.discovery.scan();
  type Pick = vscode.QuickPickItem & { discovery?: DiscoveryFile };
  const items: Pick[] = agents.map((a) => ({
    label: a.node,
    description: `OS pid ${a.osPid} · port ${a.port}`,
    detail: `${a.cwd ?? ''} · OTP ${a.otpRelease}${a.elixirVersion ? ` · Elixir ${a.elixirVersion}` : ''}`,
    discovery: a,
  }));
  items.push({ label: '$(link) Enter URL and token…', description: 'an agent started by hand or forwarded from elsewhere' });
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Agent to connect to' });
  if (!picked) return;
  if (picked.discovery) {
    await attachOrExplain(ctx.registry, { port: picked.discovery.port, token: picked.discovery.token }, 'manual', picked.discovery);
    return;
  }
  const endpoint = await askEndpoint();
  if (endpoint) await attachOrExplain(ctx.registry, endpoint, 'manual');
}

async function askEndpoint(): Promise<AgentEndpoint | undefined> {
  const url = await vscode.window.showInputBox({
    title: 'Agent URL',
    prompt: 'ws://127.0.0.1:PORT (from beam_observer_agent:start/0)',
    placeHolder: 'ws://127.0.0.1:4040',
    validateInput: (v) => (parseAgentUrl(v) ? undefined : 'expected ws://HOST:PORT'),
    ignoreFocusOut: true, // the URL and token are copied from a terminal: clicking there must not close the box
  });
  const endpoint = url ? parseAgentUrl(url) : undefined;
  if (!endpoint) return undefined;
  const token = await vscode.window.showInputBox({
    title: 'Agent token',
    password: true,
    prompt: 'The token start/0 returned',
    ignoreFocusOut: true,
  });
  return token ? { ...endpoint, token } : undefined;
}

async function attachOrExplain(
  registry: NodeRegistry,
  endpoint: AgentEndpoint,
  source: NodeSource,
  discovery?: DiscoveryFile,
): Promise<void> {
  const node = await registry.attach(endpoint, source, discovery);
  if (node.state !== 'connected') {
    const hint = node.lastError && /401/.test(node.lastError) ? ' Check the token.' : '';
    throw new AgentConnectError(`${node.lastError ?? 'not connected'}.${hint}`);
  }
  registry.select(node.id);
}

async function disconnect(registry: NodeRegistry): Promise<void> {
  const nodes = registry.all;
  if (nodes.length === 0) return;
  const target =
    nodes.length === 1
      ? nodes[0]
      : (
          await vscode.window.showQuickPick(
            nodes.map((n) => ({ label: n.name, description: n.state, node: n })),
            { placeHolder: 'Node to disconnect from' },
          )
        )?.node;
  if (target) registry.disconnect(target.id);
}

/**
 * Pick the node the views show: each connected agent's node, and under it
 * the other nodes of its cluster (observed through that agent). Accepts
 * `{ node: "b@host" }` to select a node without the picker.
 */
async function selectNode(registry: NodeRegistry, arg?: { node?: string }): Promise<void> {
  const choices = nodeChoices(registry.all);
  if (arg?.node) {
    const wanted = choices.find((c) => c.member === arg.node) ?? choices.find((c) => !c.member && c.name === arg.node);
    if (!wanted) throw new Error(userMessage(`no connected node knows ${arg.node}`));
    registry.select(wanted.agentId, wanted.member);
    return;
  }
  const target = registry.target;
  const items = choices.map((c) => {
    const current = target?.agent.id === c.agentId && target.member === c.member;
    const description = c.member
      ? `${c.state === 'gone' ? 'left the cluster' : c.state}${c.hidden ? ' · hidden' : ''} · via ${c.via}`
      : `${c.state}${c.osPid ? ` · OS pid ${c.osPid}` : ''}`;
    return { label: `${c.member ? '    ' : ''}${current ? '$(check) ' : ''}${c.name}`, description, choice: c };
  });
  const picked = await vscode.window.showQuickPick(items, {
    placeHolder: items.length ? 'Node to show' : 'No nodes: connect to an agent first',
    matchOnDescription: true,
  });
  if (picked) registry.select(picked.choice.agentId, picked.choice.member);
}
