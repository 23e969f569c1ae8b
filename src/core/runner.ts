import { statSync } from 'node:fs';
import { isCorpusReader, openCorpus, type CorpusReader } from '../corpora/loaders.js';
import { DeferredAdapter } from '../tokenizers/hub.js';
import type { ProcessPool } from './pool.js';
import type { Corpus } from '../corpora/types.js';
import { costMultipliers, effectiveContext, languageStats, premium, ratio, sum } from '../metrics/metrics.js';
import { loadTokenizer, parseTokenizerSpec, type TokenizerSpec } from '../tokenizers/registry.js';
import { defaultPresetIds } from '../tokenizers/presets.js';
import type { IdSink, TokenizerAdapter } from '../tokenizers/types.js';
import { TokbenchError, UsageError } from './errors.js';
import { makeSignature } from './signature.js';
import { checkCorpus, samplePairs, type PairSample } from './sanity.js';
import { joinedText, resolveSegmentation, type NamedProtocol } from './segmentation.js';
import { runFinalizers, runTokenizerPasses } from './passes.js';
import { type CharUnit, CHAR_UNITS } from './text-units.js';
import { scanTexts, sideScanFromColumns, sumInt32, type SideScan } from './text-scan.js';
import { toNumbers } from './growable.js';
import { IdHistogram } from './id-histogram.js';
import { SCHEMA_VERSION, type BenchmarkResult, type CorpusSummary, type DomainStats, type Protocol, type Segmentation, type TokenizerFailure, type TokenizerResult, type ZhLang } from './types.js';
import { TOKBENCH_VERSION, enginePackageVersions } from './version.js';
import type { PriceTable } from './prices.js';
import { validateRenyiAlpha } from '../metrics/distribution.js';
import { checkBaselineInRun } from '../metrics/nsl.js';
import { finalizeOptions, shardSlice, sliceRunContext, validateShard, type ShardRecord, type ShardSpec } from './shard.js';
import type { TokenizerInfo } from '../tokenizers/types.js';
import type { SideCounts } from '../metrics/metrics.js';

export interface RunOptions {
  /** A Corpus, or a `--corpus` spec; default: the bundled corpus. */
  corpus?: string | Corpus;
  /** Tokenizer ids, paths or `<preset>=<path>`; default: the default presets. */
  tokenizers?: readonly string[];
  engine?: 'native' | 'js';
  specialTokens?: boolean;
  charUnit?: CharUnit;
  /** Overrides every tokenizer's nominal context window. */
  contextWindow?: number;
  /** Lines per engine call; bounds memory per call without changing counts (each line is encoded alone). */
  batchSize?: number;
  /** Called after each tokenizer finishes with the results so far (so callers can save incrementally). */
  onResult?: (partial: BenchmarkResult) => void;
  onProgress?: (event: { tokenizer: string; index: number; total: number; phase: 'start' | 'done' | 'failed' }) => void;
  warn?: (message: string) => void;
  /** Called when a tokenizer fails (instead of `warn`), so a CLI can report it once in its own words. */
  onFailure?: (failure: TokenizerFailure) => void;
  signal?: AbortSignal;
  /** Pre-tokenisation regex for rank files given as `tiktoken:<path>` (Python/Rust syntax or `qwen`/`glm4`/`cl100k`). */
  regex?: string;
  /** Bootstrap resamples for 95% intervals (default 1000; 0 disables). */
  bootstrap?: number;
  /** Seed of the bootstrap PRNG (default: a fixed seed, so reruns give the same intervals). */
  seed?: number;
  /** Price table: a parsed table, a JSON file path, or false for none (default: the bundled data/prices.json). */
  prices?: PriceTable | string | false;
  /** NSL baseline: a tokenizer of this run (id, preset alias or spec as given); default: the first that succeeds. */
  baselineTokenizer?: string;
  /** Order α of the Rényi efficiency (default 2.5, Zouhar et al. 2023); 1 = Shannon. */
  renyiAlpha?: number;
  /** Word-level metrics (fertility, continued words); default true. */
  wordMetrics?: boolean;
  /** per-line (default) | joined | petrov2023; see src/core/segmentation.ts. */
  segmentation?: Segmentation;
  /** Separator for `joined` (default ' '). */
  join?: string;
  /** A named protocol from the literature; fixes segmentation and separator (e.g. petrov2023). */
  protocol?: NamedProtocol;
  /** Chinese script, for corpora that have both (bundled, FLORES, NTREX). */
  lang?: ZhLang;
  /** FLORES split: dev | devtest | dev+devtest (default). */
  split?: string;
  /** Measure the chat-template overhead of a one-turn chat (tokenizer_config.json chat_template). */
  chat?: boolean;
  /**
   * Worker processes (default 1 in the library; the CLI defaults to the number of cores). Work is split by tokenizer
   * and, on corpora big enough to pay for loading a tokenizer twice, by chunk of pairs.
   */
  jobs?: number;
  /**
   * With `jobs` > 1: UTF-16 units of text per parallel chunk of pairs (default 4,000,000, so a small corpus is one
   * chunk per tokenizer and no tokenizer is loaded twice for nothing). Setting it also makes any run with two or more
   * tasks use workers, however small. A tuning and testing knob: never changes results.
   */
  chunkUnits?: number;
  /** Progress in pairs encoded, summed over tokenizers (`total` = pairs × tokenizers; 1 per tokenizer for joined protocols). */
  onPairs?: (event: { done: number; total: number }) => void;
  /** Token-id distribution metrics (Rényi efficiency, vocabulary use); default true. */
  distributionMetrics?: boolean;
  /** Run only shard K of N (a contiguous slice of the pairs) and record mergeable statistics; see src/core/shard.ts. */
  shard?: ShardSpec;
  /**
   * Read a file corpus (TSV, JSONL, zh.txt,en.txt) incrementally and aggregate per chunk, in flat memory
   * (src/core/stream.ts): same core metrics; no word or distribution metrics; per-line protocol only; one thread.
   */
  stream?: boolean;
}

