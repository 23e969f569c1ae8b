import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { compareResults, type Comparison } from '../core/compare.js';
import { loadConfig } from '../core/config.js';
import { DataError, ExitCode, UsageError } from '../core/errors.js';
import { runBenchmark, type RunOptions } from '../core/runner.js';
import { readResultsFile } from '../core/schema.js';
import type { BenchmarkResult } from '../core/types.js';
import { loadCorpus } from '../corpora/loaders.js';
import type { Corpus } from '../corpora/types.js';
import { renderJson } from '../reporters/json.js';
import { COMPARISON_FORMATS, failureLines, summaryLine } from '../reporters/comparison.js';
import { findPreset } from '../tokenizers/presets.js';
import { collect, emitComparison, resolveGate, resolveTolerances, type ComparisonOutputFlags } from './compare.js';
import { splitList } from './run.js';
import type { CliContext } from '../cli-context.js';
import { runProgress } from './progress.js';

export interface CheckFlags extends ComparisonOutputFlags {
  baseline?: string;
  tokenizers?: string;
  corpus?: string;
  engine?: string;
  save?: string;
  all?: boolean;
}

/**
 * Results record absolute paths, but a baseline made on a laptop is checked in a CI checkout elsewhere: when
 * the recorded path is gone, try its trailing parts under the working directory (longest first), so
 * `/home/me/proj/data/c.tsv` is found as `data/c.tsv` in the checkout of `proj`.
 */
export function relocate(path: string, cwd: string, note: (m: string) => void = () => {}): string {
  if (existsSync(path)) return path;
  const parts = path.split(/[\\/]+/).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const candidate = join(cwd, ...parts.slice(i));
    if (existsSync(candidate)) {
      note(`${path} (recorded in the baseline) is not here; using ${candidate}`);
      return candidate;
    }
  }
  return path;
}

/** A tokenizer spec that loads the same tokenizer the baseline measured, with the id it was recorded under. */
export interface RerunSpec {
  spec: string;
  baselineId: string;
}

/**
 * Presets (built-in, npm or downloaded) re-run by id, so a dependency bump is what gets tested; tokenizers
 * loaded from a local file re-run from the recorded path (a preset id keeps its settings via `<id>=<path>`).
 */
export function rerunSpecs(baseline: BenchmarkResult, cwd = process.cwd(), note?: (m: string) => void): RerunSpec[] {
  return baseline.results.map((r) => {
    const id = r.tokenizer.id;
    const recorded = r.tokenizer.source.path;
    if (r.tokenizer.source.kind !== 'file' || !recorded) return { spec: id, baselineId: id };
    const path = relocate(recorded, cwd, note);
    return { spec: findPreset(id) ? `${id}=${path}` : path, baselineId: id };
  });
}

/** The `--corpus` spec that reloads the baseline's corpus: 'bundled', one file, or zh,en files. */
export function baselineCorpusSpec(baseline: BenchmarkResult, cwd = process.cwd(), note?: (m: string) => void): string {
  const c = baseline.corpus;
  if (c.id === 'bundled') return 'bundled';
  const paths = c.files.map((f) => relocate(f.path, cwd, note));
  for (const p of paths) {
    if (!existsSync(p)) throw new DataError(`the corpus file the baseline was measured on is missing: ${p}`, 'restore it, or pass --corpus to check against another copy with the same sha256');
  }
  return paths.join(',');
}

/**
 * `--context` is not part of the protocol record, but it shows in every result: if all windows equal one value
 * that differs from the tokenizers' own, the baseline was run with that override, and so is the check.
 */
export function baselineContextOverride(baseline: BenchmarkResult): number | undefined {
  const windows = baseline.results.map((r) => r.tokenizer.contextWindow);
  const first = windows[0];
  if (first === undefined || first === null || windows.some((w) => w !== first)) return undefined;
  const differs = baseline.results.some((r) => (findPreset(r.tokenizer.id)?.contextWindow ?? null) !== first);
  return differs ? first : undefined;
}

export interface CheckOutcome {
  comparison: Comparison;
  current: BenchmarkResult;
  baselinePath: string;
}

