/**
 * dist/mcp.js: BEAM Observer's MCP server on stdio (`npx beam-observer-mcp`
 * from a clone, `node <extension>/dist/mcp.js` from the installed extension,
 * or registered in VS Code by mcpDefinitionProvider.ts). Standard output
 * carries the protocol only: everything else goes to standard error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { errorMessage } from '../shared/errors';
import { AgentNodeSource } from './agentNodeSource';
import { parseMcpArgs, USAGE } from './mcpArgs';
import { createMcpServer } from './mcpServer';

const log = (message: string) => process.stderr.write(`[beam-observer-mcp] ${message}\n`);

/** The version in the package.json above this file (dist/ in the extension, out/... in a build). */
function packageVersion(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = join(dir, '..')) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'beam-observer' && manifest.version) return manifest.version;
    }
  }
  return '0.0.0';
}

async function main(): Promise<void> {
  const command = parseMcpArgs(process.argv.slice(2), process.env);
  if (command.kind === 'help') return void process.stdout.write(`${USAGE}\n`);
  if (command.kind === 'version') return void process.stdout.write(`${packageVersion()}\n`);
  if (command.kind === 'error') {
    log(`${command.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const source = new AgentNodeSource(command.location, log);
  const server = createMcpServer(source, packageVersion());
  const stop = () => {
    source.dispose();
    void server.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await server.connect(new StdioServerTransport());
  const where =
    'endpoint' in command.location ? `the agent at port ${command.location.endpoint.port}` : `agents in ${command.location.discoveryDir}`;
  log(`serving ${where}`);
}

main().catch((error: unknown) => {
  log(errorMessage(error));
  process.exit(1);
});