export interface PreparedCorpus {
  corpus: Corpus;
  zhChars: number[];
  enChars: number[];
  zhBytes: number;
  enBytes: number;
  /** Whitespace-delimited English words per pair (per-word prices, word fertility). */
  enWords: number[];
  /** UTF-8 bytes per pair (a shard sums its slice of them). */
  pairBytes: { zh: Int32Array; en: Int32Array };
}

/** One scan per text gives units, bytes and words here and the corpus checks' counts (see text-scan.ts). */
function prepareCorpus(corpus: Corpus, unit: CharUnit, zhTexts: readonly string[], enTexts: readonly string[]): { prepared: PreparedCorpus; scan: { zh: SideScan; en: SideScan } } {
  // The reader's own scan when it made one for these very pairs, in a unit it can give; else one scan here.
  const read = corpus.textScans?.pairs === corpus.pairs ? corpus.textScans : undefined;
  const zh = read && sideScanFromColumns(read.zh, unit);
  const en = read && sideScanFromColumns(read.en, unit);
  const scan = zh && en ? { zh, en } : { zh: scanTexts(zhTexts, unit), en: scanTexts(enTexts, unit) };
  return {
    scan,
    prepared: {
      corpus,
      zhChars: toNumbers(scan.zh.units),
      enChars: toNumbers(scan.en.units),
      zhBytes: sumInt32(scan.zh.bytes),
      enBytes: sumInt32(scan.en.bytes),
      enWords: toNumbers(scan.en.words),
      pairBytes: { zh: scan.zh.bytes, en: scan.en.bytes },
    },
  };
}

function corpusSummary(c: Corpus): CorpusSummary {
  const domains: Record<string, number> = {};
  for (const p of c.pairs) domains[p.domain] = (domains[p.domain] ?? 0) + 1;
  return {
    id: c.id, format: c.format, sha256: c.sha256, files: c.files, pairs: c.pairs.length, domains,
    ...(c.license ? { license: c.license } : {}), ...(c.description ? { description: c.description } : {}),
    notes: c.notes,
    ...(c.lang ? { lang: c.lang } : {}),
    ...(c.splits?.length ? { splits: c.splits.map((x) => ({ name: x.name, pairs: x.count })) } : {}),
  };
}

/** The ids of chosen texts, kept while they are counted (the sanity sample: see checkTokenizer's `known`). */
export interface KeptIds {
  /** Indices of the texts to keep, ascending. */
  indices: readonly number[];
  ids: Map<number, number[]>;
}

/** One batch's sink: forwards every text's ids to the histogram and keeps those of the chosen texts. */
class KeepingSink implements IdSink {
  /** Position in keep.indices of the next text to keep (the indices ascend, as texts arrive). */
  private next: number;