export async function runCheck(flags: CheckFlags, ctx: CliContext): Promise<CheckOutcome> {
  const { config, source } = loadConfig(process.cwd(), flags.config);
  const baselineFlag = flags.baseline ?? config.check?.baseline;
  if (!baselineFlag) throw new UsageError('no baseline given', 'pass --baseline results/baseline.json, or set "check": { "baseline": … } in tokbench.config.json');
  // Parse tolerances before the (slow) run: a typo in a metric name should fail at once.
  const tolerances = resolveTolerances(config, source, flags.tolerance);
  const gate = resolveGate(config, source, flags.metrics);
  if (flags.engine !== undefined && flags.engine !== 'native' && flags.engine !== 'js') throw new UsageError(`unknown --engine "${flags.engine}"`, 'use native or js');
  const baselinePath = resolve(baselineFlag);
  const baseline = readResultsFile(baselinePath, 'baseline');

  const note = flags.quiet ? () => {} : (m: string) => ctx.stderr(`note: ${m}`);
  const corpus: Corpus = loadCorpus(flags.corpus ?? baselineCorpusSpec(baseline, process.cwd(), note));
  if (corpus.sha256 !== baseline.corpus.sha256) {
    throw new DataError(
      `corpus sha256 differs from the baseline's: ${corpus.files.map((f) => f.path).join(', ')} is ${corpus.sha256.slice(0, 12)}…, the baseline (${baselinePath}) was measured on ${baseline.corpus.sha256.slice(0, 12)}…, so a comparison would be meaningless`,
      'restore the corpus the baseline used, or regenerate the baseline on this corpus with `tokbench run --format json --output <baseline>`',
    );
  }

  const specs = rerunSpecs(baseline, process.cwd(), note);
  const chosen = splitList(flags.tokenizers);
  const byNewId = new Map<string, string>();
  for (const s of specs) byNewId.set(s.spec, s.baselineId);
  if (!chosen && specs.length === 0) throw new DataError(`the baseline ${baselinePath} has no tokenizer results to check`, 'regenerate it with `tokbench run --format json --output <baseline>`');
  for (const f of baseline.failures) ctx.stderr(`note: ${f.tokenizer.id} failed in the baseline run, so it is not checked`);

  const contextWindow = baselineContextOverride(baseline);
  const p = baseline.protocol;
  const options: RunOptions = {
    corpus,
    tokenizers: chosen ?? specs.map((s) => s.spec),
    engine: (flags.engine as 'native' | 'js' | undefined) ?? p.hfEngine,
    specialTokens: p.specialTokens,
    charUnit: p.charUnit,
    ...(contextWindow !== undefined ? { contextWindow } : {}),
    signal: ctx.signal,
    warn: flags.quiet ? () => {} : (m) => ctx.stderr(`warning: ${m}`),
    ...runProgress(ctx, flags.quiet),
  };
  const current = await runBenchmark(options);
  if (flags.save) {
    writeFileAtomic(flags.save, renderJson(current));
    if (!flags.quiet) ctx.stderr(`wrote the new results to ${flags.save}`);
  }
  if (current.failures.length) {
    throw new DataError(
      `${current.failures.map((f) => `${f.tokenizer.id} (${f.error})`).join('; ')} could not be run, so the check is incomplete`,
      'fix or install the tokenizer, or leave it out with --tokenizers',
    );
  }
  const comparison = compareResults(baseline, current, {
    tolerances,
    gate,
    strict: flags.strict ?? config.check?.strict ?? false,
    oldLabel: `baseline ${baselineFlag}`,
    newLabel: 'this run',
    matchId: (id) => byNewId.get(id) ?? id,
  });
  // Only what was re-run is judged: a baseline tokenizer left out with --tokenizers is not a failure.
  if (chosen) comparison.tokenizers = comparison.tokenizers.filter((t) => t.presence !== 'removed');
  return { comparison, current, baselinePath };
}

export async function checkCommand(flags: CheckFlags, ctx: CliContext): Promise<number> {
  const { comparison, baselinePath } = await runCheck(flags, ctx);
  emitComparison(comparison, flags, ctx, { title: 'tokbench check', annotationFile: relative(process.cwd(), baselinePath), extra: { baseline: baselinePath }, onlyChanged: !flags.all });
  const removed = comparison.tokenizers.filter((t) => t.presence === 'removed');
  if (!flags.quiet) {
    for (const line of failureLines(comparison)) ctx.stderr(`regression: ${line}`);
    for (const t of removed) ctx.stderr(`note: ${t.id} is in the baseline but was not re-run`);
    ctx.stderr(`tokbench check: ${summaryLine(comparison)}`);
  }
  return comparison.passed ? ExitCode.ok : ExitCode.regression;
}

export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description('re-run the tokenizers and corpus a baseline names and fail (exit 1) if a metric regressed beyond tolerance')
    .option('-b, --baseline <file>', 'results JSON to check against (default: "check.baseline" in tokbench.config.json)')
    .option('--tolerance <spec>', 'how far a metric may worsen: 1% (all), premium=0.5%, zh.tokensPerChar=0.002 (absolute); repeatable; default exact', collect, [])
    .option('--strict', 'also fail when a metric improves beyond tolerance (any count change fails)')
    .option('--metrics <list>', 'metrics that can fail: core (default: the README efficiency metrics) | all | comma-separated keys; others are shown only')
    .option('-t, --tokenizers <list>', "tokenizers to run instead of the baseline's, e.g. qwen3=./new/tokenizer.json")
    .option('-c, --corpus <spec>', "corpus instead of the baseline's recorded one (its sha256 must still match)")
    .option('--engine <engine>', "engine for tokenizer.json files: native | js (default: the baseline's)")
    .option('-f, --format <format>', `${COMPARISON_FORMATS.join(' | ')} (default: table, or from --output's extension)`)
    .option('-o, --output <file>', 'write the comparison to this file (atomically) instead of stdout')
    .option('--all', 'list unchanged metrics too (table and Markdown)')
    .option('--save <file>', "also write this run's full results JSON (e.g. to update the baseline after review)")
    .option('--config <file>', 'settings file (default: ./tokbench.config.json or package.json "tokbench")')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .action(async (flags: CheckFlags) => {
      ctx.exitCode = await checkCommand(flags, ctx);
    });
}
