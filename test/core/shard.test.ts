import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShard, shardRange } from '../../src/core/shard.js';
import { mergeShards } from '../../src/core/merge.js';
import { runBenchmark } from '../../src/core/runner.js';
import { UsageError } from '../../src/core/errors.js';
import { renderJson } from '../../src/reporters/json.js';
import type { BenchmarkResult } from '../../src/core/types.js';
import { mergeWordMetrics, type WordMetrics } from '../../src/metrics/words.js';
import { fromIdCounts, mergeDistributionMetrics, toIdCounts, type DistributionMetrics } from '../../src/metrics/distribution.js';
import { tokbench } from '../helpers/cli.js';

/** A result as a file holds it, without the wall-clock fields (the only ones a merge may not reproduce). */
const stable = (x: unknown) => JSON.stringify(JSON.parse(typeof x === 'string' ? x : renderJson(x as BenchmarkResult)), (k, v: unknown) => (k === 'seconds' || k === 'createdAt' ? undefined : v));
const TOKENIZERS = 'gpt2,qwen3,chatglm3'; // tiktoken, HF native BPE, SentencePiece-style HF: three engines
const tmp = () => mkdtempSync(join(tmpdir(), 'tokbench-shard-'));

describe('shard ranges: [floor((K-1)·P/N), floor(K·P/N))', () => {
  it('360 pairs in 7 shards, boundaries computed by hand (360/7 = 51.43)', () => {
    const bounds = [1, 2, 3, 4, 5, 6, 7].map((k) => shardRange(360, { index: k, count: 7 }));
    expect(bounds.map((b) => b.start)).toEqual([0, 51, 102, 154, 205, 257, 308]);
    expect(bounds.map((b) => b.end)).toEqual([51, 102, 154, 205, 257, 308, 360]);
  });

  it('10 pairs in 3 shards: 3, 3, 4', () => {
    expect([1, 2, 3].map((k) => shardRange(10, { index: k, count: 3 }))).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 10 }]);
  });

  it('parses K/N and rejects anything else as a usage error', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2', '1.5/3']) expect(() => parseShard(bad)).toThrow(UsageError);
  });
});

describe('mergeable sufficient statistics (hand-computed)', () => {
  const seg = { granularity: 'word', locales: { zh: 'zh', en: 'en' }, wordLikeOnly: true, encodedInIsolation: true, icu: null } as const;
  const empty = { words: 0, distinctWords: 0, fertility: null, continuedWordRate: null, singleTokenRate: null, tokensPerWordInContext: null };
  const part = (zh: [string, number, number][]): WordMetrics => ({ segmenter: seg, isolatedPrefixToken: false, zh: empty, en: empty, sufficient: { zh, en: [] } });

  it('word inventories are summed: 中文 ×3 (1 token), 模型 ×1 (2), 分词器 ×1 (3)', () => {
    const m = mergeWordMetrics([part([['中文', 2, 1], ['模型', 1, 2]]), part([['中文', 1, 1], ['分词器', 1, 3]])]);
    // words 5, distinct 3, tokens 3·1 + 1·2 + 1·3 = 8; continued = 1 + 1 occurrences; single = 3.
    expect(m.zh).toEqual({ words: 5, distinctWords: 3, fertility: 8 / 5, continuedWordRate: 2 / 5, singleTokenRate: 3 / 5, tokensPerWordInContext: null });
    expect(m.en.words).toBe(0);
    expect(m).not.toHaveProperty('sufficient');
  });

  it('parts that disagree on a word’s isolated count are refused', () => {
    expect(() => mergeWordMetrics([part([['中文', 1, 1]]), part([['中文', 1, 2]])])).toThrow(/中文/);
  });

  it('id counts round-trip through the gap encoding: {5:2, 7:1} → gaps [5, 2]', () => {
    const c = toIdCounts(new Map([[7, 1], [5, 2]]));
    expect(c).toEqual({ idGaps: [5, 2], counts: [2, 1] });
    expect([...fromIdCounts(c)]).toEqual([[5, 2], [7, 1]]);
  });

  it('id counts are summed: {5:2, 7:1} + {7:1, 100:4} → p = (¼, ¼, ½), Shannon entropy 1.5 bits', () => {
    const side = { tokens: 0, distinctIds: 0, vocabUtilisation: 0, renyiEntropy: null, renyiEfficiency: null };
    const d = (m: Map<number, number>): DistributionMetrics => ({ alpha: 1, vocabSize: 1024, zh: side, en: side, sufficient: { zh: toIdCounts(m), en: toIdCounts(new Map()) } });
    const m = mergeDistributionMetrics([d(new Map([[5, 2], [7, 1]])), d(new Map([[7, 1], [100, 4]]))]);
    expect(m.zh.tokens).toBe(8);
    expect(m.zh.distinctIds).toBe(3);
    expect(m.zh.vocabUtilisation).toBe(3 / 1024);
    expect(m.zh.renyiEntropy).toBeCloseTo(1.5, 12);
    expect(m.zh.renyiEfficiency).toBeCloseTo(1.5 / 10, 12); // log2 1024 = 10
    expect(m.en.tokens).toBe(0);
  });
});

