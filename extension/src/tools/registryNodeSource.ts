/**
 * The nodes of the VS Code language-model tools: the extension's own
 * NodeRegistry, so the tools see exactly the nodes the views show, through
 * the same connections. Without a name, a tool asks the node shown.
 */
import type * as vscode from 'vscode';
import type { NodeRegistry, ObservedNode } from '../nodes/nodeRegistry';
import type { SampleHistory } from '../nodes/sampleHistory';
import type { LoadSample } from '../protocol/agentProtocol';
import { AttachedNode, attachedSentence, NodeSource, ToolNode, ToolError, unknownNodeError } from './nodeSource';

export class RegistryNodeSource implements NodeSource {
  constructor(private readonly registry: NodeRegistry) {}

  private liveMembers(node: ObservedNode): string[] {
    return [...node.members.values()].filter((m) => m.state !== 'gone' && !m.hidden).map((m) => m.name);
  }

  async attached(): Promise<AttachedNode[]> {
    return this.registry.connected.map((node) => ({ name: node.name, members: this.liveMembers(node) }));
  }

  async node(name: string | undefined): Promise<ToolNode> {
    if (name === undefined) {
      const shown = this.registry.shown;
      if (!shown) throw new ToolError(`no node is shown in VS Code now. ${attachedSentence(await this.attached())}`);
      return { name: shown.name, agentName: shown.agentName, member: shown.member, client: shown.client, info: shown.target.info };
    }
    for (const node of this.registry.connected) {
      if (!node.client) continue;
      if (node.name === name) return { name, agentName: node.name, member: undefined, client: node.client, info: node.info };
      const member = node.members.get(name);
      if (member && member.state !== 'gone') return { name, agentName: node.name, member: name, client: node.client, info: member.info };
    }
    throw unknownNodeError(name, await this.attached());
  }

  private history(node: ToolNode): SampleHistory | undefined {
    const agent = this.registry.connected.find((n) => n.name === node.agentName);
    return node.member === undefined ? agent?.history : agent?.members.get(node.member)?.history;
  }

  /**
   * The registry keeps the samples of every attached node, and of a member while
   * it is shown or the cluster overview is open: a member not sampled now is
   * watched (as the overview would) until enough samples arrive.
   */
  async samples(node: ToolNode, count: number, waitMs: number): Promise<LoadSample[]> {
    let watching: vscode.Disposable | undefined;
    if (node.member !== undefined && (this.history(node)?.size ?? 0) < count) watching = this.registry.watchCluster();
    try {
      const deadline = Date.now() + waitMs;
      while ((this.history(node)?.size ?? 0) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return this.history(node)?.latest(10) ?? [];
    } finally {
      watching?.dispose();
    }
  }
}
