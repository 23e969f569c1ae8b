/**
 * The literature metrics through runBenchmark, checked against tiktoken called directly (the reference engine)
 * and Intl.Segmenter called directly, on a small in-memory corpus.
 */
import { describe, expect, it } from 'vitest';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { runBenchmark } from '../../src/core/runner.js';
import type { Corpus } from '../../src/corpora/types.js';
import type { TokenizerResult } from '../../src/core/types.js';
import { countChars } from '../../src/core/text-units.js';

const pairs: [string, string][] = [
  ['我们明天上午九点在会议室开会。', 'We will meet in the conference room at nine tomorrow morning.'],
  ['这款手机的电池容量为5000毫安时。', 'The battery capacity of this phone is 5000 mAh.'],
  ['研究人员发现，睡眠不足会影响记忆力。', 'Researchers found that lack of sleep affects memory.'],
  ['请把文件发到我的邮箱。', 'Please send the file to my mailbox.'],
];
const corpusOf = (ps: readonly [string, string][]): Corpus => ({
  id: 'mem', format: 'tsv', files: [], sha256: '0'.repeat(64), notes: [],
  pairs: ps.map(([zh, en], i) => ({ id: String(i), domain: 'test', zh, en })),
});

function withEncoding<T>(name: TiktokenEncoding, f: (encode: (t: string) => Uint32Array) => T): T {
  const enc = get_encoding(name);
  try {
    return f((t) => enc.encode_ordinary(t));
  } finally {
    enc.free();
  }
}

function words(text: string, locale: string): string[] {
  return [...new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)].filter((s) => s.isWordLike).map((s) => s.segment);
}

const byId = (rs: TokenizerResult[], id: string) => rs.find((r) => r.tokenizer.id === id)!;