describe('tokbench run --shard K/N + tokbench merge == one whole run', () => {
  it('3 shards through the CLI, three engines: merged JSON equals the whole run except seconds/createdAt', () => {
    const dir = tmp();
    const whole = tokbench(['run', '-t', TOKENIZERS, '-f', 'json', '-j', '1', '-o', join(dir, 'whole.json')]);
    expect(whole.code, whole.stderr).toBe(0);
    for (const k of [1, 2, 3]) {
      const r = tokbench(['run', '-t', TOKENIZERS, '-f', 'json', '-j', '1', '--shard', `${k}/3`, '-o', join(dir, `part-${k}.json`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    // Parts given out of order: merge sorts them by shard index.
    const merged = tokbench(['merge', join(dir, 'part-3.json'), join(dir, 'part-1.json'), join(dir, 'part-2.json'), '-o', join(dir, 'merged.json')]);
    expect(merged.code, merged.stderr).toBe(0);
    const w = readFileSync(join(dir, 'whole.json'), 'utf8');
    const m = readFileSync(join(dir, 'merged.json'), 'utf8');
    expect(stable(m)).toBe(stable(w));

    const wholeJson = JSON.parse(w) as BenchmarkResult;
    const part2 = JSON.parse(readFileSync(join(dir, 'part-2.json'), 'utf8')) as BenchmarkResult;
    // 360 pairs / 3: the middle shard is pairs 120–240, keeps the whole corpus's sha256, and its counts are
    // exactly that slice of the whole run's per-pair counts.
    expect(part2.shard).toMatchObject({ index: 2, count: 3, pairStart: 120, pairEnd: 240, totalPairs: 360 });
    expect(part2.corpus.sha256).toBe(wholeJson.corpus.sha256);
    expect(part2.corpus.pairs).toBe(120);
    part2.results.forEach((r, i) => expect(r.pairCounts.zh).toEqual(wholeJson.results[i]!.pairCounts.zh.slice(120, 240)));
    // The default path carries no shard-only fields.
    expect(w).not.toMatch(/"shard"|"sufficient"|warningsBeforeFinalizers/);
    // Worker threads get the whole corpus and slice it themselves: a part is the same with --jobs 2.
    const parallel = tokbench(['run', '-t', TOKENIZERS, '-f', 'json', '-j', '2', '--shard', '2/3']);
    expect(parallel.code, parallel.stderr).toBe(0);
    expect(stable(parallel.stdout)).toBe(stable(readFileSync(join(dir, 'part-2.json'), 'utf8')));
  }, 240_000);

  it('flags the finalisers read (--seed, --bootstrap, --baseline-tokenizer) and run warnings carry over; price rows are rebuilt', () => {
    const dir = tmp();
    const args = ['run', '-t', 'cl100k_base,yi', '--unit', 'han', '--baseline-tokenizer', 'yi', '--seed', '3', '--bootstrap', '250', '-f', 'json', '-j', '1', '-q'];
    expect(tokbench([...args, '-o', join(dir, 'whole.json')]).code).toBe(0);
    for (const k of [1, 2]) expect(tokbench([...args, '--shard', `${k}/2`, '-o', join(dir, `p${k}.json`)]).code).toBe(0);
    const merged = tokbench(['merge', join(dir, 'p1.json'), join(dir, 'p2.json'), '--format', 'json']);
    expect(merged.code, merged.stderr).toBe(0);
    const whole = readFileSync(join(dir, 'whole.json'), 'utf8');
    expect(stable(merged.stdout)).toBe(stable(whole));
    const m = JSON.parse(merged.stdout) as BenchmarkResult;
    // Independent of the merge code: what the flags asked for, and what --unit han must say about English.
    expect(m.bootstrap).toMatchObject({ status: 'ok', resamples: 250, seed: 3 });
    expect(m.results.map((r) => r.nsl?.baseline)).toEqual(['yi', 'yi']);
    expect(m.warnings.filter((w) => /English side has 0 characters/.test(w))).toHaveLength(1);
    expect(m.prices?.rows.every((r) => r.tokenizer === 'cl100k_base')).toBe(true);
    expect(m.prices?.rows.length).toBeGreaterThan(0);
  }, 240_000);

  it('uneven shards (N = 7) through the library, parts round-tripped through JSON', async () => {
    const base = { tokenizers: TOKENIZERS.split(','), jobs: 1, bootstrap: 300, seed: 7 } as const;
    const whole = await runBenchmark(base);
    const parts = [];
    for (let k = 1; k <= 7; k++) {
      const r = await runBenchmark({ ...base, shard: { index: k, count: 7 } });
      parts.push({ where: `part-${k}.json`, result: JSON.parse(renderJson(r)) as BenchmarkResult });
    }
    expect(parts.map((p) => p.result.corpus.pairs)).toEqual([51, 51, 52, 51, 52, 51, 52]);
    const { result, notes } = mergeShards(parts.reverse());
    expect(notes).toEqual([]);
    expect(stable(result)).toBe(stable(whole));
    expect(result.bootstrap).toMatchObject({ status: 'ok', resamples: 300, seed: 7 });
  }, 240_000);
});

describe('tokbench merge refuses parts that are not one run, in one line', () => {
  const dir = tmp();
  const part = (k: number, n: number, extra: string[] = [], name = `p${k}of${n}.json`) => {
    const r = tokbench(['run', '-t', 'gpt2', '-f', 'json', '-j', '1', '--bootstrap', '0', '--shard', `${k}/${n}`, '-o', join(dir, name), ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return join(dir, name);
  };
  const oneLine = (s: string) => s.trim().split('\n').filter((l) => l.startsWith('tokbench:'));

  it('a missing shard → exit 2, naming it', () => {
    const r = tokbench(['merge', part(1, 3), part(3, 3)]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/missing shard 2\/3/);
  }, 120_000);

  it('the same shard twice → exit 2', () => {
    const a = part(1, 2);
    const r = tokbench(['merge', a, part(1, 2, [], 'again.json'), part(2, 2)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard 1\/2 is given twice/);
  }, 120_000);

  it('shards of different corpora → exit 3 (corpus sha256 differs)', () => {
    const tsv = join(dir, 'pairs.tsv');
    writeFileSync(tsv, '今天天气很好。\tThe weather is nice today.\n我喜欢读书。\tI like reading.\n这是一个测试。\tThis is a test.\n');
    const r = tokbench(['merge', part(1, 2), part(2, 2, ['--corpus', tsv], 'other.json')]);
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/differ in corpus sha256/);
  }, 120_000);

  it('a whole-run result is not a part → exit 2', () => {
    const whole = join(dir, 'whole.json');
    expect(tokbench(['run', '-t', 'gpt2', '-f', 'json', '--bootstrap', '0', '-o', whole]).code).toBe(0);
    const r = tokbench(['merge', whole]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a shard part/);
  }, 120_000);

  it('--shard with a joined protocol, or more shards than pairs → exit 2 before any tokenizer runs', () => {
    const joined = tokbench(['run', '-t', 'gpt2', '--shard', '1/2', '--segmentation', 'joined']);
    expect(joined.code).toBe(2);
    expect(joined.stderr).toMatch(/--shard needs the per-line protocol/);
    const many = tokbench(['run', '-t', 'gpt2', '--shard', '1/400']);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/only 360 pairs/);
  }, 120_000);
});
