/**
 * `tokbench merge`: combine the JSON parts of a `--shard K/N` run into the result one whole run gives.
 *
 * The parts' sufficient statistics are concatenated (per-pair counts and units) or summed (domain totals, word
 * inventories, id frequencies) in shard order, and every metric is re-derived with the functions the runner uses
 * (buildTokenizerResult, domainStatsFromTotals, withRelativeCosts, the word/distribution helpers, the
 * finalisers), so nothing here computes a metric of its own. Only wall-clock fields differ from a whole run:
 * `createdAt` is the earliest part's, and each result's `seconds` is the sum of its parts' (encoding time, not
 * elapsed time).
 */
import { isDeepStrictEqual } from 'node:util';
import type { BenchmarkResult, CorpusSummary, DomainStats, TokenizerResult } from './types.js';
import { DataError, UsageError } from './errors.js';
import { buildTokenizerResult, domainStatsFromTotals, withRelativeCosts, type RunOptions } from './runner.js';
import { runFinalizers } from './passes.js';
import { makeSignature } from './signature.js';
import { sum } from '../metrics/metrics.js';
import { mergeWordMetrics } from '../metrics/words.js';
import { mergeDistributionMetrics } from '../metrics/distribution.js';
import type { ShardRecord } from './shard.js';

export interface ShardPart {
  /** Where the part came from (a file path), for messages. */
  where: string;
  result: BenchmarkResult;
}

export interface MergeOutcome {
  result: BenchmarkResult;
  /** Things worth telling the user that do not change the numbers (e.g. parts run on different Node versions). */
  notes: string[];
}

const HOW = 'write each part with `tokbench run --shard K/N --format json --output part-K.json`';

