import { describe, expect, it } from 'vitest';
import { meanOfPairRatios, meanOfPairRatiosInterval, premiumEstimators, ratioOfTotals, tokensPerCharRatio } from '../../src/metrics/premium-estimators.js';

describe('premium estimators (hand-computed)', () => {
  // Three pairs: per-pair ratios 10/5 = 2, 30/10 = 3, 5/5 = 1.
  const zh = [10, 30, 5];
  const en = [5, 10, 5];

  it('ratio of totals = Σzh ÷ Σen = 45 ÷ 20 = 2.25', () => {
    expect(ratioOfTotals(zh, en)).toBe(2.25);
  });

  it('mean of per-pair ratios = (2 + 3 + 1) ÷ 3 = 2, a different number from the ratio of totals', () => {
    expect(meanOfPairRatios(zh, en)).toEqual({ mean: 2, pairsUsed: 3 });
    expect(premiumEstimators(zh, en)).toEqual({ ratioOfTotals: 2.25, meanOfPairRatios: 2, pairsUsed: 3 });
  });

  it('a pair with 0 English tokens has no ratio: left out of the mean and of pairsUsed', () => {
    expect(meanOfPairRatios([...zh, 4], [...en, 0])).toEqual({ mean: 2, pairsUsed: 3 });
    expect(meanOfPairRatios([3], [0])).toEqual({ mean: null, pairsUsed: 0 });
  });

  it('per-character ratio: (30/20) ÷ (20/80) = 1.5 ÷ 0.25 = 6, while the premium of the same counts is 1.5', () => {
    expect(tokensPerCharRatio({ tokens: 30, characters: 20 }, { tokens: 20, characters: 80 })).toBe(6);
    expect(ratioOfTotals([30], [20])).toBe(1.5);
  });

  it('per-character ratio is null, not Infinity, when a side has 0 characters (e.g. --unit han on English)', () => {
    expect(tokensPerCharRatio({ tokens: 30, characters: 20 }, { tokens: 20, characters: 0 })).toBeNull();
    expect(tokensPerCharRatio({ tokens: 30, characters: 0 }, { tokens: 20, characters: 80 })).toBeNull();
  });

  it('both estimators are invariant under the order of the pairs (bit-identical)', () => {
    // Ratios like 7/3 and 11/13 are not exactly representable, so a naive running sum could differ by order.
    const z = [7, 11, 1, 19, 23, 2, 5, 13, 17, 3];
    const e = [3, 13, 7, 9, 11, 3, 2, 17, 6, 10];
    const base = premiumEstimators(z, e);
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 20; k++) {
      const idx = z.map((_, i) => i).sort(() => rand() - 0.5);
      expect(premiumEstimators(idx.map((i) => z[i]!), idx.map((i) => e[i]!))).toEqual(base);
    }
    expect(premiumEstimators([...z].reverse(), [...e].reverse())).toEqual(base);
  });

  it('rejects unpaired series', () => {
    expect(() => ratioOfTotals([1, 2], [1])).toThrow(/differ in length/);
  });
});

describe('interval of the mean of per-pair ratios (bootstrap module resamples)', () => {
  it('is degenerate at r when every pair has the same ratio r', () => {
    // Every resample mean is a weighted mean of 2.5s, hence exactly 2.5.
    expect(meanOfPairRatiosInterval([5, 10, 25, 50], [2, 4, 10, 20], 200, 7)).toEqual({ low: 2.5, high: 2.5 });
  });

  it('lies within [min ratio, max ratio], brackets the point estimate, and is reproducible for a seed', () => {
    const zh = [10, 30, 5, 8, 12, 9, 20, 7];
    const en = [5, 10, 5, 8, 4, 3, 10, 7];
    const ratios = zh.map((z, i) => z / en[i]!);
    const iv = meanOfPairRatiosInterval(zh, en, 500, 42)!;
    const mean = meanOfPairRatios(zh, en).mean!;
    expect(iv.low).toBeGreaterThanOrEqual(Math.min(...ratios));
    expect(iv.high).toBeLessThanOrEqual(Math.max(...ratios));
    expect(iv.low).toBeLessThan(mean);
    expect(iv.high).toBeGreaterThan(mean);
    expect(meanOfPairRatiosInterval(zh, en, 500, 42)).toEqual(iv);
  });

  it('is absent with fewer than 2 pairs or 0 resamples', () => {
    expect(meanOfPairRatiosInterval([3], [2], 100, 1)).toBeUndefined();
    expect(meanOfPairRatiosInterval([3, 4], [2, 2], 0, 1)).toBeUndefined();
  });
});
