import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, UsageError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { indexLines, JsonlParser, parseJsonlLines, readJsonlBytes, type LineIndex } from './jsonl-bytes.js';
import { crlfNote, readUtf8Lines, type PieceFacts } from './read-text.js';
import type { Corpus, Pair } from './types.js';
import type { ZhLang } from '../core/types.js';
import { loadStandardCorpus, type StandardCorpusOptions } from './standard.js';

export const BUNDLED_CORPUS_PATH = fileURLToPath(new URL('../../corpora/bundled/zh-en.jsonl', import.meta.url));

const HAS_LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Per-pair validation, shared with the streaming reader (src/core/stream.ts) so both say the same thing. */
export function checkPair(pair: Pair, where: string, noEscapes = false): void {
  if (pair.zh.trim() === '' && pair.en.trim() === '') throw new DataError(`${where}: empty pair (both sides blank)`, 'remove the line or fill both sides');
  if (pair.zh.trim() === '') throw new DataError(`${where}: the Chinese side is empty`, 'every pair needs both a Chinese and an English text');
  if (pair.en.trim() === '') throw new DataError(`${where}: the English side is empty`, 'every pair needs both a Chinese and an English text');
  // Valid UTF-8 cannot hold a lone surrogate: only a JSON \u escape can make one, so callers that know there is
  // no escape skip this scan (see parseJsonlLine).
  if (!noEscapes && (HAS_LONE_SURROGATE.test(pair.zh) || HAS_LONE_SURROGATE.test(pair.en))) {
    throw new DataError(`${where}: text contains a lone UTF-16 surrogate (a broken \\u escape)`, 'fix the escape sequence; it is not a valid character');
  }
}

/**
 * Duplicate ids, found with an open-addressing table of pair indices keyed by an FNV-1a hash of the id: on a 100 MB
 * corpus a Set<string> cost three times as much (it grows by rehashing, and each new string's hash is computed apart).
 */
function checkUniqueIds(pairs: Pair[], path: string): void {
  const n = pairs.length;
  let capacity = 16;
  while (capacity < n * 2) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity).fill(-1);
  for (let k = 0; k < n; k++) {
    const id = pairs[k]!.id;
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const at = slots[j]!;
      if (at < 0) {
        slots[j] = k;
        break;
      }
      if (pairs[at]!.id === id) throw new DataError(`${path}: duplicate pair id "${id}" on lines ${at + 1} and ${k + 1}`, 'ids must be unique');
    }
  }
}

const CONTROL_CHAR = /[\u0000-\u001f]/;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The fields of a pair's line that tokbench reads; others are checked as JSON and ignored. */
export interface FlatPairFields {
  id?: string;
  domain?: string;
  zh?: string;
  en?: string;
}

