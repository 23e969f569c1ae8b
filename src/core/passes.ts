import type { Corpus } from '../corpora/types.js';
import type { IdHistogram } from './id-histogram.js';
import { chatPass } from '../tokenizers/chat-template.js';
import type { TokenizerAdapter } from '../tokenizers/types.js';
import type { BenchmarkResult, TokenizerResult } from './types.js';
import type { RunOptions } from './runner.js';
import { bootstrapFinalizer } from '../metrics/bootstrap.js';
import { pricesFinalizer } from './prices.js';
import { claimFinalizer } from '../reporters/publish.js';
import { premiumEstimatorsFinalizer } from '../metrics/premium-estimators.js';
import { wordMetricsPass, wordsFinalizer } from '../metrics/words.js';
import { distributionPass } from '../metrics/distribution.js';
import { nslFinalizer } from '../metrics/nsl.js';
import { metricDefinitionsFinalizer } from '../metrics/definitions.js';
import { sanityFinalizer, sanityPass, type PairSample } from './sanity.js';

/** What a per-tokenizer pass sees: the loaded tokenizer, the corpus, and the counts already computed. */
export interface PassContext {
  tokenizer: TokenizerAdapter;
  corpus: Corpus;
  /** Per-pair token counts (corpus order), as computed under the run's protocol. */
  pairCounts: { zh: number[]; en: number[] };
  /** Token-id frequencies per side, gathered while counting (absent when distribution metrics are off). */
  idHistograms?: { zh: IdHistogram; en: IdHistogram };
  /**
   * Under `--shard`, the whole corpus `corpus` is a slice of: for passes that describe the whole corpus on a
   * bounded sample (sanity), so every shard reports what one whole run would.
   */
  wholeCorpus?: Corpus;
  /** samplePairs of the corpus the sanity checks read (`wholeCorpus` if set), when already drawn. */
  sample?: PairSample;
  /** Ids of some texts of `corpus` by pair index, kept from the counting pass (the sanity sample's). */
  knownIds?: { zh: ReadonlyMap<number, number[]>; en: ReadonlyMap<number, number[]> };
  options: RunOptions;
  warn: (message: string) => void;
}

/**
 * A per-tokenizer pass runs while the tokenizer is loaded and returns extra fields for its TokenizerResult
 * (e.g. sanity checks, distribution metrics). Passes must not change the counts.
 */
export interface TokenizerPass {
  name: string;
  enabled?: (options: RunOptions) => boolean;
  /**
   * false for a pass that reads neither `pairCounts` nor `idHistograms` (e.g. sanity checks on a sample): parallel
   * runs start it early, beside the counting, instead of after it. Default true.
   */
  usesCounts?: boolean;
  run: (ctx: PassContext) => Promise<Partial<TokenizerResult>>;
}

/** A finaliser derives run-level fields from the assembled result (e.g. bootstrap intervals, verdicts, prices). */
export interface ResultFinalizer {
  name: string;
  enabled?: (options: RunOptions) => boolean;
  run: (result: BenchmarkResult, options: RunOptions) => BenchmarkResult;
}

/** Registered passes, in order. Add new ones here (one line each). */
export const TOKENIZER_PASSES: TokenizerPass[] = [
  chatPass,
  wordMetricsPass,
  distributionPass,
  sanityPass,
];

/** Registered finalisers, in order. Add new ones here (one line each). */
export const RESULT_FINALIZERS: ResultFinalizer[] = [
  bootstrapFinalizer, // before prices: price rows scale the intervals
  pricesFinalizer,
  claimFinalizer, // after bootstrap: verdicts quote the intervals
  premiumEstimatorsFinalizer,
  wordsFinalizer,
  nslFinalizer,
  sanityFinalizer,
  metricDefinitionsFinalizer, // last: describes the metrics the finalisers above produced
];

export async function runTokenizerPasses(ctx: PassContext): Promise<Partial<TokenizerResult>> {
  return mergePassOutputs(await runPassList(ctx, () => true)).extra;
}

/** One pass's fields and the warnings it raised (already prefixed by the caller's `warn`). */
export interface PassOutput {
  pass: string;
  extra: Partial<TokenizerResult>;
  warnings: string[];
}

/** The enabled passes that `select` picks, in registry order. */
export function selectPasses(options: RunOptions, select: (pass: TokenizerPass) => boolean): TokenizerPass[] {
  return TOKENIZER_PASSES.filter((pass) => (!pass.enabled || pass.enabled(options)) && select(pass));
}

/** What a parallel run's two pass tasks select: the passes that read no counts (beside the counting), the others (after). */
export function passesOf(kind: 'checks' | 'finish'): (pass: TokenizerPass) => boolean {
  return (p) => (p.usesCounts === false) === (kind === 'checks');
}

/** Run the enabled passes that `select` picks, in registry order, each with its own warnings. */
export async function runPassList(ctx: PassContext, select: (pass: TokenizerPass) => boolean): Promise<PassOutput[]> {
  const out: PassOutput[] = [];
  for (const pass of selectPasses(ctx.options, select)) {
    const warnings: string[] = [];
    const extra = await pass.run({ ...ctx, warn: (m) => { warnings.push(m); ctx.warn(m); } });
    out.push({ pass: pass.name, extra, warnings });
  }
  return out;
}

/** Pass outputs computed in any order and place → fields and warnings in registry order (as one sequential run gives). */
export function mergePassOutputs(outputs: readonly PassOutput[]): { extra: Partial<TokenizerResult>; warnings: string[] } {
  const rank = (name: string) => TOKENIZER_PASSES.findIndex((p) => p.name === name);
  const sorted = [...outputs].sort((a, b) => rank(a.pass) - rank(b.pass));
  let extra: Partial<TokenizerResult> = {};
  const warnings: string[] = [];
  for (const o of sorted) {
    extra = { ...extra, ...o.extra };
    warnings.push(...o.warnings);
  }
  return { extra, warnings };
}

export function runFinalizers(result: BenchmarkResult, options: RunOptions): BenchmarkResult {
  let r = result;
  for (const f of RESULT_FINALIZERS) {
    if (f.enabled && !f.enabled(options)) continue;
    r = f.run(r, options);
  }
  return r;
}
