import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { tokbenchAsync } from '../helpers/cli-async.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { byteVocabFromRanks, isSafeBoundary, splitAtSafeBoundaries } from '../../src/tokenizers/safe-chunks.js';
import { loadTokenizer } from '../../src/tokenizers/registry.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { packageRoot } from '../../src/core/version.js';

const ranks = (name: string) => (JSON.parse(readFileSync(join(packageRoot('tiktoken')!, 'encoders', `${name}.json`), 'utf8')) as { bpe_ranks: string }).bpe_ranks;

/** A long line with no spaces or punctuation: every Han character of the bundled corpus, in corpus order. */
function hanOnlyLine(chars: number): string {
  const han = loadBundledCorpus().pairs.map((p) => p.zh).join('').match(/\p{Script=Han}/gu)!.join('');
  return han.repeat(Math.ceil(chars / han.length)).slice(0, chars);
}

describe('count-neutral chunking of long lines for tiktoken', () => {
  const vocab = byteVocabFromRanks(ranks('cl100k_base'));

  it('never calls a boundary safe when a vocabulary entry spans it', () => {
    const chars = Array.from('我们的');
    // "我们" is one cl100k token, so the boundary between 我 and 们 must not be safe.
    const enc = get_encoding('cl100k_base');
    expect(enc.encode_ordinary('我们')).toHaveLength(1);
    enc.free();
    expect(isSafeBoundary(chars, 1, vocab)).toBe(false);
  });

  it('only splits between two Han characters', () => {
    expect(isSafeBoundary(Array.from('ab'), 1, vocab)).toBe(false);
    expect(isSafeBoundary(Array.from('中a'), 1, vocab)).toBe(false);
  });

  it.each(['gpt2', 'cl100k_base', 'o200k_base'])('%s: chunked count equals the whole-line count from tiktoken itself', (name) => {
    const text = hanOnlyLine(12_000);
    const v = byteVocabFromRanks(ranks(name));
    const chunks = splitAtSafeBoundaries(text, v);
    expect(chunks.length).toBeGreaterThan(5); // it really chunked
    expect(chunks.join('')).toBe(text);
    const enc = get_encoding(name as 'gpt2');
    const whole = enc.encode_ordinary(text).length;
    const chunked = chunks.reduce((s, c) => s + enc.encode_ordinary(c).length, 0);
    enc.free();
    expect(chunked).toBe(whole);
  });

  it('mixed text (Latin runs, digits, punctuation) still counts exactly', () => {
    const piece = '深度学习模型GPT在2024年取得进展而Transformer架构仍然是主流方法之一';
    const text = piece.repeat(300);
    const enc = get_encoding('o200k_base');
    const whole = enc.encode_ordinary(text).length;
    enc.free();
    const tok = loadTokenizer('o200k_base', { engine: 'native', addSpecialTokens: false });
    return tok.countBatch([text]).then(([n]) => {
      tok.dispose();
      expect(n).toBe(whole);
    });
  });

  it('the CLI counts a 10 MB line of Chinese with no spaces or punctuation (would take hours unchunked)', { timeout: 300_000 }, async () => {
    const text = hanOnlyLine(3_500_000); // ~10.5 MB of UTF-8, one pre-token for tiktoken
    expect(Buffer.byteLength(text)).toBeGreaterThan(10_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-long-'));
    const corpus = join(dir, 'long.tsv');
    writeFileSync(corpus, `${text}\tA very long line.\n`);
    const r = await tokbenchAsync(['run', '-t', 'cl100k_base', '--corpus', corpus, '-f', 'json', '--bootstrap', '0', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    // Expected: tiktoken itself on the safe chunks (chunked == whole is proven above on lines tiktoken can still do whole).
    const v = byteVocabFromRanks(ranks('cl100k_base'));
    const enc = get_encoding('cl100k_base');
    const expected = splitAtSafeBoundaries(text, v).reduce((s, c) => s + enc.encode_ordinary(c).length, 0);
    enc.free();
    const json = JSON.parse(r.stdout);
    expect(json.results[0].languages.zh.tokens).toBe(expected);
    // Word segmentation cannot cut an unbroken Han run exactly, so word metrics say they were skipped.
    expect(json.warnings.join('\n')).toMatch(/unbroken run of [\d,]+ UTF-16 units/);
  });
});
