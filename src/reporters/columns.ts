import type { BenchmarkResult, TokenizerResult } from '../core/types.js';
import { ciPhrase, fmtInterval, verdictSentence } from './publish.js';
import { LITERATURE_COLUMNS } from './literature-columns.js';

export interface Column {
  key: string;
  header: string;
  /** Raw value for CSV/JSON-like outputs. */
  value: (r: TokenizerResult) => string | number | null;
  /** Human formatting for table/Markdown. */
  format: (r: TokenizerResult) => string;
  align: 'left' | 'right';
}

const fix = (n: number | null, d: number) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(d));
const int = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));

/** The summary columns shared by the terminal table, Markdown and CSV views. */
export const COLUMNS: readonly Column[] = [
  { key: 'tokenizer', header: 'tokenizer', value: (r) => r.tokenizer.id, format: (r) => r.tokenizer.id, align: 'left' },
  { key: 'origin', header: 'origin', value: (r) => r.tokenizer.origin, format: (r) => r.tokenizer.origin, align: 'left' },
  { key: 'vocab', header: 'vocab', value: (r) => r.tokenizer.vocabSize, format: (r) => int(r.tokenizer.vocabSize), align: 'right' },
  { key: 'zh_tokens', header: 'zh tokens', value: (r) => r.languages.zh.tokens, format: (r) => int(r.languages.zh.tokens), align: 'right' },
  { key: 'en_tokens', header: 'en tokens', value: (r) => r.languages.en.tokens, format: (r) => int(r.languages.en.tokens), align: 'right' },
  { key: 'zh_tokens_per_char', header: 'zh tok/char', value: (r) => r.languages.zh.tokensPerChar, format: (r) => fix(r.languages.zh.tokensPerChar, 3), align: 'right' },
  { key: 'zh_tokens_per_char_ci95', header: 'zh tok/char 95% CI', value: (r) => fmtInterval(r.intervals?.zhTokensPerChar, 4) || null, format: (r) => fmtInterval(r.intervals?.zhTokensPerChar, 3) || '–', align: 'right' },
  { key: 'zh_chars_per_token', header: 'zh char/tok', value: (r) => r.languages.zh.charsPerToken, format: (r) => fix(r.languages.zh.charsPerToken, 3), align: 'right' },
  { key: 'zh_bytes_per_token', header: 'zh byte/tok', value: (r) => r.languages.zh.bytesPerToken, format: (r) => fix(r.languages.zh.bytesPerToken, 2), align: 'right' },
  { key: 'en_tokens_per_char', header: 'en tok/char', value: (r) => r.languages.en.tokensPerChar, format: (r) => fix(r.languages.en.tokensPerChar, 3), align: 'right' },
  { key: 'en_chars_per_token', header: 'en char/tok', value: (r) => r.languages.en.charsPerToken, format: (r) => fix(r.languages.en.charsPerToken, 3), align: 'right' },
  { key: 'en_bytes_per_token', header: 'en byte/tok', value: (r) => r.languages.en.bytesPerToken, format: (r) => fix(r.languages.en.bytesPerToken, 2), align: 'right' },
  { key: 'premium', header: 'premium zh/en', value: (r) => r.premium, format: (r) => `${fix(r.premium, 3)}×`, align: 'right' },
  { key: 'premium_ci95', header: 'premium 95% CI', value: (r) => fmtInterval(r.intervals?.premium, 4) || null, format: (r) => fmtInterval(r.intervals?.premium, 3) || '–', align: 'right' },
  { key: 'context_window', header: 'window', value: (r) => r.effectiveContext.window, format: (r) => int(r.effectiveContext.window), align: 'right' },
  { key: 'zh_chars_in_window', header: 'zh chars in window', value: (r) => r.effectiveContext.zhCharacters, format: (r) => int(r.effectiveContext.zhCharacters), align: 'right' },
  { key: 'english_equivalent_share', header: 'window vs en', value: (r) => r.effectiveContext.englishEquivalentShare, format: (r) => `${fix(r.effectiveContext.englishEquivalentShare * 100, 0)}%`, align: 'right' },
  { key: 'cost_vs_best', header: 'cost vs best', value: (r) => r.cost.vsBest, format: (r) => `${fix(r.cost.vsBest, 2)}×`, align: 'right' },
  ...LITERATURE_COLUMNS,
];

/** Columns shown in the compact terminal table (all columns go to CSV/Markdown). */
export const TABLE_COLUMN_KEYS = ['tokenizer', 'origin', 'vocab', 'zh_tokens', 'en_tokens', 'zh_tokens_per_char', 'zh_chars_per_token', 'en_chars_per_token', 'premium', 'premium_ci95', 'zh_chars_in_window', 'english_equivalent_share', 'cost_vs_best'];

/**
 * One sentence per Western tokenizer on the claim "Western tokenizers double or triple the cost of Chinese",
 * generated from the numbers (never fixed prose).
 */
export function verdictLines(result: BenchmarkResult): string[] {
  const western = result.results.filter((r) => r.tokenizer.origin === 'western');
  const chinese = result.results.filter((r) => r.tokenizer.origin === 'chinese');
  const lines = western.map(verdictSentence);
  if (chinese.length && western.length) {
    const bestCn = chinese.reduce((a, b) => (a.premium <= b.premium ? a : b));
    lines.push(`Most efficient Chinese-centric tokenizer here: ${bestCn.tokenizer.id}, ${bestCn.premium.toFixed(2)}×${ciPhrase(bestCn.intervals?.premium)} (${bestCn.premium < 1 ? 'Chinese is cheaper than English' : 'Chinese still costs more than English'}).`);
  }
  return lines;
}

export function pickColumns(keys: readonly string[]): Column[] {
  return keys.map((k) => COLUMNS.find((c) => c.key === k)).filter((c): c is Column => c !== undefined);
}
