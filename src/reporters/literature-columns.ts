/**
 * Report columns for the metrics from the literature (docs/metrics.md). Every value is optional on a result
 * (older result files, disabled passes, joined protocols): a missing value is null in CSV and '–' in tables.
 */
import { UsageError, didYouMean } from '../core/errors.js';
import type { TokenizerResult } from '../core/types.js';
import type { Column } from './columns.js';
import { fmtInterval } from './publish.js';

const fix = (n: number | null | undefined, d: number, suffix = '') => (n === null || n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(d)}${suffix}`);
const pct = (n: number | null | undefined, d: number) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : `${(n * 100).toFixed(d)}%`);
const raw = (n: number | null | undefined): number | null => (n === undefined || n === null || !Number.isFinite(n) ? null : n);

type Side = 'zh' | 'en';
const num = (key: string, header: string, get: (r: TokenizerResult) => number | null | undefined, format: (n: number | null | undefined) => string): Column => ({
  key, header, value: (r) => raw(get(r)), format: (r) => format(get(r)), align: 'right',
});
const perSide = (side: Side, key: string, header: string, get: (r: TokenizerResult, s: Side) => number | null | undefined, format: (n: number | null | undefined) => string): Column =>
  num(`${side}_${key}`, `${side} ${header}`, (r) => get(r, side), format);
const bothSides = (key: string, header: string, get: (r: TokenizerResult, s: Side) => number | null | undefined, format: (n: number | null | undefined) => string): Column[] =>
  (['zh', 'en'] as const).map((s) => perSide(s, key, header, get, format));

export const LITERATURE_COLUMNS: readonly Column[] = [
  num('premium_mean_of_pair_ratios', 'premium mean/pair', (r) => r.premiumEstimators?.meanOfPairRatios, (n) => fix(n, 3, '×')),
  {
    key: 'premium_mean_of_pair_ratios_ci95', header: 'mean/pair 95% CI', align: 'right',
    value: (r) => fmtInterval(r.premiumEstimators?.meanOfPairRatiosInterval, 4) || null,
    format: (r) => fmtInterval(r.premiumEstimators?.meanOfPairRatiosInterval, 3) || '–',
  },
  num('tokens_per_char_ratio', 'tok/char ratio zh/en', (r) => r.tokensPerCharRatio, (n) => fix(n, 3, '×')),
  ...bothSides('fertility', 'fertility', (r, s) => r.words?.[s].fertility, (n) => fix(n, 3)),
  ...bothSides('continued_words', 'continued words', (r, s) => r.words?.[s].continuedWordRate, (n) => pct(n, 1)),
  ...bothSides('single_token_words', 'single-token words', (r, s) => r.words?.[s].singleTokenRate, (n) => pct(n, 1)),
  ...bothSides('tokens_per_word_in_context', 'tok/word in context', (r, s) => r.words?.[s].tokensPerWordInContext, (n) => fix(n, 3)),
  ...bothSides('nsl', 'NSL', (r, s) => r.nsl?.[s], (n) => fix(n, 3)),
  ...bothSides('renyi_efficiency', 'Rényi eff.', (r, s) => r.distribution?.[s].renyiEfficiency, (n) => fix(n, 3)),
  ...bothSides('vocab_utilisation', 'vocab use', (r, s) => r.distribution?.[s].vocabUtilisation, (n) => pct(n, 2)),
];

/**
 * `--metrics a,b,c`: the terminal table's columns, by column key (the CSV header names). The tokenizer column
 * always comes first. JSON and CSV ignore this and carry every computed metric.
 */
export function parseMetricColumns(value: string | undefined, available: readonly Column[]): string[] | undefined {
  if (value === undefined) return undefined;
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  const known = available.map((c) => c.key);
  if (!keys.length) throw new UsageError('--metrics is empty', `give a comma-separated list of columns, e.g. premium,premium_mean_of_pair_ratios,zh_fertility (all: ${known.join(', ')})`);
  for (const k of keys) {
    if (known.includes(k)) continue;
    const hint = didYouMean(k, known);
    throw new UsageError(`--metrics: unknown column "${k}"${hint ? `; did you mean "${hint}"?` : ''}`, `columns: ${known.join(', ')}`);
  }
  return ['tokenizer', ...keys.filter((k) => k !== 'tokenizer')];
}