describe('literature metrics in a run (reference: tiktoken and Intl.Segmenter called directly)', async () => {
  const result = await runBenchmark({ corpus: corpusOf(pairs), tokenizers: ['cl100k_base', 'o200k_base'], bootstrap: 200 });
  const cl = byId(result.results, 'cl100k_base');
  const o200 = byId(result.results, 'o200k_base');

  it('fertility / continued / single-token words equal per-word tiktoken counts', () => {
    for (const [lang, locale, idx] of [['zh', 'zh', 0], ['en', 'en', 1]] as const) {
      const ws = pairs.flatMap((p) => words(p[idx], locale));
      const counts = withEncoding('cl100k_base', (encode) => ws.map((w) => encode(w).length));
      const total = counts.reduce((a, b) => a + b, 0);
      const w = cl.words![lang];
      expect(w.words).toBe(ws.length);
      expect(w.distinctWords).toBe(new Set(ws).size);
      expect(w.fertility).toBeCloseTo(total / ws.length, 12);
      expect(w.continuedWordRate).toBeCloseTo(counts.filter((c) => c >= 2).length / ws.length, 12);
      expect(w.singleTokenRate).toBeCloseTo(counts.filter((c) => c === 1).length / ws.length, 12);
      expect(w.tokensPerWordInContext).toBeCloseTo(cl.languages[lang].tokens / ws.length, 12);
    }
    expect(cl.words!.segmenter).toMatchObject({ encodedInIsolation: true, icu: process.versions.icu, locales: { zh: 'zh', en: 'en' } });
  });

  it('Rényi efficiency (α = 2.5) and vocabulary use equal those of tiktoken ids counted here', () => {
    const ids = withEncoding('cl100k_base', (encode) => pairs.flatMap((p) => [...encode(p[0])]));
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const n = ids.length;
    let s = 0;
    for (const c of counts.values()) s += (c / n) ** 2.5;
    const h = Math.log2(s) / (1 - 2.5);
    const d = cl.distribution!;
    expect(d.alpha).toBe(2.5);
    expect(d.zh.tokens).toBe(cl.languages.zh.tokens);
    expect(d.zh.distinctIds).toBe(counts.size);
    expect(d.zh.vocabUtilisation).toBeCloseTo(counts.size / cl.tokenizer.vocabSize, 15);
    expect(d.zh.renyiEfficiency).toBeCloseTo(h / Math.log2(cl.tokenizer.vocabSize), 12);
  });

  it('NSL: the baseline (first tokenizer by default) is exactly 1; the other is its total ÷ the baseline total', () => {
    expect(cl.nsl).toEqual({ baseline: 'cl100k_base', zh: 1, en: 1 });
    const tot = (name: TiktokenEncoding, idx: 0 | 1) => withEncoding(name, (encode) => pairs.reduce((a, p) => a + encode(p[idx]).length, 0));
    expect(o200.nsl!.zh).toBeCloseTo(tot('o200k_base', 0) / tot('cl100k_base', 0), 12);
    expect(o200.nsl!.en).toBeCloseTo(tot('o200k_base', 1) / tot('cl100k_base', 1), 12);
  });

  it('premium estimators: ratio of totals = premium; mean of per-pair ratios from the pair counts; per-char ratio named apart', () => {
    expect(cl.premiumEstimators!.ratioOfTotals).toBe(cl.premium);
    const ratios = cl.pairCounts.zh.map((z, i) => z / cl.pairCounts.en[i]!);
    expect(cl.premiumEstimators!.meanOfPairRatios).toBeCloseTo(ratios.reduce((a, b) => a + b, 0) / ratios.length, 12);
    expect(cl.premiumEstimators!.meanOfPairRatiosInterval!.low).toBeLessThanOrEqual(cl.premiumEstimators!.meanOfPairRatios!);
    expect(cl.tokensPerCharRatio).toBeCloseTo(cl.languages.zh.tokensPerChar / cl.languages.en.tokensPerChar, 12);
  });

  it('the JSON carries a definition with a direction for every metric it reports', () => {
    const defs = result.metrics!;
    for (const key of ['premium', 'premiumEstimators.meanOfPairRatios', 'tokensPerCharRatio', 'words.zh.fertility', 'nsl.zh', 'distribution.en.renyiEfficiency', 'distribution.zh.vocabUtilisation']) {
      expect(defs[key], key).toBeDefined();
      expect(['lower', 'higher']).toContain(defs[key]!.direction);
    }
    expect(defs['words.zh.fertility']!.source).toMatch(/Rust et al\. 2021/);
    expect(defs['nsl.zh']!.direction).toBe('lower');
    expect(defs['distribution.zh.renyiEfficiency']!.direction).toBe('higher');
  });

  it('a named baseline gets NSL 1 and the estimators do not depend on pair order', async () => {
    const reversed = await runBenchmark({ corpus: corpusOf([...pairs].reverse()), tokenizers: ['cl100k_base', 'o200k_base'], baselineTokenizer: 'o200k_base', bootstrap: 0 });
    expect(byId(reversed.results, 'o200k_base').nsl).toEqual({ baseline: 'o200k_base', zh: 1, en: 1 });
    const rcl = byId(reversed.results, 'cl100k_base');
    expect(rcl.premiumEstimators!.ratioOfTotals).toBe(cl.premiumEstimators!.ratioOfTotals);
    expect(rcl.premiumEstimators!.meanOfPairRatios).toBe(cl.premiumEstimators!.meanOfPairRatios);
    expect(rcl.words).toEqual(cl.words);
    expect(rcl.distribution).toEqual(cl.distribution);
  });

  it('an unknown --baseline-tokenizer is a usage error before any tokenizer runs', async () => {
    let started = 0;
    await expect(runBenchmark({ corpus: corpusOf(pairs), tokenizers: ['cl100k_base'], baselineTokenizer: 'o200k_base', onProgress: () => started++ }))
      .rejects.toThrow(/--baseline-tokenizer "o200k_base" is not one of this run's tokenizers/);
    expect(started).toBe(0);
  });

  it('a bad Rényi order is a usage error', async () => {
    await expect(runBenchmark({ corpus: corpusOf(pairs), tokenizers: ['cl100k_base'], renyiAlpha: 0 })).rejects.toThrow(/renyi-alpha/);
  });

  it('--renyi-alpha 1 gives Shannon efficiency', async () => {
    const r = await runBenchmark({ corpus: corpusOf(pairs), tokenizers: ['cl100k_base'], renyiAlpha: 1, bootstrap: 0 });
    const ids = withEncoding('cl100k_base', (encode) => pairs.flatMap((p) => [...encode(p[1])]));
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) h -= (c / ids.length) * Math.log2(c / ids.length);
    expect(r.results[0]!.distribution!.en.renyiEfficiency).toBeCloseTo(h / Math.log2(r.results[0]!.tokenizer.vocabSize), 12);
  });
});

