import { describe, expect, it } from 'vitest';
import {
  attachIntervals, bootstrapFinalizer, bootstrapRatios, mulberry32, parseResamples, parseSeed, percentileInterval, quantileSorted, uniformIndex,
} from '../../src/metrics/bootstrap.js';
import type { BenchmarkResult, TokenizerResult } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';

/** A test-local generator (Numerical Recipes LCG), independent of the code under test, to make synthetic data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function fakeResult(series: { id: string; origin?: 'western' | 'chinese'; zh: number[]; en: number[] }[], zhChars: number[], enWords?: number[]): BenchmarkResult {
  const results = series.map((s): TokenizerResult => {
    const zhT = s.zh.reduce((a, b) => a + b, 0);
    const enT = s.en.reduce((a, b) => a + b, 0);
    const chars = zhChars.reduce((a, b) => a + b, 0);
    return {
      status: 'ok',
      tokenizer: { id: s.id, name: s.id, family: 'x', vendor: 'x', origin: s.origin ?? 'western', engine: 'tiktoken', vocabSize: 1, contextWindow: 1000, source: { kind: 'builtin' }, sha256: '0'.repeat(64), normalization: 'none' },
      languages: {
        zh: { tokens: zhT, characters: chars, bytes: chars * 3, tokensPerChar: zhT / chars, charsPerToken: chars / zhT, bytesPerToken: (chars * 3) / zhT },
        en: { tokens: enT, characters: 1, bytes: 1, tokensPerChar: 1, charsPerToken: 1, bytesPerToken: 1 },
      },
      premium: zhT / enT,
      effectiveContext: { window: 1000, zhCharacters: 1, enCharacters: 1, englishEquivalentShare: enT / zhT },
      cost: { vsEnglish: zhT / enT, vsBest: 1 },
      domains: {},
      pairCounts: { zh: s.zh, en: s.en },
      seconds: 0,
    };
  });
  return {
    schemaVersion: 1, tool: { name: 'tokbench', version: '0' }, createdAt: '', protocol: { segmentation: 'per-line', specialTokens: false, normalization: 'none', charUnit: 'codepoint', hfEngine: 'native' },
    corpus: { id: 't', format: 'x', sha256: '0', files: [], pairs: zhChars.length, domains: {}, notes: [], pairUnits: { zhChars, enChars: zhChars, enWords: enWords ?? zhChars } },
    environment: { node: '', icu: undefined, platform: '', packages: {} },
    results, failures: [], warnings: [], signature: { text: '', fields: { tool: '', corpus: '', segmentation: '', special: '', unit: '', engine: '', tokenizers: [], version: '' } },
  };
}

describe('PRNG and index draws', () => {
  it('mulberry32 output is uniform on [0, 2^32): chi-square over 16 bins below the p=0.001 critical value', () => {
    const next = mulberry32(12345);
    const bins = new Array<number>(16).fill(0);
    const N = 160_000;
    for (let i = 0; i < N; i++) bins[next() >>> 28]!++;
    const e = N / 16;
    const chi2 = bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(37.7); // df = 15, p = 0.001
  });

  it('the same seed gives the same stream; another seed gives another', () => {
    const a = mulberry32(7), b = mulberry32(7), c = mulberry32(8);
    const sa = Array.from({ length: 20 }, a), sb = Array.from({ length: 20 }, b), sc = Array.from({ length: 20 }, c);
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(sa.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
  });

  it('uniformIndex stays in [0, n) and hits each index about equally (n = 3 does not divide 2^32)', () => {
    const next = mulberry32(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[uniformIndex(next, 3)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // > 4 standard deviations (≈ 82)
  });
});

describe('percentile intervals', () => {
  it('type-7 quantiles match hand computation', () => {
    // h = (5 - 1) × 0.025 = 0.1 → 1 + 0.1 × (2 - 1); h = 3.9 → 4 + 0.9 × (5 - 4)
    expect(quantileSorted([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.975)).toBeCloseTo(4.9, 12);
    expect(quantileSorted([10, 20], 0.5)).toBe(15);
    expect(percentileInterval([5, 1, 4, 2, 3, Number.NaN])).toEqual([quantileSorted([1, 2, 3, 4, 5], 0.025), quantileSorted([1, 2, 3, 4, 5], 0.975)]);
  });
});

describe('paired bootstrap of ratio statistics', () => {
  it('a constant per-pair ratio has a zero-width interval at that ratio', () => {
    const en = [3, 7, 11, 2, 9, 4];
    const zh = en.map((x) => 2 * x);
    const chars = en.map((x) => 4 * x); // zh tokens per char = 0.5 in every pair
    const [d] = bootstrapRatios([{ zhTokens: zh, enTokens: en, zhChars: chars }], 500, 3);
    expect(percentileInterval(d!.premium)).toEqual([2, 2]);
    expect(percentileInterval(d!.zhTokensPerChar)).toEqual([0.5, 0.5]);
  });

  it('resamples are shared across tokenizers: a tokenizer with exactly twice the Chinese tokens has exactly twice the premium in every resample', () => {
    const rnd = lcg(99);
    const en = Array.from({ length: 50 }, () => 5 + Math.floor(rnd() * 30));
    const zh = en.map((x) => Math.max(1, Math.round(x * (0.5 + rnd()))));
    const [a, b] = bootstrapRatios([
      { zhTokens: zh, enTokens: en, zhChars: en },
      { zhTokens: zh.map((x) => 2 * x), enTokens: en, zhChars: en },
    ], 200, 11);
    expect(b!.premium.map((x, i) => x / a!.premium[i]!).every((r) => Math.abs(r - 2) < 1e-12)).toBe(true);
  });

  it('agrees with the delta-method normal interval for a ratio of sums on a large sample', () => {
    // Independent reference: Var(Σz/Σe) ≈ Σ(z_i − R e_i)² / (Σe)² (linearisation of a ratio estimator).
    const rnd = lcg(2024);
    const n = 600;
    const en = Array.from({ length: n }, () => 8 + Math.floor(rnd() * 40));
    const zh = en.map((x) => Math.max(1, Math.round(x * (0.8 + 0.8 * rnd()))));
    const sz = zh.reduce((a, b) => a + b, 0), se = en.reduce((a, b) => a + b, 0);
    const R = sz / se;
    const sd = Math.sqrt((n / (n - 1)) * zh.reduce((s, z, i) => s + (z - R * en[i]!) ** 2, 0)) / se;
    const [d] = bootstrapRatios([{ zhTokens: zh, enTokens: en, zhChars: en }], 4000, 5);
    const [lo, hi] = percentileInterval(d!.premium);
    const half = 1.959964 * sd;
    expect(lo).toBeLessThan(R);
    expect(hi).toBeGreaterThan(R);
    expect(Math.abs(lo - (R - half))).toBeLessThan(0.1 * half);
    expect(Math.abs(hi - (R + half))).toBeLessThan(0.1 * half);
  });

  it('rejects series of different lengths', () => {
    expect(() => bootstrapRatios([{ zhTokens: [1, 2], enTokens: [1], zhChars: [1, 2] }], 10, 1)).toThrow(RangeError);
  });
});

describe('attachIntervals (the result finaliser)', () => {
  const rnd = lcg(7);
  const n = 120;
  const en = Array.from({ length: n }, () => 10 + Math.floor(rnd() * 20));
  const zhA = en.map((x) => Math.round(x * (2 + rnd())));
  const zhB = en.map((x) => Math.round(x * (0.6 + 0.3 * rnd())));
  const chars = en.map((x) => Math.round(x * 1.4));
  const base = fakeResult([{ id: 'a', zh: zhA, en }, { id: 'b', origin: 'chinese', zh: zhB, en }], chars);

  it('attaches intervals that contain the point estimates, with the share interval = 1/premium swapped', () => {
    const out = attachIntervals(base, 1000, 42);
    expect(out.bootstrap).toMatchObject({ status: 'ok', resamples: 1000, seed: 42, level: 0.95 });
    for (const r of out.results) {
      const iv = r.intervals!;
      expect(iv.premium.low).toBeLessThan(r.premium);
      expect(iv.premium.high).toBeGreaterThan(r.premium);
      expect(iv.zhTokensPerChar.low).toBeLessThan(r.languages.zh.tokensPerChar);
      expect(iv.zhTokensPerChar.high).toBeGreaterThan(r.languages.zh.tokensPerChar);
      expect(iv.costVsEnglish).toEqual(iv.premium);
      expect(iv.englishEquivalentShare.low).toBeCloseTo(1 / iv.premium.high, 12);
      expect(iv.englishEquivalentShare.high).toBeCloseTo(1 / iv.premium.low, 12);
    }
  });

  it('is reproducible for a seed and changes with the seed', () => {
    const a = attachIntervals(base, 300, 1).results[0]!.intervals!;
    const b = attachIntervals(base, 300, 1).results[0]!.intervals!;
    const c = attachIntervals(base, 300, 2).results[0]!.intervals!;
    expect(a).toEqual(b);
    expect(a.premium).not.toEqual(c.premium);
  });

  it('skips, and says so, when per-pair counts are absent (joined protocols)', () => {
    const joined = { ...base, results: base.results.map((r) => ({ ...r, pairCounts: undefined as unknown as TokenizerResult['pairCounts'] })) };
    const out = attachIntervals(joined, 100, 1);
    expect(out.bootstrap?.status).toBe('skipped');
    expect(out.bootstrap?.reason).toMatch(/no per-pair counts/);
    expect(out.warnings.some((w) => /confidence intervals skipped/.test(w))).toBe(true);
    expect(out.results.every((r) => r.intervals === undefined)).toBe(true);
  });

  it('--bootstrap 0 disables the finaliser; the default is on', () => {
    expect(bootstrapFinalizer.enabled!({ bootstrap: 0 })).toBe(false);
    expect(bootstrapFinalizer.enabled!({})).toBe(true);
  });
});

describe('flag parsing', () => {
  it('accepts 0..100000 resamples and 32-bit seeds; rejects the rest as usage errors', () => {
    expect(parseResamples('0')).toBe(0);
    expect(parseResamples('2000')).toBe(2000);
    expect(parseSeed('4294967295')).toBe(4294967295);
    for (const bad of ['-1', '1.5', 'abc', '100001']) expect(() => parseResamples(bad)).toThrow(UsageError);
    for (const bad of ['-3', '4294967296', 'x']) expect(() => parseSeed(bad)).toThrow(UsageError);
  });
});
