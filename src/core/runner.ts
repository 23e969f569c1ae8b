import { loadCorpus } from '../corpora/loaders.js';
import type { Corpus } from '../corpora/types.js';
import { costMultipliers, effectiveContext, languageStats, premium, ratio, sum } from '../metrics/metrics.js';
import { loadTokenizer, parseTokenizerSpec, type TokenizerSpec } from '../tokenizers/registry.js';
import { defaultPresetIds } from '../tokenizers/presets.js';
import type { TokenizerAdapter } from '../tokenizers/types.js';
import { TokbenchError, UsageError } from './errors.js';
import { makeSignature } from './signature.js';
import { runFinalizers, runTokenizerPasses } from './passes.js';
import { countChars, utf8Bytes, type CharUnit, CHAR_UNITS } from './text-units.js';
import { SCHEMA_VERSION, type BenchmarkResult, type CorpusSummary, type DomainStats, type Protocol, type TokenizerFailure, type TokenizerResult } from './types.js';
import { TOKBENCH_VERSION, enginePackageVersions } from './version.js';

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
  signal?: AbortSignal;
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
  const corpus = typeof options.corpus === 'object' ? options.corpus : loadCorpus(options.corpus);
  const prepared = prepareCorpus(corpus, unit);
  const protocol: Protocol = { segmentation: 'per-line', specialTokens, normalization: 'none', charUnit: unit, hfEngine: engine };
  const zhTexts = corpus.pairs.map((p) => p.zh);
  const enTexts = corpus.pairs.map((p) => p.en);
  const domains = corpus.pairs.map((p) => p.domain);
  const zhChars = sum(prepared.zhChars);
  const enChars = sum(prepared.enChars);
  const warnings: string[] = [...corpus.notes];
  if (zhChars === 0) warnings.push(`the Chinese side has 0 characters in unit "${unit}": per-character metrics are undefined`);

  const results: TokenizerResult[] = [];
  const failures: TokenizerFailure[] = [];
  const createdAt = new Date().toISOString();
  const assemble = (): BenchmarkResult => {
    const ok = results.length ? withRelativeCosts(results) : [];
    return runFinalizers({
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'tokbench', version: TOKBENCH_VERSION },
      createdAt,
      corpus: corpusSummary(corpus),
      protocol,
      environment: { node: process.version, icu: process.versions.icu, platform: `${process.platform}-${process.arch}`, packages: enginePackageVersions() },
      results: ok,
      failures: [...failures],
      warnings: [...warnings],
      signature: makeSignature(corpus, protocol, ok.map((r) => r.tokenizer)),
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
        warn: (m) => { warnings.push(m); warn(m); },
      });
      const zh = await countInBatches(tok, zhTexts, batchSize, options.signal);
      const en = await countInBatches(tok, enTexts, batchSize, options.signal);
      const extra = await runTokenizerPasses({
        tokenizer: tok, corpus, pairCounts: { zh, en }, options,
        warn: (m) => { warnings.push(`${tok!.info.id}: ${m}`); warn(`${tok!.info.id}: ${m}`); },
      });
      const zhStats = languageStats({ tokens: sum(zh), characters: zhChars, bytes: prepared.zhBytes });
      const enStats = languageStats({ tokens: sum(en), characters: enChars, bytes: prepared.enBytes });
      results.push({
        status: 'ok',
        tokenizer: tok.info,
        languages: { zh: zhStats, en: enStats },
        premium: premium(zhStats.tokens, enStats.tokens),
        effectiveContext: effectiveContext(tok.info.contextWindow, zhStats, enStats),
        cost: { vsEnglish: ratio(zhStats.tokens, enStats.tokens), vsBest: 1 },
        domains: domainStats(domains, zh, en),
        pairCounts: { zh, en },
        seconds: (performance.now() - t0) / 1000,
        ...extra,
      });
      options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'done' });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (err instanceof UsageError) throw err;
      const message = err instanceof TokbenchError ? err.message : `${(err as Error).message ?? String(err)}`;
      failures.push({ status: 'failed', tokenizer: { id: spec.raw }, error: message });
      warn(`${spec.raw} failed: ${message}`);
      options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'failed' });
    } finally {
      tok?.dispose();
    }
    options.onResult?.(assemble());
  }
  return assemble();
}