/** Check the parts are shards 1..N of one run and return them in shard order. */
function orderParts(parts: readonly ShardPart[]): (ShardPart & { shard: ShardRecord })[] {
  if (!parts.length) throw new UsageError('merge needs at least one part', HOW);
  const withShard = parts.map((p) => {
    if (!p.result.shard) throw new UsageError(`${p.where} is not a shard part (it has no "shard" record)`, HOW);
    return { ...p, shard: p.result.shard };
  });
  const n = withShard[0]!.shard.count;
  for (const p of withShard) {
    if (p.shard.count !== n) throw new UsageError(`${p.where} is shard ${p.shard.index}/${p.shard.count} but ${withShard[0]!.where} is shard ${withShard[0]!.shard.index}/${n}`, 'merge the parts of one run, all written with the same N');
  }
  const byIndex = new Map<number, (typeof withShard)[number]>();
  for (const p of withShard) {
    const dup = byIndex.get(p.shard.index);
    if (dup) throw new UsageError(`shard ${p.shard.index}/${n} is given twice (${dup.where} and ${p.where})`, 'give each shard once');
    byIndex.set(p.shard.index, p);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length) {
    throw new UsageError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} (got ${[...byIndex.keys()].sort((a, b) => a - b).map((k) => `${k}/${n}`).join(', ')})`, 'give all N parts of the run');
  }
  return Array.from({ length: n }, (_, i) => byIndex.get(i + 1)!);
}

/** Everything that must be identical across parts for their sum to be one run. */
function checkSameRun(ordered: readonly (ShardPart & { shard: ShardRecord })[]): void {
  const a = ordered[0]!;
  const ra = a.result;
  const differ = (what: string, p: ShardPart, x: unknown, y: unknown, hint: string): never => {
    throw new DataError(`${p.where} and ${a.where} differ in ${what} (${JSON.stringify(y)} vs ${JSON.stringify(x)}): they are not parts of one run`, hint);
  };
  let expectedStart = 0;
  for (const p of ordered) {
    const r = p.result;
    if (r.corpus.sha256 !== ra.corpus.sha256) differ('corpus sha256', p, ra.corpus.sha256, r.corpus.sha256, 'merge parts run on the same corpus file(s)');
    if (r.corpus.id !== ra.corpus.id) differ('corpus', p, ra.corpus.id, r.corpus.id, 'merge parts run on the same corpus');
    if (p.shard.totalPairs !== a.shard.totalPairs) differ('corpus pairs', p, a.shard.totalPairs, p.shard.totalPairs, 'merge parts run on the same corpus');
    if (r.schemaVersion !== ra.schemaVersion) differ('schemaVersion', p, ra.schemaVersion, r.schemaVersion, 'run every shard with the same tokbench version');
    if (r.tool.version !== ra.tool.version) differ('tokbench version', p, ra.tool.version, r.tool.version, 'run every shard with the same tokbench version');
    if (!isDeepStrictEqual(r.protocol, ra.protocol)) differ('protocol', p, ra.protocol, r.protocol, 'run every shard with the same protocol flags');
    if (!isDeepStrictEqual(r.environment.packages, ra.environment.packages)) differ('engine package versions', p, ra.environment.packages, r.environment.packages, 'run every shard from the same lockfile (npm ci)');
    if (!isDeepStrictEqual(r.corpusSanity, ra.corpusSanity)) differ('corpus sanity checks', p, ra.corpusSanity?.lengthCorrelation, r.corpusSanity?.lengthCorrelation, 'merge parts run on the same corpus');
    if (!isDeepStrictEqual(p.shard.finalize, a.shard.finalize)) differ('finaliser options (--bootstrap, --seed, --prices, --baseline-tokenizer)', p, a.shard.finalize, p.shard.finalize, 'run every shard with the same flags');
    const ids = (x: BenchmarkResult) => x.results.map((t) => `${t.tokenizer.id}@${t.tokenizer.sha256}`);
    if (!isDeepStrictEqual(ids(r), ids(ra))) {
      const failed = r.failures.map((f) => f.tokenizer.id).concat(ra.failures.map((f) => f.tokenizer.id));
      if (failed.length) throw new DataError(`tokenizer ${failed.join(', ')} failed in some parts but not all (${p.where} vs ${a.where})`, 'rerun the parts where it failed');
      differ('tokenizers (id@sha256)', p, ids(ra), ids(r), 'run every shard with the same --tokenizers and tokenizer files');
    }
    if (!isDeepStrictEqual(r.failures.map((f) => f.tokenizer.id), ra.failures.map((f) => f.tokenizer.id))) differ('failed tokenizers', p, ra.failures.map((f) => f.tokenizer.id), r.failures.map((f) => f.tokenizer.id), 'rerun the parts where a tokenizer failed');
    if (p.shard.pairStart !== expectedStart) {
      throw new DataError(`${p.where} covers pairs ${p.shard.pairStart}–${p.shard.pairEnd} but the previous shard ended at ${expectedStart}`, 'write every part with this tokbench version, which slices the corpus the same way');
    }
    expectedStart = p.shard.pairEnd;
    const n = p.shard.pairEnd - p.shard.pairStart;
    const lengths = [r.corpus.pairUnits?.zhChars.length, ...r.results.flatMap((t) => [t.pairCounts.zh.length, t.pairCounts.en.length])];
    if (lengths.some((l) => l !== n)) throw new DataError(`${p.where}: per-pair data does not cover its ${n} pairs`, 'rewrite the part with tokbench run --shard');
  }
  if (expectedStart !== a.shard.totalPairs) throw new DataError(`the parts cover pairs 0–${expectedStart} of ${a.shard.totalPairs}`, 'write every part with this tokbench version');
}

/** Keys in first-seen order over the parts: the order a whole run meets them in. */
function unionInOrder(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const l of lists) for (const x of l) seen.add(x);
  return [...seen];
}

function mergeCorpus(parts: readonly BenchmarkResult[]): CorpusSummary {
  const first = parts[0]!.corpus;
  const domains: Record<string, number> = {};
  for (const p of parts) for (const [d, n] of Object.entries(p.corpus.domains)) domains[d] = (domains[d] ?? 0) + n;
  const units = parts.map((p) => p.corpus.pairUnits!);
  // Spread the first part so the keys keep the order corpusSummary writes them in.
  return {
    ...first,
    pairs: sum(parts.map((p) => p.corpus.pairs)),
    domains,
    pairUnits: { zhChars: units.flatMap((u) => u.zhChars), enChars: units.flatMap((u) => u.enChars), enWords: units.flatMap((u) => u.enWords) },
  };
}

function mergeTokenizer(rs: readonly TokenizerResult[], where: readonly string[]): TokenizerResult {
  const first = rs[0]!;
  rs.forEach((r, k) => {
    if (!isDeepStrictEqual(r.tokenizer, first.tokenizer)) throw new DataError(`${where[k]}: tokenizer ${r.tokenizer.id} is described differently than in ${where[0]}`, 'run every shard with the same tokenizer files');
    // Sanity runs on a bounded sample of the WHOLE corpus in every shard, so all parts must agree.
    if (!isDeepStrictEqual(r.sanity, first.sanity)) throw new DataError(`${where[k]}: the sanity checks of ${r.tokenizer.id} differ from ${where[0]}'s`, 'run every shard with the same tokbench version and tokenizer files');
  });
  const pairCounts = { zh: rs.flatMap((r) => r.pairCounts.zh), en: rs.flatMap((r) => r.pairCounts.en) };
  const acc: Record<string, { pairs: number; zhTokens: number; enTokens: number }> = {};
  for (const r of rs) {
    for (const [d, s] of Object.entries(r.domains) as [string, DomainStats][]) {
      const a = (acc[d] ??= { pairs: 0, zhTokens: 0, enTokens: 0 });
      a.pairs += s.pairs;
      a.zhTokens += s.zhTokens;
      a.enTokens += s.enTokens;
    }
  }
  const side = (lang: 'zh' | 'en') => ({
    tokens: sum(pairCounts[lang]),
    characters: sum(rs.map((r) => r.languages[lang].characters)),
    bytes: sum(rs.map((r) => r.languages[lang].bytes)),
  });
  const fail = (what: string, err: unknown): never => {
    throw new DataError(`cannot merge the ${what} of ${first.tokenizer.id}: ${(err as Error).message}`, 'rewrite the parts with this tokbench version');
  };
  const words = rs.every((r) => r.words) ? (() => { try { return mergeWordMetrics(rs.map((r) => r.words!)); } catch (e) { return fail('word metrics', e); } })() : undefined;
  const distribution = rs.every((r) => r.distribution) ? (() => { try { return mergeDistributionMetrics(rs.map((r) => r.distribution!)); } catch (e) { return fail('distribution metrics', e); } })() : undefined;
  return buildTokenizerResult({
    info: first.tokenizer,
    zh: side('zh'),
    en: side('en'),
    domains: domainStatsFromTotals(acc),
    pairCounts,
    seconds: sum(rs.map((r) => r.seconds)),
    // The passes' order (words, distribution, sanity), so the keys come out as in a whole run.
    extra: { ...(words ? { words } : {}), ...(distribution ? { distribution } : {}), ...(first.sanity ? { sanity: first.sanity } : {}) },
  });
}

