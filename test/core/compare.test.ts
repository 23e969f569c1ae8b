import { describe, expect, it } from 'vitest';
import {
  applyToleranceSpecs, compareMetric, compareResults, CORE_METRICS, DEFAULT_TOLERANCES, isGated, parseGate, parseTolerance, protocolDifferences,
  toleranceFlagSpecs, type Tolerance,
} from '../../src/core/compare.js';
import { UsageError } from '../../src/core/errors.js';
import { comparisonSchemaErrors } from '../../src/core/schema.js';
import type { BenchmarkResult, TokenizerResult } from '../../src/core/types.js';
import { METRICS } from '../../src/metrics/metrics.js';

const rel = (pct: number): Tolerance => ({ kind: 'relative', value: pct / 100 });
const abs = (v: number): Tolerance => ({ kind: 'absolute', value: v });
const lower = { key: 'zh.tokensPerChar', label: 'zh tok/char', direction: 'lower' as const };
const higher = { key: 'zh.charsPerToken', label: 'zh char/tok', direction: 'higher' as const };

describe('parseTolerance', () => {
  it('reads N% as relative and a bare number as absolute', () => {
    expect(parseTolerance('1%', 'x')).toEqual({ kind: 'relative', value: 0.01 });
    expect(parseTolerance(' 0.5 % ', 'x')).toEqual({ kind: 'relative', value: 0.005 });
    expect(parseTolerance('0.002', 'x')).toEqual({ kind: 'absolute', value: 0.002 });
    expect(parseTolerance(3, 'x')).toEqual({ kind: 'absolute', value: 3 });
  });

  it('rejects negatives and garbage as usage errors naming where', () => {
    for (const bad of ['-1%', 'abc', '1%%', '', '1e-3']) {
      expect(() => parseTolerance(bad, '--tolerance')).toThrow(UsageError);
    }
    expect(() => parseTolerance(-0.1, 'tokbench.config.json')).toThrow(/tokbench\.config\.json/);
  });

  it('flag specs: default, per metric, later wins, unknown metric suggests the right one', () => {
    const specs = toleranceFlagSpecs(['1%', 'premium=0.5%,zh.tokensPerChar=0.002', 'premium=2%']);
    const t = applyToleranceSpecs(DEFAULT_TOLERANCES, specs, '--tolerance');
    expect(t.default).toEqual({ kind: 'relative', value: 0.01 });
    expect(t.perMetric['premium']).toEqual({ kind: 'relative', value: 0.02 });
    expect(t.perMetric['zh.tokensPerChar']).toEqual({ kind: 'absolute', value: 0.002 });
    expect(() => applyToleranceSpecs(DEFAULT_TOLERANCES, [['zh.tokenPerChar', '1%']], '--tolerance')).toThrow(/did you mean "zh\.tokensPerChar"/);
  });
});

