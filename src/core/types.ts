import type { CharUnit } from './text-units.js';
import type { EffectiveContext, LanguageStats, MetricDef } from '../metrics/metrics.js';
import type { PremiumEstimators } from '../metrics/premium-estimators.js';
import type { WordMetrics } from '../metrics/words.js';
import type { NslResult } from '../metrics/nsl.js';
import type { DistributionMetrics } from '../metrics/distribution.js';
import type { TokenizerInfo } from '../tokenizers/types.js';
import type { CorpusSanity, SanityWarning, TokenizerSanity } from './sanity.js';
import type { ShardRecord } from './shard.js';

export const SCHEMA_VERSION = 1;

/**
 * per-line: each side of each pair encoded alone, counts summed (default).
 * joined: all lines of a side joined by `Protocol.join` into one text, encoded once.
 * petrov2023: the FLORES-200 protocol of Petrov et al. 2023 (see src/core/segmentation.ts).
 */
export type Segmentation = 'per-line' | 'joined' | 'petrov2023';
/** Which Chinese script a corpus side is written in (BCP 47 script subtags). */
export type ZhLang = 'zh-Hans' | 'zh-Hant';

/** How the numbers were produced; part of every result and of its signature. */
export interface Protocol {
  segmentation: Segmentation;
  /** Were the post-processor's special tokens (BOS/EOS) counted? Default false. */
  specialTokens: boolean;
  /** Normalisation tokbench applies to the corpus text before encoding (tokenizers may normalise further). */
  normalization: 'none';
  charUnit: CharUnit;
  /** HF tokenizer.json engine: native Rust binding (reference) or pure JS. */
  hfEngine: 'native' | 'js';
  /** Separator between lines under `joined` (' ' under petrov2023). Absent for per-line. */
  join?: string;
  /**
   * Script of the Chinese side, when the corpus declares it. Joined protocols yield one count per side, so
   * results carry empty `pairCounts` and `domains` under them: tokens cannot be attributed to pairs.
   */
  lang?: ZhLang;
}

export interface CorpusSummary {
  id: string;
  format: string;
  sha256: string;
  files: { path: string; sha256: string; bytes: number }[];
  pairs: number;
  domains: Record<string, number>;
  license?: string;
  description?: string;
  notes: string[];
  /** Per-pair characters (in protocol.charUnit) and English words, corpus order: what bootstrap and per-word costs need. */
  pairUnits?: PairUnits;
  /** Script of the Chinese side, when the corpus declares it (FLORES, NTREX, bundled). */
  lang?: ZhLang;
  /** Consecutive splits in corpus order (FLORES dev, devtest). */
  splits?: { name: string; pairs: number }[];
}

export interface DomainStats {
  pairs: number;
  zhTokens: number;
  enTokens: number;
  premium: number;
}

export interface TokenizerResult {
  /** `--chat`: chat-template overhead and the effective context after it. */
  chat?: import('../tokenizers/chat-template.js').ChatOverhead;
  status: 'ok';
  tokenizer: TokenizerInfo;
  languages: { zh: LanguageStats; en: LanguageStats };
  /** Chinese tokens ÷ English tokens over the corpus (ratio of totals). */
  premium: number;
  effectiveContext: EffectiveContext;
  cost: { vsEnglish: number; vsBest: number };
  domains: Record<string, DomainStats>;
  /** Per-pair token counts in corpus order: the sufficient statistics for bootstrap, domains and merges. */
  pairCounts: { zh: number[]; en: number[] };
  seconds: number;
  /** 95% paired-bootstrap intervals (see BenchmarkResult.bootstrap); absent when bootstrap is off or skipped. */
  intervals?: ResultIntervals;
  /** Both premium estimators side by side (docs/metrics.md). */
  premiumEstimators?: PremiumEstimators;
  /** (zh tokens/char) ÷ (en tokens/char): a per-character ratio, not a premium; null when a side has 0 characters. */
  tokensPerCharRatio?: number | null;
  /** Fertility, continued words, single-token words (each word encoded alone). */
  words?: WordMetrics;
  /** Normalized sequence length against the run's baseline tokenizer. */
  nsl?: NslResult;
  /** Rényi efficiency and vocabulary utilisation of the token-id distribution. */
  distribution?: DistributionMetrics;
  /** Round trip, unknown tokens, byte fallback, special tokens on a sample of the corpus (src/core/sanity.ts). */
  sanity?: TokenizerSanity;
}

