/**
 * Long-line chunking for tiktoken rank files (Qwen-1, Hunyuan, GLM-4): the adapter cuts long lines only where the
 * count provably cannot change (see TiktokenFileAdapter.canChunk and safe-chunks.ts). Here the chunked counts are
 * compared with tiktoken's own `Tiktoken` class run on the unchunked line, built exactly as the adapter builds it
 * (rank file text, the preset's special tokens, the vendor's regex; NFC first for Qwen-1 and Hunyuan).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tiktoken } from 'tiktoken';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { loadTokenizer } from '../../src/tokenizers/registry.js';
import {
  TIKTOKEN_REGEXES, TiktokenFileAdapter, glm4Specials, hunyuanSpecials, qwen1Specials, readRankFile, type RankFile,
} from '../../src/tokenizers/tiktoken-file-adapter.js';
import {
  byteVocabFromRankFile, isCutLetter, isSafeLetterRunBoundary, letterRunSplitStats, splitLetterRunsAtSafeBoundaries, type ByteVocab,
} from '../../src/tokenizers/safe-chunks.js';
import type { TokenizerAdapter } from '../../src/tokenizers/types.js';
import { SHARED } from '../helpers/paths.js';

const TOK = join(SHARED, 'tokenizers');
const CASES = [
  { id: 'qwen1', file: join(TOK, 'qwen-1', 'qwen.tiktoken'), regex: TIKTOKEN_REGEXES.qwen, nfc: true, specials: qwen1Specials() },
  { id: 'hunyuan', file: join(TOK, 'hunyuan', 'hy.tiktoken'), regex: TIKTOKEN_REGEXES.qwen, nfc: true, specials: hunyuanSpecials() },
  { id: 'glm4', file: join(TOK, 'glm4', 'tokenizer.model'), regex: TIKTOKEN_REGEXES.glm4, nfc: false, specials: glm4Specials() },
] as const;

const ZH = loadBundledCorpus().pairs.map((p) => p.zh);

/** Chinese sentences of the corpus, each transformed, concatenated (repeated, starting at `from`) to `units` UTF-16 units. */
function line(units: number, from: number, transform: (s: string) => string): string {
  let out = '';
  for (let i = from; out.length < units; i++) out += transform(ZH[i % ZH.length]!);
  return out.slice(0, units).replace(/[\uD800-\uDBFF]$/, ''); // never end on half a surrogate pair
}
const hanOnly = (s: string) => (s.match(/\p{Script=Han}/gu) ?? []).join('');
const noPunctNoSpace = (s: string) => s.replace(/[\p{P}\p{S}\s]/gu, '');
const asIs = (s: string) => s;

/** The reference engine: tiktoken itself on the whole text, as the vendors' encode() calls it. */
function referenceIds(enc: Tiktoken, text: string, nfc: boolean): Uint32Array {
  return enc.encode(nfc ? text.normalize('NFC') : text, 'all');
}

async function count(tok: TokenizerAdapter, text: string): Promise<number> {
  const [n] = await tok.countBatch([text]);
  return n!;
}

describe('cut letters', () => {
  it('are letters for tiktoken\'s own regex engine, not only for JavaScript', () => {
    const all: string[] = [];
    for (let c = 0x3400; c <= 0x9fff; c++) if (isCutLetter(String.fromCodePoint(c))) all.push(String.fromCodePoint(c));
    expect(all.length).toBe(0x4db5 - 0x3400 + 1 + 0x9fef - 0x4e00 + 1);
    const text = all.join('');
    expect(text).toMatch(/^[\p{L}]+$/u);
    expect(text).toMatch(/^[\p{Script=Han}]+$/u);
    // A rank file of the 256 single bytes: with regex [^\p{L}] tiktoken's engine finds no piece at all in the
    // cut letters (find_iter skips what does not match), so it classes every one of them as \p{L}.
    const bytes = Array.from({ length: 256 }, (_, i) => `${Buffer.from([i]).toString('base64')} ${i}`).join('\n');
    const nonLetter = new Tiktoken(bytes, {}, String.raw`[^\p{L}]`);
    const letter = new Tiktoken(bytes, {}, String.raw`\p{L}`);
    try {
      expect(nonLetter.encode_ordinary(text).length).toBe(0);
      expect(letter.encode_ordinary(text).length).toBe(Buffer.byteLength(text));
    } finally {
      nonLetter.free();
      letter.free();
    }
  });

  it('exclude Han-script characters that are not letters (where a cut would change the pieces)', () => {
    // 〇 is Script=Han but \p{N} (GLM-4 groups digits by three), ⼀ (Kangxi radical) is a symbol.
    for (const ch of ['〇', '〡', '⼀', '⺀', '々']) {
      expect(ch).toMatch(/\p{Script=Han}/u);
      expect(isCutLetter(ch)).toBe(false);
    }
    const vocab: ByteVocab = { has: () => false, hasPrefix: () => false, maxTokenBytes: 4 };
    expect(isSafeLetterRunBoundary(Array.from('〇〇〇〇'), 2, vocab)).toBe(false);
    expect(isSafeLetterRunBoundary(Array.from('中中'), 1, vocab)).toBe(true);
  });
});

