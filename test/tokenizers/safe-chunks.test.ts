/**
 * Long-line chunking for the builtin OpenAI encodings (TiktokenAdapter): lines longer than LONG_LINE are cut only
 * where the count provably cannot change (proof: PROVEN_PATTERNS in tiktoken-adapter.ts; conditions in
 * safe-chunks.ts). Every count here is compared with tiktoken's own `get_encoding(name).encode_ordinary` on the
 * UNCHUNKED line, and the splitter's counter shows whether the chunked path was taken.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tiktoken, get_encoding, type TiktokenEncoding } from 'tiktoken';
import { tokbenchAsync } from '../helpers/cli-async.js';
import {
  byteVocabFromRanks, isCutLetter, isSafeLetterRunBoundary, letterRunSplitStats, o200kRunMayEndWith, splitLetterRunsAtSafeBoundaries,
} from '../../src/tokenizers/safe-chunks.js';
import { LONG_LINE, PROVEN_PATTERNS, TIKTOKEN_ENCODINGS, TiktokenAdapter, builtinEncodingFile, type BuiltinEncoding } from '../../src/tokenizers/tiktoken-adapter.js';
import { loadTokenizer } from '../../src/tokenizers/registry.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { packageRoot } from '../../src/core/version.js';
import type { TokenizerAdapter } from '../../src/tokenizers/types.js';

const ZH = loadBundledCorpus().pairs.map((p) => p.zh);
const vocabOf = (name: BuiltinEncoding) => byteVocabFromRanks(builtinEncodingFile(name).bpeRanks);
const ruleOf = (name: BuiltinEncoding) => (name === 'o200k_base' ? 'o200k' : 'letter-run');

/** Chinese sentences of the corpus, each transformed, concatenated (repeated, starting at `from`) to `units` UTF-16 units. */
function line(units: number, from: number, transform: (s: string, i: number) => string): string {
  let out = '';
  for (let i = from; out.length < units; i++) out += transform(ZH[i % ZH.length]!, i);
  return out.slice(0, units).replace(/[\uD800-\uDBFF]$/, ''); // never end on half a surrogate pair
}
const hanOnly = (s: string) => (s.match(/\p{Script=Han}/gu) ?? []).join('');
const noPunctNoSpace = (s: string) => s.replace(/[\p{P}\p{S}\s]/gu, '');
/** Latin words of mixed case glued to both ends of Han runs (o200k's case rules decide its pieces here). */
const BEFORE = ['iPhone', 'ABC', 'def', 'GPT', 'macOS', 'Xyz', 'abc', 'x', 'iOS', 'DE'];
const AFTER = ['ABC', 'def', '无码AV', 'Def', 'iOS', '', 'xyz', 'GPU', 'a', 'ZH'];
const mixedCase = (s: string, i: number) => `${BEFORE[i % BEFORE.length]}${noPunctNoSpace(s)}${AFTER[(i * 7) % AFTER.length]}`;
/** Han-script characters that are not cut letters (radicals: So; 〇, 〡…: Nl; 々: Lm) mixed into the Han runs. */
const RADICALS = ['〇〇〇', '⼀⼆', '⺀', '〡〢〣', '々', '〇', '⿰', '〸〹', '⼈〇⼀'];
const withRadicals = (s: string, i: number) => hanOnly(s).replace(/(.{5})/gu, (m, _g, off: number) => m + RADICALS[(i + off) % RADICALS.length]);

async function count(tok: TokenizerAdapter, text: string): Promise<number> {
  const [n] = await tok.countBatch([text]);
  return n!;
}

