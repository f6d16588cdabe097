/**
 * The tools of the rest of the node (issue 12's capabilities): the
 * supervision tree, ETS tables, ports and sockets, and the system. Each asks
 * only the agent's read requests (toolSpec.ts's readsOf, never process/gc or
 * process/kill), checks first that the node's agent offers them, and answers
 * in the text of its own module.
 */
import { ErrorCodes, PORT_SORT_KEYS, type EtsSortKey, type PidText } from '../protocol/agentProtocol';
import { parsePid } from '../pids/pidText';
import { formatName } from '../shared/format';
import { ToolError, type ToolNode } from './nodeSource';
import { tableRowsText, tablesText } from './etsText';
import { portsText } from './portsText';
import { applicationsText, supervisorChildrenText } from './supervisionText';
import { systemInfoText } from './systemInfoText';
import { inputObject, integerIn, nodeName, oneOf, optionalText, type RawInput } from './toolInputs';
import { asked, NODE_PROPERTY, readsOf, requireCapability, type ToolSpec } from './toolSpec';

/** Children of a supervisor in one answer, and the most rows of a table (a page the model reads whole). */
export const MAX_CHILDREN = 100;
export const MAX_TABLE_ROWS = 20;

const LIST_LIMIT = { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'How many (1 to 100)' };
const FILTER = (what: string) => ({ type: 'string', maxLength: 200, description: `Keep those whose ${what} contains this text` });

/** A registered name as a model may write it: nf_top, :nf_top, MyApp.Sup, Elixir.MyApp.Sup. */
function bareName(text: string): string {
  return formatName(text.replace(/^:/, ''));
}

/**
 * The pid of the supervisor a model names by pid or registered name. A name
 * is found by the agent's process sweep with it as a filter (matched as text:
 * nothing becomes an atom), then kept only if a process is registered exactly so.
 */
async function supervisorPid(node: ToolNode, text: string): Promise<PidText> {
  const pid = parsePid(text);
  if (pid) return pid.pid;
  const name = bareName(text.trim());
  if (!/^[^\s<>#]{1,200}$/.test(name)) {
    throw new ToolError(
      `"supervisor" must be a pid such as "<0.123.0>" or a registered name such as "MyApp.Supervisor" (got ${JSON.stringify(text)})`,
    );
  }
  const params = {
    sortBy: 'memory' as const,
    limit: 50,
    filter: name,
    refresh: 'explicit' as const,
    ...(node.member ? { node: node.member } : {}),
  };
  const found = await asked(node, () => node.client.listProcesses(params));
  const row = found.rows.find((r) => r.name !== null && bareName(r.name) === name);
  if (!row) {
    throw new ToolError(
      `no process is registered as ${name} on ${node.name}; beam_supervision_tree without "supervisor" lists each ` +
        "application's top supervisor, with its pid",
    );
  }
  return row.pid;
}

export const supervisionTree: ToolSpec = {
  name: 'beam_supervision_tree',
  displayName: 'BEAM Supervision Tree',
  referenceName: 'beamSupervision',
  modelDescription:
    'The supervision tree of a BEAM node. Without "supervisor": the running applications, each with its version, description ' +
    'and top supervisor (pid and name; library applications have none). With "supervisor" (a pid or a registered name): that ' +
    'supervisor\'s strategy and its children, a page at a time with the total ("offset" for the next page), each with its ' +
    'child id, its pid or why it has none (restarting, not running), worker or supervisor, and its restart type (permanent, ' +
    'transient, temporary). Walk down by asking again with a child supervisor. Only supervisors are asked for children: any ' +
    'other process is refused and sent nothing. Cost to the node: the applications are one call to the application ' +
    "controller and two reads of links per application; a supervisor's children are one system message to that supervisor, " +
    'which copies out only the page asked for (not which_children, which copies every child); a supervisor named rather than ' +
    'given by pid is first found by a sweep of cheap counters of every process (about 1 µs per process).',
  userDescription: "The applications and their supervisors, or one supervisor's children, of a BEAM node.",
  inputSchema: {
    type: 'object',
    properties: {
      node: NODE_PROPERTY,
      supervisor: {
        type: 'string',
        maxLength: 255,
        description: 'A supervisor: a pid ("<0.150.0>") or a registered name ("MyApp.Supervisor", "kernel_sup"); omit for the applications',
      },
      offset: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 0, description: 'Children to skip (paging)' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_CHILDREN, default: 50, description: `Children per page (1 to ${MAX_CHILDREN})` },
    },
    additionalProperties: false,
  },
  needsConfirmation: false,
  describe: (input) => ({
    running: typeof input.supervisor === 'string' ? `Reading the children of ${input.supervisor}` : 'Listing the applications',
  }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node', 'supervisor', 'offset', 'limit']);
    const supervisor = optionalText(input, 'supervisor', 255);
    const offset = integerIn(input, 'offset', 0, 100_000_000, 0);
    const limit = integerIn(input, 'limit', 1, MAX_CHILDREN, 50);
    const node = await source.node(nodeName(input));
    const reads = readsOf(node);
    if (!supervisor) {
      await requireCapability(node, 'applications/list', 'list its applications');
      return applicationsText(await asked(node, () => reads.applications()));
    }
    await requireCapability(node, 'supervisor/children', "read a supervisor's children");
    const pid = await supervisorPid(node, supervisor);
    const page = await asked(node, () => reads.supervisorChildren(pid, offset, limit), {
      [ErrorCodes.NotSupervisor]:
        'beam_process_info describes that process, and beam_supervision_tree without "supervisor" lists the top supervisors',
    });
    return supervisorChildrenText(page);
  },
};

