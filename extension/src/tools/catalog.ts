/**
 * The tools a language model may call to look at a live node, declared once:
 * VS Code's language-model tools (languageModelTools.ts; package.json's
 * contributes.languageModelTools must match, test/unit/toolCatalog.test.ts
 * checks it) and the MCP server (mcp/mcpServer.ts) both serve this list.
 *
 * Every tool sends only the agent's bounded, read-only requests (initialize,
 * processes/list, process/info, process/state, pid/resolve, system/info,
 * applications/list, supervisor/children, ets/list, ets/rows, ports/list,
 * history/get) and reads load samples: none evaluates code, kills,
 * garbage-collects, traces or changes anything in the node. Each answer is
 * text (toolText.ts: at most 12 KB, saying what was cut).
 *
 * The tools of the rest of the node (supervision tree, ETS tables, ports,
 * system: issue 12) are in nodeTools.ts, the recorded history (issue 14) in
 * historyTool.ts; each checks that the node's agent offers the capability
 * it needs (toolSpec.ts's requireCapability) and says so when it does not.
 */
import { OVERLOAD_MIN_SAMPLES } from '../shared/overload';
import { errorMessage } from '../shared/errors';
import { historyTool } from './historyTool';
import { attachedSentence, NodeSource, ToolError } from './nodeSource';
import { etsTables, ports, supervisionTree, systemInfo } from './nodeTools';
import { overviewText } from './overviewText';
import { pidLookupText } from './pidLookupText';
import { AGENT_ROWS, processesText } from './processesText';
import { processInfoText } from './processInfoText';
import { processStateText } from './processStateText';
import { inputObject, integerIn, nodeName, optionalText, pidText, RawInput, sortKey } from './toolInputs';
import { asked, NODE_PROPERTY, PID_PROPERTY, type ToolSpec } from './toolSpec';

export type { InputSchema, ToolSpec } from './toolSpec';

/** How long the top processes by reductions wait between the sweep that opens the window and the one that reads it. */
export const REDUCTIONS_WINDOW_MS = 1000;
/** The samples the overload rule needs (shared/overload.ts), and how long to wait for them from a node not sampled yet. */
const OVERVIEW_SAMPLES = OVERLOAD_MIN_SAMPLES;
const OVERVIEW_WAIT_MS = 4500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const nodeOverview: ToolSpec = {
  name: 'beam_node_overview',
  displayName: 'BEAM Node Overview',
  referenceName: 'beamOverview',
  modelDescription:
    'Overview of the attached Erlang/Elixir (BEAM) node(s): scheduler utilisation including dirty CPU and dirty IO schedulers, ' +
    'the run queue against the overload rule (it must stay at or below half the online schedulers; three one-second samples ' +
    'above it in a row mean overloaded), memory by kind (processes, binary, ETS, atoms, code, system), process/port/atom counts ' +
    'against their limits, reductions, garbage collections and IO per second, and a plain verdict: overloaded or not, and by what. ' +
    'Use it first when asked why a node is slow. Without "node" it covers every attached node and names the other nodes of ' +
    'their clusters. Cost to the node: none beyond the once-a-second load sample BEAM Observer already takes (node-wide ' +
    'counters, no process is touched); a node not sampled yet is sampled for about 4 seconds first.',
  userDescription: 'Utilisation, run queue, memory and counts of the attached BEAM node(s), with a verdict on overload.',
  inputSchema: { type: 'object', properties: { node: NODE_PROPERTY }, additionalProperties: false },
  needsConfirmation: false,
  describe: (input) => ({ running: `Reading the load of ${typeof input.node === 'string' ? input.node : 'the attached nodes'}` }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node']);
    const name = nodeName(input);
    const attached = await source.attached();
    const names = name ? [name] : attached.map((n) => n.name);
    if (names.length === 0) throw new ToolError(attachedSentence(attached));
    const sections = await Promise.all(
      names.map(async (n) => {
        const node = await source.node(n);
        const info = node.info ?? (await asked(node, () => node.client.nodeInfo(node.name)));
        return overviewText(info, await source.samples(node, OVERVIEW_SAMPLES, OVERVIEW_WAIT_MS));
      }),
    );
    const members = attached.flatMap((n) => n.members).filter((m) => !names.includes(m));
    if (members.length) sections.push(`Other nodes of the cluster (ask with "node"): ${members.join(', ')}.`);
    return sections.join('\n\n');
  },
};