export interface TokenizerFailure {
  status: 'failed';
  tokenizer: { id: string };
  error: string;
  /** What to do about it, when known. */
  hint?: string;
}

export interface Signature {
  tool: string;
  corpus: string;
  segmentation: string;
  special: string;
  unit: string;
  engine: string;
  tokenizers: string[];
  version: string;
  /** Only present for zh-Hant, so signatures of Simplified runs are unchanged. */
  lang?: string;
}

export interface BenchmarkResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'tokbench'; version: string };
  createdAt: string;
  corpus: CorpusSummary;
  protocol: Protocol;
  environment: { node: string; icu: string | undefined; platform: string; packages: Record<string, string> };
  results: TokenizerResult[];
  failures: TokenizerFailure[];
  warnings: string[];
  signature: { text: string; fields: Signature };
  /** How the intervals were computed, or why they were skipped. */
  bootstrap?: BootstrapSummary;
  /** Dated API prices and the cost of Chinese content under them. */
  prices?: PriceReport;
  /** What the numbers say about "Western tokenizers double or triple the cost of Chinese". */
  claim?: ClaimVerdict;
  /** Definition (label, direction, description, source) of every metric reported in `results`, by key. */
  metrics?: Record<string, MetricDef>;
  /** Corpus-level sanity checks (Han share, length ratios, alignment). */
  corpusSanity?: CorpusSanity;
  /** Every sanity warning, structured: corpus first, then per tokenizer (their messages are also in `warnings`). */
  sanityWarnings?: SanityWarning[];
  /** Present only in a `--shard K/N` part: which slice it covers and what `tokbench merge` needs to finish it. */
  shard?: ShardRecord;
}

export interface PairUnits {
  zhChars: number[];
  enChars: number[];
  /** Whitespace-delimited English words per pair. */
  enWords: number[];
}

export interface BootstrapInterval { low: number; high: number }

export interface ClaimVerdict {
  statement: string;
  range: [number, number];
  verdicts: {
    tokenizer: string;
    premium: number;
    interval?: BootstrapInterval;
    side: 'below' | 'within' | 'above';
    /** False when the 95% interval reaches across a boundary of the range. */
    settled: boolean;
    sentence: string;
  }[];
}

export interface ResultIntervals {
  premium: BootstrapInterval;
  /** Same as premium (cost vs English is defined as the premium); kept so each reported metric has its interval. */
  costVsEnglish: BootstrapInterval;
  zhTokensPerChar: BootstrapInterval;
  englishEquivalentShare: BootstrapInterval;
  zhTokensPerEnWord: BootstrapInterval;
  enTokensPerEnWord: BootstrapInterval;
}

export interface BootstrapSummary {
  status: 'ok' | 'skipped';
  reason?: string;
  method: 'paired-bootstrap-percentile';
  resamples: number;
  seed: number;
  level: number;
  unit: 'sentence pair';
  prng: 'mulberry32';
}

export interface PriceEntry {
  model: string;
  vendor: string;
  /** tokbench tokenizer id whose counts this model's billing uses. */
  tokenizer: string;
  currency: string;
  inputPer1M: number;
  outputPer1M: number;
  /** Date (YYYY-MM-DD) the price is stated for; a price is never shown without it. */
  asOf: string;
  source: string;
  note?: string;
}

export interface PriceRow extends PriceEntry {
  /** Cost of encoding 1M Chinese characters as input / output. */
  perMillionZhChars: { input: number; output: number };
  /** Cost of the Chinese text equivalent to 1M English words, and of those English words themselves (input). */
  perMillionEnWords: { zhInput: number; enInput: number; zhOutput: number; enOutput: number };
  /** 95% interval of perMillionEnWords.zhInput and perMillionZhChars.input, when bootstrap ran. */
  intervals?: { zhCharsInput: BootstrapInterval; enWordsZhInput: BootstrapInterval };
}

export interface PriceReport {
  table: { name: string; sha256: string; asOf: string };
  rows: PriceRow[];
}
