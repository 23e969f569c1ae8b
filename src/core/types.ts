import type { CharUnit } from './text-units.js';
import type { EffectiveContext, LanguageStats } from '../metrics/metrics.js';
import type { TokenizerInfo } from '../tokenizers/types.js';

export const SCHEMA_VERSION = 1;

export type Segmentation = 'per-line';

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
}

export interface DomainStats {
  pairs: number;
  zhTokens: number;
  enTokens: number;
  premium: number;
}

export interface TokenizerResult {
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
}

export interface TokenizerFailure {
  status: 'failed';
  tokenizer: { id: string };
  error: string;
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
}
