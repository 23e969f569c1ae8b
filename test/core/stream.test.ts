import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmark, type RunOptions } from '../../src/core/runner.js';
import { BUNDLED_CORPUS_PATH, loadCorpus } from '../../src/corpora/loaders.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { RatioHistogram, STREAM_CHUNK_PAIRS, SAMPLE_MAX_PAIRS } from '../../src/core/stream.js';
import { scanText } from '../../src/core/text-scan.js';
import { countEnglishWords } from '../../src/core/prices.js';
import { meanOfPairRatios } from '../../src/metrics/premium-estimators.js';
import { mulberry32 } from '../../src/metrics/bootstrap.js';
import { Growable } from '../../src/core/growable.js';
import type { BenchmarkResult, TokenizerResult } from '../../src/core/types.js';
import { tokbench } from '../helpers/cli.js';

/*
 * The reference for every expectation here is the non-streaming path (loadCorpus + runBenchmark without
 * `stream`), which reads the whole file into memory: streaming must reproduce its numbers and its messages.
 */

// tiktoken, HF native byte-level BPE, SentencePiece-style HF: three engines; the first two have list prices.
const TOKENIZERS = ['cl100k_base', 'deepseek-v3', 'chatglm3'];
const dir = mkdtempSync(join(tmpdir(), 'tokbench-stream-'));
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const bundled = readFileSync(BUNDLED_CORPUS_PATH, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; domain: string; zh: string; en: string });
const tsv = file('bundled.tsv', bundled.map((p) => `${p.zh}\t${p.en}`).join('\n') + '\n');
const jsonl = file('bundled.jsonl', bundled.map((p) => JSON.stringify(p)).join('\n') + '\n');
const zhTxt = file('zh.txt', bundled.map((p) => p.zh).join('\n') + '\n');
const enTxt = file('en.txt', bundled.map((p) => p.en).join('\n') + '\n');

/** A result's core metrics: everything but what stream mode documents as absent (words, distribution) and wall-clock time. */
const core = (r: TokenizerResult) => {
  const { seconds: _s, words: _w, distribution: _d, ...rest } = r;
  return rest;
};
const runBoth = async (options: RunOptions) => {
  const whole = await runBenchmark(options);
  const streamed = await runBenchmark({ ...options, stream: true });
  return { whole, streamed };
};
const expectSameCore = (whole: BenchmarkResult, streamed: BenchmarkResult) => {
  expect(streamed.failures).toEqual([]);
  expect(streamed.results.map(core)).toEqual(whole.results.map(core));
  expect(streamed.corpus).toEqual(whole.corpus);
  expect(streamed.protocol).toEqual(whole.protocol);
  expect(streamed.signature).toEqual(whole.signature);
  expect(streamed.bootstrap).toEqual(whole.bootstrap);
  expect(streamed.prices).toEqual(whole.prices);
  expect(streamed.claim).toEqual(whole.claim);
  expect(streamed.corpusSanity).toEqual(whole.corpusSanity);
};