  constructor(private at: number, private readonly histogram: IdHistogram | undefined, private readonly keep: KeptIds) {
    const xs = keep.indices;
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    this.next = lo;
  }

  add(ids: ArrayLike<number>): void {
    this.histogram?.add(ids);
    if (this.keep.indices[this.next] === this.at) {
      this.keep.ids.set(this.at, Array.from(ids));
      this.next++;
    }
    this.at++;
  }
}

export async function countInBatches(
  tok: TokenizerAdapter, texts: readonly string[], batchSize: number, signal?: AbortSignal, histogram?: IdHistogram, onTexts?: (n: number) => void, keep?: KeptIds,
  overlap = true,
): Promise<number[]> {
  const out: number[] = new Array<number>(texts.length);
  // Two batches in flight (`overlap`): an engine that encodes off the main thread (the native HF binding) works on the
  // next batch while this thread unpacks the previous one. Synchronous engines finish inside countBatch, so for them
  // this is the plain loop. Counts land by index and id tallies are sums, so the overlap cannot change a result.
  // Without `overlap` each batch is awaited before the next starts: for workers that already have a core each.
  let start = 0;
  let pending: Promise<number[]> | undefined;
  let pendingStart = 0;
  while (pending || start < texts.length) {
    signal?.throwIfAborted();
    // A sink per batch, so it knows its texts' indices whatever order the engine's batches resolve in.
    const sink = keep ? new KeepingSink(start, histogram, keep) : histogram;
    let next = start < texts.length ? tok.countBatch(texts.slice(start, start + batchSize), sink) : undefined;
    // Awaited on the next turn; until then a failure must not count as an unhandled rejection.
    next?.catch(() => {});
    if (next && !overlap) next = Promise.resolve(await next);
    const nextStart = start;
    start += batchSize;
    if (pending) {
      const counts = await pending;
      for (let i = 0; i < counts.length; i++) out[pendingStart + i] = counts[i]!;
      onTexts?.(counts.length);
    }
    pending = next;
    pendingStart = nextStart;
  }
  return out;
}

export function domainStats(domains: readonly string[], zh: readonly number[], en: readonly number[]): Record<string, DomainStats> {
  const acc: Record<string, { pairs: number; zhTokens: number; enTokens: number }> = {};
  domains.forEach((d, i) => {
    const a = (acc[d] ??= { pairs: 0, zhTokens: 0, enTokens: 0 });
    a.pairs++;
    a.zhTokens += zh[i]!;
    a.enTokens += en[i]!;
  });
  return domainStatsFromTotals(acc);
}

/** Per-domain totals → DomainStats, domains sorted; shared with `tokbench merge`, which sums shards' totals. */
export function domainStatsFromTotals(acc: Readonly<Record<string, { pairs: number; zhTokens: number; enTokens: number }>>): Record<string, DomainStats> {
  const out: Record<string, DomainStats> = {};
  for (const d of Object.keys(acc).sort()) {
    const a = acc[d]!;
    out[d] = { ...a, premium: premium(a.zhTokens, a.enTokens) };
  }
  return out;
}

/** Recompute run-relative metrics (cost vs the most efficient tokenizer) once the set of results is known. */
export function withRelativeCosts(results: TokenizerResult[]): TokenizerResult[] {
  const best = Math.min(...results.map((r) => r.languages.zh.tokens));
  return results.map((r) => ({ ...r, cost: costMultipliers(r.languages.zh.tokens, r.languages.en.tokens, best) }));
}

/** The tokenizers a run measures, as given (default: the default presets). */
export function tokenizerIds(options: RunOptions): readonly string[] {
  return options.tokenizers?.length ? options.tokenizers : defaultPresetIds();
}

