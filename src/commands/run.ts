import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { runBenchmark } from '../core/runner.js';
import { CHAR_UNITS, type CharUnit } from '../core/text-units.js';
import type { BenchmarkResult } from '../core/types.js';
import { FORMATS, REPORTERS, formatFromPath, parseFormat } from '../reporters/index.js';
import type { CliContext } from '../cli-context.js';

export interface RunFlags {
  tokenizers?: string;
  corpus?: string;
  format?: string;
  output?: string;
  engine: string;
  specialTokens?: boolean;
  unit: string;
  context?: string;
  quiet?: boolean;
}

export function parsePositiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return Number(value);
}

export function splitList(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  const items = s.split(',').map((x) => x.trim()).filter(Boolean);
  if (!items.length) throw new UsageError('--tokenizers is empty', 'give a comma-separated list, e.g. cl100k_base,qwen3');
  return items;
}

export async function runCommand(flags: RunFlags, ctx: CliContext): Promise<number> {
  const format = flags.format ? parseFormat(flags.format) : (flags.output && formatFromPath(flags.output)) || 'table';
  if (!(CHAR_UNITS as readonly string[]).includes(flags.unit)) throw new UsageError(`unknown --unit "${flags.unit}"`, `use one of ${CHAR_UNITS.join(', ')}`);
  if (flags.engine !== 'native' && flags.engine !== 'js') throw new UsageError(`unknown --engine "${flags.engine}"`, 'use native or js');
  const contextWindow = parsePositiveInt('--context', flags.context);
  const tokenizers = splitList(flags.tokenizers);
  const result: BenchmarkResult = await runBenchmark({
    ...(flags.corpus !== undefined ? { corpus: flags.corpus } : {}),
    ...(tokenizers ? { tokenizers } : {}),
    engine: flags.engine,
    specialTokens: flags.specialTokens ?? false,
    charUnit: flags.unit as CharUnit,
    ...(contextWindow !== undefined ? { contextWindow } : {}),
    signal: ctx.signal,
    warn: (m) => ctx.stderr(`warning: ${m}`),
    onProgress: flags.quiet || !ctx.stderrIsTTY ? undefined : (e) => {
      if (e.phase === 'start') ctx.progress(`[${e.index + 1}/${e.total}] ${e.tokenizer} …`);
      else ctx.progress('');
    },
  });
  const text = REPORTERS[format](result);
  if (flags.output) {
    writeFileAtomic(flags.output, text);
    if (!flags.quiet) ctx.stderr(`wrote ${format} report to ${flags.output}`);
  } else {
    ctx.stdout(text);
  }
  if (result.failures.length) {
    ctx.stderr(`tokbench: ${result.failures.length} of ${result.failures.length + result.results.length} tokenizers failed (${result.failures.map((f) => f.tokenizer.id).join(', ')}); the others' results were kept`);
    return ExitCode.partial;
  }
  return ExitCode.ok;
}

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('encode the parallel corpus with each tokenizer and report Chinese vs English efficiency')
    .option('-t, --tokenizers <list>', 'comma-separated preset ids, tokenizer.json paths, or <preset>=<path> (default: the default presets)')
    .option('-c, --corpus <spec>', 'bundled (default) | file.tsv | file.jsonl | zh.txt,en.txt')
    .option('-f, --format <format>', `${FORMATS.join(' | ')} (default: table, or from --output's extension)`)
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--engine <engine>', 'engine for tokenizer.json files: native (Rust, reference) | js', 'native')
    .option('--special-tokens', 'count the special tokens (BOS/EOS) the tokenizer adds; default: content only')
    .option('--unit <unit>', `character unit: ${CHAR_UNITS.join(' | ')}`, 'codepoint')
    .option('--context <tokens>', "override every tokenizer's context window (tokens)")
    .option('-q, --quiet', 'no progress or notes on stderr')
    .action(async (flags: RunFlags) => {
      ctx.exitCode = await runCommand(flags, ctx);
    });
}
