/**
 * The modules and functions an Elixir or Erlang source file defines, read
 * from its text: what the tracing CodeLens needs (module, function, arity
 * and where the head is). Not a parser of the languages: a line scanner that
 * knows their definition forms, for formatted code.
 *
 * - Elixir: `defmodule A.B do` (nested modules by indentation, as `mix
 *   format` writes them), `def`/`defp` heads, on one line or several, with
 *   `when` guards, `do:` bodies and default arguments (`b \\ 1` defines
 *   f/1 and f/2). Bodiless heads (`def f(a, b \\ 1)`) only declare defaults.
 * - Erlang: `-module(name).` and function clauses starting in column 0;
 *   consecutive clauses of the same name and arity are one function.
 *
 * A function with several clauses is one function, at its first clause.
 * DOM- and vscode-free: the extension and the unit tests import it.
 */

export type SourceLanguage = 'elixir' | 'erlang';

export interface SourceFunction {
  /** The module as the runtime names it: "Elixir.Shop.Cart", "shop_cart". */
  module: string;
  name: string;
  /** Every arity the definition gives (more than one with default arguments), lowest first. */
  arities: number[];
  /** 0-based line of the first clause's head. */
  line: number;
  /** Where the head ends (the end of its last line): where a live figure goes. */
  headEnd: { line: number; character: number };
  private: boolean;
}

export interface SourceFile {
  language: SourceLanguage;
  /** Every module defined, in order. */
  modules: string[];
  functions: SourceFunction[];
}

export function languageOf(fileName: string): SourceLanguage | undefined {
  if (/\.exs?$/.test(fileName)) return 'elixir';
  if (/\.erl$/.test(fileName)) return 'erlang';
  return undefined;
}

export function parseSource(text: string, language: SourceLanguage): SourceFile {
  const lines = text.split(/\r?\n/);
  return language === 'elixir' ? parseElixir(lines) : parseErlang(lines);
}

// ---------------------------------------------------------------------------
// Arguments

/**
 * The text between the parenthesis at `lines[line][col]` and its match, with
 * where it closes; undefined when it never closes within 50 lines. Strings
 * and comments (`comment` to the end of the line) are skipped over.
 */
function balanced(
  lines: string[],
  line: number,
  col: number,
  comment: '#' | '%',
): { args: string; endLine: number; endCol: number } | undefined {
  let depth = 0;
  let args = '';
  let quote: string | undefined;
  for (let l = line; l < Math.min(lines.length, line + 50); l++) {
    const text = lines[l];
    for (let c = l === line ? col : 0; c < text.length; c++) {
      const ch = text[c];
      if (quote) {
        if (ch === '\\') {
          args += ch + (text[c + 1] ?? '');
          c++;
          continue;
        }
        if (ch === quote) quote = undefined;
        args += ch;
        continue;
      }
      if (ch === comment && text[c - 1] !== '$' && text[c - 1] !== '?') break;
      if (ch === '"' || ch === "'") quote = ch;
      else if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth--;
      if (depth === 0) return { args: args.slice(1), endLine: l, endCol: c + 1 };
      args += ch;
    }
    args += ' ';
  }
  return undefined;
}

