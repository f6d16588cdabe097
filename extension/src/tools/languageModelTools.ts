/**
 * The tool catalog as VS Code language-model tools (Copilot's agent mode and
 * any chat participant), where this VS Code has the API: registered while the
 * setting beamObserver.languageModelTools is on. The state tool, and the ETS
 * tool when it reads rows, ask the user first (VS Code's confirmation), since
 * a state or a row can hold data the user does not want sent to a model.
 */
import * as vscode from 'vscode';
import { affects, settings } from '../settings';
import { errorMessage } from '../shared/errors';
import { runTool, TOOLS, ToolSpec } from './catalog';
import type { NodeSource } from './nodeSource';
import type { RawInput } from './toolInputs';
import { toolApi, type LanguageModelTool, type PreparedToolInvocation } from './vscodeLm';

function asInput(input: unknown): RawInput {
  return typeof input === 'object' && input !== null ? (input as RawInput) : {};
}

function languageModelTool(spec: ToolSpec, source: NodeSource, result: (text: string) => unknown): LanguageModelTool {
  return {
    prepareInvocation: (options): PreparedToolInvocation => {
      const text = spec.describe(asInput(options.input));
      return {
        invocationMessage: text.running,
        ...(spec.needsConfirmation && text.confirmTitle
          ? { confirmationMessages: { title: text.confirmTitle, message: new vscode.MarkdownString(text.confirmMessage ?? '') } }
          : {}),
      };
    },
    invoke: async (options) => {
      try {
        return result(await runTool(spec.name, options.input, source));
      } catch (error) {
        // VS Code hands the message to the model: it says what was wrong.
        throw new Error(errorMessage(error));
      }
    },
  };
}

/** Register the tools now and whenever the setting is turned on; unregister them when it is turned off. */
export function registerLanguageModelTools(source: NodeSource, log: (message: string) => void): vscode.Disposable {
  const api = toolApi();
  if (!api) {
    log('language-model tools: this VS Code has no vscode.lm.registerTool (VS Code 1.95+); not offered');
    return new vscode.Disposable(() => undefined);
  }
  let registered: vscode.Disposable[] = [];
  const apply = () => {
    const wanted = settings.languageModelTools();
    if (wanted && registered.length === 0) {
      registered = TOOLS.map((spec) => api.registerTool(spec.name, languageModelTool(spec, source, api.textResult)));
      log(`language-model tools offered: ${TOOLS.map((t) => t.name).join(', ')}`);
    } else if (!wanted && registered.length > 0) {
      registered.forEach((d) => d.dispose());
      registered = [];
      log('language-model tools withdrawn (beamObserver.languageModelTools is off)');
    }
  };
  apply();
  const listener = vscode.workspace.onDidChangeConfiguration((event) => {
    if (affects(event, 'languageModelTools')) apply();
  });
  return new vscode.Disposable(() => {
    listener.dispose();
    registered.forEach((d) => d.dispose());
  });
}
