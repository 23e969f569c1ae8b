import { loadCorpus } from '../corpora/loaders.js';
import type { Corpus } from '../corpora/types.js';
import { costMultipliers, effectiveContext, languageStats, premium, ratio, sum } from '../metrics/metrics.js';
import { loadTokenizer, parseTokenizerSpec, type TokenizerSpec } from '../tokenizers/registry.js';
import { defaultPresetIds } from '../tokenizers/presets.js';
import type { TokenizerAdapter } from '../tokenizers/types.js';
import { TokbenchError, UsageError } from './errors.js';
import { makeSignature } from './signature.js';
import { checkCorpus } from './sanity.js';
import { joinedText, resolveSegmentation, type NamedProtocol } from './segmentation.js';
import { runFinalizers, runTokenizerPasses } from './passes.js';
import { countChars, utf8Bytes, type CharUnit, CHAR_UNITS } from './text-units.js';
import { SCHEMA_VERSION, type BenchmarkResult, type CorpusSummary, type DomainStats, type Protocol, type Segmentation, type TokenizerFailure, type TokenizerResult, type ZhLang } from './types.js';
import { TOKBENCH_VERSION, enginePackageVersions } from './version.js';
import { countEnglishWords, type PriceTable } from './prices.js';
import { validateRenyiAlpha } from '../metrics/distribution.js';
import { checkBaselineInRun } from '../metrics/nsl.js';

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
  /** Token-id distribution metrics (Rényi efficiency, vocabulary use); default true. */
  distributionMetrics?: boolean;
}

interface PreparedCorpus {
  corpus: Corpus;
  zhChars: number[];
  enChars: number[];
  zhBytes: number;
  enBytes: number;
}

