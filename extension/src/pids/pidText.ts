/**
 * PIDs as users meet them: `#PID<0.123.0>` in Elixir output, `<0.123.0>` in
 * Erlang output. The first number is the index of the node *as seen from
 * the node that printed the pid*: 0 is that node itself, anything else is
 * another node, and must never be resolved as if it were local.
 */

export interface PidMatch {
  /** The text as it appears, e.g. "#PID<0.123.0>". */
  text: string;
  /** The agent's form, e.g. "<0.123.0>". */
  pid: string;
  nodeIndex: number;
  /** Offset of `text` in the searched string. */
  start: number;
  end: number;
}

// Bounded digit runs keep the scan linear on hostile input.
const PID_PATTERN = /(#PID)?<(\d{1,10})\.(\d{1,10})\.(\d{1,10})>/g;

/** Every pid in a line of text, left to right. */
export function findPids(text: string): PidMatch[] {
  const found: PidMatch[] = [];
  for (const m of text.matchAll(PID_PATTERN)) {
    const start = m.index ?? 0;
    found.push({
      text: m[0],
      pid: `<${m[2]}.${m[3]}.${m[4]}>`,
      nodeIndex: Number(m[2]),
      start,
      end: start + m[0].length,
    });
  }
  return found;
}

/** The pid at a character offset, if the offset falls inside one. */
export function pidAt(text: string, offset: number): PidMatch | undefined {
  return findPids(text).find((p) => offset >= p.start && offset <= p.end);
}

/** Parse what a user typed or pasted: "<0.1.0>", "#PID<0.1.0>", "0.1.0". */
export function parsePid(input: string): PidMatch | undefined {
  const trimmed = input.trim();
  const withBrackets = /^\d+\.\d+\.\d+$/.test(trimmed) ? `<${trimmed}>` : trimmed;
  const [match] = findPids(withBrackets);
  return match && match.text.length === withBrackets.length ? match : undefined;
}

export function isLocalPid(p: PidMatch): boolean {
  return p.nodeIndex === 0;
}

/** The explanation shown for a pid of another node. */
export function otherNodeMessage(p: PidMatch): string {
  return (
    `${p.text} belongs to another node (node number ${p.nodeIndex} as seen from the node that printed it). ` +
    'Connect to the node that printed it: its agent resolves the number to a node of its cluster.'
  );
}
