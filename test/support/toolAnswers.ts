/**
 * Agent answers recorded from real nodes (test/fixtures/tools/answers.json,
 * made by test/fixtures/tools/record.ts): what the language-model tools'
 * unit tests format instead of asking a live agent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  InitializeResult,
  LoadSample,
  PidResolveResult,
  ProcessesListResult,
  ProcessInfo,
  ProcessState,
} from '../../extension/src/protocol/agentProtocol';
import { ROOT } from './beamNode';

export const TOOL_ANSWERS_FILE = join(ROOT, 'test', 'fixtures', 'tools', 'answers.json');

export interface RecordedFailure {
  code: number | undefined;
  message: string;
}

export interface ToolAnswers {
  elixir: {
    fixture: { node: string; pids: Record<string, string>; peer: { node: string; pid: string } };
    initialize: InitializeResult;
    samples: LoadSample[];
    listReductions: ProcessesListResult;
    listReductionsMany: ProcessesListResult;
    listMemory: ProcessesListResult;
    listQueue: ProcessesListResult;
    listFiltered: ProcessesListResult;
    listNoMatch: ProcessesListResult;
    infoBusy: ProcessInfo;
    infoDeep: ProcessInfo;
    infoCrowd: ProcessInfo;
    infoInbox: ProcessInfo;
    infoCounter: ProcessInfo;
    stateVault: ProcessState;
    stateCounter: ProcessState;
    resolveRemote: PidResolveResult;
    infoRemote: ProcessInfo;
    resolveLocal: PidResolveResult;
    errorNotAlive: RecordedFailure;
    errorOtherNode: RecordedFailure;
    errorNotOtp: RecordedFailure;
  };
  erlang: {
    fixture: { pids: Record<string, string> };
    initialize: InitializeResult;
    stateCounter: ProcessState;
    stateBig: ProcessState;
    infoBig: ProcessInfo;
  };
}

export function loadToolAnswers(): ToolAnswers {
  return JSON.parse(readFileSync(TOOL_ANSWERS_FILE, 'utf8')) as ToolAnswers;
}