for (const c of CASES) {
  const have = existsSync(c.file);
  describe.skipIf(!have)(`${c.id}: long lines are chunked only where the count cannot change${have ? '' : ` (skipped: ${c.file} is missing)`}`, () => {
    let file: RankFile;
    let ref: Tiktoken;
    let tok: TokenizerAdapter;
    let vocab: ByteVocab;
    beforeAll(() => {
      file = readRankFile(c.file);
      ref = new Tiktoken(file.text, c.specials, c.regex);
      tok = loadTokenizer(`${c.id}=${c.file}`, { engine: 'native', addSpecialTokens: false });
      vocab = byteVocabFromRankFile(file.text);
    });
    afterAll(() => {
      ref?.free();
      tok?.dispose();
    });

    it('knows which side of a multi-character token a cut may not fall on', () => {
      // Find a two-ideograph token of this vocabulary: a cut between its letters must be refused.
      const pair = ZH.join('').match(/[\u4e00-\u9fef]{2}/gu)!.find((w) => ref.encode_ordinary(w).length === 1)!;
      expect(pair).toBeDefined();
      expect(isSafeLetterRunBoundary(Array.from(pair), 1, vocab)).toBe(false);
    });

    it.each([
      ['Han only, one unbroken run', 24_000, hanOnly],
      ['punctuation and spaces removed (digits, Latin letters kept)', 24_000, noPunctNoSpace],
      ['punctuation kept', 40_000, asIs],
    ] as const)('%s: chunked count == tiktoken on the whole line', async (_name, units, transform) => {
      const text = line(units, 7, transform);
      expect(text.length).toBeGreaterThanOrEqual(units - 1);
      if (transform === hanOnly) expect(text).toMatch(/^\p{Script=Han}+$/u);
      const calls = letterRunSplitStats.calls;
      const n = await count(tok, text);
      // The chunked path was taken, with many chunks.
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      expect(letterRunSplitStats.lastChunks).toBeGreaterThan(10);
      const whole = referenceIds(ref, text, c.nfc);
      expect(n).toBe(whole.length);
      // Stronger: the very ids, chunk by chunk through the reference engine, equal the whole line's.
      const t = c.nfc ? text.normalize('NFC') : text;
      const chunks = splitLetterRunsAtSafeBoundaries(t, vocab);
      expect(chunks.join('')).toBe(t);
      expect(chunks.length).toBeGreaterThan(10);
      const joined = chunks.flatMap((ch) => Array.from(ref.encode(ch, 'all')));
      expect(joined).toEqual(Array.from(whole));
    });

    it('vocabulary entries that start before the Han run (" 下午", "app下载") are never cut', async () => {
      // A piece may begin with a space or punctuation mark (`[^\r\n\p{L}\p{N}]?\p{L}+`) or with Latin letters, and
      // such vocabulary entries exist: a check over the Han characters alone would cut " 下午 下午 …" between 下 and
      // 午 and lose the " 下午" tokens (cl100k_base and Qwen-1 both have " 下午"). Lines made of each such entry repeated
      // must count exactly as tiktoken counts them whole.
      const entries: string[] = [];
      for (const l of file.text.split('\n')) {
        const s = Buffer.from(l.slice(0, l.indexOf(' ')), 'base64').toString('utf8');
        if (/^(?:[^\r\n\p{L}\p{N}]|[A-Za-z]+)[\u4e00-\u9fef]{2,}$/u.test(s)) entries.push(s);
      }
      expect(entries.length).toBeGreaterThan(10);
      for (const e of entries.slice(0, 30)) {
        const text = e.repeat(Math.ceil(4500 / e.length)); // just over LONG_LINE
        expect(await count(tok, text), e).toBe(referenceIds(ref, text, c.nfc).length);
      }
    });

    it('special-token strings in a long line still count as one token each (a cut never falls inside one)', async () => {
      const special = Object.keys(c.specials)[0]!;
      const base = line(12_000, 40, hanOnly);
      const text = base.slice(0, 3000) + special + base.slice(3000, 9000) + special + base.slice(9000);
      const calls = letterRunSplitStats.calls;
      const n = await count(tok, text);
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      expect(letterRunSplitStats.lastChunks).toBeGreaterThan(5);
      const whole = referenceIds(ref, text, c.nfc);
      expect(Array.from(whole).filter((id) => id === c.specials[special as keyof typeof c.specials])).toHaveLength(2);
      expect(n).toBe(whole.length);
    });
  });
}

