/**
 * The few VS Code APIs the tools use that are newer than the VS Code this
 * extension supports (engines ^1.90, @types/vscode 1.90): language-model
 * tools (VS Code 1.95) and MCP server definition providers (1.101). Declared
 * here as a typed view of the `vscode` module rather than a module
 * augmentation, so that (a) every use goes through a runtime check and
 * the extension keeps working where they are missing, and (b) nothing
 * clashes with @types/vscode once it is raised. The shapes follow VS Code's
 * vscode.d.ts; only the members used are declared.
 */
import * as vscode from 'vscode';

export interface LanguageModelToolInvocationOptions {
  readonly input: unknown;
}

export interface PreparedToolInvocation {
  invocationMessage?: string;
  confirmationMessages?: { title: string; message: string | vscode.MarkdownString };
}

export interface LanguageModelTool {
  invoke(options: LanguageModelToolInvocationOptions, token: vscode.CancellationToken): Promise<unknown>;
  prepareInvocation?(options: LanguageModelToolInvocationOptions, token: vscode.CancellationToken): PreparedToolInvocation;
}

export interface McpServerDefinitionProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
}

/** What the newer API adds to the `vscode` module, each member possibly missing. */
interface NewerApi {
  lm?: {
    registerTool?(name: string, tool: LanguageModelTool): vscode.Disposable;
    registerMcpServerDefinitionProvider?(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
  };
  LanguageModelToolResult?: new (content: unknown[]) => unknown;
  LanguageModelTextPart?: new (value: string) => unknown;
  McpStdioServerDefinition?: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string | number | null>,
    version?: string,
  ) => unknown;
}

const api = vscode as unknown as NewerApi;

/** Language-model tools, where this VS Code has them. */
export function toolApi():
  { registerTool(name: string, tool: LanguageModelTool): vscode.Disposable; textResult(text: string): unknown } | undefined {
  const { lm, LanguageModelToolResult: Result, LanguageModelTextPart: TextPart } = api;
  if (typeof lm?.registerTool !== 'function' || !Result || !TextPart) return undefined;
  return {
    registerTool: (name, tool) => lm.registerTool!(name, tool),
    textResult: (text) => new Result([new TextPart(text)]),
  };
}

/** MCP server definition providers, where this VS Code has them. */
export function mcpApi():
  | {
      registerProvider(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
      stdioServer(label: string, command: string, args: string[], env: Record<string, string>, version: string): unknown;
    }
  | undefined {
  const { lm, McpStdioServerDefinition: Stdio } = api;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || !Stdio) return undefined;
  return {
    registerProvider: (id, provider) => lm.registerMcpServerDefinitionProvider!(id, provider),
    stdioServer: (label, command, args, env, version) => new Stdio(label, command, args, env, version),
  };
}
