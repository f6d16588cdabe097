/**
 * The MCP server's command line: where to find agents. Like Connect to
 * Agent: the discovery directory by default, or one agent by URL and token.
 */
import { parseAgentUrl } from '../agent/agentUrl';
import { discoveryDir } from '../nodes/discovery';
import type { AgentLocation } from './agentNodeSource';

export const USAGE = `beam-observer-mcp: BEAM Observer's tools for language models, as an MCP server on stdio.

  beam-observer-mcp                                  agents found in the discovery directory
  beam-observer-mcp --discovery-dir DIR              ... in DIR
  beam-observer-mcp --url ws://127.0.0.1:PORT --token TOKEN   one agent

Environment: BEAM_OBSERVER_DIR (the discovery directory), BEAM_OBSERVER_URL and
BEAM_OBSERVER_TOKEN (one agent, as --url and --token). See the README.`;

export type McpCommand =
  { kind: 'serve'; location: AgentLocation } | { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string };

export function parseMcpArgs(argv: readonly string[], env: NodeJS.ProcessEnv): McpCommand {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    if (!['--url', '--token', '--discovery-dir'].includes(flag)) return { kind: 'error', message: `unknown argument ${arg}` };
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') return { kind: 'error', message: `${flag} needs a value` };
    options[flag] = value;
  }
  const url = options['--url'] ?? env.BEAM_OBSERVER_URL;
  const token = options['--token'] ?? env.BEAM_OBSERVER_TOKEN;
  if (url === undefined) {
    if (options['--token']) return { kind: 'error', message: '--token goes with --url' };
    return { kind: 'serve', location: { discoveryDir: options['--discovery-dir'] ?? discoveryDir(env) } };
  }
  if (options['--discovery-dir']) return { kind: 'error', message: '--discovery-dir and --url exclude each other' };
  const address = parseAgentUrl(url);
  if (!address) return { kind: 'error', message: `--url must look like ws://127.0.0.1:40617 (got ${url})` };
  if (!token) {
    return {
      kind: 'error',
      message: "--url needs --token (or BEAM_OBSERVER_TOKEN): the agent's token, from its discovery file or start()",
    };
  }
  return { kind: 'serve', location: { endpoint: { host: address.host, port: address.port, token } } };
}