const qwen = CASES[0];
describe.skipIf(!existsSync(qwen.file))(`regexes and specials that are not proven are not chunked${existsSync(qwen.file) ? '' : ' (skipped: qwen.tiktoken is missing)'}`, () => {
  it('a user --regex: long lines are encoded whole', async () => {
    // Letter runs capped at 8: cheap to encode whole, and not one of the regexes canChunk has a proof for.
    const regex = String.raw`\p{L}{1,8}|\p{N}|[^\p{L}\p{N}]+`;
    const tok = loadTokenizer(`tiktoken:${qwen.file}`, { engine: 'native', addSpecialTokens: false, regex });
    const file = readRankFile(qwen.file);
    const ref = new Tiktoken(file.text, {}, regex);
    try {
      const text = line(20_000, 3, hanOnly);
      const calls = letterRunSplitStats.calls;
      expect(await count(tok, text)).toBe(ref.encode_ordinary(text).length);
      expect(letterRunSplitStats.calls).toBe(calls);
    } finally {
      ref.free();
      tok.dispose();
    }
  });

  it('a named regex given with --regex is chunked like the preset', async () => {
    const tok = loadTokenizer(`tiktoken:${qwen.file}`, { engine: 'native', addSpecialTokens: false, regex: 'qwen' });
    try {
      const calls = letterRunSplitStats.calls;
      await count(tok, line(8_000, 3, hanOnly));
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      expect(letterRunSplitStats.lastChunks).toBeGreaterThan(5);
    } finally {
      tok.dispose();
    }
  });

  it('a special-token string containing an ideograph turns chunking off', async () => {
    const file = readRankFile(qwen.file);
    const info = { id: 'x', name: 'x', family: 'custom', vendor: 'unknown', origin: 'unknown' as const, contextWindow: null, source: { kind: 'file' as const, path: qwen.file, format: 'tiktoken-ranks' as const } };
    const tok = new TiktokenFileAdapter(file, { regex: TIKTOKEN_REGEXES.qwen, normalization: 'none', specialTokens: { '<|中文|>': 200_000 } }, info, { addSpecialTokens: false });
    try {
      const calls = letterRunSplitStats.calls;
      await count(tok, line(6_000, 3, hanOnly));
      expect(letterRunSplitStats.calls).toBe(calls);
    } finally {
      tok.dispose();
    }
  });
});

const glm = CASES[2];
describe.skipIf(!existsSync(glm.file))(`a ~2 MB line${existsSync(glm.file) ? '' : ' (skipped: glm4/tokenizer.model is missing)'}`, () => {
  it('of Han without punctuation is counted through the chunked path', { timeout: 120_000 }, async () => {
    const text = line(700_000, 0, hanOnly);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2_000_000);
    const tok = loadTokenizer(`glm4=${glm.file}`, { engine: 'native', addSpecialTokens: false });
    const file = readRankFile(glm.file);
    const ref = new Tiktoken(file.text, glm.specials, glm.regex);
    try {
      const calls = letterRunSplitStats.calls;
      const n = await count(tok, text);
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      const adapterChunks = letterRunSplitStats.lastChunks;
      const chunks = splitLetterRunsAtSafeBoundaries(text, byteVocabFromRankFile(file.text));
      expect(chunks.length).toBeGreaterThan(1000);
      expect(adapterChunks).toBe(chunks.length);
      expect(n).toBe(chunks.reduce((s, ch) => s + ref.encode(ch, 'all').length, 0));
    } finally {
      ref.free();
      tok.dispose();
    }
  });
});