const topProcesses: ToolSpec = {
  name: 'beam_top_processes',
  displayName: 'BEAM Top Processes',
  referenceName: 'beamTopProcesses',
  modelDescription:
    'The top processes of a BEAM node by reductions (work done per second, over a window of about one second), memory, or ' +
    'message queue length, each with its pid, registered name, real initial call (the module that started it, e.g. ' +
    'MyApp.Worker.init/1, not proc_lib), status and current function. Use it to find what burns CPU (reductions), holds memory ' +
    '(memory) or falls behind its callers (messageQueueLen). "filter" keeps processes whose pid, name or initial call contains ' +
    'it. Cost to the node: a sweep that reads cheap counters of every process (about 1 µs per process) and a few details of ' +
    'the rows returned only; by reductions, two sweeps one second apart (the first opens the window, so the answer takes ' +
    'about a second).',
  userDescription: 'The processes of a BEAM node that do the most work, hold the most memory or have the longest queues.',
  inputSchema: {
    type: 'object',
    properties: {
      node: NODE_PROPERTY,
      sortBy: { type: 'string', enum: ['reductions', 'memory', 'messageQueueLen'], default: 'reductions', description: 'What to rank by' },
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'How many processes (1 to 100)' },
      filter: {
        type: 'string',
        maxLength: 200,
        description: 'Keep processes whose pid, registered name or initial call contains this text',
      },
    },
    additionalProperties: false,
  },
  needsConfirmation: false,
  describe: (input) => ({ running: `Ranking processes by ${typeof input.sortBy === 'string' ? input.sortBy : 'reductions'}` }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node', 'sortBy', 'limit', 'filter']);
    const sortBy = sortKey(input);
    const limit = integerIn(input, 'limit', 1, 100, 10);
    const filter = optionalText(input, 'filter', 200);
    const node = await source.node(nodeName(input));
    // More rows than asked: the agent's own processes are ranked but not listed (processesText). A model's
    // question is a user's request: swept at once whatever the node's budget (once; then from the last sweep).
    const params = {
      sortBy,
      limit: limit + AGENT_ROWS,
      refresh: 'explicit' as const,
      ...(filter ? { filter } : {}),
      ...(node.member ? { node: node.member } : {}),
    };
    if (sortBy === 'reductions') {
      await asked(node, () => node.client.listProcesses({ ...params, limit: 1 }));
      await sleep(REDUCTIONS_WINDOW_MS);
    }
    return processesText(await asked(node, () => node.client.listProcesses(params)), limit, filter);
  },
};

const processInfo: ToolSpec = {
  name: 'beam_process_info',
  displayName: 'BEAM Process Info',
  referenceName: 'beamProcessInfo',
  modelDescription:
    'One process of a BEAM node: status, current function, initial call, OTP behaviour, memory, message queue length, ' +
    'reductions, links, monitors, what monitors it, its stack trace (module, function, arity, file and line per frame) and ' +
    "OTP's own process-dictionary entries ($initial_call, $ancestors; other keys are listed without their values). Never " +
    'its messages or its state. A pid of another node of the cluster (first number not 0) is resolved by the node that ' +
    'printed it ("node"). Cost to the node: one process_info call on that process (a few signals it answers itself).',
  userDescription: "One BEAM process's status, stack, links and monitors.",
  inputSchema: {
    type: 'object',
    properties: { pid: PID_PROPERTY, node: NODE_PROPERTY },
    required: ['pid'],
    additionalProperties: false,
  },
  needsConfirmation: false,
  describe: (input) => ({ running: `Reading process ${String(input.pid)}` }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['pid', 'node']);
    const pid = pidText(input);
    const node = await source.node(nodeName(input));
    return processInfoText(await asked(node, () => node.client.processInfo(pid, node.member)));
  },
};