function prepareCorpus(corpus: Corpus, unit: CharUnit): PreparedCorpus {
  const zhChars = corpus.pairs.map((p) => countChars(p.zh, unit));
  const enChars = corpus.pairs.map((p) => countChars(p.en, unit));
  return {
    corpus,
    zhChars,
    enChars,
    zhBytes: sum(corpus.pairs.map((p) => utf8Bytes(p.zh))),
    enBytes: sum(corpus.pairs.map((p) => utf8Bytes(p.en))),
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

async function countInBatches(tok: TokenizerAdapter, texts: string[], batchSize: number, signal?: AbortSignal): Promise<number[]> {
  const out: number[] = new Array<number>(texts.length);
  for (let start = 0; start < texts.length; start += batchSize) {
    signal?.throwIfAborted();
    const counts = await tok.countBatch(texts.slice(start, start + batchSize));
    for (let i = 0; i < counts.length; i++) out[start + i] = counts[i]!;
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

export function validateRunOptions(o: RunOptions): void {
  if (o.charUnit !== undefined && !CHAR_UNITS.includes(o.charUnit)) throw new UsageError(`unknown character unit "${o.charUnit}"`, `use one of ${CHAR_UNITS.join(', ')}`);
  if (o.contextWindow !== undefined && (!Number.isInteger(o.contextWindow) || o.contextWindow <= 0)) {
    throw new UsageError(`--context must be a positive integer number of tokens, got ${o.contextWindow}`);
  }
  if (o.batchSize !== undefined && (!Number.isInteger(o.batchSize) || o.batchSize <= 0)) throw new UsageError(`batch size must be a positive integer, got ${o.batchSize}`);
  if (o.engine !== undefined && o.engine !== 'native' && o.engine !== 'js') throw new UsageError(`unknown engine "${o.engine}"`, 'use native or js');
  if (o.renyiAlpha !== undefined) validateRenyiAlpha(o.renyiAlpha);
}

/**
 * Run the benchmark: every tokenizer encodes every pair (each side alone, no special tokens by default),
 * and all metrics are derived from the per-pair counts. One failing tokenizer is recorded, not fatal.
 */
export async function runBenchmark(options: RunOptions = {}): Promise<BenchmarkResult> {
  validateRunOptions(options);
  const unit = options.charUnit ?? 'codepoint';
  const engine = options.engine ?? 'native';
  const specialTokens = options.specialTokens ?? false;
  const batchSize = options.batchSize ?? 1024;
  const warn = options.warn ?? (() => {});
  // Parse every tokenizer spec before any work: a typo is a usage error, not a half-finished run.
  const specs: TokenizerSpec[] = (options.tokenizers?.length ? options.tokenizers : defaultPresetIds()).map(parseTokenizerSpec);
  checkBaselineInRun(options.baselineTokenizer, specs);
  const seg = resolveSegmentation({ segmentation: options.segmentation, join: options.join, protocol: options.protocol, specialTokens });
  const corpus = typeof options.corpus === 'object' ? options.corpus : loadCorpus(options.corpus, {
    ...(options.lang !== undefined ? { lang: options.lang } : {}), ...(options.split !== undefined ? { split: options.split } : {}),
  });
  const prepared = prepareCorpus(corpus, unit);
  const protocol: Protocol = {
    segmentation: seg.segmentation, specialTokens, normalization: 'none', charUnit: unit, hfEngine: engine,
    ...(seg.join !== undefined ? { join: seg.join } : {}), ...(corpus.lang ? { lang: corpus.lang } : {}),
  };
  // Joined protocols encode one text per side: built once, shared by every tokenizer.
  const joined = seg.segmentation === 'per-line' ? undefined : {
    zh: joinedText(corpus, 'zh', seg.segmentation, seg.join), en: joinedText(corpus, 'en', seg.segmentation, seg.join),
  };
  const zhTexts = corpus.pairs.map((p) => p.zh);
  const enTexts = corpus.pairs.map((p) => p.en);
  const domains = corpus.pairs.map((p) => p.domain);
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
  const corpusSanity = checkCorpus(corpus);
  warnings.push(...corpusSanity.warnings.map((w) => w.message));
  // Undefined per-character metrics are easy to miss in a file: say so on stderr too.
  for (const w of unitWarnings) warn(w);
  warnings.push(...unitWarnings);

  const results: TokenizerResult[] = [];
  const failures: TokenizerFailure[] = [];
  const createdAt = new Date().toISOString();
  const assemble = (): BenchmarkResult => {
    const ok = results.length ? withRelativeCosts(results) : [];
    return runFinalizers({
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'tokbench', version: TOKBENCH_VERSION },
      createdAt,
      corpus: { ...corpusSummary(corpus), pairUnits: { zhChars: prepared.zhChars, enChars: prepared.enChars, enWords: corpus.pairs.map((p) => countEnglishWords(p.en)) } },
      protocol,
      environment: { node: process.version, icu: process.versions.icu, platform: `${process.platform}-${process.arch}`, packages: enginePackageVersions() },
      results: ok,
      failures: [...failures],
      warnings: [...warnings],
      signature: makeSignature(corpus, protocol, ok.map((r) => r.tokenizer)),
      corpusSanity,
    }, options);
  };

  for (const [index, spec] of specs.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'start' });
    const t0 = performance.now();
    let tok: TokenizerAdapter | undefined;
    try {
      tok = loadTokenizer(spec, {
        engine, addSpecialTokens: specialTokens,
        ...(options.contextWindow !== undefined ? { contextWindow: options.contextWindow } : {}),
        ...(options.regex !== undefined ? { regex: options.regex } : {}),
        warn: (m) => { warnings.push(m); warn(m); },
      });
      // Joined protocols have no per-pair counts: pairCounts stay empty and domains {} (see Protocol.lang doc).
      const zh = joined ? [] : await countInBatches(tok, zhTexts, batchSize, options.signal);
      const en = joined ? [] : await countInBatches(tok, enTexts, batchSize, options.signal);
      const [zhJoined, enJoined] = joined ? await tok.countBatch([joined.zh, joined.en]) : [];
      const extra = await runTokenizerPasses({
        tokenizer: tok, corpus, pairCounts: { zh, en }, options,
        warn: (m) => { warnings.push(`${tok!.info.id}: ${m}`); warn(`${tok!.info.id}: ${m}`); },
      });
      const zhStats = languageStats({ tokens: zhJoined ?? sum(zh), characters: zhChars, bytes: prepared.zhBytes });
      const enStats = languageStats({ tokens: enJoined ?? sum(en), characters: enChars, bytes: prepared.enBytes });
      results.push({
        status: 'ok',
        tokenizer: tok.info,
        languages: { zh: zhStats, en: enStats },
        premium: premium(zhStats.tokens, enStats.tokens),
        effectiveContext: effectiveContext(tok.info.contextWindow, zhStats, enStats),
        cost: { vsEnglish: ratio(zhStats.tokens, enStats.tokens), vsBest: 1 },
        domains: joined ? {} : domainStats(domains, zh, en),
        pairCounts: { zh, en },
        seconds: (performance.now() - t0) / 1000,
        ...extra,
      });
      options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'done' });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (err instanceof UsageError) throw err;
      const message = err instanceof TokbenchError ? err.message : `${(err as Error).message ?? String(err)}`;
      const hint = err instanceof TokbenchError ? err.hint : undefined;
      const failure: TokenizerFailure = { status: 'failed', tokenizer: { id: spec.raw }, error: message, ...(hint ? { hint } : {}) };
      failures.push(failure);
      if (options.onFailure) options.onFailure(failure);
      else warn(`${spec.raw} failed: ${message}`);
      options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'failed' });
    } finally {
      tok?.dispose();
    }
    options.onResult?.(assemble());
  }
  return assemble();
}
