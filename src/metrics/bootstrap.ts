/**
 * Paired bootstrap over sentence pairs: a resample draws pairs (with replacement) and keeps each pair's Chinese
 * and English counts together, so the interval reflects how much the corpus sample moves the ratio, not noise
 * in either side alone. The same resampled index sets are used for every tokenizer, so intervals are paired
 * across tokenizers as well.
 *
 * The PRNG is implemented here (mulberry32: 32-bit integer arithmetic only) so that a given seed gives the same
 * intervals on every machine and Node version; Math.random cannot be seeded.
 */
import type { BenchmarkResult, BootstrapInterval, BootstrapSummary, TokenizerResult } from '../core/types.js';
import type { ResultFinalizer } from '../core/passes.js';
import type { RunOptions } from '../core/runner.js';
import { UsageError } from '../core/errors.js';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 20240601;
export const CONFIDENCE_LEVEL = 0.95;
/** Upper bound on resamples: beyond this percentile endpoints no longer move, only run time grows. */
export const MAX_RESAMPLES = 100_000;

/** mulberry32: a small, well-tested 32-bit generator; returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Uniform integer in [0, n) without modulo bias (rejection sampling on the top of the uint32 range), so the
 * draw depends only on integer arithmetic.
 */
export function uniformIndex(next: () => number, n: number): number {
  const limit = 0x100000000 - (0x100000000 % n);
  for (;;) {
    const x = next();
    if (x < limit) return x % n;
  }
}

/** Quantile by linear interpolation between order statistics (Hyndman & Fan type 7, R's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function percentileInterval(values: readonly number[], level = CONFIDENCE_LEVEL): [number, number] {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return [quantileSorted(finite, alpha), quantileSorted(finite, 1 - alpha)];
}

/**
 * Resample multiplicities: for each resample, how many times each of the n pairs was drawn. Storing counts
 * (not index lists) lets every statistic be a weighted sum, and is shared by all tokenizers.
 */
export function* resampleWeights(n: number, resamples: number, seed: number): Generator<Uint32Array> {
  const next = mulberry32(seed);
  const w = new Uint32Array(n);
  for (let b = 0; b < resamples; b++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[uniformIndex(next, n)]!++;
    yield w;
  }
}

function dot(w: Uint32Array, xs: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += w[i]! * xs[i]!;
  return s;
}

export interface PairSeries {
  zhTokens: readonly number[];
  enTokens: readonly number[];
  zhChars: readonly number[];
  /** English words per pair (whitespace-delimited), for per-word costs; optional. */
  enWords?: readonly number[];
}

export interface RatioDraws {
  premium: number[];
  zhTokensPerChar: number[];
  zhTokensPerEnWord: number[];
  enTokensPerEnWord: number[];
}

/** Bootstrap distributions of the ratio statistics for several tokenizers over the same resamples. */
export function bootstrapRatios(series: readonly PairSeries[], resamples: number, seed: number): RatioDraws[] {
  const n = series[0]?.zhTokens.length ?? 0;
  for (const s of series) {
    if (s.zhTokens.length !== n || s.enTokens.length !== n || s.zhChars.length !== n || (s.enWords && s.enWords.length !== n)) {
      throw new RangeError('bootstrap: every per-pair series must have the same length');
    }
  }
  const out: RatioDraws[] = series.map(() => ({ premium: [], zhTokensPerChar: [], zhTokensPerEnWord: [], enTokensPerEnWord: [] }));
  if (n === 0) return out;
  for (const w of resampleWeights(n, resamples, seed)) {
    series.forEach((s, k) => {
      const zh = dot(w, s.zhTokens);
      const en = dot(w, s.enTokens);
      const chars = dot(w, s.zhChars);
      const d = out[k]!;
      // A resample where a denominator is 0 has no ratio; percentileInterval drops non-finite values.
      d.premium.push(en === 0 ? Number.NaN : zh / en);
      d.zhTokensPerChar.push(chars === 0 ? Number.NaN : zh / chars);
      if (s.enWords) {
        const words = dot(w, s.enWords);
        d.zhTokensPerEnWord.push(words === 0 ? Number.NaN : zh / words);
        d.enTokensPerEnWord.push(words === 0 ? Number.NaN : en / words);
      }
    });
  }
  return out;
}