describe('word metrics with --special-tokens', () => {
  it('baichuan2 prepends BOS to every input, but words are charged only their own tokens', async () => {
    const corpus = corpusOf(pairs.slice(2, 3));
    const plain = await runBenchmark({ corpus, tokenizers: ['baichuan2'], bootstrap: 0 });
    const withBos = await runBenchmark({ corpus, tokenizers: ['baichuan2'], specialTokens: true, bootstrap: 0 });
    // The BOS is counted in the protocol's totals (one per line)…
    expect(withBos.results[0]!.languages.zh.tokens).toBe(plain.results[0]!.languages.zh.tokens + 1);
    // …but not in any word's isolated count.
    expect(withBos.results[0]!.words!.zh.fertility).toBe(plain.results[0]!.words!.zh.fertility);
    expect(withBos.results[0]!.words!.en.fertility).toBe(plain.results[0]!.words!.en.fertility);
  });

  it('flags tokenizers whose isolated words start with a blank dummy-prefix token', async () => {
    const corpus = corpusOf(pairs.slice(2, 3));
    const r = await runBenchmark({ corpus, tokenizers: ['baichuan2', 'cl100k_base'], specialTokens: true, bootstrap: 0 });
    // Reference: tiktoken itself encodes 中文 with no blank token in front.
    const enc = get_encoding('cl100k_base');
    const first = new TextDecoder().decode(enc.decode(enc.encode_ordinary('中文').slice(0, 1)));
    enc.free();
    expect(first.trim()).not.toBe('');
    // Baichuan 2 (SentencePiece with a dummy prefix) encodes an isolated 研究 as ["▁", "研究"] (ids 92311, 1998).
    expect(byId(r.results, 'cl100k_base').words!.isolatedPrefixToken).toBe(false);
    expect(byId(r.results, 'baichuan2').words!.isolatedPrefixToken).toBe(true);
  });
});

describe('--unit han on pure-Latin text', () => {
  it('counts 0 characters in Latin text', () => {
    expect(countChars('Hello world, GPT-4 and Llama 3.', 'han')).toBe(0);
  });

  it('in a run, the (pure-Latin) English side has 0 characters, a null per-character ratio and a clear warning', async () => {
    const warned: string[] = [];
    const r = await runBenchmark({ corpus: corpusOf(pairs.slice(0, 1)), tokenizers: ['cl100k_base'], charUnit: 'han', bootstrap: 0, warn: (m) => warned.push(m) });
    const res = r.results[0]!;
    // 我们明天上午九点在会议室开会。: 14 Han characters, the full stop is not Han.
    expect(res.languages.zh.characters).toBe(14);
    expect(res.languages.en.characters).toBe(0);
    expect(res.tokensPerCharRatio).toBeNull();
    expect(r.warnings.filter((w) => /English side has 0 characters in unit "han" \(han counts only Han-script code points/.test(w))).toHaveLength(1);
    expect(warned.filter((w) => /English side has 0 characters/.test(w))).toHaveLength(1);
  });
});
