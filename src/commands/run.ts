import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { DataError, ExitCode, TokbenchError, UsageError } from '../core/errors.js';
import { runBenchmark } from '../core/runner.js';
import { CHAR_UNITS, type CharUnit } from '../core/text-units.js';
import type { BenchmarkResult } from '../core/types.js';
import { FORMATS, REPORTERS, formatFromPath, parseFormat } from '../reporters/index.js';
import type { CliContext } from '../cli-context.js';
import { parseResamples, parseSeed } from '../metrics/bootstrap.js';
import { loadPriceTable } from '../core/prices.js';
import { parseRenyiAlpha } from '../metrics/distribution.js';
import { COLUMNS } from '../reporters/columns.js';
import { parseMetricColumns } from '../reporters/literature-columns.js';
import { renderTable } from '../reporters/table.js';
import { parseJoin, resolveSegmentation } from '../core/segmentation.js';
import { parseZhLang } from '../corpora/flores.js';
import type { RunOptions } from '../core/runner.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { defaultJobs } from '../core/pool.js';
import { parseShard } from '../core/shard.js';
import { runProgress } from './progress.js';

export interface RunFlags {
  tokenizers?: string;
  corpus?: string;
  format?: string;
  output?: string;
  engine: string;
  specialTokens?: boolean;
  unit: string;
  context?: string;
  regex?: string;
  quiet?: boolean;
  bootstrap?: string;
  seed?: string;
  prices?: string;
  metrics?: string;
  baselineTokenizer?: string;
  renyiAlpha?: string;
  segmentation?: string;
  join?: string;
  protocol?: string;
  lang?: string;
  split?: string;
  jobs?: string;
  shard?: string;
  stream?: boolean;
  chat?: boolean;
}

