/**
 * tiktoken rank files (Qwen-1, Hunyuan, GLM-4): tokbench runs them through tiktoken's Rust core with the vendor's
 * original regex. The reference here is independent of that core: the regex translated to a JavaScript RegExp
 * (the `(?i:…)` group expanded by hand in this file, not by the product) plus a plain byte-pair merge written
 * below, compared id-for-id on every line of the bundled corpus and NTREX-128.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmark } from '../../src/core/runner.js';
import { UsageError } from '../../src/core/errors.js';
import { loadBundledCorpus, loadTextPair } from '../../src/corpora/loaders.js';
import type { Corpus } from '../../src/corpora/types.js';
import { loadTokenizer } from '../../src/tokenizers/registry.js';
import { translateInlineCaseInsensitive } from '../../src/tokenizers/tiktoken-file-adapter.js';
import { tokbench } from '../helpers/cli.js';
import { NTREX_DIR, SHARED, hasNtrex } from '../helpers/paths.js';

const TOK = join(SHARED, 'tokenizers');
const FILES = {
  qwen1: join(TOK, 'qwen-1', 'qwen.tiktoken'),
  hunyuan: join(TOK, 'hunyuan', 'hy.tiktoken'),
  glm4: join(TOK, 'glm4', 'tokenizer.model'),
};
const haveFiles = Object.values(FILES).every((f) => existsSync(f));
if (!haveFiles) console.warn('tiktoken-file: ../shared/tokenizers rank files not found; parity tests skipped');

// Hand-expanded from the vendors' PAT_STR; the only change is (?i:'s|…) → '[sS]|… (written out here on purpose).
const CONTRACTIONS = String.raw`'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]`;
const JS_REGEX = {
  qwen: new RegExp(String.raw`${CONTRACTIONS}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, 'gu'),
  glm4: new RegExp(String.raw`${CONTRACTIONS}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, 'gu'),
};

/** A straightforward byte-level BPE: merge the lowest-ranked adjacent pair (leftmost on ties) until none is left. */
class ReferenceBpe {
  private readonly ranks = new Map<string, number>();
  constructor(path: string, private readonly regex: RegExp, private readonly nfc: boolean) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      const [b64, rank] = line.split(' ');
      this.ranks.set(Buffer.from(b64!, 'base64').toString('latin1'), Number(rank));
    }
  }
  encode(text: string): number[] {
    const t = this.nfc ? text.normalize('NFC') : text;
    const out: number[] = [];
    for (const m of t.matchAll(this.regex)) {
      const bytes = Buffer.from(m[0], 'utf8').toString('latin1');
      const whole = this.ranks.get(bytes);
      if (whole !== undefined) { out.push(whole); continue; }
      let parts = [...bytes];
      for (;;) {
        let best = -1;
        let bestRank = Infinity;
        for (let i = 0; i + 1 < parts.length; i++) {
          const r = this.ranks.get(parts[i]! + parts[i + 1]!);
          if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
        }
        if (best < 0) break;
        parts = [...parts.slice(0, best), parts[best]! + parts[best + 1]!, ...parts.slice(best + 2)];
      }
      for (const p of parts) out.push(this.ranks.get(p)!);
    }
    return out;
  }
}

const corpora: [string, () => Corpus][] = [['bundled', loadBundledCorpus]];
if (hasNtrex) corpora.push(['ntrex128', () => loadTextPair(join(NTREX_DIR, 'zho_Hans.txt'), join(NTREX_DIR, 'eng_Latn.txt'))]);
else console.warn('tiktoken-file: NTREX-128 not found; only the bundled corpus is checked');

const cases = [
  { id: 'qwen1', file: FILES.qwen1, regex: JS_REGEX.qwen, nfc: true },
  { id: 'hunyuan', file: FILES.hunyuan, regex: JS_REGEX.qwen, nfc: true },
  { id: 'glm4', file: FILES.glm4, regex: JS_REGEX.glm4, nfc: false },
] as const;

