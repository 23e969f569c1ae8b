/**
 * Parity: tokbench's per-pair counts must be identical to the reference engine called directly, one line at a
 * time, on real text (the bundled corpus always; NTREX-128 from ../shared when present). tiktoken encodings are
 * also checked against gpt-tokenizer, an independent pure-JS implementation, and every tokenizer.json is checked
 * against the independent pure-JS HF engine.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { Tokenizer } from 'tokenizers';
import { runBenchmark } from '../../src/core/runner.js';
import { loadBundledCorpus, loadTextPair } from '../../src/corpora/loaders.js';
import type { Corpus } from '../../src/corpora/types.js';
import { PRESETS } from '../../src/tokenizers/presets.js';
import { packageRoot } from '../../src/core/version.js';
import { NTREX_DIR, hasNtrex } from '../helpers/paths.js';

const corpora: [string, () => Corpus][] = [['bundled', loadBundledCorpus]];
if (hasNtrex) corpora.push(['ntrex128', () => loadTextPair(join(NTREX_DIR, 'zho_Hans.txt'), join(NTREX_DIR, 'eng_Latn.txt'))]);
else console.warn('parity: ../shared/corpora/ntrex128 not found; NTREX-128 parity checks skipped (bundled corpus still checked)');

const gptTokenizerModule: Record<string, string> = {
  gpt2: 'r50k_base', r50k_base: 'r50k_base', p50k_base: 'p50k_base', cl100k_base: 'cl100k_base', o200k_base: 'o200k_base',
};

async function tokbenchCounts(corpus: Corpus, id: string, engine: 'native' | 'js') {
  const r = await runBenchmark({ corpus, tokenizers: [id], engine });
  expect(r.failures).toEqual([]);
  return r.results[0]!.pairCounts;
}

describe.each(corpora)('parity on %s', (_name, load) => {
  const corpus = load();
  const zh = corpus.pairs.map((p) => p.zh);
  const en = corpus.pairs.map((p) => p.en);

  for (const preset of PRESETS.filter((p) => p.source.kind === 'tiktoken-builtin')) {
    it(`${preset.id}: equals tiktoken encode_ordinary and gpt-tokenizer, line by line`, async () => {
      const ours = await tokbenchCounts(corpus, preset.id, 'native');
      const enc = get_encoding((preset.source as { encoding: TiktokenEncoding }).encoding);
      const ref = { zh: zh.map((t) => enc.encode_ordinary(t).length), en: en.map((t) => enc.encode_ordinary(t).length) };
      enc.free();
      expect(ours).toEqual(ref);
      const gt = (await import(`gpt-tokenizer/encoding/${gptTokenizerModule[preset.id]}`)) as { encode: (s: string) => number[] };
      expect({ zh: zh.map((t) => gt.encode(t).length), en: en.map((t) => gt.encode(t).length) }).toEqual(ours);
    });
  }

  for (const preset of PRESETS.filter((p) => p.source.kind === 'npm-tokenizer-json')) {
    it(`${preset.id}: equals the HF Rust engine called per line, and the pure-JS engine exactly`, async () => {
      const src = preset.source as { package: string; file: string };
      const tok = Tokenizer.fromFile(join(packageRoot(src.package)!, src.file));
      const one = async (t: string) => (await tok.encode(t, null, { addSpecialTokens: false })).getIds().length;
      const ref = { zh: [] as number[], en: [] as number[] };
      for (const t of zh) ref.zh.push(await one(t));
      for (const t of en) ref.en.push(await one(t));
      expect(await tokbenchCounts(corpus, preset.id, 'native')).toEqual(ref);
      expect(await tokbenchCounts(corpus, preset.id, 'js')).toEqual(ref);
    });
  }
});