export function validateRunOptions(o: RunOptions): void {
  if (o.charUnit !== undefined && !CHAR_UNITS.includes(o.charUnit)) throw new UsageError(`unknown character unit "${o.charUnit}"`, `use one of ${CHAR_UNITS.join(', ')}`);
  if (o.contextWindow !== undefined && (!Number.isInteger(o.contextWindow) || o.contextWindow <= 0)) {
    throw new UsageError(`--context must be a positive integer number of tokens, got ${o.contextWindow}`);
  }
  if (o.batchSize !== undefined && (!Number.isInteger(o.batchSize) || o.batchSize <= 0)) throw new UsageError(`batch size must be a positive integer, got ${o.batchSize}`);
  if (o.engine !== undefined && o.engine !== 'native' && o.engine !== 'js') throw new UsageError(`unknown engine "${o.engine}"`, 'use native or js');
  if (o.renyiAlpha !== undefined) validateRenyiAlpha(o.renyiAlpha);
  if (o.jobs !== undefined && (!Number.isInteger(o.jobs) || o.jobs < 1)) throw new UsageError(`--jobs must be a positive integer, got ${o.jobs}`, 'use --jobs 1 for a single thread');
  if (o.shard !== undefined) validateShard(o.shard);
  if (o.chunkUnits !== undefined && (!Number.isInteger(o.chunkUnits) || o.chunkUnits < 1)) throw new UsageError(`chunkUnits must be a positive integer, got ${o.chunkUnits}`);
}

/** A run once its options are checked and its tokenizer specs parsed: everything but the corpus. */
export interface RunBase {
  options: RunOptions;
  unit: CharUnit;
  engine: 'native' | 'js';
  specialTokens: boolean;
  batchSize: number;
  warn: (message: string) => void;
  specs: TokenizerSpec[];
  segmentation: ReturnType<typeof resolveSegmentation>;
  createdAt: string;
}

/** Everything a run needs before any tokenizer is loaded; built once per thread. */
export interface RunContext extends RunBase {
  corpus: Corpus;
  prepared: PreparedCorpus;
  protocol: Protocol;
  joined: { zh: string; en: string } | undefined;
  zhTexts: string[];
  enTexts: string[];
  domains: string[];
  zhChars: number;
  enChars: number;
  /** Run-level warnings (corpus notes, unit and sanity warnings). */
  warnings: string[];
  corpusSanity: ReturnType<typeof checkCorpus>;
  /** Called with the number of pairs just encoded (both sides), for progress reports. */
  onPairs?: (pairs: number) => void;
  /** Set by `--shard`: `corpus`, `prepared` and the texts above are the slice; `wholeCorpus` is what was loaded. */
  shard?: Omit<ShardRecord, 'warningsBeforeFinalizers' | 'finalize'> & { wholeCorpus: Corpus };
  /**
   * The sanity sample of `corpus`, drawn once per run: per pair only, and not under --shard (whose sample is drawn
   * from the whole corpus, by the sanity pass).
   */
  sample?: PairSample;
}

/** One tokenizer's outcome, with the warnings it raised (so parallel runs can merge them in spec order). */
export interface TokenizerOutcome {
  result?: TokenizerResult;
  failure?: TokenizerFailure;
  warnings: string[];
}

/**
 * A run once its corpus is read, before the corpus is scanned and checked (completeRun): enough for worker processes
 * to start counting while this process does the rest.
 */
export interface RunPlan extends RunBase {
  /** The corpus as loaded (under --shard, the whole of it). */
  corpus: Corpus;
  joined: { zh: string; en: string } | undefined;
  /** Under --shard: the pairs [start, end) of `corpus` this run measures. */
  slice: { start: number; end: number } | undefined;
}

/** Usage errors (options, a tokenizer typo, a baseline not in the run) come out here, before any corpus is read. */
export function planBase(options: RunOptions): RunBase {
  validateRunOptions(options);
  const specialTokens = options.specialTokens ?? false;
  const specs: TokenizerSpec[] = tokenizerIds(options).map(parseTokenizerSpec);
  checkBaselineInRun(options.baselineTokenizer, specs);
  return {
    options, unit: options.charUnit ?? 'codepoint', engine: options.engine ?? 'native', specialTokens, batchSize: options.batchSize ?? 1024,
    warn: options.warn ?? (() => {}), specs,
    segmentation: resolveSegmentation({ segmentation: options.segmentation, join: options.join, protocol: options.protocol, specialTokens }),
    createdAt: new Date().toISOString(),
  };
}

/** The run's `--corpus`, opened: a one-pair-per-line file comes back as a reader, to be parsed on demand. */
export function openRunCorpus(options: RunOptions): Corpus | CorpusReader {
  return typeof options.corpus === 'object' ? options.corpus : openCorpus(options.corpus, {
    ...(options.lang !== undefined ? { lang: options.lang } : {}), ...(options.split !== undefined ? { split: options.split } : {}),
  });
}