describe('compareMetric: direction and tolerance edges', () => {
  it('lower-is-better: exactly at a relative tolerance passes, just beyond fails', () => {
    // 0.5 → 0.505 is +1% (computed in floating point as 1.0000000000000009%).
    expect(compareMetric(lower, 0.5, 0.505, rel(1))).toMatchObject({ status: 'within-tolerance', fails: false });
    expect(compareMetric(lower, 0.5, 0.5051, rel(1))).toMatchObject({ status: 'regressed', fails: true });
    // The same change from integer counts: 1000/2000 → 1010/2000.
    expect(compareMetric(lower, 1000 / 2000, 1010 / 2000, rel(1)).fails).toBe(false);
    expect(compareMetric(lower, 1000 / 2000, 1011 / 2000, rel(1)).fails).toBe(true);
  });

  it('absolute and relative tolerances differ on the same change', () => {
    // 0.2 → 0.2015: +0.0015 absolute, +0.75% relative.
    expect(compareMetric(lower, 0.2, 0.2015, rel(1)).fails).toBe(false);
    expect(compareMetric(lower, 0.2, 0.2015, abs(0.001)).fails).toBe(true);
    expect(compareMetric(lower, 0.2, 0.2015, abs(0.0015)).fails).toBe(false);
    expect(compareMetric(lower, 0.2, 0.2015, rel(0.74)).fails).toBe(true);
  });

  it('higher-is-better: a drop is the regression, a rise the improvement', () => {
    expect(compareMetric(higher, 4, 3.96, rel(1))).toMatchObject({ status: 'within-tolerance', fails: false });
    expect(compareMetric(higher, 4, 3.9599, rel(1))).toMatchObject({ status: 'regressed', fails: true });
    expect(compareMetric(higher, 4, 5, rel(0))).toMatchObject({ status: 'improved', fails: false, absoluteChange: 1, relativeChange: 0.25 });
    expect(compareMetric(lower, 4, 3, rel(0))).toMatchObject({ status: 'improved', fails: false, relativeChange: -0.25 });
  });

  it('exact by default: the smallest real change regresses; identical values are unchanged', () => {
    // One token more in a million: a real count change, far above floating-point noise.
    expect(compareMetric(lower, 1_000_000 / 3_000_000, 1_000_001 / 3_000_000, rel(0)).fails).toBe(true);
    expect(compareMetric(lower, 0.1 + 0.2, 0.1 + 0.2, rel(0))).toMatchObject({ status: 'unchanged', fails: false, absoluteChange: 0 });
    // Summation order: 0.1 + 0.2 + 0.3 ≠ 0.3 + 0.2 + 0.1 in the last bit, which is not a change.
    expect(0.1 + 0.2 + 0.3).not.toBe(0.3 + 0.2 + 0.1);
    expect(compareMetric(lower, 0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1, rel(0))).toMatchObject({ status: 'unchanged', fails: false });
  });

  it('strict fails improvements beyond tolerance too, but not those within', () => {
    expect(compareMetric(higher, 4, 5, rel(0), true)).toMatchObject({ status: 'improved', fails: true });
    expect(compareMetric(higher, 4, 4.02, rel(1), true)).toMatchObject({ status: 'improved', fails: false });
  });

  it('a metric undefined on one side is incomparable and fails; undefined on both is unchanged', () => {
    expect(compareMetric(higher, 100, null, rel(50))).toMatchObject({ status: 'incomparable', fails: true });
    expect(compareMetric(higher, null, null, rel(0))).toMatchObject({ status: 'unchanged', fails: false });
    expect(compareMetric(lower, 0, 1, rel(0))).toMatchObject({ relativeChange: null, status: 'regressed' });
  });
});

describe('which metrics gate', () => {
  it('the README efficiency metrics gate by default; others only when asked for', () => {
    expect(CORE_METRICS).toEqual(expect.arrayContaining(['zh.tokensPerChar', 'premium', 'cost.vsBest']));
    for (const k of CORE_METRICS) expect(METRICS.some((m) => m.key === k), k).toBe(true);
    const other = METRICS.find((m) => !CORE_METRICS.includes(m.key));
    if (!other) {
      console.warn('METRICS has no metric outside the core set: nothing to test for non-gating');
      return;
    }
    expect(isGated('core', DEFAULT_TOLERANCES, 'premium')).toBe(true);
    expect(isGated('core', DEFAULT_TOLERANCES, other.key)).toBe(false);
    expect(isGated('all', DEFAULT_TOLERANCES, other.key)).toBe(true);
    expect(isGated([other.key], DEFAULT_TOLERANCES, other.key)).toBe(true);
    expect(isGated([other.key], DEFAULT_TOLERANCES, 'premium')).toBe(false);
    // Giving a metric its own tolerance says it matters: it gates.
    expect(isGated('core', { default: rel(0), perMetric: { [other.key]: rel(5) } }, other.key)).toBe(true);
  });

  it('a metric that does not gate is reported as worse but never fails', () => {
    expect(compareMetric(lower, 0.5, 0.9, rel(0), false, false)).toMatchObject({ status: 'regressed', gated: false, fails: false });
    expect(compareMetric(lower, 0.5, 0.1, rel(0), true, false)).toMatchObject({ status: 'improved', fails: false });
  });

  it('parseGate accepts core, all and metric keys; rejects unknown keys', () => {
    expect(parseGate('core', 'x')).toBe('core');
    expect(parseGate(' all ', 'x')).toBe('all');
    expect(parseGate('premium,zh.tokensPerChar', 'x')).toEqual(['premium', 'zh.tokensPerChar']);
    expect(() => parseGate('premum', '--metrics')).toThrow(/--metrics: unknown metric "premum"; did you mean "premium"\?/);
    expect(() => parseGate(',', '--metrics')).toThrow(UsageError);
  });
});

