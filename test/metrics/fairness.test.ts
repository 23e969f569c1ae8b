import { describe, expect, it } from 'vitest';
import { gini, languageFairness } from '../../src/metrics/fairness.js';

describe('Gini coefficient (hand-computed)', () => {
  it('equal values → 0', () => expect(gini([1, 1, 1])).toBe(0));
  it('[0, 0, 1]: Σ|xi − xj| over ordered pairs = 4, mean 1/3, G = 4 ÷ (2·9·⅓) = 2/3', () => {
    expect(gini([0, 0, 1])).toBeCloseTo(2 / 3, 12);
  });
  it('[1, 2, 3, 4]: Σ|xi − xj| = 2·(1+2+3+1+2+1) = 20, mean 2.5, G = 20 ÷ (2·16·2.5) = 0.25', () => {
    expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12);
  });
  it('is scale-invariant and order-invariant', () => {
    expect(gini([10, 20, 30, 40])).toBeCloseTo(0.25, 12);
    expect(gini([2, 4, 1, 3])).toBe(gini([1, 2, 3, 4]));
  });
  it('undefined inputs', () => {
    expect(gini([])).toBeNull();
    expect(gini([0, 0])).toBeNull();
    expect(() => gini([1, -1])).toThrow(RangeError);
  });
});

describe('fairness across language sides', () => {
  it('three sides: relative to English 1, 1.5, 2 → Σ|diff| = 2·(0.5+1+0.5) = 4, mean 1.5, G = 4 ÷ 27', () => {
    const f = languageFairness({ en: 100, 'zh-Hans': 150, 'zh-Hant': 200 });
    expect(f).not.toBeNull();
    expect(f!.reference).toBe('en');
    expect(f!.relative).toEqual({ en: 1, 'zh-Hans': 1.5, 'zh-Hant': 2 });
    expect(f!.gini).toBeCloseTo(4 / 27, 12);
  });
  it('two sides: not reported (it would only restate the premium)', () => {
    expect(languageFairness({ en: 100, zh: 150 })).toBeNull();
  });
  it('missing reference side is an error', () => {
    expect(() => languageFairness({ a: 1, b: 2, c: 3 })).toThrow(/reference side "en"/);
  });
});