export function planWithCorpus(base: RunBase, corpus: Corpus): RunPlan {
  const { segmentation, options } = base;
  // Joined protocols encode one text per side: built once, shared by every tokenizer.
  const joined = segmentation.segmentation === 'per-line' ? undefined : {
    zh: joinedText(corpus, 'zh', segmentation.segmentation, segmentation.join), en: joinedText(corpus, 'en', segmentation.segmentation, segmentation.join),
  };
  return { ...base, corpus, joined, slice: options.shard ? shardSlice(corpus, segmentation.segmentation, options.shard) : undefined };
}

/** Scan and check the corpus of a plan: per-pair units, bytes and words, corpus sanity, run warnings. */
export function completeRun(plan: RunPlan): RunContext {
  const { options, unit, specialTokens, corpus, warn } = plan;
  const seg = plan.segmentation;
  const zhTexts = corpus.pairs.map((p) => p.zh);
  const enTexts = corpus.pairs.map((p) => p.en);
  const { prepared, scan } = prepareCorpus(corpus, unit, zhTexts, enTexts);
  const protocol: Protocol = {
    segmentation: seg.segmentation, specialTokens, normalization: 'none', charUnit: unit, hfEngine: plan.engine,
    ...(seg.join !== undefined ? { join: seg.join } : {}), ...(corpus.lang ? { lang: corpus.lang } : {}),
  };
  const zhChars = sum(prepared.zhChars);
  const enChars = sum(prepared.enChars);
  const warnings: string[] = [...corpus.notes];
  if (seg.segmentation === 'petrov2023' && !corpus.splits?.length) {
    warnings.push('petrov2023 was defined on FLORES-200 files; this corpus has no split files, so each side counts as one newline-terminated file');
  }
  const unitWarnings: string[] = [];
  if (zhChars === 0) unitWarnings.push(`the Chinese side has 0 characters in unit "${unit}": per-character metrics are undefined`);
  if (enChars === 0) {
    unitWarnings.push(`the English side has 0 characters in unit "${unit}"${unit === 'han' ? ' (han counts only Han-script code points, so Latin text has none)' : ''}: ` +
      'English per-character metrics and the per-character ratio are undefined (reported as null); use --unit codepoint for them');
  }
  // Throws when the Chinese side has no Han at all; misalignment and language mix-ups become warnings.
  const corpusSanity = checkCorpus(corpus, scan);
  warnings.push(...corpusSanity.warnings.map((w) => w.message));
  for (const w of corpusSanity.warnings) warn(w.message);
  // Undefined per-character metrics are easy to miss in a file: say so on stderr too.
  for (const w of unitWarnings) warn(w);
  warnings.push(...unitWarnings);
  const { slice: _slice, ...base } = plan;
  const ctx: RunContext = {
    ...base, prepared, protocol, zhTexts, enTexts, domains: corpus.pairs.map((p) => p.domain), zhChars, enChars, warnings, corpusSanity,
  };
  return options.shard ? sliceRunContext(ctx, options.shard) : plan.joined ? ctx : { ...ctx, sample: samplePairs(corpus.pairs) };
}

/** A TokenizerResult from its counts: shared by runTokenizer and `tokbench merge`, so both derive metrics alike. */
export function buildTokenizerResult(a: {
  info: TokenizerInfo;
  zh: SideCounts;
  en: SideCounts;
  domains: Record<string, DomainStats>;
  pairCounts: { zh: number[]; en: number[] };
  seconds: number;
  extra: Partial<TokenizerResult>;
}): TokenizerResult {
  const zhStats = languageStats(a.zh);
  const enStats = languageStats(a.en);
  return {
    status: 'ok',
    tokenizer: a.info,
    languages: { zh: zhStats, en: enStats },
    premium: premium(zhStats.tokens, enStats.tokens),
    effectiveContext: effectiveContext(a.info.contextWindow, zhStats, enStats),
    cost: { vsEnglish: ratio(zhStats.tokens, enStats.tokens), vsBest: 1 },
    domains: a.domains,
    pairCounts: a.pairCounts,
    seconds: a.seconds,
    ...a.extra,
  };
}

/** A failed tokenizer as a run records it (shared with the stream and parallel paths, so all say the same). */
export function failureOf(err: unknown, id: string): TokenizerFailure {
  const message = err instanceof TokbenchError ? err.message : `${(err as Error)?.message ?? String(err)}`;
  const hint = err instanceof TokbenchError ? err.hint : undefined;
  return { status: 'failed', tokenizer: { id }, error: message, ...(hint ? { hint } : {}) };
}

