/** The oracle's model of the agent's JSON parser. */

// ---------------------------------------------------------------------------
// Model of the agent's JSON (RFC 8259 with the documented limits)
// ---------------------------------------------------------------------------

export interface JNumber {
  kind: 'int' | 'float';
  value: number;
}
export class JObject {
  constructor(readonly members: Map<string, JValue>) {}
  get(key: string): JValue | undefined {
    return this.members.get(key);
  }
  has(key: string): boolean {
    return this.members.has(key);
  }
}
export type JValue = null | boolean | string | JNumber | JValue[] | JObject;

export const isNumber = (v: JValue | undefined): v is JNumber =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JObject);
export const isInt = (v: JValue | undefined): v is JNumber => isNumber(v) && v.kind === 'int';

const JSON_MAX_DEPTH = 64;
const JSON_MAX_INTEGER_DIGITS = 1000;

export class JsonModelError extends Error {}

/**
 * Parse text as the agent must: RFC 8259 JSON, nesting at most 64 deep,
 * integers of at most 1000 digits, floats within the double range, no
 * unpaired surrogate escapes. Integers and floats stay distinct (5 and 5.0
 * are not the same parameter).
 */
export function parseJson(text: string): JValue | JsonModelError {
  let i = 0;
  const n = text.length;
  const fail = (why: string): never => {
    throw new JsonModelError(`${why} at ${i}`);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const hex4 = (): number => {
    const digits = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('bad \\u escape');
    i += 4;
    return parseInt(digits, 16);
  };
  const string = (): string => {
    i++; // the opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        out += text[i++];
        continue;
      }
      i++;
      const e = text[i++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const cp = hex4();
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (text.slice(i, i + 2) !== '\\u') fail('unpaired surrogate');
            i += 2;
            const low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail('unpaired surrogate');
            out += String.fromCharCode(cp, low);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            fail('unpaired surrogate');
          } else {
            out += String.fromCharCode(cp);
          }
          break;
        }
        default:
          fail('bad escape');
      }
    }
  };
  const numberRe = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const number = (): JNumber => {
    numberRe.lastIndex = i;
    const m = numberRe.exec(text);
    if (!m) return fail('bad number');
    const lexeme = m[0];
    i += lexeme.length;
    if (m[1] === undefined && m[2] === undefined) {
      const digits = lexeme.length - (lexeme.startsWith('-') ? 1 : 0);
      if (digits > JSON_MAX_INTEGER_DIGITS) fail('integer too long');
      return { kind: 'int', value: Number(lexeme) };
    }
    const value = Number(lexeme);
    if (!Number.isFinite(value)) fail('float out of range');
    return { kind: 'float', value };
  };
  const literal = (word: string, value: JValue): JValue => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('bad literal');
  };
  const value = (depth: number): JValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      if (depth + 1 > JSON_MAX_DEPTH) fail('too deep');
      i++;
      const members = new Map<string, JValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return new JObject(members);
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i] !== ':') fail('expected a colon');
        i++;
        members.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return new JObject(members);
        }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      if (depth + 1 > JSON_MAX_DEPTH) fail('too deep');
      i++;
      const items: JValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        fail('expected , or ]');
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    return fail('unexpected character');
  };
  try {
    const result = value(0);
    ws();
    if (i !== n) fail('trailing characters');
    return result;
  } catch (error) {
    if (error instanceof JsonModelError) return error;
    throw error;
  }
}
