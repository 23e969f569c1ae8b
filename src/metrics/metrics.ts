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
