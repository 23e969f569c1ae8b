import { describe, expect, it } from 'vitest';
import { segmentWords, wordInventory, wordSideStats } from '../../src/metrics/words.js';

describe('word segmentation (Intl.Segmenter, word-like segments only)', () => {
  it('English: punctuation and spaces are not words; contractions and decimals stay whole', () => {
    expect(segmentWords("Don't panic, it's 3.14!", 'en')).toEqual(["Don't", 'panic', "it's", '3.14']);
  });

  it('Chinese: punctuation is dropped and every code point of the text lands in some word or in the dropped punctuation', () => {
    const text = '我们今天去北京。';
    const words = segmentWords(text, 'zh');
    expect(words.join('')).toBe('我们今天去北京');
    expect(words.length).toBeGreaterThan(1); // dictionary segmentation, not one block
    expect(words.length).toBeLessThan(7); // and not one word per character
  });

  it('inventory counts occurrences across texts', () => {
    const inv = wordInventory(['the cat, the hat', 'The cat'], 'en');
    expect([...inv]).toEqual([['the', 2], ['cat', 2], ['hat', 1], ['The', 1]]);
  });
});

describe('fertility, continued words, single-token words (hand-computed)', () => {
  // Inventory: "a" ×3 (1 token), "bb" ×1 (2 tokens), "ccc" ×2 (3 tokens); the stand-in tokenizer gives one
  // token per letter. Words = 3 + 1 + 2 = 6; tokens = 3·1 + 1·2 + 2·3 = 11.
  const inv = new Map([['a', 3], ['bb', 1], ['ccc', 2]]);
  const stats = wordSideStats(inv, (w) => w.length, 12);

  it('fertility = 11 ÷ 6', () => expect(stats.fertility).toBeCloseTo(11 / 6, 12));
  it('continued words = (1 + 2) ÷ 6 = 0.5 (occurrences, not distinct words)', () => expect(stats.continuedWordRate).toBe(0.5));
  it('single-token words = 3 ÷ 6 = 0.5', () => expect(stats.singleTokenRate).toBe(0.5));
  it('tokens per word in context = 12 ÷ 6 = 2', () => expect(stats.tokensPerWordInContext).toBe(2));
  it('counts words and distinct words', () => expect([stats.words, stats.distinctWords]).toEqual([6, 3]));

  it('no words: every rate is null, not 0 or NaN', () => {
    expect(wordSideStats(new Map(), () => 1, 5)).toEqual({
      words: 0, distinctWords: 0, fertility: null, continuedWordRate: null, singleTokenRate: null, tokensPerWordInContext: null,
    });
  });
});

describe('word pass with a stand-in tokenizer (one token per UTF-16 unit)', async () => {
  const { wordMetrics, wordMetricsPass } = await import('../../src/metrics/words.js');
  const corpus = {
    id: 'mem', format: 'tsv' as const, files: [], sha256: '', notes: [],
    pairs: [{ id: '1', domain: 'd', zh: '你好。', en: 'ab, a!' }, { id: '2', domain: 'd', zh: '你好', en: 'abc' }],
  };
  const fake = (extra: number, fail = false) => ({
    info: { id: 'fake', vocabSize: 10 } as never,
    encode: async (t: string) => [...t].map((c) => c.charCodeAt(0)),
    decode: async (ids: readonly number[]) => String.fromCharCode(...ids),
    countBatch: async (ts: readonly string[]) => {
      if (fail) throw new Error('boom');
      return ts.map((t) => t.length + extra);
    },
    dispose: () => {},
  });
  const enWords = ['ab', 'a', 'abc']; // Intl.Segmenter('en'), word-like only

  it('English: words ab, a, abc → 2 + 1 + 3 = 6 tokens over 3 words; 2 continued, 1 single', async () => {
    expect(segmentWords('ab, a!', 'en').concat(segmentWords('abc', 'en'))).toEqual(enWords);
    const m = await wordMetrics({ tokenizer: fake(0), corpus, pairCounts: { zh: [3, 2], en: [6, 3] }, options: {}, warn: () => {} });
    expect(m.en).toMatchObject({ words: 3, distinctWords: 3, fertility: 2, continuedWordRate: 2 / 3, singleTokenRate: 1 / 3 });
  });

  it('with --special-tokens, the tokens added to every input (counted on "") are not charged to words', async () => {
    const m = await wordMetrics({ tokenizer: fake(2), corpus, pairCounts: { zh: [5, 4], en: [8, 5] }, options: { specialTokens: true }, warn: () => {} });
    expect(m.en.fertility).toBe(2);
  });

  it('a failing word pass warns and keeps the tokenizer (returns no words field)', async () => {
    const warned: string[] = [];
    const out = await wordMetricsPass.run({ tokenizer: fake(0, true), corpus, pairCounts: { zh: [3, 2], en: [6, 3] }, options: {}, warn: (m) => warned.push(m) });
    expect(out).toEqual({});
    expect(warned).toEqual(['word metrics skipped: boom']);
  });
});