/** What loading a tokenizer for a run needs; a RunContext has it, and so does a worker process. */
export interface LoadContext {
  engine: 'native' | 'js';
  specialTokens: boolean;
  options: RunOptions;
}

/** Load a tokenizer the way every run path does; its notes (e.g. a sha256 the preset did not expect) go to `warnings`. */
export function loadRunTokenizer(ctx: LoadContext, spec: TokenizerSpec, warnings: string[], warn: (m: string) => void = () => {}): TokenizerAdapter {
  const { options } = ctx;
  return loadTokenizer(spec, {
    engine: ctx.engine, addSpecialTokens: ctx.specialTokens,
    ...(options.contextWindow !== undefined ? { contextWindow: options.contextWindow } : {}),
    ...(options.regex !== undefined ? { regex: options.regex } : {}),
    warn: (m) => { warnings.push(m); warn(m); },
  });
}

/** Distribution metrics need every token id: the counting pass gathers them, so no second encoding pass is needed. */
export function wantsIdHistograms(options: RunOptions): boolean {
  return options.distributionMetrics !== false;
}

/** A tokenizer's counts under the run's protocol: per pair, or one joined text per side. */
export interface TokenizerCounts {
  zh: number[];
  en: number[];
  zhJoined?: number;
  enJoined?: number;
}

/**
 * Count one tokenizer over `texts` (per pair) or, under a joined protocol, over the two joined texts; ids go to
 * `histograms` when given. One function for the one-process path and the worker processes.
 */
export async function countSides(
  tok: TokenizerAdapter,
  input: { texts: { zh: readonly string[]; en: readonly string[] } } | { joined: { zh: string; en: string } },
  batchSize: number,
  o: {
    histograms?: { zh: IdHistogram; en: IdHistogram } | undefined; signal?: AbortSignal | undefined; onTexts?: (n: number) => void; keep?: { zh: KeptIds; en: KeptIds };
    /** Two engine batches in flight (countInBatches); default true. */
    overlap?: boolean;
  } = {},
): Promise<TokenizerCounts> {
  if ('joined' in input) {
    return {
      zh: [], en: [],
      zhJoined: (await tok.countBatch([input.joined.zh], o.histograms?.zh))[0]!,
      enJoined: (await tok.countBatch([input.joined.en], o.histograms?.en))[0]!,
    };
  }
  const side = (lang: 'zh' | 'en') => countInBatches(tok, input.texts[lang], batchSize, o.signal, o.histograms?.[lang], o.onTexts, o.keep?.[lang], o.overlap ?? true);
  return { zh: await side('zh'), en: await side('en') };
}

/** The TokenizerResult of one tokenizer from its counts and pass fields: the same code for 1 or N jobs. */
export function resultFromCounts(ctx: RunContext, info: TokenizerInfo, c: TokenizerCounts, extra: Partial<TokenizerResult>, seconds: number): TokenizerResult {
  return buildTokenizerResult({
    info,
    zh: { tokens: c.zhJoined ?? sum(c.zh), characters: ctx.zhChars, bytes: ctx.prepared.zhBytes },
    en: { tokens: c.enJoined ?? sum(c.en), characters: ctx.enChars, bytes: ctx.prepared.enBytes },
    // Joined protocols have no per-pair counts: pairCounts stay empty and domains {} (see Protocol.lang doc).
    domains: ctx.joined ? {} : domainStats(ctx.domains, c.zh, c.en),
    pairCounts: { zh: c.zh, en: c.en },
    seconds,
    extra,
  });
}

