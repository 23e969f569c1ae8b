import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, UsageError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { readUtf8File, splitLines } from './read-text.js';
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

function checkUniqueIds(pairs: Pair[], path: string): void {
  // A Set of ids (no per-id index) keeps this cheap on million-pair corpora; the rare duplicate is located afterwards.
  const seen = new Set<string>();
  for (let i = 0; i < pairs.length; i++) {
    const id = pairs[i]!.id;
    if (seen.has(id)) {
      const prev = pairs.findIndex((p) => p.id === id);
      throw new DataError(`${path}: duplicate pair id "${id}" on lines ${prev + 1} and ${i + 1}`, 'ids must be unique');
    }
    seen.add(id);
  }
}

/** One non-blank JSONL line → a checked Pair; `ordinal` (1-based among pairs) is the id when the line has none. Shared with stream.ts. */
export function parseJsonlLine(line: string, where: string, ordinal: number): Pair {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    throw new DataError(`${where}: not valid JSON (${(err as Error).message})`, 'each line must be one JSON object like {"zh": "…", "en": "…"}');
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new DataError(`${where}: expected a JSON object`, 'each line must be {"zh": "…", "en": "…"}');
  const o = obj as Record<string, unknown>;
  if (typeof o.zh !== 'string' || typeof o.en !== 'string') {
    throw new DataError(`${where}: missing string fields "zh" and "en"`, 'each line must be {"zh": "…", "en": "…"} (optional "id", "domain")');
  }
  const pair: Pair = {
    id: typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : String(ordinal),
    domain: typeof o.domain === 'string' && o.domain ? o.domain : 'general',
    zh: o.zh,
    en: o.en,
  };
  checkPair(pair, where, !line.includes('\\u'));
  return pair;
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
  /** Size of line i in UTF-16 units (both sides): what a chunk planner weighs. */
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
  const parseUntil = (end: number): readonly Pair[] => {
    for (; next < Math.min(end, lines.length); next++) {
      const pair = parse(next, pairs.length + 1);
      if (pair) pairs.push(pair);
    }
    return pairs;
  };
  return {
    lines: lines.length,
    lineUnits: () => Int32Array.from(lines, (_, i) => units(i)),
    parseUntil,
    finish: () => {
      parseUntil(lines.length);
      return done(pairs);
    },
  };
}

export function openJsonl(path: string): CorpusReader {
  const { text, raw, notes } = readUtf8File(path);
  const lines = splitLines(text);
  return lineReader(lines, (i) => lines[i]!.length, (i, ordinal) => {
    const line = lines[i]!;
    return line.trim() === '' ? undefined : parseJsonlLine(line, `${path}:${i + 1}`, ordinal);
  }, (pairs) => {
    checkUniqueIds(pairs, path);
    return finish({ id: basename(path), format: 'jsonl', files: [{ path, sha256: sha256(raw), bytes: raw.length }], pairs, notes });
  });
}

export function loadJsonl(path: string): Corpus {
  return openJsonl(path).finish();
}

export function openTsv(path: string): CorpusReader {
  const { text, raw, notes } = readUtf8File(path);
  const lines = splitLines(text);
  return lineReader(lines, (i) => lines[i]!.length, (i) => {
    const line = lines[i]!;
    // A blank line is skipped, but a line with a TAB was meant as a pair: its empty sides are reported.
    return line.trim() === '' && !line.includes('\t') ? undefined : parseTsvLine(line, `${path}:${i + 1}`, i + 1);
  }, (pairs) => finish({ id: basename(path), format: 'tsv', files: [{ path, sha256: sha256(raw), bytes: raw.length }], pairs, notes }));
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
  const zh = readUtf8File(zhPath);
  const en = readUtf8File(enPath);
  const zl = splitLines(zh.text);
  const el = splitLines(en.text);
  if (zl.length !== el.length) throw misalignedError(zhPath, zl.length, enPath, el.length);
  return lineReader(zl, (i) => zl[i]!.length + el[i]!.length, (i) => {
    const pair: Pair = { id: String(i + 1), domain: 'general', zh: zl[i]!, en: el[i]! };
    checkPair(pair, `line ${i + 1} of ${zhPath} / ${enPath}`);
    return pair;
  }, (pairs) => {
    const zs = sha256(zh.raw);
    const es = sha256(en.raw);
    return finish({
      id: `${basename(zhPath)}+${basename(enPath)}`,
      format: 'text-pair',
      files: [{ path: zhPath, sha256: zs, bytes: zh.raw.length }, { path: enPath, sha256: es, bytes: en.raw.length }],
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
