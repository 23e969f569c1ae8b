/**
 * Fairness across language sides: the Gini coefficient of per-language token counts relative to English
 * (each side's tokens ÷ English tokens on the same content, English itself = 1), as swiss-ai's TokEval reports.
 * 0 = every language costs the same; larger = costs spread more unevenly.
 *
 * It needs at least three sides (e.g. zh-Hans, zh-Hant, en). With two sides the Gini is a fixed function of the
 * premium p, |p − 1| / (2(p + 1)), and adds nothing, so it is not reported.
 */

export const MIN_FAIRNESS_SIDES = 3;

export interface Fairness {
  reference: string;
  /** Each side's tokens ÷ the reference side's tokens (the reference is 1). */
  relative: Record<string, number>;
  gini: number;
}

/**
 * Gini coefficient: mean absolute difference over all ordered pairs ÷ (2 × mean),
 * G = Σ_i Σ_j |x_i − x_j| ÷ (2 n² x̄). Values must be ≥ 0; null for an empty list or an all-zero list.
 */
export function gini(values: readonly number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw new RangeError('gini: values must be finite and ≥ 0');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (mean === 0) return null;
  // Sorted form of the same sum (O(n log n)): Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n + 1) x_(i), i from 0.
  const xs = [...values].sort((a, b) => a - b);
  let s = 0;
  for (let i = 0; i < n; i++) s += (2 * i - n + 1) * xs[i]!;
  return (2 * s) / (2 * n * n * mean);
}

/**
 * Fairness of token counts per language side (side → tokens over the same content), relative to `reference`.
 * null when fewer than three sides are given or the reference has no tokens.
 */
export function languageFairness(tokensBySide: Readonly<Record<string, number>>, reference = 'en'): Fairness | null {
  const sides = Object.keys(tokensBySide);
  if (sides.length < MIN_FAIRNESS_SIDES) return null;
  const ref = tokensBySide[reference];
  if (ref === undefined) throw new RangeError(`fairness: reference side "${reference}" is missing (sides: ${sides.join(', ')})`);
  if (ref === 0) return null;
  const relative: Record<string, number> = {};
  for (const s of sides) relative[s] = tokensBySide[s]! / ref;
  const g = gini(Object.values(relative));
  return g === null ? null : { reference, relative, gini: g };
}
