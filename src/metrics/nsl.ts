/**
 * Normalized sequence length (NSL, Tamang & Bora 2024): a tokenizer's token count ÷ a baseline tokenizer's
 * token count on the same texts, per language side, as a ratio of corpus totals. Below 1 = shorter sequences
 * than the baseline. The baseline is `--baseline-tokenizer`, else the first tokenizer that succeeded in the run.
 */
import type { ResultFinalizer } from '../core/passes.js';
import type { RunOptions } from '../core/runner.js';
import type { BenchmarkResult, TokenizerResult } from '../core/types.js';
import { UsageError, didYouMean } from '../core/errors.js';
import { findPreset } from '../tokenizers/presets.js';

export interface NslResult {
  /** Id of the baseline tokenizer (its own NSL is 1 on both sides). */
  baseline: string;
  zh: number | null;
  en: number | null;
}

/** tokens ÷ baseline tokens; null when the baseline produced no tokens (the ratio is undefined). */
export function nsl(tokens: number, baselineTokens: number): number | null {
  return baselineTokens === 0 ? null : tokens / baselineTokens;
}

/** The result the name designates: exact id first, then the preset the name resolves to (aliases, case). */
export function findBaseline(results: readonly TokenizerResult[], name: string | undefined): TokenizerResult | undefined {
  if (name === undefined) return results[0];
  const exact = results.find((r) => r.tokenizer.id === name);
  if (exact) return exact;
  const preset = findPreset(name);
  return preset ? results.find((r) => r.tokenizer.id === preset.id) : undefined;
}

export function withNsl(results: readonly TokenizerResult[], baselineName: string | undefined): { results: TokenizerResult[]; warning?: string } {
  const base = findBaseline(results, baselineName);
  if (!base) {
    // Before the baseline has run (incremental saves) this is expected; the final result gets the warning.
    return {
      results: [...results],
      ...(results.length ? { warning: `baseline tokenizer "${baselineName}" is not among the tokenizers that succeeded (${results.map((r) => r.tokenizer.id).join(', ')}): NSL was not computed` } : {}),
    };
  }
  const bz = base.languages.zh.tokens;
  const be = base.languages.en.tokens;
  return {
    results: results.map((r) => ({
      ...r,
      nsl: { baseline: base.tokenizer.id, zh: nsl(r.languages.zh.tokens, bz), en: nsl(r.languages.en.tokens, be) },
    })),
  };
}

export const nslFinalizer: ResultFinalizer = {
  name: 'nsl',
  run(result: BenchmarkResult, options: RunOptions): BenchmarkResult {
    const { results, warning } = withNsl(result.results, options.baselineTokenizer);
    return { ...result, results, warnings: warning ? [...result.warnings, warning] : result.warnings };
  },
};

/**
 * Fail before any work when `--baseline-tokenizer` names none of the run's tokenizers (a typo would otherwise
 * cost a whole run and end with no NSL). Specs are matched by what the user typed or by preset id/alias.
 */
export function checkBaselineInRun(name: string | undefined, specs: readonly { raw: string; preset?: { id: string } }[]): void {
  if (name === undefined) return;
  const presetId = findPreset(name)?.id;
  if (specs.some((s) => s.raw === name || (s.preset !== undefined && (s.preset.id === name || s.preset.id === presetId)))) return;
  const names = specs.map((s) => s.preset?.id ?? s.raw);
  const hint = didYouMean(name, names);
  throw new UsageError(`--baseline-tokenizer "${name}" is not one of this run's tokenizers${hint ? `; did you mean "${hint}"?` : ''}`, `use one of ${names.join(', ')}, or add it to --tokenizers`);
}
