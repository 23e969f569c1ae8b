import { describe, expect, it } from 'vitest';
import { distributionSide, parseRenyiAlpha, renyiEfficiency, renyiEntropy } from '../../src/metrics/distribution.js';

/*
 * Worked example, by hand. Token ids A, A, B, C → p = (1/2, 1/4, 1/4); vocabulary size |V| = 4, log2|V| = 2.
 *
 * α = 2.5 (the default):
 *   Σ p^α = (1/2)^2.5 + 2·(1/4)^2.5 = 2^-2.5 + 2·2^-5 = 0.1767767 + 0.0625 = 0.2392767
 *   log2(0.2392767) = −2.0632482
 *   H_2.5 = log2(Σ p^α) ÷ (1 − α) = −2.0632482 ÷ −1.5 = 1.3754988 bits
 *   efficiency = 1.3754988 ÷ 2 = 0.6877494
 * α = 2 (collision entropy): Σ p² = 1/4 + 1/16 + 1/16 = 3/8, H_2 = log2(8/3) = 1.4150375, efficiency 0.7075187
 * α = 1 (Shannon): H = ½·1 + 2·¼·2 = 1.5 bits, efficiency 0.75
 * Vocabulary utilisation: 3 distinct ids ÷ 4 = 0.75; with |V| = 10: 0.3.
 */
const counts = new Map([[101, 2], [7, 1], [42, 1]]);

describe('Rényi entropy and efficiency (worked example above)', () => {
  it('α = 2.5', () => {
    expect(renyiEntropy(counts.values(), 2.5)).toBeCloseTo(1.3754988, 6);
    expect(renyiEfficiency(counts.values(), 4, 2.5)).toBeCloseTo(0.6877494, 6);
  });
  it('α = 2', () => expect(renyiEfficiency(counts.values(), 4, 2)).toBeCloseTo(0.7075187, 6));
  it('α = 1 is Shannon', () => {
    expect(renyiEntropy(counts.values(), 1)).toBe(1.5);
    expect(renyiEfficiency(counts.values(), 4, 1)).toBe(0.75);
  });
  it('α → 1 approaches the Shannon value continuously', () => {
    expect(renyiEntropy(counts.values(), 1.000001)).toBeCloseTo(1.5, 5);
  });
  it('a uniform distribution over the whole vocabulary has efficiency 1 for any α', () => {
    const uniform = [5, 5, 5, 5, 5, 5, 5, 5];
    for (const a of [0.5, 1, 2.5, 7]) expect(renyiEfficiency(uniform, 8, a)).toBeCloseTo(1, 12);
  });
  it('a single repeated id has entropy 0', () => expect(renyiEntropy([9], 2.5)).toBe(0));
  it('nothing counted → null', () => expect(renyiEntropy([], 2.5)).toBeNull());
});

describe('distribution side', () => {
  it('vocabulary utilisation = distinct ids ÷ vocabulary size, plus tokens and efficiency', () => {
    const s = distributionSide(counts, 10, 2.5);
    expect(s.tokens).toBe(4);
    expect(s.distinctIds).toBe(3);
    expect(s.vocabUtilisation).toBe(0.3);
    expect(s.renyiEntropy).toBeCloseTo(1.3754988, 6);
    expect(s.renyiEfficiency).toBeCloseTo(1.3754988 / Math.log2(10), 6);
  });
});

describe('--renyi-alpha', () => {
  it('accepts positive decimals', () => {
    expect(parseRenyiAlpha('2.5')).toBe(2.5);
    expect(parseRenyiAlpha('1')).toBe(1);
    expect(parseRenyiAlpha(undefined)).toBeUndefined();
  });
  it('rejects 0, negatives and text with a usage error', () => {
    for (const bad of ['0', '-1', 'abc', '', 'Infinity']) expect(() => parseRenyiAlpha(bad)).toThrow(/--renyi-alpha must be a number > 0/);
  });
});

describe('distribution pass with a stand-in tokenizer', async () => {
  const { distributionMetrics, distributionPass } = await import('../../src/metrics/distribution.js');
  const corpus = { id: 'm', format: 'tsv' as const, files: [], sha256: '', notes: [], pairs: [{ id: '1', domain: 'd', zh: 'AAB', en: 'C' }, { id: '2', domain: 'd', zh: '', en: 'CC' }] };
  // One id per character (its char code): zh ids A, A, B → p = (2/3, 1/3); en ids C, C, C → p = (1).
  const fake = (fail = false) => ({
    info: { id: 'fake', vocabSize: 8 } as never,
    encode: async (t: string) => {
      if (fail) throw new Error('boom');
      return [...t].map((c) => c.charCodeAt(0));
    },
    countBatch: async (ts: readonly string[]) => ts.map((t) => t.length),
    decode: async () => '',
    dispose: () => {},
  });

  it('counts ids per side; α = 2: H = −log2(4/9 + 1/9) = log2(9/5) = 0.8479969, ÷ log2 8 = 3 → 0.2826656', async () => {
    const warned: string[] = [];
    const d = await distributionMetrics({ tokenizer: fake(), corpus, pairCounts: { zh: [3, 0], en: [1, 2] }, options: { renyiAlpha: 2 }, warn: (m) => warned.push(m) });
    expect(d.zh).toMatchObject({ tokens: 3, distinctIds: 2, vocabUtilisation: 2 / 8 });
    expect(d.zh.renyiEfficiency).toBeCloseTo(0.2826656, 6);
    expect(d.en).toMatchObject({ tokens: 3, distinctIds: 1, renyiEntropy: 0, renyiEfficiency: 0 });
    expect(warned).toEqual([]);
  });

  it('warns when encode() and the reported counts disagree', async () => {
    const warned: string[] = [];
    await distributionMetrics({ tokenizer: fake(), corpus, pairCounts: { zh: [4, 0], en: [1, 2] }, options: {}, warn: (m) => warned.push(m) });
    expect(warned).toEqual(['zh: encode() gave 3 tokens but the counted total is 4; distribution metrics may not match the counts']);
  });

  it('a failing pass warns and returns nothing instead of failing the tokenizer', async () => {
    const warned: string[] = [];
    expect(await distributionPass.run({ tokenizer: fake(true), corpus, pairCounts: { zh: [3, 0], en: [1, 2] }, options: {}, warn: (m) => warned.push(m) })).toEqual({});
    expect(warned).toEqual(['distribution metrics skipped: boom']);
  });
});
