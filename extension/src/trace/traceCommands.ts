/**
 * The tracing commands: Trace a Function (a CodeLens, or a name typed in the
 * palette), Count Calls and Stop Counting (a CodeLens, or a module named),
 * Trace Messages (a process of the tree, or a pid typed), Stop All. They
 * run in the node of the selected connection (where its agent runs).
 */
import * as vscode from 'vscode';
import type { AgentClient } from '../agent/agentClient';
import { Commands } from '../commands/commandIds';
import { pidOf, reportFailure } from '../commands/context';
import type { NodeRegistry, ObservedNode } from '../nodes/nodeRegistry';
import { parsePid } from '../pids/pidText';
import { userMessage } from '../shared/errors';
import { displayName, parseFunctionName } from '../shared/sourceFunctions';
import type { CallCounters } from './callCounters';
import type { FunctionTarget } from './traceCodeLens';
import type { TracePanel } from './tracePanel';

export interface TraceCommandContext {
  registry: NodeRegistry;
  panel: TracePanel;
  counters: CallCounters;
  log: vscode.LogOutputChannel;
}

export function registerTraceCommands(ctx: TraceCommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.traceFunction, (target?: FunctionTarget) => traceFunction(ctx, target)),
    vscode.commands.registerCommand(Commands.countCalls, (target?: FunctionTarget) => countCalls(ctx, target)),
    vscode.commands.registerCommand(Commands.stopCounting, (target?: FunctionTarget) => stopCounting(ctx, target)),
    vscode.commands.registerCommand(Commands.stopAllTraces, () => Promise.all([ctx.panel.stop(), ctx.counters.stopAll()])),
    vscode.commands.registerCommand(Commands.traceMessages, (arg?: unknown) => traceMessages(ctx, arg)),
  ];
}

/** The node of the selected connection and its client, or a message saying there is none. */
function attached(registry: NodeRegistry): { node: ObservedNode; client: AgentClient } | undefined {
  const node = registry.selected;
  if (node?.state === 'connected' && node.client) return { node, client: node.client };
  void vscode.window.showWarningMessage(userMessage('no node connected. Run "BEAM Observer: Connect to Agent…".'));
  return undefined;
}

async function askTarget(prompt: string, placeHolder: string, needsFunction: boolean): Promise<FunctionTarget | undefined> {
  const text = await vscode.window.showInputBox({
    prompt,
    placeHolder,
    validateInput: (value) => {
      const parsed = parseFunctionName(value);
      if (!parsed) return 'Write Module.function/arity (Elixir) or module:function/arity (Erlang).';
      return needsFunction && !parsed.function ? 'Name a function: Module.function or Module.function/arity.' : undefined;
    },
  });
  return text === undefined ? undefined : parseFunctionName(text);
}

async function traceFunction(ctx: TraceCommandContext, target?: FunctionTarget): Promise<void> {
  const chosen =
    target ?? (await askTarget('The function to trace', 'Shop.Cart.total/1, shop_cart:total/1 or Shop.Cart.total (every arity)', false));
  const where = chosen && attached(ctx.registry);
  if (!chosen || !where) return;
  const label = chosen.function ? displayName(chosen.module, chosen.function, chosen.arity) : displayName(chosen.module, '*');
  try {
    await ctx.panel.open(where.node, where.client, {
      kind: 'calls',
      label,
      calls: [
        {
          module: chosen.module,
          ...(chosen.function ? { function: chosen.function } : {}),
          ...(chosen.arity !== undefined ? { arity: chosen.arity } : {}),
        },
      ],
    });
  } catch (error) {
    reportFailure(ctx.log, `cannot trace ${label}`, error);
  }
}

async function countCalls(ctx: TraceCommandContext, target?: FunctionTarget): Promise<void> {
  const chosen = target ?? (await askTarget('The module whose calls to count', 'Shop.Cart or shop_cart', false));
  const where = chosen && attached(ctx.registry);
  if (!chosen || !where) return;
  try {
    await ctx.counters.start(where.node, where.client, chosen.module);
  } catch (error) {
    reportFailure(ctx.log, `cannot count the calls of ${chosen.module}`, error);
  }
}

async function stopCounting(ctx: TraceCommandContext, target?: FunctionTarget): Promise<void> {
  const node = ctx.registry.selected;
  const counted = ctx.counters.modules(node);
  const module =
    target?.module ??
    (counted.length === 1 ? counted[0] : await vscode.window.showQuickPick(counted, { placeHolder: 'The module to stop counting' }));
  if (module) await ctx.counters.stop(node, module);
}

async function traceMessages(ctx: TraceCommandContext, arg?: unknown): Promise<void> {
  const given = pidOf(arg);
  const text =
    given ??
    (await vscode.window.showInputBox({
      prompt: 'The process whose messages to trace',
      placeHolder: '<0.123.0>',
      validateInput: (value) => (parsePid(value) ? undefined : 'A pid such as <0.123.0>'),
    }));
  const pid = text ? parsePid(text)?.pid : undefined;
  const where = pid && attached(ctx.registry);
  if (!pid || !where) return;
  const name = arg && typeof arg === 'object' && 'row' in arg ? (arg as { row?: { name?: string | null } }).row?.name : undefined;
  const label = name ? `${name.replace(/^Elixir\./, '')} ${pid}` : pid;
  try {
    await ctx.panel.open(where.node, where.client, { kind: 'messages', label: `messages of ${label}`, pid });
  } catch (error) {
    reportFailure(ctx.log, `cannot trace the messages of ${pid}`, error);
  }
}