describe('the conditions a cut must meet', () => {
  const cl100k = vocabOf('cl100k_base');

  it('never calls a boundary safe when a vocabulary entry spans it', () => {
    // "我们" is one cl100k token, so the boundary between 我 and 们 must not be safe.
    const enc = get_encoding('cl100k_base');
    expect(enc.encode_ordinary('我们')).toHaveLength(1);
    expect(enc.encode_ordinary(' 下午')).toHaveLength(1);
    enc.free();
    expect(isSafeLetterRunBoundary(Array.from('我们的'), 1, cl100k)).toBe(false);
    // The bug the old Han-only check had: " 下午" starts with a space, which it never looked at.
    expect(isSafeLetterRunBoundary(Array.from(' 下午 下午'), 2, cl100k)).toBe(false);
  });

  it('only splits between two cut letters (CJK ideographs), not radicals, 〇 or Latin', () => {
    for (const s of ['ab', '中a', 'a中', '〇〇', '⼀⼀', '中〇', '⺀中']) expect(isSafeLetterRunBoundary(Array.from(s), 1, cl100k), s).toBe(false);
    for (const ch of ['〇', '〡', '⼀', '⺀', '々']) {
      expect(ch).toMatch(/\p{Script=Han}/u);
      expect(isCutLetter(ch)).toBe(false);
    }
  });

  it('o200k: a cut-letter run may only end with something outside o200k\'s upper-case class', () => {
    for (const ch of [undefined, 'a', 'ß', '1', '。', '，', ' ', '\n', '%', '℃', '😀']) expect(o200kRunMayEndWith(ch), String(ch)).toBe(true);
    // Lu, Lt, Lm, Lo (kana, Hangul, 々, 〆), marks, unassigned code points.
    for (const ch of ['A', 'Ǆ', 'ʰ', 'あ', '한', '々', '〆', '\u0301', '\u3099', '\u{10D50}', '\u0378']) expect(o200kRunMayEndWith(ch), ch).toBe(false);
  });

  it('cut letters are Lo letters for tiktoken\'s own regex engine (in o200k\'s upper and lower classes)', () => {
    let text = '';
    for (let c = 0x3400; c <= 0x9fff; c++) if (isCutLetter(String.fromCodePoint(c))) text += String.fromCodePoint(c);
    // A rank file of the 256 single bytes: each match of \p{Lo} (one ideograph) becomes its 3 bytes.
    const bytes = Array.from({ length: 256 }, (_, i) => `${Buffer.from([i]).toString('base64')} ${i}`).join('\n');
    const lo = new Tiktoken(bytes, {}, String.raw`\p{Lo}`);
    try {
      expect(lo.encode_ordinary(text).length).toBe(Buffer.byteLength(text));
    } finally {
      lo.free();
    }
  });

  it('every code point o200kRunMayEndWith accepts is outside [\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}] for tiktoken too', () => {
    const accepted: string[] = [];
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue; // lone surrogates reach tiktoken as U+FFFD (accepted, So)
      const ch = String.fromCodePoint(c);
      if (o200kRunMayEndWith(ch)) accepted.push(ch);
    }
    expect(accepted.length).toBeGreaterThan(100_000); // private use planes, punctuation, digits, Ll, …
    const bytes = Array.from({ length: 256 }, (_, i) => `${Buffer.from([i]).toString('base64')} ${i}`).join('\n');
    const upper = new Tiktoken(bytes, {}, String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`);
    try {
      // find_iter finds no piece at all: tiktoken puts none of them in the class.
      expect(upper.encode_ordinary(accepted.join('')).length).toBe(0);
      expect(upper.encode_ordinary('A中\u0301').length).toBe(Buffer.byteLength('A中\u0301')); // and the class does work
    } finally {
      upper.free();
    }
  });
});

describe('which encodings are chunked, and under which proof', () => {
  it('every builtin encoding\'s regex is one with a proof, and it is the one tiktoken\'s WASM runs', () => {
    const wasm = readFileSync(join(packageRoot('tiktoken')!, 'tiktoken_bg.wasm')).toString('latin1');
    for (const name of TIKTOKEN_ENCODINGS) {
      const pat = builtinEncodingFile(name).patStr;
      expect(PROVEN_PATTERNS.get(pat), name).toBe(ruleOf(name));
      // get_encoding() does not read encoders/*.json: the ranks and regex are compiled into the WASM.
      expect(wasm.includes(pat), name).toBe(true);
    }
  });

  it('an encoding whose regex has no proof is not chunked (long lines are encoded whole)', async () => {
    const file = builtinEncodingFile('gpt2');
    const saved = file.patStr;
    file.patStr = saved.replace(' ?\\p{L}+', ' ?\\p{L}{1,2}'); // pretend tiktoken changed the regex
    const tok = loadTokenizer('gpt2', { engine: 'native', addSpecialTokens: false });
    try {
      const text = line(LONG_LINE * 2, 3, hanOnly);
      const calls = letterRunSplitStats.calls;
      const enc = get_encoding('gpt2');
      const expected = enc.encode_ordinary(text).length;
      enc.free();
      expect(await count(tok, text)).toBe(expected);
      expect(letterRunSplitStats.calls).toBe(calls);
    } finally {
      file.patStr = saved;
      tok.dispose();
    }
  });
});

for (const name of TIKTOKEN_ENCODINGS) {
  describe(`${name}: long lines through loadTokenizer count exactly as tiktoken on the whole line`, () => {
    let tok: TokenizerAdapter;
    let ref: Tiktoken;
    beforeAll(() => {
      tok = loadTokenizer(name, { engine: 'native', addSpecialTokens: false });
      expect(tok).toBeInstanceOf(TiktokenAdapter);
      ref = get_encoding(name as TiktokenEncoding);
    });
    afterAll(() => {
      ref?.free();
      tok?.dispose();
    });

    /** Count through the adapter; check the splitter ran (with this encoding's rule) and the count equals the whole line's. */
    async function check(text: string, minChunks: number | 'one'): Promise<void> {
      expect(text.length).toBeGreaterThan(LONG_LINE);
      const calls = letterRunSplitStats.calls;
      const n = await count(tok, text);
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      expect(letterRunSplitStats.lastRule).toBe(ruleOf(name));
      const chunks = letterRunSplitStats.lastChunks;
      if (minChunks === 'one') expect(chunks).toBe(1);
      else expect(chunks).toBeGreaterThan(minChunks);
      const whole = ref.encode_ordinary(text);
      expect(n).toBe(whole.length);
      if (chunks > 1) expect(await tok.encode(text)).toEqual(Array.from(whole)); // the very ids, too
    }

    const entries = name === 'o200k_base' ? [' 下午', ' 狗万', ' 鸿运', ' 拉菲'] : [' 下午'];
    it.each(entries)('(a) "%s" repeated (a vocabulary entry starting with a space)', async (e) => {
      const text = e.repeat(Math.ceil(24_000 / e.length));
      // cl100k and o200k have the entry: every cut inside it would change the count, so none is made (the old
      // splitter cut here). gpt2/r50k/p50k have no such entry and may cut between the two ideographs.
      const single = ref.encode_ordinary(e).length === 1;
      if (name === 'cl100k_base' || name === 'o200k_base') expect(single).toBe(true);
      await check(text, single ? 'one' : 10);
    });

    it.each(entries)('(a) "%s" between the sentences of one long Han run', async (e) => {
      await check(line(24_000, 5, (s) => hanOnly(s) + e), 10);
    });

    it('(b) Chinese corpus sentences, Han only (one unbroken run)', async () => {
      const text = line(20_000, 7, hanOnly);
      expect(text).toMatch(/^\p{Script=Han}+$/u);
      await check(text, 10);
    });

    it('(b) Chinese corpus sentences, punctuation and spaces removed (digits, Latin kept)', async () => {
      await check(line(30_000, 11, noPunctNoSpace), 10);
    });

    it('(c) mixed-case Latin words glued to both ends of the Han runs ("iPhone中文ABC", "macOS…无码AV")', async () => {
      const text = line(24_000, 13, mixedCase);
      expect(text).toMatch(/[a-z][\u4e00-\u9fef]{2}/u);
      expect(text).toMatch(/[\u4e00-\u9fef]{2}[A-Z][a-z]/u);
      await check(text, 10);
      if (name === 'o200k_base') {
        // On this line, cuts made under the letter-run rule alone (without o200k's extra rule) change the count.
        const naive = splitLetterRunsAtSafeBoundaries(text, vocabOf(name));
        expect(naive.reduce((n, c) => n + ref.encode_ordinary(c).length, 0)).not.toBe(ref.encode_ordinary(text).length);
      }
    });

    it('(d) radicals, 〇 and other Han-script non-letters inside the Han runs', async () => {
      const text = line(24_000, 17, withRadicals);
      expect(text).toMatch(/〇〇〇/u);
      await check(text, 10);
    });

    it('(d) a line of radicals and 〇 only: no cut letters, so no cut', async () => {
      await check(RADICALS.join('').repeat(Math.ceil(12_000 / RADICALS.join('').length)), 'one');
    });
  });
}

describe('o200k_base needs its extra rule', () => {
  it('cuts made under the letter-run rule alone lose tokens; the adapter\'s do not', async () => {
    // "abc<Han>无码AV": the line's pieces are "abc<Han>无码", "AV" (the lower-case start makes the match run in L+,
    // which stops before "A"); a cut inside <Han> would leave "<rest of Han>无码AV" as one piece, where "无码AV"
    // is a single o200k token.
    const text = line(20_000, 19, (s) => `abc${hanOnly(s)}无码AV`);
    const enc = get_encoding('o200k_base');
    const vocab = vocabOf('o200k_base');
    const tok = loadTokenizer('o200k_base', { engine: 'native', addSpecialTokens: false });
    try {
      expect(vocab.has(Buffer.from('无码AV').toString('latin1'))).toBe(true);
      const whole = enc.encode_ordinary(text).length;
      const naive = splitLetterRunsAtSafeBoundaries(text, vocab);
      expect(naive.length).toBeGreaterThan(10);
      expect(naive.reduce((s, c) => s + enc.encode_ordinary(c).length, 0)).not.toBe(whole);
      expect(await count(tok, text)).toBe(whole);
      // Mixed with runs that end in lower case, the adapter still cuts, at the safe runs only.
      const mixed = line(20_000, 19, (s, i) => `abc${hanOnly(s)}${i % 2 ? '无码AV' : 'xyz'}`);
      const calls = letterRunSplitStats.calls;
      expect(await count(tok, mixed)).toBe(enc.encode_ordinary(mixed).length);
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      expect(letterRunSplitStats.lastChunks).toBeGreaterThan(10);
    } finally {
      enc.free();
      tok.dispose();
    }
  });
});

describe('a ~2 MB line', () => {
  it('of Han without punctuation is counted through the chunked path (cl100k_base)', { timeout: 120_000 }, async () => {
    const text = line(700_000, 0, hanOnly); // one pre-token for tiktoken: hours to encode whole
    expect(Buffer.byteLength(text)).toBeGreaterThan(2_000_000);
    const tok = loadTokenizer('cl100k_base', { engine: 'native', addSpecialTokens: false });
    const enc = get_encoding('cl100k_base');
    try {
      const calls = letterRunSplitStats.calls;
      const n = await count(tok, text);
      expect(letterRunSplitStats.calls).toBe(calls + 1);
      const adapterChunks = letterRunSplitStats.lastChunks;
      expect(adapterChunks).toBeGreaterThan(100);
      // Expected: tiktoken itself on the same chunks (chunked == whole is shown above on lines it can still do whole).
      const chunks = splitLetterRunsAtSafeBoundaries(text, vocabOf('cl100k_base'));
      expect(chunks.length).toBe(adapterChunks);
      expect(chunks.join('')).toBe(text);
      expect(n).toBe(chunks.reduce((s, c) => s + enc.encode_ordinary(c).length, 0));

      // The CLI counts it the same, and says word metrics were skipped (no cut can be exact for a word segmenter).
      const dir = mkdtempSync(join(tmpdir(), 'tokbench-long-'));
      const corpus = join(dir, 'long.tsv');
      writeFileSync(corpus, `${text}\tA very long line.\n`);
      const r = await tokbenchAsync(['run', '-t', 'cl100k_base', '--corpus', corpus, '-f', 'json', '--bootstrap', '0', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.results[0].languages.zh.tokens).toBe(n);
      expect(json.warnings.join('\n')).toMatch(/unbroken run of [\d,]+ UTF-16 units/);
    } finally {
      enc.free();
      tok.dispose();
    }
  });
});
