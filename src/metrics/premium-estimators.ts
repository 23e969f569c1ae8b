/**
 * Two estimators of the Chinese/English token premium, plus the per-character ratio that is sometimes
 * mislabelled as one. They answer different questions, so each keeps its own name (see docs/metrics.md):
 *
 * - ratio of totals (Petrov et al. 2023): Σ zh tokens ÷ Σ en tokens. Long pairs weigh more; this is the
 *   "what does the corpus cost" number and is what `premium` reports.
 * - mean of per-pair ratios: (1/n) Σ zh_i ÷ en_i. Every pair weighs the same; short pairs with a few tokens
 *   can swing it, and by Jensen's inequality it is not the same number even when every pair agrees on average.
 * - per-character ratio: (zh tokens ÷ zh chars) ÷ (en tokens ÷ en chars). Not a premium at all: Chinese has
 *   roughly a third of the characters of its English twin, so this ratio is about three times the premium.
 */
import type { ResultFinalizer } from '../core/passes.js';
import type { RunOptions } from '../core/runner.js';
import type { BenchmarkResult, BootstrapInterval, TokenizerResult } from '../core/types.js';
import { CONFIDENCE_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, percentileInterval, resampleWeights } from './bootstrap.js';
import { ratio } from './metrics.js';

export interface PremiumEstimators {
  /** Σ zh tokens ÷ Σ en tokens (equals `premium`). */
  ratioOfTotals: number;
  /** Mean over pairs of zh_i ÷ en_i, over the pairs whose English side has at least one token. */
  meanOfPairRatios: number | null;
  /** Pairs that entered the mean (pairs with 0 English tokens are left out: their ratio is undefined). */
  pairsUsed: number;
  /**
   * 95% paired-bootstrap interval of the mean of per-pair ratios, on the same resamples, seed and method as
   * `intervals` (see BenchmarkResult.bootstrap); absent when bootstrap is off or there are < 2 usable pairs.
   */
  meanOfPairRatiosInterval?: BootstrapInterval;
}

/** Σ zh ÷ Σ en over the same pairs. */
export function ratioOfTotals(zh: readonly number[], en: readonly number[]): number {
  checkPaired(zh, en);
  let z = 0;
  let e = 0;
  for (let i = 0; i < zh.length; i++) {
    z += zh[i]!;
    e += en[i]!;
  }
  return ratio(z, e);
}

/**
 * (1/n) Σ zh_i ÷ en_i over pairs with en_i > 0. Returns null when no pair qualifies rather than inventing a
 * value. Summation is in sorted order so that the result is bit-identical under any permutation of the pairs.
 */
export function meanOfPairRatios(zh: readonly number[], en: readonly number[]): { mean: number | null; pairsUsed: number } {
  checkPaired(zh, en);
  // A typed array sorts numerically in native code (several times faster than a comparator on a million pairs).
  const all = new Float64Array(zh.length);
  let used = 0;
  for (let i = 0; i < zh.length; i++) if (en[i]! > 0) all[used++] = zh[i]! / en[i]!;
  if (!used) return { mean: null, pairsUsed: 0 };
  const ratios = all.subarray(0, used).sort();
  let s = 0;
  for (let i = 0; i < used; i++) s += ratios[i]!;
  return { mean: s / used, pairsUsed: used };
}

/**
 * (zh tokens / zh chars) ÷ (en tokens / en chars). null when either side has 0 characters in the chosen unit
 * (e.g. `--unit han` leaves English with none), because the ratio is then undefined, not infinite.
 */
export function tokensPerCharRatio(zh: { tokens: number; characters: number }, en: { tokens: number; characters: number }): number | null {
  if (zh.characters === 0 || en.characters === 0 || en.tokens === 0) return null;
  return zh.tokens / zh.characters / (en.tokens / en.characters);
}

export function premiumEstimators(zh: readonly number[], en: readonly number[]): PremiumEstimators {
  const m = meanOfPairRatios(zh, en);
  return { ratioOfTotals: ratioOfTotals(zh, en), meanOfPairRatios: m.mean, pairsUsed: m.pairsUsed };
}

function checkPaired(zh: readonly number[], en: readonly number[]): void {
  if (zh.length !== en.length) throw new Error(`paired counts differ in length (${zh.length} zh vs ${en.length} en)`);
}

/**
 * Percentile interval of the mean of per-pair ratios, drawn from the bootstrap module's resample weights (the
 * same pairs, seed and PRNG as every other interval): each resample's mean is Σ w_i r_i ÷ Σ w_i over the pairs
 * with a defined ratio.
 */
export function meanOfPairRatiosInterval(zh: readonly number[], en: readonly number[], resamples: number, seed: number): BootstrapInterval | undefined {
  checkPaired(zh, en);
  if (zh.length < 2 || resamples <= 0) return undefined;
  const r = zh.map((z, i) => (en[i]! > 0 ? z / en[i]! : Number.NaN));
  const means: number[] = [];
  for (const w of resampleWeights(zh.length, resamples, seed)) {
    let s = 0;
    let n = 0;
    for (let i = 0; i < r.length; i++) {
      if (w[i] && !Number.isNaN(r[i]!)) {
        s += w[i]! * r[i]!;
        n += w[i]!;
      }
    }
    means.push(n === 0 ? Number.NaN : s / n);
  }
  const [low, high] = percentileInterval(means, CONFIDENCE_LEVEL);
  return Number.isFinite(low) && Number.isFinite(high) ? { low, high } : undefined;
}

// Finalisers rerun after every tokenizer (incremental saves); a result's pair counts never change, so its
// interval is computed once per (counts, resamples, seed).
const intervalCache = new WeakMap<readonly number[], { key: string; interval: BootstrapInterval | undefined }>();

function cachedInterval(zh: readonly number[], en: readonly number[], resamples: number, seed: number): BootstrapInterval | undefined {
  const key = `${resamples}:${seed}`;
  const hit = intervalCache.get(zh);
  if (hit && hit.key === key) return hit.interval;
  const interval = meanOfPairRatiosInterval(zh, en, resamples, seed);
  intervalCache.set(zh, { key, interval });
  return interval;
}

function withEstimators(r: TokenizerResult, options: RunOptions): TokenizerResult {
  const m = meanOfPairRatios(r.pairCounts.zh, r.pairCounts.en);
  const resamples = options.bootstrap ?? DEFAULT_RESAMPLES;
  const interval = m.pairsUsed >= 2 ? cachedInterval(r.pairCounts.zh, r.pairCounts.en, resamples, options.seed ?? DEFAULT_SEED) : undefined;
  return {
    ...r,
    premiumEstimators: {
      // From the reported totals, not pairCounts: joined protocols have one count per side and no pair counts.
      ratioOfTotals: ratio(r.languages.zh.tokens, r.languages.en.tokens),
      meanOfPairRatios: m.mean,
      pairsUsed: m.pairsUsed,
      ...(interval ? { meanOfPairRatiosInterval: interval } : {}),
    },
    tokensPerCharRatio: tokensPerCharRatio(r.languages.zh, r.languages.en),
  };
}

/** Derives both estimators and the per-character ratio from the per-pair counts every result already carries. */
export const premiumEstimatorsFinalizer: ResultFinalizer = {
  name: 'premium-estimators',
  run(result: BenchmarkResult, options: RunOptions): BenchmarkResult {
    return { ...result, results: result.results.map((r) => withEstimators(r, options)) };
  },
};