/** A result built from hand-chosen counts: 1,000 zh chars (3,000 bytes), 4,000 en chars/bytes, window 8,192. */
function result(tokens: Record<string, [zh: number, en: number, sha: string]>, protocol: Partial<BenchmarkResult['protocol']> = {}): BenchmarkResult {
  const best = Math.min(...Object.values(tokens).map((t) => t[0]));
  const results = Object.entries(tokens).map(([id, [zh, en, sha]]): TokenizerResult => ({
    status: 'ok',
    tokenizer: { id, name: id, family: 'x', vendor: 'x', origin: 'chinese', engine: 'hf-native', vocabSize: 100, contextWindow: 8192, source: { kind: 'npm' }, sha256: sha.repeat(64), normalization: 'none' },
    languages: {
      zh: { tokens: zh, characters: 1000, bytes: 3000, tokensPerChar: zh / 1000, charsPerToken: 1000 / zh, bytesPerToken: 3000 / zh },
      en: { tokens: en, characters: 4000, bytes: 4000, tokensPerChar: en / 4000, charsPerToken: 4000 / en, bytesPerToken: 4000 / en },
    },
    premium: zh / en,
    effectiveContext: { window: 8192, zhCharacters: Math.floor((8192 * 1000) / zh), enCharacters: Math.floor((8192 * 4000) / en), englishEquivalentShare: en / zh },
    cost: { vsEnglish: zh / en, vsBest: zh / best },
    domains: {},
    pairCounts: { zh: [zh], en: [en] },
    seconds: 0,
  }));
  return {
    schemaVersion: 1, tool: { name: 'tokbench', version: '0.0.0' }, createdAt: '2026-01-01T00:00:00.000Z',
    corpus: { id: 'c', format: 'tsv', sha256: 'c'.repeat(64), files: [{ path: '/c.tsv', sha256: 'c'.repeat(64), bytes: 7000 }], pairs: 1, domains: { general: 1 }, notes: [] },
    protocol: { segmentation: 'per-line', specialTokens: false, normalization: 'none', charUnit: 'codepoint', hfEngine: 'native', ...protocol },
    environment: { node: 'v20', icu: undefined, platform: 'x', packages: {} },
    results, failures: [], warnings: [], signature: { text: 'tokbench:1|x', fields: { tool: 'tokbench:1', corpus: 'c', segmentation: 'per-line', special: 'no', unit: 'codepoint', engine: 'native', tokenizers: [], version: '0' } },
  };
}

