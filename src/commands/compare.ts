import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { applyToleranceSpecs, compareResults, DEFAULT_TOLERANCES, parseGate, toleranceFlagSpecs, type Comparison, type Gate, type Tolerances } from '../core/compare.js';
import { loadConfig, type TokbenchConfig } from '../core/config.js';
import { ExitCode } from '../core/errors.js';
import { readResultsFile } from '../core/schema.js';
import { COMPARISON_FORMATS, parseComparisonFormat, renderComparisonJson, renderComparisonMarkdown, renderComparisonTable, type ComparisonFormat, type ComparisonRenderOptions } from '../reporters/comparison.js';
import { appendStepSummary, renderGithubAnnotations } from '../reporters/github.js';
import type { CliContext } from '../cli-context.js';

export interface ComparisonOutputFlags {
  format?: string;
  output?: string;
  tolerance: string[];
  strict?: boolean;
  metrics?: string;
  config?: string;
  quiet?: boolean;
}

/** Config tolerances first, then flags: the command line has the last word. */
export function resolveTolerances(config: TokbenchConfig, source: string | undefined, flags: readonly string[]): Tolerances {
  const fromConfig = Object.entries(config.check?.tolerance ?? {}).map(([k, v]) => [k, v] as const);
  const t = applyToleranceSpecs(DEFAULT_TOLERANCES, fromConfig, source ?? 'config');
  return applyToleranceSpecs(t, toleranceFlagSpecs(flags), '--tolerance');
}

export function resolveGate(config: TokbenchConfig, source: string | undefined, flag: string | undefined): Gate {
  if (flag !== undefined) return parseGate(flag, '--metrics');
  return config.check?.metrics !== undefined ? parseGate(config.check.metrics, `${source ?? 'config'} (check.metrics)`) : 'core';
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface EmitOptions extends ComparisonRenderOptions {
  title: string;
  /** File the GitHub annotations point at. */
  annotationFile?: string;
  /** Extra top-level fields for the JSON form. */
  extra?: Record<string, unknown>;
}

export function renderComparison(c: Comparison, format: ComparisonFormat, o: EmitOptions): string {
  switch (format) {
    case 'json': return renderComparisonJson(c, o.extra);
    case 'markdown': return renderComparisonMarkdown(c, o.title, o);
    case 'github': return renderGithubAnnotations(c, o.annotationFile);
    default: return renderComparisonTable(c, o);
  }
}

/** Output shared by check and compare: the report, the job summary on GitHub Actions, a one-line verdict. */
export function emitComparison(c: Comparison, flags: ComparisonOutputFlags, ctx: CliContext, o: EmitOptions): void {
  const format = flags.format ? parseComparisonFormat(flags.format) : flags.output?.toLowerCase().endsWith('.json') ? 'json' : flags.output?.toLowerCase().endsWith('.md') ? 'markdown' : 'table';
  const text = renderComparison(c, format, o);
  if (flags.output) {
    writeFileAtomic(flags.output, text);
    if (!flags.quiet) ctx.stderr(`wrote ${format} comparison to ${flags.output}`);
  } else {
    ctx.stdout(text);
  }
  if (appendStepSummary(renderComparisonMarkdown(c, o.title, o)) && !flags.quiet) ctx.stderr('appended the summary to $GITHUB_STEP_SUMMARY');
}

export async function compareCommand(oldPath: string, newPath: string, flags: ComparisonOutputFlags & { failOnRegression?: boolean }, ctx: CliContext): Promise<number> {
  const { config, source } = loadConfig(process.cwd(), flags.config);
  const tolerances = resolveTolerances(config, source, flags.tolerance);
  const oldR = readResultsFile(oldPath, 'old results');
  const newR = readResultsFile(newPath, 'new results');
  const gate = resolveGate(config, source, flags.metrics);
  const c = compareResults(oldR, newR, { tolerances, gate, strict: flags.strict ?? config.check?.strict ?? false, oldLabel: oldPath, newLabel: newPath });
  emitComparison(c, flags, ctx, { title: 'tokbench compare', annotationFile: newPath });
  return flags.failOnRegression && !c.passed ? ExitCode.regression : ExitCode.ok;
}

export function registerCompare(program: Command, ctx: CliContext): void {
  program
    .command('compare')
    .description('compare two results files (tokbench run --format json) per tokenizer and metric')
    .argument('<old>', 'the earlier results JSON')
    .argument('<new>', 'the later results JSON')
    .option('-f, --format <format>', `${COMPARISON_FORMATS.join(' | ')} (default: table, or from --output's extension)`)
    .option('-o, --output <file>', 'write the comparison to this file (atomically) instead of stdout')
    .option('--tolerance <spec>', 'how far a metric may worsen: 1% (all), premium=0.5%, zh.tokensPerChar=0.002 (absolute); repeatable', collect, [])
    .option('--strict', 'count any change beyond tolerance, better or worse, as failing')
    .option('--metrics <list>', 'metrics that can fail: core (default: the README efficiency metrics) | all | comma-separated keys')
    .option('--fail-on-regression', 'exit 1 when a metric fails (as `tokbench check` does)')
    .option('--config <file>', `settings file (default: ./tokbench.config.json or package.json "tokbench")`)
    .option('-q, --quiet', 'no notes on stderr')
    .action(async (oldPath: string, newPath: string, flags: ComparisonOutputFlags & { failOnRegression?: boolean }) => {
      ctx.exitCode = await compareCommand(oldPath, newPath, flags, ctx);
    });
}
