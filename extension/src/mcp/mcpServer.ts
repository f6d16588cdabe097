/**
 * The MCP server: the tool catalog (tools/catalog.ts) served over the Model
 * Context Protocol with the official SDK's low-level Server, so each tool's
 * JSON Schema goes out exactly as declared. A tool that fails answers with
 * `isError` and a text that says why (a bad pid, a node not attached, a node
 * that stopped); the server keeps serving.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { errorMessage } from '../shared/errors';
import { findTool, runTool, TOOLS } from '../tools/catalog';
import type { NodeSource } from '../tools/nodeSource';

export const MCP_SERVER_NAME = 'beam-observer';
/** package.json's contributes.mcpServerDefinitionProviders id (mcpDefinitionProvider.ts). */
export const MCP_PROVIDER_ID = 'beamObserver.mcpServer';

const INSTRUCTIONS =
  'BEAM Observer looks at live Erlang and Elixir nodes that run its agent, read-only: start with beam_node_overview ' +
  '(is the node overloaded, and by what), then beam_top_processes, beam_process_info, beam_pid_lookup, and ' +
  'beam_process_state when a process state is needed; beam_history for what it did at a past time (even processes that ' +
  'exited since); beam_supervision_tree, beam_ets_tables, beam_ports and beam_system_info for the rest of the node. No tool ' +
  'evaluates code or changes the node.';

export function createMcpServer(source: NodeSource, version: string): Server {
  const server = new Server(
    { name: MCP_SERVER_NAME, title: 'BEAM Observer', version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.displayName,
      description: tool.modelDescription,
      inputSchema: tool.inputSchema,
      // Every tool only reads; none reaches outside the attached nodes.
      annotations: { title: tool.displayName, readOnlyHint: true, destructiveHint: false, openWorldHint: false },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: input } = request.params;
    if (!findTool(name)) {
      throw new McpError(ErrorCode.InvalidParams, `no tool named ${name}; the tools are ${TOOLS.map((t) => t.name).join(', ')}`);
    }
    try {
      return { content: [{ type: 'text', text: await runTool(name, input ?? {}, source) }] };
    } catch (error) {
      return { content: [{ type: 'text', text: errorMessage(error) }], isError: true };
    }
  });
  return server;
}