/** The table a model asks rows of, and where, for the confirmation. */
function rowsConfirmation(input: RawInput): { confirmTitle?: string; confirmMessage?: string } {
  if (typeof input.table !== 'string' || input.table === '') return {};
  const where = typeof input.node === 'string' ? ` on ${input.node}` : '';
  const rows = typeof input.rows === 'number' ? input.rows : 10;
  return {
    confirmTitle: `Send rows of ETS table ${input.table} to the language model?`,
    confirmMessage:
      `BEAM Observer will read the first ${rows} rows of ETS table ${input.table}${where} and give them to the model as text. ` +
      'Rows can hold user data, tokens or keys: Elixir hides only the fields the application marks secret ' +
      '(@derive {Inspect, except: [...]}), Erlang nodes hide nothing.',
  };
}

const ETS_SORT_WORDS = ['memory', 'rows', 'name'] as const;

export const etsTables: ToolSpec = {
  name: 'beam_ets_tables',
  displayName: 'BEAM ETS Tables',
  referenceName: 'beamEts',
  modelDescription:
    'The ETS tables of a BEAM node, largest first by memory (or by rows, or by name), each with its name (or id when unnamed), ' +
    'owner process, type (set, ordered_set, bag, duplicate_bag), protection, rows and memory; "filter" keeps tables whose ' +
    'name or owner name contains it. With "table": instead, the first rows of that table (at most 20), formatted inside the ' +
    "node: Elixir's inspect in an Elixir node (fields the application marks secret are hidden), Erlang term syntax with " +
    "limits otherwise. Rows are table data, so the user is asked before they are read; private tables and BEAM Observer's " +
    'own cannot be read. Cost to the node: the list reads one item of every table (the sort key) and the others for the ' +
    'tables returned (ets:all/0 plus ets:info, well under a millisecond for a few hundred tables); rows are one ets:select ' +
    "page (never the whole table; under a millisecond whatever the table's size), copied into a helper process with a " +
    'capped heap and formatted there.',
  userDescription: 'The ETS tables of a BEAM node, or the first rows of one. Asks you before reading rows.',
  inputSchema: {
    type: 'object',
    properties: {
      node: NODE_PROPERTY,
      sortBy: { type: 'string', enum: [...ETS_SORT_WORDS], default: 'memory', description: 'What to rank the tables by' },
      limit: LIST_LIMIT,
      filter: FILTER("name, id or owner's registered name"),
      table: {
        type: 'string',
        maxLength: 255,
        description: 'Read the first rows of this table: its name, or the id of an unnamed table ("#Ref<0.1.2.3>")',
      },
      rows: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_TABLE_ROWS,
        default: 10,
        description: `Rows to read with "table" (1 to ${MAX_TABLE_ROWS})`,
      },
    },
    additionalProperties: false,
  },
  needsConfirmation: true,
  describe: (input) => ({
    running: typeof input.table === 'string' && input.table ? `Reading rows of ETS table ${input.table}` : 'Listing the ETS tables',
    ...rowsConfirmation(input),
  }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node', 'sortBy', 'limit', 'filter', 'table', 'rows']);
    const sortBy = oneOf(input, 'sortBy', ETS_SORT_WORDS, 'memory');
    const limit = integerIn(input, 'limit', 1, 100, 20);
    const filter = optionalText(input, 'filter', 200);
    const table = optionalText(input, 'table', 255);
    const rows = integerIn(input, 'rows', 1, MAX_TABLE_ROWS, 10);
    const node = await source.node(nodeName(input));
    await requireCapability(node, 'ets', 'list its ETS tables');
    const reads = readsOf(node);
    if (table) {
      const page = await asked(node, () => reads.etsRows(table, rows, null), {
        [ErrorCodes.TableNotFound]: 'beam_ets_tables without "table" lists the tables; an unnamed table goes by its id ("#Ref<...>")',
      });
      return tableRowsText(page);
    }
    const key: EtsSortKey = sortBy === 'rows' ? 'size' : sortBy;
    return tablesText(await asked(node, () => reads.etsList({ sortBy: key, limit, filter: filter ?? null })), filter);
  },
};

