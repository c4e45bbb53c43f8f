/**
 * The YAML subset that taming's config.yaml files use: block maps nested by
 * indentation, `- item` block lists (also at the key's own indentation), flow lists
 * and maps (`[1, 1, 2, 2, 4]`, `{a: 1}`), quoted and plain scalars, `#` comments.
 * Plain scalars resolve as PyYAML + OmegaConf (which read these files for taming) do:
 * ints, floats with or without a dot (`4.5e-06`, `1e-6`), true/false/yes/no/on/off,
 * null/~. Anchors, tags, block scalars and multi-document files are refused.
 */
import { VqganError } from '../core/errors.js';

interface Line {
  readonly no: number;
  readonly indent: number;
  /** Content after the indentation, comment and trailing spaces removed. */
  readonly text: string;
}

type Fail = (no: number, why: string) => never;

/** Cuts a `#` comment (at the start or after a space, outside quotes). */
function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === '\\' && quote === '"') i++; // an escaped character, maybe a quote
      else if (c === quote) quote = '';
    } else if (c === '\'' || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) {
      return text.slice(0, i);
    }
  }
  return text;
}

function splitLines(source: string, fail: Fail): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const no = i + 1;
    const indent = raw.length - raw.trimStart().length;
    if (raw.slice(0, indent).includes('\t')) fail(no, 'tab in indentation');
    const text = stripComment(raw.slice(indent)).trimEnd();
    if (text === '') return;
    if (text === '---' && lines.length === 0) return; // an explicit document start
    lines.push({ no, indent, text });
  });
  return lines;
}

const isListItem = (text: string): boolean => text === '-' || text.startsWith('- ');

/** Plain (unquoted) scalars, resolved as PyYAML's SafeLoader with OmegaConf's float rule. */
function resolvePlain(s: string): unknown {
  if (/^(null|Null|NULL|~)$/.test(s)) return null;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(s)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(s)) return false;
  if (/^[-+]?\d+$/.test(s) || /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(s)) return NaN;
  return s;
}

/**
 * One scalar or flow collection in `text` from `start`; returns it and where it ended.
 * `inFlow` stops plain scalars at `,` `]` `}` (inside [...] or {...}).
 */
function readValue(text: string, start: number, inFlow: boolean, no: number, fail: Fail): [unknown, number] {
  let p = start;
  while (text[p] === ' ') p++;
  const c = text[p];
  if (c === '[' || c === '{') {
    const close = c === '[' ? ']' : '}';
    const items: unknown[] = [];
    const entries: Entry[] = [];
    p++;
    for (;;) {
      while (text[p] === ' ') p++;
      if (text[p] === close) break;
      if (c === '{') {
        const colon = text.indexOf(':', p);
        if (colon < 0) fail(no, `flow map entry without ':' in ${text}`);
        const key = text.slice(p, colon).trim();
        const [value, end] = readValue(text, colon + 1, true, no, fail);
        entries.push({ key, value, no });
        p = end;
      } else {
        const [value, end] = readValue(text, p, true, no, fail);
        items.push(value);
        p = end;
      }
      while (text[p] === ' ') p++;
      if (text[p] === ',') p++;
      else if (text[p] !== close) fail(no, `expected ',' or '${close}' in ${text}`);
    }
    return [c === '[' ? items : toObject(entries, fail), p + 1];
  }
  if (c === '\'' || c === '"') return readQuoted(text, p, no, fail);
  if (c === '&' || c === '*' || c === '!' || c === '|' || c === '>' || c === '%' || c === '@' || c === '`') {
    fail(no, `unsupported YAML (anchors, aliases, tags, block scalars): ${text}`);
  }
  let end = p;
  while (end < text.length && !(inFlow && (text[end] === ',' || text[end] === ']' || text[end] === '}'))) end++;
  return [resolvePlain(text.slice(p, end).trim()), end];
}

/** 'single' ('' escapes a quote) or "double" (backslash escapes, JSON's set). */
function readQuoted(text: string, start: number, no: number, fail: Fail): [string, number] {
  const q = text[start];
  let out = '';
  let p = start + 1;
  for (;;) {
    if (p >= text.length) return fail(no, `unterminated string in ${text}`);
    const c = text[p];
    if (c === q && q === '\'' && text[p + 1] === '\'') {
      out += '\'';
      p += 2;
    } else if (c === q) {
      return [out, p + 1];
    } else if (c === '\\' && q === '"') {
      const m = /^\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(p));
      if (m === null) return fail(no, `unsupported escape in ${text}`);
      out += JSON.parse(`"${m[0]}"`) as string;
      p += m[0].length;
    } else {
      out += c;
      p++;
    }
  }
}