/** Index of the quote closing the JSON string whose text starts at `from`, or -1: the first quote not escaped. */
function closingQuote(line: string, from: number): number {
  for (let q = line.indexOf('"', from); q >= 0; q = line.indexOf('"', q + 1)) {
    let b = q - 1;
    while (b >= from && line.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
  return -1;
}

/** The JSON string literal line[open..close] as a string: a slice when it has no escape, else JSON.parse's reading (undefined if invalid). */
function stringAt(line: string, open: number, close: number): string | undefined {
  const raw = line.slice(open + 1, close);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(line.slice(open, close + 1)) as string;
  } catch {
    return undefined;
  }
}

/**
 * The key line[open..close] as one of the fields tokbench reads, '' for any other key, undefined if invalid. The four
 * names are recognised in place, so the millions of keys of a big corpus allocate nothing.
 */
function fieldName(line: string, open: number, close: number): keyof FlatPairFields | '' | undefined {
  const len = close - open - 1;
  const c = line.charCodeAt(open + 1);
  if (len === 2 && c === 0x7a /* z */ && line.charCodeAt(open + 2) === 0x68 /* h */) return 'zh';
  if (len === 2 && c === 0x65 /* e */ && line.charCodeAt(open + 2) === 0x6e /* n */) return 'en';
  if (len === 2 && c === 0x69 /* i */ && line.charCodeAt(open + 2) === 0x64 /* d */) return 'id';
  if (len === 6 && c === 0x64 /* d */ && line.startsWith('domain', open + 1)) return 'domain';
  const key = stringAt(line, open, close);
  if (key === undefined) return undefined;
  return key === 'zh' || key === 'en' || key === 'id' || key === 'domain' ? key : '';
}

/**
 * The usual JSONL line, one flat object whose values are all strings, read without JSON.parse on the whole line. A
 * string with no escape is exactly the characters between its quotes, so it is taken as a slice of the line (which V8
 * keeps as a view of the file's text) instead of a copy: on a 100 MB corpus JSON.parse's copies cost more garbage
 * collection than the parsing itself. A string with escapes is read by JSON.parse alone. Anything else (a control
 * character, a number, nesting, a syntax error) gives undefined and the line goes to JSON.parse, which also words
 * the errors. Without control characters the only JSON whitespace left is the space. Duplicate keys: the last wins,
 * as in JSON.parse. test/corpora/jsonl-fast.test.ts checks it against JSON.parse on real and generated lines.
 */
export function parseFlatStringObject(line: string): FlatPairFields | undefined {
  if (CONTROL_CHAR.test(line)) return undefined;
  const n = line.length;
  let i = 0;
  while (line.charCodeAt(i) === SPACE) i++;
  if (line.charCodeAt(i++) !== 0x7b /* { */) return undefined;
  while (line.charCodeAt(i) === SPACE) i++;
  const out: FlatPairFields = {};
  if (line.charCodeAt(i) === 0x7d /* } */) i++;
  else {
    for (;;) {
      if (line.charCodeAt(i) !== QUOTE) return undefined;
      const keyEnd = closingQuote(line, i + 1);
      if (keyEnd < 0) return undefined;
      const key = fieldName(line, i, keyEnd);
      if (key === undefined) return undefined;
      i = keyEnd + 1;
      while (line.charCodeAt(i) === SPACE) i++;
      if (line.charCodeAt(i++) !== 0x3a /* : */) return undefined;
      while (line.charCodeAt(i) === SPACE) i++;
      if (line.charCodeAt(i) !== QUOTE) return undefined;
      const valueEnd = closingQuote(line, i + 1);
      if (valueEnd < 0) return undefined;
      const value = stringAt(line, i, valueEnd);
      if (value === undefined) return undefined;
      if (key !== '') out[key] = value;
      i = valueEnd + 1;
      while (line.charCodeAt(i) === SPACE) i++;
      const c = line.charCodeAt(i++);
      if (c === 0x7d /* } */) break;
      if (c !== 0x2c /* , */) return undefined;
      while (line.charCodeAt(i) === SPACE) i++;
    }
  }
  while (line.charCodeAt(i) === SPACE) i++;
  return i === n ? out : undefined;
}

/** One non-blank JSONL line → a checked Pair; `ordinal` (1-based among pairs) is the id when the line has none. Shared with stream.ts. */
export function parseJsonlLine(line: string, where: string, ordinal: number): Pair {
  const f = parseFlatStringObject(line) ?? jsonFields(line, where);
  if (f.zh === undefined || f.en === undefined) {
    throw new DataError(`${where}: missing string fields "zh" and "en"`, 'each line must be {"zh": "…", "en": "…"} (optional "id", "domain")');
  }
  const pair: Pair = { id: f.id ?? String(ordinal), domain: f.domain || 'general', zh: f.zh, en: f.en };
  checkPair(pair, where, !line.includes('\\u'));
  return pair;
}

/** The fields of a line the fast path refused, read by JSON.parse (whose message reports a syntax error). */
function jsonFields(line: string, where: string): FlatPairFields {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    throw new DataError(`${where}: not valid JSON (${(err as Error).message})`, 'each line must be one JSON object like {"zh": "…", "en": "…"}');
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new DataError(`${where}: expected a JSON object`, 'each line must be {"zh": "…", "en": "…"}');
  const o = obj as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { id: typeof o.id === 'number' ? String(o.id) : text(o.id), domain: text(o.domain), zh: text(o.zh), en: text(o.en) };
}

/** One non-blank TSV line (1-based `lineNo`, which is its id) → a checked Pair. Shared with stream.ts. */
export function parseTsvLine(line: string, where: string, lineNo: number): Pair {
  const cols = line.split('\t');
  if (cols.length < 2) throw new DataError(`${where}: no TAB between the Chinese and English text`, 'each line must be <zh><TAB><en>');
  if (cols.length > 2) throw new DataError(`${where}: ${cols.length} TAB-separated columns, expected 2`, 'each line must be <zh><TAB><en>, with no TAB inside the texts');
  const pair: Pair = { id: String(lineNo), domain: 'general', zh: cols[0]!, en: cols[1]! };
  checkPair(pair, where);
  return pair;
}

/**
 * A line-based corpus file, read and split into lines but parsed on demand: a parallel run plans its chunks on the
 * lines' sizes and starts counting the first chunks while the rest is parsed (src/core/parallel.ts). Parsing in
 * steps gives exactly what parsing at once gives: the same pairs, errors and messages (loadJsonl is open + finish).
 */
export interface CorpusReader {
  /** Number of lines; pairs come from lines, one each, blank lines skipped. */
  readonly lines: number;
  /**
   * Size of each line in UTF-16 units (a JSONL line: in UTF-8 bytes, never fewer): what a chunk planner weighs, and
   * an upper bound of the texts' store. Computed once.
   */
  lineUnits(): Int32Array;
  /** Parse the lines before `end` not parsed yet; the pairs so far (one growing array, never copied). */
  parseUntil(end: number): readonly Pair[];
  /** Parse the rest, check the whole (ids, emptiness) and return the corpus. */
  finish(): Corpus;
}

function lineReader(
  lines: readonly string[], units: (i: number) => number, parse: (i: number, ordinal: number) => Pair | undefined,
  done: (pairs: Pair[]) => Corpus,
): CorpusReader {
  const pairs: Pair[] = [];
  let next = 0;
  let lineUnits: Int32Array | undefined;
  const parseUntil = (end: number): readonly Pair[] => {
    for (; next < Math.min(end, lines.length); next++) {
      const pair = parse(next, pairs.length + 1);
      if (pair) pairs.push(pair);
    }
    return pairs;
  };
  return {
    lines: lines.length,
    lineUnits: () => (lineUnits ??= Int32Array.from(lines, (_, i) => units(i))),
    parseUntil,
    finish: () => {
      parseUntil(lines.length);
      return done(pairs);
    },
  };
}

/**
 * A JSONL file parsed on its bytes (jsonl-bytes.ts). Read whole by `finish` alone: one pass, which reads, checks,
 * parses and scans. A parallel run asks for `lines` first: the file is then indexed (read and checked, lines found)
 * and parsed in steps, so its first chunks are counted while the rest is parsed. A bad line's error is thrown once the
 * pairs before it have been asked for, in both ways.
 */
export function openJsonl(path: string): CorpusReader {
  const parser = new JsonlParser(path, parseJsonlLine, (pair, where) => checkPair(pair, where));
  let index: LineIndex | undefined;
  let facts: PieceFacts | undefined;
  let units: Int32Array | undefined;
  const indexed = () => (index ??= indexLines(path));
  const pairs: Pair[] = [];
  const parseUntil = (end: number): readonly Pair[] => {
    if (!facts) parseJsonlLines(parser, path, indexed(), Math.min(end, indexed().lines));
    const upTo = parser.pairsBefore(end);
    while (pairs.length < upTo) pairs.push(parser.pairs[pairs.length]!);
    if (parser.failed && end > parser.failed.line) throw parser.failed.error;
    return pairs;
  };
  return {
    get lines() {
      return facts && !index ? parser.lines : indexed().lines;
    },
    // Bytes, not UTF-16 units: known before decoding, and never fewer (see CorpusReader.lineUnits).
    lineUnits: () => {
      if (units) return units;
      const { starts, lines } = indexed();
      units = new Int32Array(lines);
      for (let i = 0; i < lines; i++) units[i] = starts[i + 1]! - starts[i]!;
      return units;
    },
    parseUntil,
    finish: () => {
      if (!index) facts ??= readJsonlBytes(parser, path);
      const read = facts ?? index!;
      parseUntil(index ? index.lines : parser.lines);
      checkUniqueIds(pairs, path);
      const notes = parser.crlf ? [...read.notes, crlfNote(path)] : read.notes;
      return finish({
        id: basename(path), format: 'jsonl', files: [{ path, sha256: read.sha256, bytes: read.bytes }], pairs, notes,
        textScans: { pairs, ...parser.scans() },
      });
    },
  };
}

export function loadJsonl(path: string): Corpus {
  return openJsonl(path).finish();
}

export function openTsv(path: string): CorpusReader {
  const { lines, notes, ...file } = readUtf8Lines(path);
  return lineReader(lines, (i) => lines[i]!.length, (i) => {
    const line = lines[i]!;
    // A blank line is skipped, but a line with a TAB was meant as a pair: its empty sides are reported.
    return line.trim() === '' && !line.includes('\t') ? undefined : parseTsvLine(line, `${path}:${i + 1}`, i + 1);
  }, (pairs) => finish({ id: basename(path), format: 'tsv', files: [{ path, ...file }], pairs, notes }));
}

export function loadTsv(path: string): Corpus {
  return openTsv(path).finish();
}

/** Shared with stream.ts, which learns both line counts only at the end of the files. */
export function misalignedError(zhPath: string, zhLines: number, enPath: string, enLines: number): DataError {
  return new DataError(
    `misaligned corpus: ${zhPath} has ${zhLines} lines but ${enPath} has ${enLines}; line ${Math.min(zhLines, enLines) + 1} has no partner`,
    'the two files must be line-aligned translations',
  );
}

export function openTextPair(zhPath: string, enPath: string): CorpusReader {
  const zh = readUtf8Lines(zhPath);
  const en = readUtf8Lines(enPath);
  const zl = zh.lines;
  const el = en.lines;
  if (zl.length !== el.length) throw misalignedError(zhPath, zl.length, enPath, el.length);
  return lineReader(zl, (i) => zl[i]!.length + el[i]!.length, (i) => {
    const pair: Pair = { id: String(i + 1), domain: 'general', zh: zl[i]!, en: el[i]! };
    checkPair(pair, `line ${i + 1} of ${zhPath} / ${enPath}`);
    return pair;
  }, (pairs) => {
    const zs = zh.sha256;
    const es = en.sha256;
    return finish({
      id: `${basename(zhPath)}+${basename(enPath)}`,
      format: 'text-pair',
      files: [{ path: zhPath, sha256: zs, bytes: zh.bytes }, { path: enPath, sha256: es, bytes: en.bytes }],
      sha256Override: sha256(`${zs}\n${es}`),
      pairs,
      notes: [...zh.notes, ...en.notes],
    });
  });
}

export function loadTextPair(zhPath: string, enPath: string): Corpus {
  return openTextPair(zhPath, enPath).finish();
}

function finish(c: Omit<Corpus, 'sha256'> & { sha256Override?: string }): Corpus {
  if (c.pairs.length === 0) throw new DataError(`${c.files.map((f) => f.path).join(', ')}: no sentence pairs found`, 'the corpus is empty');
  const { sha256Override, ...rest } = c;
  return { ...rest, sha256: sha256Override ?? c.files[0]!.sha256 };
}

/** The Traditional rendering of the bundled corpus (opencc-js, see corpora/bundled/MANIFEST.json). */
export const BUNDLED_HANT_PATH = fileURLToPath(new URL('../../corpora/bundled/zh-Hant.jsonl', import.meta.url));

export function loadBundledCorpus(lang: ZhLang = 'zh-Hans'): Corpus {
  const hant = lang === 'zh-Hant';
  const c = loadJsonl(hant ? BUNDLED_HANT_PATH : BUNDLED_CORPUS_PATH);
  return {
    ...c,
    id: 'bundled',
    // A package-relative path: results must not depend on where tokbench is installed.
    files: c.files.map((f) => ({ ...f, path: hant ? 'corpora/bundled/zh-Hant.jsonl' : 'corpora/bundled/zh-en.jsonl' })),
    license: 'CC-BY-4.0',
    description: hant
      ? 'tokbench bundled corpus, Chinese side converted to Traditional (Taiwan) with opencc-js'
      : 'tokbench bundled corpus: original Chinese (Simplified) / English pairs written for this project',
    lang,
  };
}

export type LoadCorpusOptions = StandardCorpusOptions;

/**
 * `--corpus` forms: (none) → bundled; `a.tsv`; `a.jsonl`; `zh.txt,en.txt`; flores200[:split] / ntrex128 (cache);
 * a FLORES directory or zip; an NTREX directory.
 */
export function loadCorpus(spec?: string, options: LoadCorpusOptions = {}): Corpus {
  const opened = openCorpus(spec, options);
  return isCorpusReader(opened) ? opened.finish() : opened;
}

/** loadCorpus, but a one-pair-per-line file (TSV, JSONL, zh.txt,en.txt) comes back unparsed, as a CorpusReader. */
export function openCorpus(spec?: string, options: LoadCorpusOptions = {}): Corpus | CorpusReader {
  if (spec === undefined || spec === 'bundled') {
    if (options.split !== undefined) throw new UsageError('--split applies to FLORES corpora only; the bundled corpus has no splits');
    return loadBundledCorpus(options.lang);
  }
  // Registered ids (flores200, ntrex128), FLORES/NTREX directories and FLORES zips: see standard.ts.
  const standard = loadStandardCorpus(spec, options);
  if (standard) return standard;
  if (options.lang !== undefined || options.split !== undefined) {
    throw new UsageError(`--${options.lang !== undefined ? 'lang' : 'split'} needs a corpus that has several ${options.lang !== undefined ? 'Chinese scripts' : 'splits'}; ${spec} has one`, 'use it with bundled, flores200 or ntrex128 (or their directories)');
  }
  if (spec.includes(',')) {
    const parts = spec.split(',');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`--corpus "${spec}": expected two files, zh.txt,en.txt`);
    return openTextPair(resolve(parts[0]), resolve(parts[1]));
  }
  const path = resolve(spec);
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return openJsonl(path);
  if (ext === '.tsv' || ext === '.tab') return openTsv(path);
  throw new UsageError(
    `--corpus "${spec}": unknown corpus format "${ext || '(no extension)'}"`,
    'use a .tsv (zh<TAB>en), a .jsonl ({"zh","en"} per line), or zh.txt,en.txt',
  );
}

export function isCorpusReader(x: Corpus | CorpusReader): x is CorpusReader {
  return 'parseUntil' in x;
}