describe('--stream equals the in-memory run on the bundled corpus (3 engines)', () => {
  for (const [name, corpus] of [['TSV', tsv], ['JSONL (ids, domains)', jsonl], ['zh.txt,en.txt', `${zhTxt},${enTxt}`]] as const) {
    it(`${name}: totals, premium, context, cost, domains, pair counts, bootstrap intervals, prices, NSL`, async () => {
      const { whole, streamed } = await runBoth({ corpus, tokenizers: TOKENIZERS, bootstrap: 300 });
      expectSameCore(whole, streamed);
      // Not vacuous: the run has intervals, per-pair counts and (for JSONL) several domains.
      expect(streamed.results).toHaveLength(3);
      expect(streamed.results[0]!.intervals).toBeDefined();
      expect(streamed.results[0]!.pairCounts.zh).toHaveLength(360);
      expect(streamed.prices!.rows.length).toBeGreaterThan(0);
      if (name.startsWith('JSONL')) expect(Object.keys(streamed.results[0]!.domains)).toHaveLength(10);
      // What stream mode leaves out is said, and not silently present.
      expect(streamed.results.every((r) => r.words === undefined && r.distribution === undefined)).toBe(true);
      expect(streamed.warnings.join('\n')).toMatch(/stream mode: word-level metrics .* not computed/);
      expect(streamed.warnings.join('\n')).toMatch(/stream mode: token-distribution metrics .* not computed/);
      expect(streamed.warnings.join('\n')).toMatch(/sanity checks ran on the first 360 of 360 pairs/);
    });
  }

  it('bootstrap 0: no per-pair counts kept, every other core metric (and the mean of per-pair ratios) unchanged', async () => {
    const { whole, streamed } = await runBoth({ corpus: jsonl, tokenizers: TOKENIZERS, bootstrap: 0 });
    expect(streamed.corpus.pairUnits).toBeUndefined();
    const { pairUnits: _u, ...wholeCorpus } = whole.corpus;
    expect(streamed.corpus).toEqual(wholeCorpus);
    for (const r of streamed.results) expect(r.pairCounts).toEqual({ zh: [], en: [] });
    const withoutPairs = (r: TokenizerResult) => ({ ...core(r), pairCounts: null });
    expect(streamed.results.map(withoutPairs)).toEqual(whole.results.map(withoutPairs));
    // premiumEstimators (mean of per-pair ratios, pairs used) and the per-word prices come from streamed aggregates.
    expect(streamed.results[0]!.premiumEstimators!.pairsUsed).toBe(360);
    expect(streamed.prices).toEqual(whole.prices);
    expect(streamed.prices!.rows.length).toBeGreaterThan(0);
    expect(streamed.warnings.join('\n')).toMatch(/per-pair counts are not kept without bootstrap/);
  });

  it('several chunks and a sample smaller than the corpus: 40 × the bundled pairs, odd batch size', async () => {
    // 14,400 pairs: many chunks of STREAM_CHUNK_PAIRS, past the sanity sample, and over 1 MiB (many reads).
    const reps = 40;
    const big = file('big.jsonl', Array.from({ length: reps }, (_, k) => bundled.map((p) => JSON.stringify({ ...p, id: `${p.id}#${k}` })).join('\n')).join('\n') + '\n');
    expect(bundled.length * reps).toBeGreaterThan(3 * STREAM_CHUNK_PAIRS);
    expect(readFileSync(big).length).toBeGreaterThan(1 << 20);
    const { whole, streamed } = await runBoth({ corpus: big, tokenizers: ['gpt2', 'qwen3'], bootstrap: 50, batchSize: 333 });
    // Sanity now describes different samples (evenly spread vs first pairs): compare it apart.
    const noSanity = (r: TokenizerResult) => ({ ...core(r), sanity: null });
    expect(streamed.results.map(noSanity)).toEqual(whole.results.map(noSanity));
    expect(streamed.corpus).toEqual(whole.corpus);
    expect(streamed.bootstrap).toEqual(whole.bootstrap);
    expect(streamed.prices).toEqual(whole.prices);
    const sample = streamed.results[0]!.sanity!;
    expect(sample.totalPairs).toBe(bundled.length * reps);
    expect(sample.checkedPairs).toBeLessThanOrEqual(SAMPLE_MAX_PAIRS);
    expect(sample.checkedPairs).toBeLessThan(bundled.length * reps);
  });
});

