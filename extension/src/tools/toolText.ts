/**
 * The size rule of every tool's answer: a language model reads it whole, so
 * an answer is at most MAX_TOOL_TEXT_BYTES of UTF-8 (about 3,000 tokens),
 * cut at a line where possible, and always says what was left out and how to
 * ask for less. Pure functions, shared by the VS Code tools and the MCP server.
 */

/** The most an answer may hold, in bytes of UTF-8. */
export const MAX_TOOL_TEXT_BYTES = 12_000;

/** Room kept for the line that says what was cut. */
const NOTE_ROOM = 400;

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** What a cut left out, for the note that ends a cut answer. */
export interface Cut {
  /** Lines shown in full (a line cut in its middle is not counted). */
  shownLines: number;
  totalLines: number;
  /** Bytes of the whole text and of what was left out. */
  totalBytes: number;
  omittedBytes: number;
}

/**
 * `lines` joined with newlines, whole when they fit in `maxBytes`; otherwise
 * the first lines that fit (the last one cut at a character when a single line
 * is too long) and then the line `note(cut)` returns.
 */
export function boundedLines(lines: readonly string[], note: (cut: Cut) => string, maxBytes = MAX_TOOL_TEXT_BYTES): string {
  const whole = lines.join('\n');
  const totalBytes = utf8Bytes(whole);
  if (totalBytes <= maxBytes) return whole;
  const budget = Math.max(0, maxBytes - NOTE_ROOM);
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const size = utf8Bytes(line) + 1;
    if (used + size > budget) {
      // A first line longer than the budget (a state printed on one line): keep its start.
      if (kept.length === 0) kept.push(cutToBytes(line, budget));
      break;
    }
    kept.push(line);
    used += size;
  }
  const shownLines = kept.length === 1 && utf8Bytes(kept[0]) < utf8Bytes(lines[0]) ? 0 : kept.length;
  const shown = kept.join('\n');
  const cut: Cut = { shownLines, totalLines: lines.length, totalBytes, omittedBytes: totalBytes - utf8Bytes(shown) };
  return `${shown}\n${note(cut)}`;
}

/** The longest start of `text` within `maxBytes` of UTF-8, never splitting a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Bytes(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/** "1,234" */
export function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "3 processes", "1 process" */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${grouped(n)} ${n === 1 ? one : many}`;
}

/** At most `max` items joined, then "… and N more". */
export function listSome(items: readonly string[], max: number, separator = ', '): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, max).join(separator);
  return items.length > max ? `${shown}${separator}… and ${grouped(items.length - max)} more` : shown;
}
