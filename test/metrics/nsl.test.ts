import { describe, expect, it } from 'vitest';
import { checkBaselineInRun, nsl, withNsl } from '../../src/metrics/nsl.js';
import { UsageError } from '../../src/core/errors.js';
import type { TokenizerResult } from '../../src/core/types.js';

const mk = (id: string, zh: number, en: number) => ({ tokenizer: { id }, languages: { zh: { tokens: zh }, en: { tokens: en } } }) as unknown as TokenizerResult;
const results = [mk('a', 100, 80), mk('b', 150, 40), mk('c', 50, 80)];

describe('normalized sequence length (hand-computed)', () => {
  it('default baseline is the first result: zh 100/100, 150/100, 50/100; en 80/80, 40/80, 80/80', () => {
    const out = withNsl(results, undefined).results;
    expect(out.map((r) => r.nsl)).toEqual([
      { baseline: 'a', zh: 1, en: 1 },
      { baseline: 'a', zh: 1.5, en: 0.5 },
      { baseline: 'a', zh: 0.5, en: 1 },
    ]);
  });

  it('a named baseline has NSL exactly 1 on both sides, whatever its counts', () => {
    for (const id of ['a', 'b', 'c']) {
      const out = withNsl(results, id).results;
      expect(out.find((r) => r.tokenizer.id === id)!.nsl).toEqual({ baseline: id, zh: 1, en: 1 });
    }
    const byB = withNsl(results, 'b').results;
    expect(byB[0]!.nsl!.zh).toBeCloseTo(100 / 150, 12);
    expect(byB[2]!.nsl!.en).toBe(2);
  });

  it('a baseline that is not among the results: no NSL and a warning naming it', () => {
    const { results: out, warning } = withNsl(results, 'zzz');
    expect(out.every((r) => r.nsl === undefined)).toBe(true);
    expect(warning).toMatch(/"zzz".*not among/);
  });

  it('undefined when the baseline produced no tokens', () => expect(nsl(5, 0)).toBeNull());

  it('--baseline-tokenizer must name a tokenizer of the run (preset aliases and raw specs count)', () => {
    const specs = [{ raw: 'cl100k_base', preset: { id: 'cl100k_base' } }, { raw: './x/tokenizer.json' }];
    expect(() => checkBaselineInRun('cl100k_base', specs)).not.toThrow();
    expect(() => checkBaselineInRun('./x/tokenizer.json', specs)).not.toThrow();
    expect(() => checkBaselineInRun(undefined, specs)).not.toThrow();
    expect(() => checkBaselineInRun('gpt4', specs)).not.toThrow(); // an alias of cl100k_base
    let err: UsageError | undefined;
    try {
      checkBaselineInRun('qwen3', specs);
    } catch (e) {
      err = e as UsageError;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.hint).toBe('use one of cl100k_base, ./x/tokenizer.json, or add it to --tokenizers');
    expect(() => checkBaselineInRun('cl100k_bas', specs)).toThrow(/not one of this run's tokenizers; did you mean "cl100k_base"/);
  });
});