describe('--stream reads files like the loaders', () => {
  /** The in-memory run's error for a spec (loader, then corpus checks): the reference message. */
  const loaderError = async (spec: string) => {
    try {
      await runBenchmark({ corpus: spec, tokenizers: ['gpt2'], bootstrap: 0 });
    } catch (err) {
      return err as Error;
    }
    throw new Error(`the in-memory run accepted ${spec}`);
  };
  const streamError = async (spec: string) => {
    try {
      await runBenchmark({ corpus: spec, tokenizers: ['gpt2'], stream: true, bootstrap: 0 });
    } catch (err) {
      return err as Error;
    }
    throw new Error(`stream mode accepted ${spec}`);
  };
  const cases: [string, () => string][] = [
    ['invalid UTF-8 (byte offset)', () => file('bad-utf8.tsv', Buffer.concat([Buffer.from('你好\tHello\n中文\tChi'), Buffer.from([0xe4, 0xb8]), Buffer.from('\n')]))],
    ['NUL byte', () => file('nul.tsv', Buffer.from('你好\tHello\n中\u0000文\tChinese\n'))],
    ['empty Chinese side', () => file('empty-zh.tsv', '你好\tHello\n \tWorld\n')],
    ['both sides blank (text pair)', () => `${file('z1.txt', '一\n \n')},${file('e1.txt', 'one\n\t\n')}`],
    ['no TAB', () => file('notab.tsv', '你好\tHello\n只有中文\n')],
    ['three columns', () => file('three.tsv', '你好\tHello\tx\n')],
    ['invalid JSON', () => file('bad.jsonl', '{"zh":"你好","en":"Hi"}\n{"zh": 1,\n')],
    ['missing fields', () => file('fields.jsonl', '{"zh":"你好"}\n')],
    ['lone surrogate escape', () => file('sur.jsonl', '{"zh":"你\\ud800好","en":"Hi"}\n')],
    ['duplicate ids', () => file('dup.jsonl', '{"id":"a","zh":"你好","en":"Hi"}\n{"id":"a","zh":"再见","en":"Bye"}\n')],
    ['misaligned files (zh longer)', () => `${file('z2.txt', '一\n二\n三\n四\n')},${file('e2.txt', 'one\ntwo\n')}`],
    ['misaligned files (en longer)', () => `${file('z3.txt', '一\n')},${file('e3.txt', 'one\ntwo\nthree\n')}`],
    ['empty corpus', () => file('empty.tsv', '\n\n')],
    ['Git LFS pointer', () => file('lfs.jsonl', 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n')],
    ['missing file', () => join(dir, 'nope.tsv')],
    ['no Han on the Chinese side', () => file('swapped.tsv', 'Hello\t你好\nWorld\t世界\n')],
  ];
  for (const [what, make] of cases) {
    it(`${what}: same error class and message`, async () => {
      const spec = make();
      const expected = await loaderError(spec);
      expect(expected).toBeInstanceOf(DataError);
      const got = await streamError(spec);
      expect(got).toBeInstanceOf(DataError);
      expect(got.message).toBe(expected.message);
    });
  }

  it('an error far into the file: line number and byte offset past the first chunk and the first 1 MiB read', async () => {
    const good = bundled.map((p) => `${p.zh}\t${p.en}`).join('\n') + '\n';
    const body = good.repeat(20); // 7,200 lines, about 1.6 MB
    const bad = file('late.tsv', Buffer.concat([Buffer.from(body), Buffer.from('中文\tEn'), Buffer.from([0xff]), Buffer.from('glish\n')]));
    const expected = await loaderError(bad);
    expect(expected.message).toMatch(/invalid UTF-8 at byte offset \d{7}/);
    expect((await streamError(bad)).message).toBe(expected.message);
    const late = file('late-empty.tsv', body + '中文\t  \n');
    const lateError = await loaderError(late);
    expect(lateError.message).toContain(':7201:');
    expect((await streamError(late)).message).toBe(lateError.message);
  });

  it('BOM, CRLF, blank lines and no final newline: same pairs, sha256 and notes', async () => {
    const text = '\ufeff你好，世界。\tHello, world.\r\n\r\n今天天气很好。\tThe weather is nice today.\r\n中文\tChinese';
    const spec = file('crlf.tsv', text);
    const { whole, streamed } = await runBoth({ corpus: spec, tokenizers: ['gpt2'], bootstrap: 10 });
    expect(streamed.corpus.notes).toEqual([`${spec}: UTF-8 byte-order mark removed`, `${spec}: CRLF line endings read as LF`]);
    expect(streamed.corpus).toEqual(whole.corpus);
    expect(streamed.results.map(core)).toEqual(whole.results.map(core));
    expect(streamed.warnings.slice(0, 2)).toEqual(whole.warnings.slice(0, 2));
  });

  it('a lone \\r at the end of an unterminated last line is kept, as the loader keeps it', async () => {
    const spec = file('cr.tsv', '你好\tHello\n中文\tChinese\r');
    const { whole, streamed } = await runBoth({ corpus: spec, tokenizers: ['gpt2'], bootstrap: 0 });
    expect(streamed.corpus.notes).toEqual(whole.corpus.notes);
    expect(streamed.results[0]!.languages).toEqual(whole.results[0]!.languages);
    expect(streamed.results[0]!.languages.en.characters).toBe('HelloChinese\r'.length);
  });
});

describe('--stream refuses what it cannot do (usage errors, exit 2)', () => {
  const refuse = (o: RunOptions) => expect(runBenchmark({ tokenizers: ['gpt2'], stream: true, ...o })).rejects.toThrow(UsageError);
  it('joined protocols, shards, non-file corpora', async () => {
    await refuse({ corpus: tsv, segmentation: 'joined' });
    await refuse({ corpus: tsv, protocol: 'petrov2023' });
    await refuse({ corpus: tsv, shard: { index: 1, count: 2 } });
    await refuse({});
    await refuse({ corpus: 'bundled' });
    await refuse({ corpus: loadCorpus(tsv) });
    await refuse({ corpus: join(dir, 'corpus.txt') });
  });

  it('CLI: --stream --segmentation joined exits 2; --stream on a TSV gives the in-memory counts', () => {
    const bad = tokbench(['run', '--stream', '--corpus', tsv, '-t', 'gpt2', '--segmentation', 'joined', '-q']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--stream supports the per-line protocol only/);
    const a = tokbench(['run', '--stream', '--corpus', tsv, '-t', 'gpt2', '--bootstrap', '0', '--format', 'json', '-q']);
    const b = tokbench(['run', '--corpus', tsv, '-t', 'gpt2', '--bootstrap', '0', '--format', 'json', '-q', '--jobs', '1']);
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.stdout) as BenchmarkResult;
    const rb = JSON.parse(b.stdout) as BenchmarkResult;
    expect(ra.results[0]!.languages).toEqual(rb.results[0]!.languages);
    expect(ra.results[0]!.domains).toEqual(rb.results[0]!.domains);
    expect(ra.signature.text).toBe(rb.signature.text);
  });
});

describe('streaming aggregates', () => {
  it('RatioHistogram gives meanOfPairRatios bit for bit (ties, zeros, 0-token English sides)', () => {
    const next = mulberry32(7);
    const zh: number[] = [];
    const en: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      zh.push(next() % 60);
      en.push(next() % 40); // about 1 in 40 has en = 0 and is left out, as meanOfPairRatios does
    }
    const h = new RatioHistogram();
    zh.forEach((z, i) => h.add(z, en[i]!));
    const ref = meanOfPairRatios(zh, en);
    expect(h.pairsUsed).toBe(ref.pairsUsed);
    expect(Object.is(h.mean(), ref.mean)).toBe(true);
    expect(new RatioHistogram().mean()).toBe(meanOfPairRatios([], []).mean);
  });

  it('the streamed word count (scanText) = countEnglishWords (/\\S+/gu matches) on every whitespace kind, surrogates and edges', () => {
    const spaces = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
    const pieces = [...spaces, 'a', 'word', '𠮷', '\ud800', '\u200b', '中文', '\u0085', '\u180e'];
    const next = mulberry32(3);
    const texts = ['', ' ', 'one', ' two  words ', ...bundled.slice(0, 50).map((p) => p.en)];
    for (let i = 0; i < 2000; i++) texts.push(Array.from({ length: next() % 12 }, () => pieces[next() % pieces.length]).join(''));
    for (const t of texts) expect(scanText(t).words, JSON.stringify(t)).toBe(countEnglishWords(t));
  });

  it('Growable keeps every value across growth', () => {
    const g = new Growable(Uint32Array);
    const ref = Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 0);
    for (const x of ref) g.push(x);
    expect(g.toArray()).toEqual(ref);
  });
});