/** The top-level parts of an argument list ("a, {b, c}, d" → 3). */
function splitArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < args.length; i++) {
    const ch = args[i];
    if (quote) {
      if (ch === '\\') {
        current += ch + (args[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch) || (ch === '<' && args[i + 1] === '<')) depth++;
    else if (')]}'.includes(ch) || (ch === '>' && args[i - 1] === '>' && depth > 0 && args[i - 2] !== '=')) depth--;
    if (ch === ',' && depth === 0 && !quote) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

// ---------------------------------------------------------------------------
// Elixir

const DEFMODULE = /^(\s*)defmodule\s+([A-Z][\w.]*)\s+do\b/;
const DEF = /^(\s*)(defp?)\s+([a-z_][\w]*[?!]?)\s*(\(|,\s*do:|\s+do\b|\s+when\b|\s*$)/;

function parseElixir(lines: string[]): SourceFile {
  const modules: string[] = [];
  const functions: SourceFunction[] = [];
  const stack: { indent: number; name: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (/^\s*(#|$)/.test(text)) continue;
    const indent = text.length - text.trimStart().length;
    while (stack.length > 0 && indent <= stack[stack.length - 1].indent && !/^\s*end\b/.test(text)) stack.pop();
    if (/^\s*end\b/.test(text) && stack.length > 0 && indent === stack[stack.length - 1].indent) {
      stack.pop();
      continue;
    }
    const mod = DEFMODULE.exec(text);
    if (mod) {
      const name = mod[2].startsWith('__MODULE__') ? mod[2] : [...stack.map((s) => s.name), mod[2]].join('.');
      stack.push({ indent, name });
      modules.push(`Elixir.${name}`);
      continue;
    }
    const def = DEF.exec(text);
    if (!def || stack.length === 0) continue;
    const module = `Elixir.${stack[stack.length - 1].name}`;
    const found = elixirHead(lines, i, def);
    if (!found) continue;
    addClause(functions, { module, name: def[3], ...found, line: i, private: def[2] === 'defp' });
    i = found.headEnd.line;
  }
  return { language: 'elixir', modules, functions };
}

function elixirHead(
  lines: string[],
  i: number,
  def: RegExpExecArray,
): { arities: number[]; headEnd: { line: number; character: number } } | undefined {
  const text = lines[i];
  if (def[4] !== '(') {
    // f do, f, do:, f when ...: no arguments.
    return { arities: [0], headEnd: { line: i, character: text.trimEnd().length } };
  }
  const open = def.index + def[0].length - 1;
  const closed = balanced(lines, i, open, '#');
  if (!closed) return undefined;
  const parts = closed.args.trim() === '' ? [] : splitArgs(closed.args);
  // Default arguments (b \\ 1) define one arity per default left out.
  const defaults = parts.filter((p) => p.includes('\\\\')).length;
  const arities = Array.from({ length: defaults + 1 }, (_, k) => parts.length - defaults + k);
  return { arities, headEnd: { line: closed.endLine, character: lines[closed.endLine].trimEnd().length } };
}

/**
 * Another clause of a function already seen (same module, name and highest
 * arity: also the clauses after a bodiless head that declares defaults) adds
 * to it; anything else is a new function.
 */
function addClause(functions: SourceFunction[], fn: SourceFunction): void {
  const top = (f: SourceFunction) => f.arities[f.arities.length - 1];
  const same = functions.find((f) => f.module === fn.module && f.name === fn.name && top(f) === top(fn));
  if (!same) {
    functions.push(fn);
    return;
  }
  same.arities = [...new Set([...same.arities, ...fn.arities])].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------
// Erlang

const ERLANG_MODULE = /^-module\(\s*'?([a-z][\w@]*|[^']+)'?\s*\)\s*\./;
const ERLANG_CLAUSE = /^('(?:[^'\\]|\\.)+'|[a-z][\w@]*)\s*\(/;

function parseErlang(lines: string[]): SourceFile {
  let module: string | undefined;
  const functions: SourceFunction[] = [];
  let previous: SourceFunction | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const mod = ERLANG_MODULE.exec(text);
    if (mod) {
      module = mod[1];
      continue;
    }
    const clause = ERLANG_CLAUSE.exec(text);
    if (!clause || !module) continue;
    const closed = balanced(lines, i, clause[0].length - 1, '%');
    if (!closed) continue;
    const rest = lines[closed.endLine].slice(closed.endCol);
    // A clause head: "->" or a guard after the arguments (maybe on the next line).
    if (!/^\s*(->|when\b)/.test(rest) && !/^\s*(->|when\b)/.test(lines[closed.endLine + 1] ?? '')) continue;
    const name = clause[1].replace(/^'(.*)'$/, '$1');
    const arity = closed.args.trim() === '' ? 0 : splitArgs(closed.args).length;
    const headEnd = { line: closed.endLine, character: lines[closed.endLine].trimEnd().length };
    if (previous && previous.name === name && previous.arities[0] === arity) {
      i = closed.endLine;
      continue;
    }
    previous = { module, name, arities: [arity], line: i, headEnd, private: false };
    functions.push(previous);
    i = closed.endLine;
  }
  return { language: 'erlang', modules: module ? [module] : [], functions };
}

/** "Shop.Cart.total/1" or "shop_cart:total/1", as a user writes it. */
export function displayName(module: string, name: string, arity?: number): string {
  const elixir = module.startsWith('Elixir.');
  const shown = elixir ? `${module.slice('Elixir.'.length)}.${name}` : `${module}:${name}`;
  return arity === undefined ? shown : `${shown}/${arity}`;
}

/**
 * "Shop.Cart.total/1", "Shop.Cart.total", "shop_cart:total/1", "Elixir.Shop.Cart.total/1", "Shop.Cart"
 * → the call to trace; undefined when it reads as none of them.
 */
export function parseFunctionName(text: string): { module: string; function?: string; arity?: number } | undefined {
  const trimmed = text.trim().replace(/^:/, '');
  const erlang = /^([a-z][\w@]*):([a-z_][\w@]*[?!]?|'[^']+')(?:\/(\d{1,3}))?$/.exec(trimmed);
  if (erlang) {
    return { module: erlang[1], function: erlang[2].replace(/^'(.*)'$/, '$1'), ...(erlang[3] ? { arity: Number(erlang[3]) } : {}) };
  }
  const elixir = /^(?:Elixir\.)?((?:[A-Z]\w*\.)*[A-Z]\w*)(?:\.([a-z_]\w*[?!]?)(?:\/(\d{1,3}))?)?$/.exec(trimmed);
  if (elixir) {
    return {
      module: `Elixir.${elixir[1]}`,
      ...(elixir[2] ? { function: elixir[2] } : {}),
      ...(elixir[3] ? { arity: Number(elixir[3]) } : {}),
    };
  }
  const erlangModule = /^([a-z][\w@]*)$/.exec(trimmed);
  return erlangModule ? { module: erlangModule[1] } : undefined;
}