describe('compareResults', () => {
  it('a tokenizer that needs 10% more Chinese tokens regresses exactly the Chinese-dependent metrics', () => {
    // b has the fewest Chinese tokens in both runs, so a's cost vs best moves and b's does not.
    const old = result({ a: [800, 1000, 'a'], b: [700, 1000, 'b'] });
    const neu = result({ a: [880, 1000, 'f'], b: [700, 1000, 'b'] });
    const c = compareResults(old, neu);
    const a = c.tokenizers.find((t) => t.id === 'a')!;
    expect(a.sha256Changed).toBe(true);
    const failing = a.metrics.filter((m) => m.fails).map((m) => m.metric).sort();
    // en metrics do not move; every zh-side metric and premium, window share, chars in window and cost vs best do.
    expect(failing).toEqual(['cost.vsBest', 'effectiveContext.englishEquivalentShare', 'effectiveContext.zhCharacters', 'premium', 'zh.bytesPerToken', 'zh.charsPerToken', 'zh.tokensPerChar'].sort());
    const tpc = a.metrics.find((m) => m.metric === 'zh.tokensPerChar')!;
    expect(tpc.old).toBe(0.8);
    expect(tpc.new).toBe(0.88);
    expect(tpc.relativeChange).toBeCloseTo(0.1, 12);
    // floor(8192·1000/800) = 10240 → floor(8192·1000/880) = 9309
    expect(a.metrics.find((m) => m.metric === 'effectiveContext.zhCharacters')).toMatchObject({ old: 10240, new: 9309, absoluteChange: -931 });
    expect(c.tokenizers.find((t) => t.id === 'b')!.metrics.every((m) => m.status === 'unchanged')).toBe(true);
    expect(c.passed).toBe(false);
    expect(c.summary.failing).toBe(7);
    expect(c.summary.unchanged).toBe(METRICS.length * 2 - 7);
  });

  it('a 10% tolerance lets the same change through; 9.99% does not', () => {
    const old = result({ a: [800, 1000, 'a'] });
    const neu = result({ a: [880, 1000, 'a'] });
    expect(compareResults(old, neu, { tolerances: { default: rel(10), perMetric: {} } }).passed).toBe(true);
    expect(compareResults(old, neu, { tolerances: { default: rel(9.99), perMetric: {} } }).passed).toBe(false);
    // Per-metric overrides: only the metric left exact fails.
    const perMetric = Object.fromEntries(METRICS.map((m) => [m.key, rel(10)]));
    delete perMetric['premium'];
    const c = compareResults(old, neu, { tolerances: { default: rel(0), perMetric } });
    expect(c.tokenizers[0]!.metrics.filter((m) => m.fails).map((m) => m.metric)).toEqual(['premium']);
  });

  it('fewer Chinese tokens pass; strict mode fails them', () => {
    const old = result({ a: [880, 1000, 'a'] });
    const neu = result({ a: [800, 1000, 'a'] });
    expect(compareResults(old, neu).passed).toBe(true);
    expect(compareResults(old, neu).summary.improved).toBeGreaterThan(0);
    expect(compareResults(old, neu, { strict: true }).passed).toBe(false);
  });

  it('reports added and removed tokenizers, matches ids through matchId, and protocol differences', () => {
    const old = result({ a: [800, 1000, 'a'], gone: [900, 1000, 'b'] });
    const neu = result({ '/tmp/a.json': [800, 1000, 'a'], fresh: [700, 1000, 'c'] }, { specialTokens: true });
    const c = compareResults(old, neu, { matchId: (id) => (id === '/tmp/a.json' ? 'a' : id) });
    expect(c.tokenizers.map((t) => [t.id, t.presence])).toEqual([['a', 'compared'], ['fresh', 'added'], ['gone', 'removed']]);
    expect(c.protocolDifferences).toEqual(['specialTokens: false → true']);
    expect(protocolDifferences(old.protocol, old.protocol)).toEqual([]);
  });

  it('its JSON form satisfies schema/comparison.schema.json', () => {
    const c = compareResults(result({ a: [800, 1000, 'a'] }), result({ a: [880, 1000, 'b'], z: [1, 1, 'c'] }));
    expect(comparisonSchemaErrors(JSON.parse(JSON.stringify(c)))).toEqual([]);
    expect(comparisonSchemaErrors({ ...c, summary: 'x' }).length).toBeGreaterThan(0);
  });
});
