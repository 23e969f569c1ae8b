/**
 * `--shard K/N`: run a deterministic, contiguous slice of the corpus pairs, so a big run can fan out over
 * several machines (e.g. a CI matrix) and `tokbench merge` can rebuild exactly the result of one whole run.
 *
 * A shard loads and hashes the WHOLE corpus (its sha256 and corpus-level checks describe the whole), then
 * encodes only pairs [floor((K-1)·P/N), floor(K·P/N)). Everything a metric needs beyond its slice's counts is
 * either computed on the whole corpus in every shard (corpus sanity, the bounded tokenizer sanity sample) or
 * recorded as mergeable sufficient statistics (per-pair counts and units, word inventories, id frequencies).
 */
import type { Corpus } from '../corpora/types.js';
import { UsageError } from './errors.js';
import { sumInt32 } from './text-scan.js';
import { sum } from '../metrics/metrics.js';
import { loadPriceTable, type PriceTable } from './prices.js';
import type { RunContext, RunOptions } from './runner.js';
import type { Segmentation } from './types.js';

export interface ShardSpec {
  /** 1-based shard number K. */
  index: number;
  /** Number of shards N. */
  count: number;
}

/** The options the result finalisers read, resolved so that a merge on another machine needs no local files. */
export interface ShardFinalizeOptions {
  bootstrap?: number;
  seed?: number;
  /** false: no prices; a table: the one the shard used (a `--prices` path is read into it); absent: the bundled table. */
  prices?: PriceTable | false;
  baselineTokenizer?: string;
}

export interface ShardRecord {
  index: number;
  count: number;
  /** First pair of the slice (0-based, inclusive), in corpus order. */
  pairStart: number;
  /** End of the slice (0-based, exclusive). */
  pairEnd: number;
  totalPairs: number;
  /** How many of `warnings` the run raised before the finalisers appended theirs (a merge reruns the finalisers). */
  warningsBeforeFinalizers: number;
  finalize: ShardFinalizeOptions;
}

/** `--shard` value "K/N" → spec. */
export function parseShard(value: string | undefined): ShardSpec | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError(`--shard must be K/N (shard K of N, 1-based), got "${value}"`, 'e.g. --shard 2/4 runs the second quarter of the pairs');
  const spec = { index: Number(m[1]), count: Number(m[2]) };
  validateShard(spec);
  return spec;
}

export function validateShard(s: ShardSpec): void {
  if (!Number.isInteger(s.count) || s.count < 1) throw new UsageError(`--shard needs N ≥ 1 shards, got ${s.index}/${s.count}`, 'e.g. --shard 1/4');
  if (!Number.isInteger(s.index) || s.index < 1 || s.index > s.count) {
    throw new UsageError(`--shard ${s.index}/${s.count}: K must be from 1 to ${s.count}`, 'shards are numbered 1..N');
  }
}

/** Pairs [start, end) of shard K of N over P pairs: floor((K-1)·P/N) to floor(K·P/N). */
export function shardRange(totalPairs: number, s: ShardSpec): { start: number; end: number } {
  // Integer arithmetic: (K-1)·P stays far below 2^53 for any corpus that fits in memory.
  return { start: Math.floor(((s.index - 1) * totalPairs) / s.count), end: Math.floor((s.index * totalPairs) / s.count) };
}

/** The finaliser options of a run, with a `--prices` path read into its table (the merge machine may not have the file). */
export function finalizeOptions(o: RunOptions): ShardFinalizeOptions {
  return {
    ...(o.bootstrap !== undefined ? { bootstrap: o.bootstrap } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.prices === false ? { prices: false as const } : typeof o.prices === 'string' ? { prices: loadPriceTable(o.prices) } : o.prices ? { prices: o.prices } : {}),
    ...(o.baselineTokenizer !== undefined ? { baselineTokenizer: o.baselineTokenizer } : {}),
  };
}

/** The pairs [start, end) shard `spec` of `corpus` measures; a usage error when the run cannot be sharded. */
export function shardSlice(corpus: Corpus, segmentation: Segmentation, spec: ShardSpec): { start: number; end: number } {
  validateShard(spec);
  const where = corpus.files.length ? corpus.files.map((f) => f.path).join(', ') : corpus.id;
  if (segmentation !== 'per-line') {
    // Joined text is encoded as one string per side: its count is not a sum over pairs, so slices cannot add up.
    throw new UsageError(`--shard needs the per-line protocol, but this run uses ${segmentation}`, 'drop --shard, or use --segmentation per-line');
  }
  const total = corpus.pairs.length;
  if (spec.count > total) throw new UsageError(`--shard ${spec.index}/${spec.count}: ${where} has only ${total} pairs, fewer than ${spec.count} shards`, `use at most ${total} shards`);
  return shardRange(total, spec);
}

/**
 * Narrow a prepared run to its shard: the texts, per-pair units and character/byte totals of the slice only.
 * Run-level warnings and corpus sanity stay those of the whole corpus, so every shard carries the same ones.
 */
export function sliceRunContext(ctx: RunContext, spec: ShardSpec): RunContext {
  const total = ctx.corpus.pairs.length;
  const { start, end } = shardSlice(ctx.corpus, ctx.protocol.segmentation, spec);
  const whole: Corpus = ctx.corpus;
  const corpus: Corpus = { ...whole, pairs: whole.pairs.slice(start, end) };
  const zhChars = ctx.prepared.zhChars.slice(start, end);
  const enChars = ctx.prepared.enChars.slice(start, end);
  // The whole run's per-pair bytes, sliced: a shard's totals are exactly its part of the whole run's.
  const pairBytes = { zh: ctx.prepared.pairBytes.zh.subarray(start, end), en: ctx.prepared.pairBytes.en.subarray(start, end) };
  return {
    ...ctx,
    corpus,
    prepared: {
      corpus, zhChars, enChars, zhBytes: sumInt32(pairBytes.zh), enBytes: sumInt32(pairBytes.en), enWords: ctx.prepared.enWords.slice(start, end), pairBytes,
    },
    zhTexts: ctx.zhTexts.slice(start, end),
    enTexts: ctx.enTexts.slice(start, end),
    domains: ctx.domains.slice(start, end),
    zhChars: sum(zhChars),
    enChars: sum(enChars),
    shard: { index: spec.index, count: spec.count, pairStart: start, pairEnd: end, totalPairs: total, wholeCorpus: whole },
  };
}