/** Load one tokenizer, count the corpus under the run's protocol, run the passes, dispose. Never throws for data errors. */
export async function runTokenizer(ctx: RunContext, specRaw: string): Promise<TokenizerOutcome> {
  const { options } = ctx;
  const spec = ctx.specs.find((s) => s.raw === specRaw) ?? parseTokenizerSpec(specRaw);
  const warnings: string[] = [];
  const t0 = performance.now();
  let tok: TokenizerAdapter | undefined;
  try {
    tok = loadRunTokenizer(ctx, spec, warnings, ctx.warn);
    const loaded = tok;
    const histograms = wantsIdHistograms(options) ? { zh: new IdHistogram(loaded.info.vocabSize), en: new IdHistogram(loaded.info.vocabSize) } : undefined;
    // The sanity checks re-read a sample of the texts' ids: keep them from the counting pass rather than encode the
    // sample again.
    const sample = ctx.sample;
    const keep = sample ? { zh: { indices: sample.indices, ids: new Map<number, number[]>() }, en: { indices: sample.indices, ids: new Map<number, number[]>() } } : undefined;
    const counts = await countSides(loaded, ctx.joined ? { joined: ctx.joined } : { texts: { zh: ctx.zhTexts, en: ctx.enTexts } }, ctx.batchSize, {
      histograms, signal: options.signal, onTexts: (n) => ctx.onPairs?.(n / 2), ...(keep ? { keep } : {}),
    });
    if (ctx.joined) ctx.onPairs?.(1);
    const id = loaded.info.id;
    const extra = await runTokenizerPasses({
      tokenizer: loaded, corpus: ctx.corpus, pairCounts: { zh: counts.zh, en: counts.en }, options, ...(histograms ? { idHistograms: histograms } : {}),
      ...(keep && sample ? { knownIds: { zh: keep.zh.ids, en: keep.en.ids }, sample } : {}),
      ...(ctx.shard ? { wholeCorpus: ctx.shard.wholeCorpus } : {}),
      warn: (m) => { warnings.push(`${id}: ${m}`); ctx.warn(`${id}: ${m}`); },
    });
    return { warnings, result: resultFromCounts(ctx, loaded.info, counts, extra, (performance.now() - t0) / 1000) };
  } catch (err) {
    if (options.signal?.aborted) throw err;
    if (err instanceof UsageError) throw err;
    return { warnings, failure: failureOf(err, spec.raw) };
  } finally {
    tok?.dispose();
  }
}

export function assembleResult(ctx: RunContext, outcomes: readonly (TokenizerOutcome | undefined)[]): BenchmarkResult {
  const done = outcomes.filter((o): o is TokenizerOutcome => o !== undefined);
  const results = done.flatMap((o) => (o.result ? [o.result] : []));
  const ok = results.length ? withRelativeCosts(results) : [];
  const { corpus, prepared, protocol } = ctx;
  const warnings = [...ctx.warnings, ...done.flatMap((o) => o.warnings)];
  const finalized = runFinalizers({
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'tokbench', version: TOKBENCH_VERSION },
    createdAt: ctx.createdAt,
    corpus: { ...corpusSummary(corpus), pairUnits: { zhChars: prepared.zhChars, enChars: prepared.enChars, enWords: prepared.enWords } },
    protocol,
    environment: { node: process.version, icu: process.versions.icu, platform: `${process.platform}-${process.arch}`, packages: enginePackageVersions() },
    results: ok,
    failures: done.flatMap((o) => (o.failure ? [o.failure] : [])),
    warnings,
    signature: makeSignature(corpus, protocol, ok.map((r) => r.tokenizer)),
    corpusSanity: ctx.corpusSanity,
  }, ctx.options);
  if (!ctx.shard) return finalized;
  const { wholeCorpus: _whole, ...where } = ctx.shard;
  const shard: ShardRecord = { ...where, warningsBeforeFinalizers: warnings.length, finalize: finalizeOptions(ctx.options) };
  return { ...finalized, shard };
}

/**
 * Run the benchmark: every tokenizer encodes every pair (each side alone, no special tokens by default),
 * and all metrics are derived from the per-pair counts. One failing tokenizer is recorded, not fatal.
 * With `jobs` > 1, worker processes encode tokenizers and chunks of pairs in parallel (src/core/parallel.ts);
 * outcomes are merged in the order the tokenizers were given, so the result is identical for any number of jobs.
 */