export function parseResamples(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!/^\d+$/.test(s) || Number(s) > MAX_RESAMPLES) {
    throw new UsageError(`--bootstrap must be an integer from 0 to ${MAX_RESAMPLES}, got "${value}"`, 'use e.g. --bootstrap 1000, or --bootstrap 0 to disable intervals');
  }
  return Number(s);
}

export function parseSeed(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new UsageError(`--seed must be an integer from 0 to 4294967295, got "${value}"`);
  return Number(s);
}

const interval = (draws: number[], level: number): BootstrapInterval => {
  const [low, high] = percentileInterval(draws, level);
  return { low, high };
};

/** Attach 95% intervals to every result; skip (and say why) when per-pair counts are not available. */
export function attachIntervals(result: BenchmarkResult, resamples: number, seed: number): BenchmarkResult {
  const base: Omit<BootstrapSummary, 'status'> = { method: 'paired-bootstrap-percentile', resamples, seed, level: CONFIDENCE_LEVEL, unit: 'sentence pair', prng: 'mulberry32' };
  if (!result.results.length) return result;
  const units = result.corpus.pairUnits;
  const missing = result.results.filter((r) => !r.pairCounts || r.pairCounts.zh.length !== r.pairCounts.en.length);
  let reason: string | undefined;
  if (missing.length) reason = `no per-pair counts for ${missing.map((r) => r.tokenizer.id).join(', ')} (protocol ${result.protocol.segmentation}): intervals need one count per sentence pair`;
  else if (!units) reason = 'no per-pair character counts in the corpus summary';
  else if (result.results.some((r) => r.pairCounts.zh.length !== units.zhChars.length)) reason = 'per-pair counts do not match the corpus pairs';
  else if (units.zhChars.length < 2) reason = 'fewer than 2 sentence pairs: nothing to resample';
  if (reason !== undefined) {
    return { ...result, bootstrap: { ...base, status: 'skipped', reason }, warnings: [...result.warnings, `confidence intervals skipped: ${reason}`] };
  }
  const draws = bootstrapRatios(
    result.results.map((r) => ({ zhTokens: r.pairCounts.zh, enTokens: r.pairCounts.en, zhChars: units!.zhChars, enWords: units!.enWords })),
    resamples, seed,
  );
  const results: TokenizerResult[] = result.results.map((r, k) => {
    const d = draws[k]!;
    const premium = interval(d.premium, CONFIDENCE_LEVEL);
    return {
      ...r,
      intervals: {
        premium,
        costVsEnglish: premium,
        zhTokensPerChar: interval(d.zhTokensPerChar, CONFIDENCE_LEVEL),
        // English tokens ÷ Chinese tokens is 1/premium, a decreasing map: the interval endpoints swap.
        englishEquivalentShare: { low: 1 / premium.high, high: 1 / premium.low },
        zhTokensPerEnWord: interval(d.zhTokensPerEnWord, CONFIDENCE_LEVEL),
        enTokensPerEnWord: interval(d.enTokensPerEnWord, CONFIDENCE_LEVEL),
      },
    };
  });
  return { ...result, results, bootstrap: { ...base, status: 'ok' } };
}

export const bootstrapFinalizer: ResultFinalizer = {
  name: 'bootstrap',
  enabled: (o: RunOptions) => (o.bootstrap ?? DEFAULT_RESAMPLES) > 0,
  run: (result, o) => attachIntervals(result, o.bootstrap ?? DEFAULT_RESAMPLES, o.seed ?? DEFAULT_SEED),
};
