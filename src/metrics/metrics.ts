/**
 * Metrics are pure functions of counts (sufficient statistics), never of text, so that results can be
 * merged, re-derived and checked. Each metric declares its direction for regression checks.
 */

export interface SideCounts {
  tokens: number;
  characters: number;
  bytes: number;
}

export interface LanguageStats extends SideCounts {
  tokensPerChar: number;
  charsPerToken: number;
  bytesPerToken: number;
}

export type Direction = 'lower' | 'higher';

export interface MetricDef {
  key: string;
  label: string;
  direction: Direction;
  description: string;
  /** Where the metric comes from (paper or tool); see docs/metrics.md. */
  source?: string;
}

/** Registry of reported metrics: `direction` says which way is better (used by check/compare and reports). */
export const METRICS: readonly MetricDef[] = [
  { key: 'zh.tokensPerChar', label: 'zh tok/char', direction: 'lower', description: 'Chinese tokens per Chinese character' },
  { key: 'zh.charsPerToken', label: 'zh char/tok', direction: 'higher', description: 'Chinese characters per Chinese token' },
  { key: 'zh.bytesPerToken', label: 'zh byte/tok', direction: 'higher', description: 'Chinese UTF-8 bytes per Chinese token' },
  { key: 'en.tokensPerChar', label: 'en tok/char', direction: 'lower', description: 'English tokens per English character' },
  { key: 'en.charsPerToken', label: 'en char/tok', direction: 'higher', description: 'English characters per English token' },
  { key: 'en.bytesPerToken', label: 'en byte/tok', direction: 'higher', description: 'English UTF-8 bytes per English token' },
  { key: 'premium', label: 'premium', direction: 'lower', description: 'Chinese tokens ÷ English tokens for the same content' },
  { key: 'effectiveContext.zhCharacters', label: 'zh chars in window', direction: 'higher', description: 'Chinese characters that fit the context window' },
  { key: 'effectiveContext.englishEquivalentShare', label: 'window share vs en', direction: 'higher', description: 'English tokens ÷ Chinese tokens: the share of content that fits in Chinese relative to English' },
  { key: 'cost.vsBest', label: 'cost vs best', direction: 'lower', description: 'Chinese tokens ÷ the fewest Chinese tokens of any tokenizer in the run' },
  // Metrics from the literature (docs/metrics.md); keys are paths in TokenizerResult.
  { key: 'premiumEstimators.ratioOfTotals', label: 'premium (ratio of totals)', direction: 'lower', description: 'Σ Chinese tokens ÷ Σ English tokens over the same pairs (= premium)', source: 'Petrov et al. 2023' },
  { key: 'premiumEstimators.meanOfPairRatios', label: 'premium (mean of pair ratios)', direction: 'lower', description: 'mean over pairs of Chinese tokens ÷ English tokens; every pair weighs the same', source: 'per-sentence averaging, as in several tokenizer comparison tools' },
  { key: 'tokensPerCharRatio', label: 'tok/char ratio zh/en', direction: 'lower', description: 'Chinese tokens per character ÷ English tokens per character: a per-character ratio, not a premium', source: 'tokbench (named to keep it apart from the premium)' },
  { key: 'words.zh.fertility', label: 'zh fertility', direction: 'lower', description: 'Chinese tokens per word, each word (Intl.Segmenter, zh) encoded alone', source: 'Rust et al. 2021' },
  { key: 'words.en.fertility', label: 'en fertility', direction: 'lower', description: 'English tokens per word, each word (Intl.Segmenter, en) encoded alone', source: 'Rust et al. 2021' },
  { key: 'words.zh.continuedWordRate', label: 'zh continued words', direction: 'lower', description: 'share of Chinese words split into ≥ 2 tokens when encoded alone', source: 'Rust et al. 2021' },
  { key: 'words.en.continuedWordRate', label: 'en continued words', direction: 'lower', description: 'share of English words split into ≥ 2 tokens when encoded alone', source: 'Rust et al. 2021' },
  { key: 'words.zh.singleTokenRate', label: 'zh single-token words', direction: 'higher', description: 'share of Chinese words kept as exactly one token when encoded alone', source: 'complement of continued words (Rust et al. 2021)' },
  { key: 'words.en.singleTokenRate', label: 'en single-token words', direction: 'higher', description: 'share of English words kept as exactly one token when encoded alone', source: 'complement of continued words (Rust et al. 2021)' },
  { key: 'words.zh.tokensPerWordInContext', label: 'zh tok/word in context', direction: 'lower', description: 'Chinese corpus tokens ÷ Chinese words (running text, punctuation included)', source: 'tokbench' },
  { key: 'words.en.tokensPerWordInContext', label: 'en tok/word in context', direction: 'lower', description: 'English corpus tokens ÷ English words (running text, punctuation included)', source: 'tokbench' },
  { key: 'nsl.zh', label: 'zh NSL', direction: 'lower', description: 'Chinese tokens ÷ the baseline tokenizer\'s Chinese tokens on the same text (baseline = 1)', source: 'Tamang & Bora 2024' },
  { key: 'nsl.en', label: 'en NSL', direction: 'lower', description: 'English tokens ÷ the baseline tokenizer\'s English tokens on the same text (baseline = 1)', source: 'Tamang & Bora 2024' },
  { key: 'distribution.zh.renyiEfficiency', label: 'zh Rényi eff.', direction: 'higher', description: 'Rényi entropy (order α) of the Chinese token-id distribution ÷ log2(vocabulary size)', source: 'Zouhar et al. 2023' },
  { key: 'distribution.en.renyiEfficiency', label: 'en Rényi eff.', direction: 'higher', description: 'Rényi entropy (order α) of the English token-id distribution ÷ log2(vocabulary size)', source: 'Zouhar et al. 2023' },
  { key: 'distribution.zh.vocabUtilisation', label: 'zh vocab use', direction: 'higher', description: 'distinct token ids seen on the Chinese side ÷ vocabulary size', source: 'vocabulary utilisation, as in multilingual tokenizer studies' },
  { key: 'distribution.en.vocabUtilisation', label: 'en vocab use', direction: 'higher', description: 'distinct token ids seen on the English side ÷ vocabulary size', source: 'vocabulary utilisation, as in multilingual tokenizer studies' },
];

