import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { parseJoin, resolveSegmentation, segmentationSignature } from '../../src/core/segmentation.js';
import { makeSignature } from '../../src/core/signature.js';
import { runBenchmark } from '../../src/core/runner.js';
import type { Corpus } from '../../src/corpora/types.js';

const corpus: Corpus = {
  id: 'tiny', format: 'jsonl', files: [], sha256: 'ab'.repeat(32), notes: [],
  pairs: [
    { id: '1', domain: 'a', zh: '今天很冷。', en: 'It is cold today.' },
    { id: '2', domain: 'b', zh: '我们去吃火锅吧！', en: "Let's go for hot pot!" },
  ],
};

describe('segmentation protocols', () => {
  it('resolves flags and rejects contradictions', () => {
    expect(resolveSegmentation({})).toEqual({ segmentation: 'per-line' });
    expect(resolveSegmentation({ segmentation: 'joined' })).toEqual({ segmentation: 'joined', join: ' ' });
    expect(resolveSegmentation({ protocol: 'petrov2023' })).toEqual({ segmentation: 'petrov2023', join: ' ' });
    expect(() => resolveSegmentation({ join: ' ' })).toThrow(/--join only applies to --segmentation joined/);
    expect(() => resolveSegmentation({ protocol: 'petrov2023', segmentation: 'joined' })).toThrow(/fixes the segmentation/);
    expect(() => resolveSegmentation({ protocol: 'nope' })).toThrow(/unknown --protocol "nope"/);
    expect(() => resolveSegmentation({ segmentation: 'sentences' })).toThrow(/unknown --segmentation/);
  });

  it('--join escapes and the signature field never contains "|"', () => {
    expect(parseJoin('\\n')).toBe('\n');
    expect(parseJoin('\\t|\\\\')).toBe('\t|\\');
    expect(segmentationSignature({ segmentation: 'joined', join: ' | ' })).toBe('joined:%20%7C%20');
    expect(segmentationSignature({ segmentation: 'per-line' })).toBe('per-line');
  });

  it('signature: unchanged for per-line Simplified, lang field only for zh-Hant', () => {
    const p = { segmentation: 'per-line' as const, specialTokens: false, normalization: 'none' as const, charUnit: 'codepoint' as const, hfEngine: 'native' as const };
    expect(makeSignature(corpus, { ...p, lang: 'zh-Hans' }, []).text).toBe(makeSignature(corpus, p, []).text);
    expect(makeSignature(corpus, p, []).text).toMatch(/^tokbench:1\|corpus:tiny@abababab\|seg:per-line\|special:no\|/);
    expect(makeSignature(corpus, { ...p, lang: 'zh-Hant' }, []).text).toMatch(/\|corpus:tiny@abababab\|lang:zh-Hant\|seg:per-line\|/);
  });

  it('runBenchmark joined and petrov2023: one encode per side (tiktoken on the hand-built text), no pair counts', async () => {
    const enc = get_encoding('cl100k_base');
    const n = (t: string) => enc.encode_ordinary(t).length;
    const joinedZh = '今天很冷。\n我们去吃火锅吧！';
    const petrovEn = "It is cold today. Let's go for hot pot! "; // one file ending in '\n' → trailing ''
    const expected = { joinedZh: n(joinedZh), petrovEn: n(petrovEn), perLineZh: n('今天很冷。') + n('我们去吃火锅吧！') };
    enc.free();
    const j = await runBenchmark({ corpus, tokenizers: ['cl100k_base'], segmentation: 'joined', join: '\n', bootstrap: 0 });
    expect(j.results[0]!.languages.zh.tokens).toBe(expected.joinedZh);
    expect(j.results[0]!.pairCounts).toEqual({ zh: [], en: [] });
    expect(j.results[0]!.domains).toEqual({});
    expect(j.protocol).toMatchObject({ segmentation: 'joined', join: '\n' });
    const p = await runBenchmark({ corpus, tokenizers: ['cl100k_base'], protocol: 'petrov2023', bootstrap: 0 });
    expect(p.results[0]!.languages.en.tokens).toBe(expected.petrovEn);
    expect(p.warnings.join(' ')).toMatch(/petrov2023 was defined on FLORES-200 files/);
    // per-line is untouched: per-pair counts and domains as before
    const l = await runBenchmark({ corpus, tokenizers: ['cl100k_base'], bootstrap: 0 });
    expect(l.results[0]!.languages.zh.tokens).toBe(expected.perLineZh);
    expect(l.results[0]!.pairCounts.zh.length).toBe(2);
    expect(Object.keys(l.results[0]!.domains)).toEqual(['a', 'b']);
    expect(l.protocol.join).toBeUndefined();
  });
});