/** A whole scalar value (after `key:` or `- `): nothing may follow it. */
function scalar(text: string, no: number, fail: Fail): unknown {
  const [value, end] = readValue(text, 0, false, no, fail);
  if (text.slice(end).trim() !== '') fail(no, `unexpected text after a value: ${text}`);
  return value;
}

/** `key: rest` → [key, rest]; undefined when the line is not a map entry. */
function splitKey(text: string, no: number, fail: Fail): [string, string] | undefined {
  if (text[0] === '\'' || text[0] === '"') {
    const [key, end] = readQuoted(text, 0, no, fail);
    const rest = text.slice(end);
    return rest === ':' || rest.startsWith(': ') ? [key, rest.slice(1).trim()] : undefined;
  }
  if (text[0] === '[' || text[0] === '{') return undefined;
  const colon = text.search(/:( |$)/);
  return colon <= 0 ? undefined : [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

interface Entry {
  readonly key: string;
  readonly value: unknown;
  /** The line the key is on, for a duplicate's message. */
  readonly no: number;
}

/** A plain object with every key its own property (`__proto__` included); duplicates refused. */
function toObject(entries: Entry[], fail: Fail): Record<string, unknown> {
  const seen = new Set<string>();
  for (const { key, no } of entries) {
    if (seen.has(key)) fail(no, `duplicate key ${key}`);
    seen.add(key);
  }
  return Object.fromEntries(entries.map(({ key, value }) => [key, value]));
}

class BlockParser {
  private i = 0;
  constructor(private readonly lines: Line[], private readonly fail: Fail) {}

  parseDocument(): unknown {
    if (this.lines.length === 0) return null;
    const value = this.block(this.lines[0]!.indent);
    const extra = this.lines[this.i];
    if (extra !== undefined) this.fail(extra.no, `unexpected ${extra.text} (indentation, or a list item among keys?)`);
    return value;
  }

  /** The block (map or list) whose lines start at the current line's indentation. */
  private block(indent: number): unknown {
    return isListItem(this.lines[this.i]!.text) ? this.list(indent) : this.map(indent);
  }

  /** What follows `key:` with nothing after the colon: a deeper block, a list at the same indentation, or null. */
  private nested(indent: number): unknown {
    const next = this.lines[this.i];
    if (next !== undefined && next.indent > indent) return this.block(next.indent);
    if (next !== undefined && next.indent === indent && isListItem(next.text)) return this.list(indent);
    return null;
  }

  private map(indent: number): Record<string, unknown> {
    const entries: Entry[] = [];
    while (
      this.i < this.lines.length && this.lines[this.i]!.indent === indent && !isListItem(this.lines[this.i]!.text)
    ) {
      const line = this.lines[this.i++]!;
      const kv = splitKey(line.text, line.no, this.fail)
        ?? this.fail(line.no, `expected 'key: value', got ${line.text}`);
      entries.push({
        key: kv[0],
        value: kv[1] === '' ? this.nested(indent) : scalar(kv[1], line.no, this.fail),
        no: line.no,
      });
      const next = this.lines[this.i];
      if (next !== undefined && next.indent > indent) this.fail(next.no, 'unexpected indentation');
    }
    return toObject(entries, this.fail);
  }

  private list(indent: number): unknown[] {
    const items: unknown[] = [];
    while (
      this.i < this.lines.length && this.lines[this.i]!.indent === indent && isListItem(this.lines[this.i]!.text)
    ) {
      const line = this.lines[this.i]!;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        // A bare `-`: the item is the deeper block below it, if any.
        this.i++;
        const next = this.lines[this.i];
        items.push(next !== undefined && next.indent > indent ? this.block(next.indent) : null);
      } else if (isListItem(rest) || splitKey(rest, line.no, this.fail) !== undefined) {
        // `- key: value` or `- - x`: the item is a block starting at the text's column.
        const column = indent + line.text.length - rest.length;
        this.lines[this.i] = { no: line.no, indent: column, text: rest };
        items.push(this.block(column));
      } else {
        this.i++;
        items.push(scalar(rest, line.no, this.fail));
      }
    }
    return items;
  }
}

/** Parses `text` (the contents of file `name`); unsupported YAML is a BAD_FORMAT naming the line. */
export function parseYamlSubset(text: string, name: string): unknown {
  const fail: Fail = (no, why) => {
    throw new VqganError('BAD_FORMAT', `${name}: line ${no}: ${why}`);
  };
  return new BlockParser(splitLines(text, fail), fail).parseDocument();
}