describe.skipIf(!haveFiles)('tiktoken rank files: parity with an independent JS regex + BPE', () => {
  for (const c of cases) {
    const ref = new ReferenceBpe(c.file, c.regex, c.nfc);
    it.each(corpora)(`${c.id} on %s: same ids on every line`, async (_name, load) => {
      const corpus = load();
      const tok = loadTokenizer(`${c.id}=${c.file}`, { engine: 'native', addSpecialTokens: false });
      try {
        for (const p of corpus.pairs) {
          expect(await tok.encode(p.zh)).toEqual(ref.encode(p.zh));
          expect(await tok.encode(p.en)).toEqual(ref.encode(p.en));
        }
      } finally {
        tok.dispose();
      }
      // The run itself (the path users take) gives the same per-line counts.
      const r = await runBenchmark({ corpus, tokenizers: [`${c.id}=${c.file}`] });
      expect(r.failures).toEqual([]);
      expect(r.results[0]!.pairCounts.zh).toEqual(corpus.pairs.map((p) => ref.encode(p.zh).length));
      expect(r.results[0]!.tokenizer.sha256).toBe(createHashHex(c.file));
    }, 120_000);
  }

  it('(?i:…) contractions: an upper-case contraction followed by letters splits off as in Python', async () => {
    const tok = loadTokenizer(`qwen1=${FILES.qwen1}`, { engine: 'native', addSpecialTokens: false });
    const ref = new ReferenceBpe(FILES.qwen1, JS_REGEX.qwen, true);
    // A case-sensitive regex would keep "'STILL" as one letter run: the references must differ for the test to bite.
    const caseSensitive = new ReferenceBpe(FILES.qwen1, new RegExp(JS_REGEX.qwen.source.replace(CONTRACTIONS, "'s|'t|'re|'ve|'m|'ll|'d"), 'gu'), true);
    for (const s of ["I'M", "DON'T", "You'LL", "'STILL", "WE'RE", "THEY'VE", "IT'S", "SHE'D"]) {
      expect(await tok.encode(s), s).toEqual(ref.encode(s));
    }
    expect(ref.encode("'STILL")).not.toEqual(caseSensitive.encode("'STILL"));
    // "'S" + "TILL": the first piece is exactly the encoding of "'S" alone.
    const ids = await tok.encode("'STILL");
    expect(ids.slice(0, (await tok.encode("'S")).length)).toEqual(await tok.encode("'S"));
    tok.dispose();
  });

  it('Qwen-1/Hunyuan apply NFC before encoding; GLM-4 does not', async () => {
    const decomposed = 'Cafe\u0301 re\u0301sume\u0301';
    const composed = decomposed.normalize('NFC');
    expect(composed).not.toBe(decomposed);
    for (const id of ['qwen1', 'hunyuan'] as const) {
      const tok = loadTokenizer(`${id}=${FILES[id]}`, { engine: 'native', addSpecialTokens: false });
      expect(await tok.encode(decomposed)).toEqual(await tok.encode(composed));
      expect(tok.info.normalization).toBe('NFC');
      tok.dispose();
    }
    const glm = loadTokenizer(`glm4=${FILES.glm4}`, { engine: 'native', addSpecialTokens: false });
    expect(await glm.encode(decomposed)).not.toEqual(await glm.encode(composed));
    glm.dispose();
  });

  it('special-token strings in the text are single tokens (allowed_special="all"), ids as the vendors list them', async () => {
    const expected = { qwen1: [151643, 151644], hunyuan: [127957, 127958], glm4: [151329, 151331] };
    const text = { qwen1: '<|endoftext|><|im_start|>', hunyuan: '<|endoftext|><|startoftext|>', glm4: '<|endoftext|>[gMASK]' };
    for (const id of ['qwen1', 'hunyuan', 'glm4'] as const) {
      const tok = loadTokenizer(`${id}=${FILES[id]}`, { engine: 'native', addSpecialTokens: false });
      expect(await tok.encode(text[id])).toEqual(expected[id]);
      tok.dispose();
    }
  });

  it('vocab sizes: ranks + specials, as published (151,851 / 128,167 / 151,343)', () => {
    const sizes = { qwen1: 151643 + 208, hunyuan: 127957 + 210, glm4: 151329 + 14 };
    for (const id of ['qwen1', 'hunyuan', 'glm4'] as const) {
      const tok = loadTokenizer(`${id}=${FILES[id]}`, { engine: 'native', addSpecialTokens: false });
      expect(tok.info.vocabSize).toBe(sizes[id]);
      expect(tok.info.engine).toBe('tiktoken');
      tok.dispose();
    }
  });

  it('tiktoken:<path> needs --regex; with the GLM-4 regex it equals the glm4 preset', async () => {
    expect(() => loadTokenizer(`tiktoken:${FILES.glm4}`, { engine: 'native', addSpecialTokens: false })).toThrow(UsageError);
    const generic = loadTokenizer(`tiktoken:${FILES.glm4}`, { engine: 'native', addSpecialTokens: false, regex: 'glm4' });
    const ref = new ReferenceBpe(FILES.glm4, JS_REGEX.glm4, false);
    const text = 'GLM-4 的分词器在 2024 年发布，词表有 151329 个 token。';
    expect(await generic.encode(text)).toEqual(ref.encode(text));
    generic.dispose();
    // With no special tokens a run counts through tiktoken's WASM exports (tiktoken-direct.ts): the same counts.
    const corpus = loadBundledCorpus();
    const r = await runBenchmark({ corpus, tokenizers: [`tiktoken:${FILES.glm4}`], regex: 'glm4' });
    expect(r.failures).toEqual([]);
    expect(r.results[0]!.pairCounts).toEqual({ zh: corpus.pairs.map((p) => ref.encode(p.zh).length), en: corpus.pairs.map((p) => ref.encode(p.en).length) });
    // A regex tiktoken's core would abort on is refused with a usage error, not a WASM crash.
    expect(() => loadTokenizer(`tiktoken:${FILES.glm4}`, { engine: 'native', addSpecialTokens: false, regex: '(' })).toThrow(UsageError);
  });

  it('a copy with another sha256 warns and is still counted', () => {
    const warnings: string[] = [];
    const tok = loadTokenizer(`qwen1=${FILES.hunyuan}`, { engine: 'native', addSpecialTokens: false, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/qwen1: .* has sha256 51e1bf20514d.*expects b2b1b8dfb5cc/);
    tok.dispose();
  });

  it('CLI: run --tokenizers qwen1=…,glm4=… and tiktoken:… --regex from local files', () => {
    const r = tokbench(['run', '-q', '-f', 'json', '-t', `qwen1=${FILES.qwen1},glm4=${FILES.glm4},tiktoken:${FILES.hunyuan}`, '--regex', 'qwen']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { results: { tokenizer: { id: string; engine: string; source: { format?: string } }; pairCounts: { zh: number[] } }[] };
    expect(out.results.map((x) => x.tokenizer.id)).toEqual(['qwen1', 'glm4', `tiktoken:${FILES.hunyuan}`]);
    expect(out.results.every((x) => x.tokenizer.engine === 'tiktoken' && x.tokenizer.source.format === 'tiktoken-ranks')).toBe(true);
    const corpus = loadBundledCorpus();
    const ref = new ReferenceBpe(FILES.glm4, JS_REGEX.glm4, false);
    expect(out.results[1]!.pairCounts.zh).toEqual(corpus.pairs.map((p) => ref.encode(p.zh).length));
  }, 60_000);
});

describe('translateInlineCaseInsensitive', () => {
  it('expands (?i:…) into explicit case alternatives and leaves the rest alone', () => {
    expect(translateInlineCaseInsensitive(String.raw`(?i:'s|'ll)|\p{L}+`)).toBe(String.raw`(?:'[sS]|'[lL][lL])|\p{L}+`);
    const re = new RegExp(translateInlineCaseInsensitive(String.raw`(?i:'re)`), 'u');
    expect(re.test("'RE")).toBe(true);
    expect(re.test("'rE")).toBe(true);
    expect(re.test("'ra")).toBe(false);
  });
  it('refuses what it cannot translate exactly', () => {
    expect(() => translateInlineCaseInsensitive('(?i:[a-z]+)')).toThrow(UsageError);
  });
});

function createHashHex(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