/** Division that reports "undefined" as NaN-free null-equivalent 0 only when both are 0; callers check inputs. */
export function ratio(num: number, den: number): number {
  if (den === 0) return num === 0 ? 0 : Number.POSITIVE_INFINITY;
  return num / den;
}

export function languageStats(c: SideCounts): LanguageStats {
  return {
    ...c,
    tokensPerChar: ratio(c.tokens, c.characters),
    charsPerToken: ratio(c.characters, c.tokens),
    bytesPerToken: ratio(c.bytes, c.tokens),
  };
}

/** Premium (ratio of totals, as Petrov et al. 2023): Chinese tokens ÷ English tokens over the same pairs. */
export function premium(zhTokens: number, enTokens: number): number {
  return ratio(zhTokens, enTokens);
}

export interface EffectiveContext {
  window: number | null;
  /** Chinese characters that fit the window: window × Chinese characters per token. */
  zhCharacters: number | null;
  /** English characters that fit the window, for comparison. */
  enCharacters: number | null;
  /** English tokens ÷ Chinese tokens: how much of the content that fits in English also fits in Chinese. */
  englishEquivalentShare: number;
}

export function effectiveContext(window: number | null, zh: LanguageStats, en: LanguageStats): EffectiveContext {
  return {
    window,
    zhCharacters: window === null ? null : Math.floor(window * zh.charsPerToken),
    enCharacters: window === null ? null : Math.floor(window * en.charsPerToken),
    englishEquivalentShare: ratio(en.tokens, zh.tokens),
  };
}

/** Cost multipliers: vs English on the same tokenizer (= premium), and vs the run's most efficient tokenizer on Chinese. */
export function costMultipliers(zhTokens: number, enTokens: number, bestZhTokens: number): { vsEnglish: number; vsBest: number } {
  return { vsEnglish: premium(zhTokens, enTokens), vsBest: ratio(zhTokens, bestZhTokens) };
}

export function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

/** Read a dotted metric key ("zh.tokensPerChar") from a result object. */
export function metricValue(result: object, key: string): number | null {
  let cur: unknown = result;
  const path = key.startsWith('zh.') || key.startsWith('en.') ? ['languages', ...key.split('.')] : key.split('.');
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[k];
  }
  return typeof cur === 'number' ? cur : null;
}
