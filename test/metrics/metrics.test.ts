import { describe, expect, it } from 'vitest';
import { costMultipliers, effectiveContext, languageStats, metricValue, premium } from '../../src/metrics/metrics.js';
import { domainStats, withRelativeCosts } from '../../src/core/runner.js';

describe('metrics (hand-computed)', () => {
  it('per-language ratios', () => {
    // 30 tokens for 20 characters in 60 bytes: 1.5 tok/char, 0.666… char/tok, 2 bytes/tok
    const s = languageStats({ tokens: 30, characters: 20, bytes: 60 });
    expect(s.tokensPerChar).toBe(1.5);
    expect(s.charsPerToken).toBeCloseTo(2 / 3, 12);
    expect(s.bytesPerToken).toBe(2);
  });

  it('premium is the ratio of totals, not of per-character rates', () => {
    // zh 50 tokens / en 20 tokens = 2.5 even though zh has 1/3 the characters
    expect(premium(50, 20)).toBe(2.5);
  });

  it('effective context: window × chars/token, and English-equivalent share = en tokens / zh tokens', () => {
    const zh = languageStats({ tokens: 200, characters: 100, bytes: 300 }); // 0.5 char/tok
    const en = languageStats({ tokens: 100, characters: 400, bytes: 400 }); // 4 char/tok
    const ec = effectiveContext(8192, zh, en);
    expect(ec.zhCharacters).toBe(4096);
    expect(ec.enCharacters).toBe(32768);
    expect(ec.englishEquivalentShare).toBe(0.5);
    expect(effectiveContext(null, zh, en).zhCharacters).toBeNull();
  });

  it('cost multipliers vs English and vs the most efficient tokenizer', () => {
    expect(costMultipliers(300, 100, 150)).toEqual({ vsEnglish: 3, vsBest: 2 });
  });

  it('domain stats sum per domain and compute each premium', () => {
    const d = domainStats(['a', 'b', 'a'], [10, 5, 20], [5, 5, 10]);
    expect(d).toEqual({ a: { pairs: 2, zhTokens: 30, enTokens: 15, premium: 2 }, b: { pairs: 1, zhTokens: 5, enTokens: 5, premium: 1 } });
  });

  it('withRelativeCosts makes the tokenizer with the fewest Chinese tokens 1.0', () => {
    const mk = (zh: number, en: number) => ({ languages: { zh: { tokens: zh }, en: { tokens: en } }, cost: { vsEnglish: 0, vsBest: 0 } });
    const out = withRelativeCosts([mk(300, 100), mk(120, 100), mk(240, 80)] as never);
    expect(out.map((r) => r.cost.vsBest)).toEqual([2.5, 1, 2]);
    expect(out.map((r) => r.cost.vsEnglish)).toEqual([3, 1.2, 3]);
  });

  it('metricValue reads dotted keys', () => {
    const r = { languages: { zh: { tokensPerChar: 1.25 } }, premium: 2, cost: { vsBest: 1.5 } };
    expect(metricValue(r, 'zh.tokensPerChar')).toBe(1.25);
    expect(metricValue(r, 'premium')).toBe(2);
    expect(metricValue(r, 'cost.vsBest')).toBe(1.5);
    expect(metricValue(r, 'nope')).toBeNull();
  });
});
