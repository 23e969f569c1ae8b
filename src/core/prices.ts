/**
 * Dated API prices and what Chinese content costs under them. A price is only meaningful with the date it
 * was stated for, so every entry must carry `asOf` and `source`, and every report prints them together.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchmarkResult, BootstrapInterval, PriceEntry, PriceReport, PriceRow } from './types.js';
import type { ResultFinalizer } from './passes.js';
import type { RunOptions } from './runner.js';
import { DataError } from './errors.js';
import { sha256 } from './hash.js';

export interface PriceTable {
  name: string;
  /** Date the table was put together; each entry has its own asOf. */
  compiled: string;
  retrieval?: string;
  entries: PriceEntry[];
  /** sha256 of the file bytes the table was read from. */
  sha256: string;
}

/** Resolved from the module so it works from src/ (tests) and dist/ (the package) alike. */
export const BUNDLED_PRICES = fileURLToPath(new URL('../../data/prices.json', import.meta.url));

/** Whitespace-delimited words: the usual unit of "per word" prices and of English text length. */
export function countEnglishWords(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(/\S+/gu)) n++;
  return n;
}

const isDate = (s: unknown): s is string => {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};

/** Validate a parsed price file; `where` names the file in every message. */
export function validatePriceTable(data: unknown, where: string, fileSha256: string): PriceTable {
  const fail = (what: string, hint?: string): never => { throw new DataError(`price table ${where}: ${what}`, hint ?? 'see data/prices.json for the expected shape'); };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail('must be a JSON object with an "entries" array');
  const o = data as Record<string, unknown>;
  if (!Array.isArray(o.entries) || o.entries.length === 0) fail('"entries" must be a non-empty array');
  const entries = (o.entries as unknown[]).map((raw, i): PriceEntry => {
    const at = `entries[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`${at} must be an object`);
    const e = raw as Record<string, unknown>;
    for (const k of ['model', 'vendor', 'tokenizer'] as const) {
      if (typeof e[k] !== 'string' || !(e[k] as string).trim()) fail(`${at}.${k} must be a non-empty string`);
    }
    if (typeof e.currency !== 'string' || !/^[A-Z]{3}$/.test(e.currency)) fail(`${at}.currency must be a 3-letter ISO 4217 code such as "USD", got ${JSON.stringify(e.currency)}`);
    for (const k of ['inputPer1M', 'outputPer1M'] as const) {
      const v = e[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${at}.${k} must be a price per 1M tokens (a number ≥ 0), got ${JSON.stringify(v)}`);
    }
    if (!isDate(e.asOf)) fail(`${at}.asOf must be the date the price was stated for, as YYYY-MM-DD, got ${JSON.stringify(e.asOf)}`, 'a price without its date cannot be reported');
    if (typeof e.source !== 'string' || !/^https?:\/\/\S+$/.test(e.source)) fail(`${at}.source must be the http(s) URL the price was read from, got ${JSON.stringify(e.source)}`);
    if (e.note !== undefined && typeof e.note !== 'string') fail(`${at}.note must be a string when present`);
    return {
      model: e.model as string, vendor: e.vendor as string, tokenizer: e.tokenizer as string, currency: e.currency as string,
      inputPer1M: e.inputPer1M as number, outputPer1M: e.outputPer1M as number, asOf: e.asOf as string, source: e.source as string,
      ...(typeof e.note === 'string' ? { note: e.note } : {}),
    };
  });
  const compiled = o.compiled === undefined ? entries.map((e) => e.asOf).sort().at(-1)! : o.compiled;
  if (!isDate(compiled)) fail(`"compiled" must be a date YYYY-MM-DD, got ${JSON.stringify(o.compiled)}`);
  return {
    name: typeof o.name === 'string' ? o.name : where,
    compiled: compiled as string,
    ...(typeof o.retrieval === 'string' ? { retrieval: o.retrieval } : {}),
    entries,
    sha256: fileSha256,
  };
}

const cache = new Map<string, PriceTable>();

/** Read and validate a price file (cached per path: finalisers run after every tokenizer). */
export function loadPriceTable(path: string = BUNDLED_PRICES): PriceTable {
  const hit = cache.get(path);
  if (hit) return hit;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(`cannot read price table ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'check the --prices path', err);
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new DataError(`price table ${path} is not valid JSON: ${(err as Error).message}`, 'fix the file or pass another with --prices', err);
  }
  const table = validatePriceTable(data, path, sha256(bytes));
  cache.set(path, table);
  return table;
}

const scale = (iv: BootstrapInterval | undefined, k: number): BootstrapInterval | undefined => (iv ? { low: iv.low * k, high: iv.high * k } : undefined);

/** Price rows for the tokenizers present in the run, in result order then table order. */
export function priceReport(result: BenchmarkResult, table: PriceTable): PriceReport {
  const totalWords = result.corpus.pairUnits?.enWords.reduce((a, b) => a + b, 0);
  const rows: PriceRow[] = [];
  for (const r of result.results) {
    for (const e of table.entries.filter((p) => p.tokenizer === r.tokenizer.id)) {
      const zhPerWord = totalWords ? r.languages.zh.tokens / totalWords : Number.NaN;
      const enPerWord = totalWords ? r.languages.en.tokens / totalWords : Number.NaN;
      // Tokens per 1M units × price per 1M tokens ÷ 1M = tokens per unit × price per 1M tokens.
      const row: PriceRow = {
        ...e,
        perMillionZhChars: { input: r.languages.zh.tokensPerChar * e.inputPer1M, output: r.languages.zh.tokensPerChar * e.outputPer1M },
        perMillionEnWords: { zhInput: zhPerWord * e.inputPer1M, enInput: enPerWord * e.inputPer1M, zhOutput: zhPerWord * e.outputPer1M, enOutput: enPerWord * e.outputPer1M },
      };
      const a = scale(r.intervals?.zhTokensPerChar, e.inputPer1M);
      const b = scale(r.intervals?.zhTokensPerEnWord, e.inputPer1M);
      if (a && b) row.intervals = { zhCharsInput: a, enWordsZhInput: b };
      rows.push(row);
    }
  }
  return { table: { name: table.name, sha256: table.sha256, asOf: table.compiled }, rows };
}

function resolveTable(p: RunOptions['prices']): PriceTable | undefined {
  if (p === false) return undefined;
  if (p === undefined || typeof p === 'string') return loadPriceTable(p ?? BUNDLED_PRICES);
  return p;
}

export const pricesFinalizer: ResultFinalizer = {
  name: 'prices',
  enabled: (o) => o.prices !== false,
  run: (result, o) => {
    const table = resolveTable(o.prices);
    return table ? { ...result, prices: priceReport(result, table) } : result;
  },
};