export async function runBenchmark(options: RunOptions = {}): Promise<BenchmarkResult> {
  // Imported on demand: stream.ts builds on this module's helpers, and a static import would make a cycle.
  if (options.stream) return (await import('./stream.js')).runStreamBenchmark(options);
  const parallel = (options.jobs ?? 1) > 1 ? await import('./parallel.js') : undefined;
  // Worker processes start before the corpus is read when they will surely be used, so their start-up and first
  // tokenizer loads overlap this process's parsing and checking.
  let pool: ProcessPool | undefined;
  if (parallel) {
    validateRunOptions(options);
    const early = parallel.earlyStartPlan(options, tokenizerIds(options), options.jobs!, corpusFileBytes(options));
    if (early) pool = parallel.startWorkers(options, options.engine ?? 'native', options.specialTokens ?? false, options.jobs!, early.preload);
  }
  try {
    const base = planBase(options);
    const { specs } = base;
    const opened = openRunCorpus(options);
    // The corpus scan and checks, once: with workers they run while the first chunks are counted (see runParallel).
    let ctx: RunContext | undefined;
    const complete = (plan: RunPlan): RunContext => (ctx ??= completeRun(plan));
    const outcomes: (TokenizerOutcome | undefined)[] = new Array(specs.length).fill(undefined);
    let pairsDone = 0;
    // Pairs per tokenizer: known once the corpus is parsed (lines until then: a file has at most one pair per line).
    const pairsOf = (plan: RunPlan) => (plan.joined ? 1 : (plan.slice ? plan.slice.end - plan.slice.start : plan.corpus.pairs.length));
    // Not asked of a reader before it is needed: a JSONL reader finds its lines in a pass of its own (see openJsonl).
    let perTokenizer: number | undefined;
    const onPairs = (n: number) => {
      pairsDone += n;
      if (ctx) perTokenizer = ctx.joined ? 1 : ctx.zhTexts.length;
      else perTokenizer ??= isCorpusReader(opened) ? opened.lines : 0;
      options.onPairs?.({ done: pairsDone, total: perTokenizer * specs.length });
    };
    const report = (index: number, outcome: TokenizerOutcome) => {
      outcomes[index] = outcome;
      const spec = specs[index]!;
      if (outcome.failure) {
        if (options.onFailure) options.onFailure(outcome.failure);
        else base.warn(`${spec.raw} failed: ${outcome.failure.error}`);
      }
      options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: outcome.failure ? 'failed' : 'done' });
      // Outcomes are reported once the corpus is checked (runParallel holds early ones back), so ctx is set.
      options.onResult?.(assembleResult(ctx!, outcomes));
    };
    const startPool = async (chunked: boolean) => {
      await prefetchHubFiles(base);
      return (pool ??= parallel!.startWorkers(options, base.engine, base.specialTokens, options.jobs!, parallel!.preloadPlan(specs.map((s) => s.raw), chunked)));
    };
    // A big one-pair-per-line file: workers count its first chunks while the rest is parsed.
    const lines = parallel && isCorpusReader(opened) ? parallel.readerPlan(base, opened, options.jobs!) : undefined;
    if (parallel && lines && isCorpusReader(opened)) {
      await parallel.runParallel({ base, reader: opened, ranges: lines }, complete, await startPool(lines.length > 1), report, onPairs);
      return assembleResult(ctx!, outcomes);
    }
    const plan = planWithCorpus(base, isCorpusReader(opened) ? opened.finish() : opened);
    perTokenizer = pairsOf(plan);
    // Workers only when they pay for their start-up (see parallelWorthIt); otherwise this process does it all.
    const ranges = parallel?.workerPlan(plan, options.jobs!);
    if (parallel && ranges) {
      await parallel.runParallel({ plan, ranges }, complete, await startPool(ranges.length > 1), report, onPairs);
    } else {
      pool?.close();
      const one = complete(plan);
      one.onPairs = onPairs;
      for (const [index, spec] of specs.entries()) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'start' });
        report(index, await runTokenizer(one, spec.raw));
      }
    }
    return assembleResult(complete(plan), outcomes);
  } finally {
    pool?.close();
  }
}

/** Size of a `--corpus` that is one plain file (the start-up heuristic's hint); undefined for anything else. */
function corpusFileBytes(options: RunOptions): number | undefined {
  if (typeof options.corpus !== 'string' || options.corpus.includes(',')) return undefined;
  try {
    const st = statSync(options.corpus);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tokenizers that come from a hub are downloaded here, once, before workers start: several workers loading the
 * same `hf:` id would otherwise download it concurrently into one cache. Errors are left for the workers to report.
 */
async function prefetchHubFiles(ctx: RunBase): Promise<void> {
  for (const spec of ctx.specs) {
    const fromFile = spec.preset && !spec.path && spec.preset.source.kind !== 'npm-tokenizer-json' && spec.preset.source.kind !== 'tiktoken-builtin';
    if (!spec.hub && !fromFile) continue;
    try {
      const tok = loadRunTokenizer(ctx, spec, []);
      if (tok instanceof DeferredAdapter) await tok.whenReady().catch(() => undefined);
      tok.dispose();
    } catch {
      // Reported by the worker that loads it, as the one-thread path would.
    }
  }
}
