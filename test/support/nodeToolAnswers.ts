/**
 * Agent answers of the rest of the node (issue 12) recorded from real nodes
 * (test/fixtures/tools/node-answers.json, made by
 * test/fixtures/tools/recordNode.ts): what the unit tests of the supervision,
 * ETS, ports and system tools format instead of asking a live agent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ApplicationsList,
  EtsList,
  EtsRows,
  PortsList,
  SupervisorChildren,
  SystemInfo,
} from '../../extension/src/protocol/agentProtocol';
import { ROOT } from './beamNode';
import type { RecordedFailure } from './toolAnswers';

export const NODE_ANSWERS_FILE = join(ROOT, 'test', 'fixtures', 'tools', 'node-answers.json');

export interface NodeToolAnswers {
  erlang: {
    fixture: { pids: Record<string, string>; sockets: { listen: string; listenPort: number } };
    applications: ApplicationsList;
    childrenTop: SupervisorChildren;
    /** nf_pool's first 50 of 250 children. */
    childrenPoolPage: SupervisorChildren;
    /** nf_pool's children from 240: the last 10. */
    childrenPoolEnd: SupervisorChildren;
    errorNotSupervisor: RecordedFailure;
    system: SystemInfo;
    etsByMemory: EtsList;
    etsFiltered: EtsList;
    etsRowsPublic: EtsRows;
    etsRowsBag: EtsRows;
    errorPrivateTable: RecordedFailure;
    portsByInput: PortsList;
    portsFiltered: PortsList;
  };
  elixir: {
    fixture: { pids: Record<string, string> };
    applications: ApplicationsList;
    childrenTop: SupervisorChildren;
    childrenDynamic: SupervisorChildren;
    etsRowsAccounts: EtsRows;
    system: SystemInfo;
  };
}

export function loadNodeToolAnswers(): NodeToolAnswers {
  return JSON.parse(readFileSync(NODE_ANSWERS_FILE, 'utf8')) as NodeToolAnswers;
}