/** Merge shards 1..N of one run (in any order) into the result of the whole run. */
export function mergeShards(parts: readonly ShardPart[]): MergeOutcome {
  const ordered = orderParts(parts);
  checkSameRun(ordered);
  const results = ordered.map((p) => p.result);
  const where = ordered.map((p) => p.where);
  const a = results[0]!;
  const notes: string[] = [];
  for (const k of ['node', 'icu', 'platform'] as const) {
    const values = unionInOrder(results.map((r) => [String(r.environment[k])]));
    if (values.length > 1) notes.push(`the parts ran on different ${k} versions (${values.join(', ')}); the merged result records ${values[0]}${k === 'icu' ? ' (ICU decides Chinese word boundaries, so word metrics may mix two segmentations)' : ''}`);
  }
  const merged = a.results.map((_, i) => mergeTokenizer(results.map((r) => r.results[i]!), where));
  const ok = merged.length ? withRelativeCosts(merged) : [];
  const corpus = mergeCorpus(results);
  // Each part's warnings before its finalisers: the whole corpus's, then the tokenizers' (the same in every
  // part unless a pass failed on one slice); the finalisers rerun below and add their own.
  const before = ordered.map((p) => p.result.warnings.slice(0, p.shard.warningsBeforeFinalizers));
  // Identical lists (the usual case) are kept as they are, repeats included; otherwise the first part's list
  // is followed by what only later parts said (e.g. a pass that failed on one slice).
  const warnings = before.every((w) => isDeepStrictEqual(w, before[0])) ? before[0]! : [...before[0]!, ...unionInOrder(before.slice(1)).filter((w) => !before[0]!.includes(w))];
  const f = ordered[0]!.shard.finalize;
  const options: RunOptions = {
    ...(f.bootstrap !== undefined ? { bootstrap: f.bootstrap } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.prices !== undefined ? { prices: f.prices } : {}),
    ...(f.baselineTokenizer !== undefined ? { baselineTokenizer: f.baselineTokenizer } : {}),
  };
  const createdAt = results.map((r) => r.createdAt).sort()[0]!;
  const result = runFinalizers({
    schemaVersion: a.schemaVersion,
    tool: a.tool,
    createdAt,
    corpus,
    protocol: a.protocol,
    environment: a.environment,
    results: ok,
    failures: a.failures,
    warnings,
    signature: makeSignature(corpus, a.protocol, ok.map((r) => r.tokenizer)),
    ...(a.corpusSanity ? { corpusSanity: a.corpusSanity } : {}),
  }, options);
  return { result, notes };
}