const processState: ToolSpec = {
  name: 'beam_process_state',
  displayName: 'BEAM Process State',
  referenceName: 'beamProcessState',
  modelDescription:
    'The state of one OTP process (GenServer, gen_statem, gen_event, supervisor) of a BEAM node, as text formatted inside the ' +
    "process: Elixir's inspect in an Elixir node (at most 50 items per collection; fields the application marks secret are " +
    'hidden), Erlang term syntax with a depth limit otherwise; at most 200 lines. A state can hold user data, so the user is ' +
    'asked before it is read. Plain (non-OTP) processes have no readable state: use beam_process_info. Cost to the node: the ' +
    'process runs one system message (sys:replace_state with a function that formats and changes nothing), a millisecond or so ' +
    'even for a large state; a process busy in a callback is given 5 seconds.',
  userDescription: 'The state of a GenServer or other OTP process, formatted and bounded. Asks you first.',
  inputSchema: {
    type: 'object',
    properties: { pid: PID_PROPERTY, node: NODE_PROPERTY },
    required: ['pid'],
    additionalProperties: false,
  },
  needsConfirmation: true,
  describe: (input) => {
    const where = typeof input.node === 'string' ? ` on ${input.node}` : '';
    return {
      running: `Reading the state of ${String(input.pid)}${where}`,
      confirmTitle: `Send the state of process ${String(input.pid)} to the language model?`,
      confirmMessage:
        `BEAM Observer will read the state of process ${String(input.pid)}${where} and give it to the model as text ` +
        '(at most 200 lines). A state can hold user data, tokens or keys: Elixir hides only the fields the application ' +
        'marks secret (@derive {Inspect, except: [...]}), Erlang nodes hide nothing.',
    };
  },
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['pid', 'node']);
    const pid = pidText(input);
    const node = await source.node(nodeName(input));
    return processStateText(await asked(node, () => node.client.processState(pid, undefined, node.member)));
  },
};

const pidLookup: ToolSpec = {
  name: 'beam_pid_lookup',
  displayName: 'BEAM PID Lookup',
  referenceName: 'beamPid',
  modelDescription:
    'Which node a pid printed in a log or a crash report belongs to, and what that process is (name, initial call, status, ' +
    'current function, memory, queue). The first number of a pid names a node as seen from the node that printed it (0: that ' +
    'node itself), so give "node": the node whose log printed it (default: the node shown in VS Code, or the only attached ' +
    'node). Cost to the node: a lookup of the node number, then one process_info call on the process.',
  userDescription: 'Which node and process a pid printed in a log is.',
  inputSchema: {
    type: 'object',
    properties: {
      pid: PID_PROPERTY,
      node: { type: 'string', description: 'The node that printed the pid; default: as for the other tools' },
    },
    required: ['pid'],
    additionalProperties: false,
  },
  needsConfirmation: false,
  describe: (input) => ({ running: `Looking up ${String(input.pid)}` }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['pid', 'node']);
    const pid = pidText(input);
    const printer = await source.node(nodeName(input));
    const resolved = await asked(printer, () => printer.client.resolvePid(pid, printer.member));
    const owner = resolved.node === printer.agentName ? undefined : resolved.node;
    const info = await asked(printer, () => printer.client.processInfo(resolved.pid, owner));
    return pidLookupText(typeof input.pid === 'string' ? input.pid.trim() : pid, resolved, info);
  },
};

/** Every tool, in the order they are listed. */
export const TOOLS: readonly ToolSpec[] = [
  nodeOverview,
  topProcesses,
  processInfo,
  processState,
  pidLookup,
  supervisionTree,
  etsTables,
  ports,
  systemInfo,
  historyTool,
];

export function findTool(name: string): ToolSpec | undefined {
  return TOOLS.find((t) => t.name === name);
}

/**
 * Run a tool by name. Resolves with its text; rejects with a ToolError whose
 * message says precisely what went wrong (a bad input, an unknown node, a
 * process that is gone, a node that stopped), for the model to read.
 */
export async function runTool(name: string, input: unknown, source: NodeSource): Promise<string> {
  const tool = findTool(name);
  if (!tool) throw new ToolError(`no tool named ${name}; the tools are ${TOOLS.map((t) => t.name).join(', ')}`);
  try {
    return await tool.run(input as RawInput, source);
  } catch (error) {
    throw error instanceof ToolError ? error : new ToolError(errorMessage(error));
  }
}