export const ports: ToolSpec = {
  name: 'beam_ports',
  displayName: 'BEAM Ports and Sockets',
  referenceName: 'beamPorts',
  modelDescription:
    'The ports and sockets of a BEAM node (TCP/UDP sockets, files, spawned OS commands, socket-module sockets), ranked by ' +
    'bytes in (input), bytes out (output), bytes queued in the driver (queueSize: unsent data, e.g. a peer that does not ' +
    'read) or memory, each with its driver, local and peer addresses and state for sockets, the OS pid of a spawned ' +
    'command, and its owner process. "filter" keeps ports whose id, driver or owner name contains it. Cost to the node: ' +
    "one port_info of every port for its driver and the sort key (about 0.2 µs each), each socket's driver statistics " +
    '(about 3 µs each), and addresses and state for the ports returned only.',
  userDescription: 'The ports and sockets of a BEAM node, by bytes in, out, queued or memory.',
  inputSchema: {
    type: 'object',
    properties: {
      node: NODE_PROPERTY,
      sortBy: { type: 'string', enum: [...PORT_SORT_KEYS], default: 'input', description: 'What to rank by' },
      limit: LIST_LIMIT,
      filter: FILTER("id, driver name or owner's registered name"),
    },
    additionalProperties: false,
  },
  needsConfirmation: false,
  describe: (input) => ({ running: `Ranking ports by ${typeof input.sortBy === 'string' ? input.sortBy : 'input'}` }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node', 'sortBy', 'limit', 'filter']);
    const sortBy = oneOf(input, 'sortBy', PORT_SORT_KEYS, 'input');
    const limit = integerIn(input, 'limit', 1, 100, 20);
    const filter = optionalText(input, 'filter', 200);
    const node = await source.node(nodeName(input));
    await requireCapability(node, 'ports/list', 'list its ports');
    return portsText(await asked(node, () => readsOf(node).ports({ sortBy, limit, filter: filter ?? null })), filter);
  },
};

export const systemInfo: ToolSpec = {
  name: 'beam_system_info',
  displayName: 'BEAM System Info',
  referenceName: 'beamSystem',
  modelDescription:
    'The system of a BEAM node: OTP, ERTS and Elixir versions, architecture, uptime, schedulers and logical processors, ' +
    'process/port/atom/ETS-table counts against their limits (saying which are above 80%), memory by kind, and the memory ' +
    'allocators: what their carriers hold from the OS against what is in use in them, per allocator family (low use means ' +
    'fragmentation: memory the node holds but does not use). Use it for "why does the node use so much memory" after ' +
    'beam_node_overview. Cost to the node: counts and versions are read without locks, erlang:memory/0, and the allocator ' +
    "sizes of every scheduler's allocator instances (the dearest part); under a millisecond in all (0.3-0.5 ms measured on 2 schedulers), no process is asked anything.",
  userDescription: 'Versions, uptime, limits, memory and allocator fragmentation of a BEAM node.',
  inputSchema: { type: 'object', properties: { node: NODE_PROPERTY }, additionalProperties: false },
  needsConfirmation: false,
  describe: (input) => ({ running: `Reading the system of ${typeof input.node === 'string' ? input.node : 'the node'}` }),
  async run(raw, source) {
    const input = inputObject(this.name, raw, ['node']);
    const node = await source.node(nodeName(input));
    await requireCapability(node, 'system/info', 'describe its system');
    return systemInfoText(await asked(node, () => readsOf(node).systemInfo()));
  },
};