export function parsePositiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`, 'give a whole number greater than 0');
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
  const implied = flags.output ? formatFromPath(flags.output) : undefined;
  if (flags.format && implied && implied !== format) {
    // A .csv file holding JSON breaks whatever reads it next; the user almost surely meant one of the two.
    throw new UsageError(`--format ${flags.format} conflicts with --output ${flags.output} (a .${flags.output!.split('.').pop()} file holds ${implied})`, `drop --format, or give --output a matching extension`);
  }
  if (!(CHAR_UNITS as readonly string[]).includes(flags.unit)) throw new UsageError(`unknown --unit "${flags.unit}"`, `use one of ${CHAR_UNITS.join(', ')}`);
  if (flags.engine !== 'native' && flags.engine !== 'js') throw new UsageError(`unknown --engine "${flags.engine}"`, 'use native or js');
  const contextWindow = parsePositiveInt('--context', flags.context);
  const bootstrap = parseResamples(flags.bootstrap);
  const seed = parseSeed(flags.seed);
  // Load the price table before encoding anything: a bad --prices file fails fast.
  const prices = flags.prices === undefined ? undefined : flags.prices === 'none' ? false : loadPriceTable(flags.prices);
  const tokenizers = splitList(flags.tokenizers);
  const tableColumns = parseMetricColumns(flags.metrics, COLUMNS);
  const renyiAlpha = parseRenyiAlpha(flags.renyiAlpha);
  const jobs = parsePositiveInt('--jobs', flags.jobs) ?? defaultJobs();
  const shard = parseShard(flags.shard);
  // A part is only mergeable as JSON; other formats are allowed (a slice's report) but say so.
  if (shard && format !== 'json' && !flags.quiet) ctx.stderr(`note: --shard ${shard.index}/${shard.count} with --format ${format}: \`tokbench merge\` reads JSON parts only`);
  const result: BenchmarkResult = await runBenchmark({
    ...(flags.corpus !== undefined ? { corpus: flags.corpus } : {}),
    ...(tokenizers ? { tokenizers } : {}),
    engine: flags.engine,
    specialTokens: flags.specialTokens ?? false,
    charUnit: flags.unit as CharUnit,
    ...(contextWindow !== undefined ? { contextWindow } : {}),
    ...(flags.regex !== undefined ? { regex: flags.regex } : {}),
    ...(bootstrap !== undefined ? { bootstrap } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(prices !== undefined ? { prices } : {}),
    ...(flags.baselineTokenizer !== undefined ? { baselineTokenizer: flags.baselineTokenizer } : {}),
    ...(renyiAlpha !== undefined ? { renyiAlpha } : {}),
    ...segmentationOptions(flags),
    jobs,
    ...(flags.chat ? { chat: true } : {}),
    ...(shard ? { shard } : {}),
    ...(flags.stream ? { stream: true } : {}),
    signal: ctx.signal,
    warn: (m) => ctx.stderr(`warning: ${m}`),
    // With one tokenizer its failure is the run's error, said once below; with several, say each as it happens.
    onFailure: (f) => { if (tokenizers?.length !== 1) ctx.stderr(`warning: ${f.tokenizer.id} failed: ${f.error}${f.hint ? ` (${f.hint})` : ''}`); },
    ...runProgress(ctx, flags.quiet),
  });
  if (result.results.length === 0 && result.failures.length) {
    // Nothing was computed: an error (exit 3), not a partial result, and no report file.
    const [only] = result.failures;
    if (result.failures.length === 1 && only) throw new TokbenchError(only.error, { exitCode: ExitCode.data, ...(only.hint ? { hint: only.hint } : {}) });
    throw new DataError(`all ${result.failures.length} tokenizers failed (${result.failures.map((f) => f.tokenizer.id).join(', ')})`, 'see the warning above for each; fix the files or choose other tokenizers');
  }
  // --metrics picks the terminal table's columns only; the other formats always carry every metric.
  // --metrics narrows the human views (table, Markdown); JSON, CSV and HTML always carry every metric.
  const text = format === 'table' && tableColumns ? renderTable(result, tableColumns)
    : format === 'markdown' && tableColumns ? renderMarkdown(result, tableColumns)
    : REPORTERS[format](result);
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
    .option('-c, --corpus <spec>', 'bundled (default) | file.tsv | file.jsonl | zh.txt,en.txt | flores200[:dev|:devtest] | ntrex128 | a FLORES dir or zip | an NTREX dir')
    .option('-f, --format <format>', `${FORMATS.join(' | ')} (default: table, or from --output's extension)`)
    .option('-o, --output <file>', 'write the report to this file (atomically) instead of stdout')
    .option('--engine <engine>', 'engine for tokenizer.json files: native (Rust, reference) | js', 'native')
    .option('--special-tokens', 'count the special tokens (BOS/EOS) the tokenizer adds; default: content only')
    .option('--unit <unit>', `character unit: ${CHAR_UNITS.join(' | ')}`, 'codepoint')
    .option('--context <tokens>', "override every tokenizer's context window (tokens)")
    .option('--regex <pattern>', 'pre-tokenisation regex for tiktoken:<path> rank files (Python syntax, or qwen | glm4 | cl100k)')
    .option('--bootstrap <n>', 'paired-bootstrap resamples for 95% intervals (default 1000; 0 disables)')
    .option('--seed <n>', 'seed of the bootstrap resampling, so intervals are reproducible (default fixed)')
    .option('--prices <file>', 'dated price table (JSON, same shape as data/prices.json), or "none"')
    .option('--metrics <list>', 'columns of the terminal table, by CSV column name (e.g. premium,premium_mean_of_pair_ratios,zh_fertility,zh_nsl); JSON/CSV always carry all')
    .option('--baseline-tokenizer <id>', 'baseline of the normalized sequence length (NSL = tokens ÷ its tokens); default: the first tokenizer')
    .option('--renyi-alpha <a>', 'order α of the Rényi efficiency (default 2.5; 1 = Shannon)')
    .option('--segmentation <mode>', 'per-line (default: each line alone, counts summed) | joined (one text per side) | petrov2023')
    .option('--join <sep>', "separator for --segmentation joined (default ' '; \\n and \\t are understood)")
    .option('--protocol <name>', 'a published protocol: petrov2023 (FLORES-200 dev+devtest counts of Petrov et al. 2023)')
    .option('--lang <script>', 'Chinese side for corpora that have both: zh-Hans (default) | zh-Hant')
    .option('--split <split>', 'FLORES split: dev | devtest | dev+devtest (default)')
    .option('--chat', "measure each tokenizer's chat-template overhead (one user turn + generation prompt) and the context left after it")
    .option('-j, --jobs <n>', 'worker processes, split by tokenizer and (on big corpora) by chunk of pairs; output is identical for any value (default: number of cores)')
    .option('--shard <K/N>', 'run only shard K of N (a contiguous slice of the pairs) as a part for `tokbench merge`; use --format json')
    .option('--stream', 'read a file corpus (.tsv, .jsonl, zh.txt,en.txt) incrementally in flat memory; no word/distribution metrics, per-line only, one thread')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .action(async (flags: RunFlags) => {
      ctx.exitCode = await runCommand(flags, ctx);
    });
}

/** --segmentation/--join/--protocol/--lang/--split → RunOptions; contradictions fail before any tokenizer loads. */
export function segmentationOptions(flags: Pick<RunFlags, 'segmentation' | 'join' | 'protocol' | 'lang' | 'split' | 'specialTokens'>): Partial<RunOptions> {
  const join = flags.join !== undefined ? parseJoin(flags.join) : undefined;
  const seg = resolveSegmentation({ segmentation: flags.segmentation, join, protocol: flags.protocol, specialTokens: flags.specialTokens });
  const lang = parseZhLang(flags.lang);
  return {
    segmentation: seg.segmentation,
    ...(seg.join !== undefined && seg.segmentation === 'joined' ? { join: seg.join } : {}),
    ...(flags.protocol !== undefined ? { protocol: 'petrov2023' as const } : {}),
    ...(lang ? { lang } : {}),
    ...(flags.split !== undefined ? { split: flags.split } : {}),
  };
}
