/** Byte and text helpers: UTF-8 checks, hex dumps and building JSON text. */

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const lenientUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function isValidUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A string whose characters are bytes (latin1), from UTF-8 text. */
export function u8(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function hex(bytes: Buffer, max = 300): string {
  const shown = bytes.subarray(0, max).toString('hex');
  return bytes.length > max ? `${shown}… (${bytes.length} bytes in all)` : `${shown} (${bytes.length} bytes)`;
}

export const S = (text: string): string => JSON.stringify(text);

/** A JSON object from already-encoded member values (undefined leaves a member out). */
export function obj(members: Record<string, string | undefined>): string {
  return `{${Object.entries(members)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${S(k)}:${v}`)
    .join(',')}}`;
}
