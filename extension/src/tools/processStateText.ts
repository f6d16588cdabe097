/**
 * A process's state as a model reads it: the text the agent formatted inside
 * the process (Elixir's `inspect` in an Elixir node, which hides the fields an
 * application marks secret; `io_lib` with a depth limit in an Erlang node),
 * the same text the process tree shows, cut to the tree's 200 lines and the
 * tools' size. Pure and unit-tested.
 */
import type { ProcessState } from '../protocol/agentProtocol';
import { stateLines } from '../views/processDetails';
import { boundedLines, grouped } from './toolText';

/** Lines of state shown, as in the process tree. */
export const MAX_STATE_LINES = 200;

function howFormatted(state: ProcessState): string {
  return state.language === 'elixir'
    ? "formatted inside the process by Elixir's inspect (limit 50 items per collection, 4,096 characters per string; fields the application marks secret with @derive {Inspect, except: ...} are hidden)"
    : 'formatted inside the process by io_lib with a depth limit of 40 (deeper terms read "...")';
}

export function processStateText(state: ProcessState, label?: string): string {
  const who = label ? `${state.pid} (${label})` : state.pid;
  const heading = `State of ${who} on ${state.node}, a ${state.behaviour}, ${howFormatted(state)}; read in ${state.elapsedMs} ms:`;
  const { lines, more } = stateLines(state.text, MAX_STATE_LINES);
  const notes: string[] = [];
  if (more > 0) notes.push(`[cut: the first ${MAX_STATE_LINES} lines shown, ${grouped(more)} more lines left out]`);
  if (state.bytes > 0 && state.truncated) {
    notes.push(
      `[the agent's text is ${grouped(state.bytes)} bytes and elided: "..." marks where the formatter's limits left parts out ` +
        '(or the state\'s own text contains "...")]',
    );
  }
  return boundedLines(
    [heading, ...lines, ...notes],
    (cut) =>
      `[cut: ${grouped(cut.omittedBytes)} of ${grouped(cut.totalBytes)} bytes left out to keep this answer short; ` +
      'the full state opens in VS Code with "BEAM Observer: Inspect Process State"]',
  );
}
