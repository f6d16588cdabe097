/**
 * BEAM Observer's MCP server offered to VS Code's own MCP clients (chat's
 * agent mode, and any extension listing MCP servers) without configuration,
 * where this VS Code has the MCP server definition provider API (1.101+):
 * the dist/mcp.js shipped in the extension, run by the extension host's own
 * Node, with the discovery directory the extension watches. Offered while the
 * setting beamObserver.mcpServer is on.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { affects, settings } from '../settings';
import { mcpApi } from '../tools/vscodeLm';
import { MCP_PROVIDER_ID } from './mcpServer';

export function registerMcpServerDefinition(
  extensionPath: string,
  version: string,
  discoveryDir: string,
  log: (message: string) => void,
): vscode.Disposable {
  const api = mcpApi();
  if (!api) {
    log('MCP server: this VS Code has no vscode.lm.registerMcpServerDefinitionProvider (VS Code 1.101+); not offered');
    return new vscode.Disposable(() => undefined);
  }
  const changed = new vscode.EventEmitter<void>();
  const server = path.join(extensionPath, 'dist', 'mcp.js');
  const provider = api.registerProvider(MCP_PROVIDER_ID, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () =>
      settings.mcpServer()
        ? // The extension host's Node runs it: in desktop VS Code that is Electron, which runs a script as Node with ELECTRON_RUN_AS_NODE.
          [
            api.stdioServer(
              'BEAM Observer',
              process.execPath,
              [server],
              { BEAM_OBSERVER_DIR: discoveryDir, ELECTRON_RUN_AS_NODE: '1' },
              version,
            ),
          ]
        : [],
  });
  const listener = vscode.workspace.onDidChangeConfiguration((event) => {
    if (affects(event, 'mcpServer')) changed.fire();
  });
  log(`MCP server offered to VS Code: ${server}`);
  return vscode.Disposable.from(provider, listener, changed);
}
