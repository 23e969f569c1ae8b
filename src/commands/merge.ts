import type { Command } from 'commander';
import { writeFileAtomic } from '../core/atomic-write.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { mergeShards } from '../core/merge.js';
import { readResultsFile } from '../core/schema.js';
import { FORMATS, REPORTERS, formatFromPath, parseFormat } from '../reporters/index.js';
import type { CliContext } from '../cli-context.js';

export interface MergeFlags {
  format?: string;
  output?: string;
  quiet?: boolean;
}

export function mergeCommand(files: readonly string[], flags: MergeFlags, ctx: CliContext): number {
  if (!files.length) throw new UsageError('merge needs the shard parts', 'e.g. tokbench merge part-*.json -o merged.json');
  const format = flags.format ? parseFormat(flags.format) : (flags.output && formatFromPath(flags.output)) || 'table';
  const implied = flags.output ? formatFromPath(flags.output) : undefined;
  if (flags.format && implied && implied !== format) {
    throw new UsageError(`--format ${flags.format} conflicts with --output ${flags.output} (a .${flags.output!.split('.').pop()} file holds ${implied})`, 'drop --format, or give --output a matching extension');
  }
  const parts = files.map((f) => ({ where: f, result: readResultsFile(f, 'shard part') }));
  const { result, notes } = mergeShards(parts);
  if (!flags.quiet) for (const n of notes) ctx.stderr(`note: ${n}`);
  const text = REPORTERS[format](result);
  if (flags.output) {
    writeFileAtomic(flags.output, text);
    if (!flags.quiet) ctx.stderr(`merged ${parts.length} shards (${result.corpus.pairs} pairs, ${result.results.length} tokenizers) into ${flags.output}`);
  } else {
    ctx.stdout(text);
  }
  // The parts' own failures carry over: the merged run is partial exactly when each part was.
  return result.failures.length ? ExitCode.partial : ExitCode.ok;
}

export function registerMerge(program: Command, ctx: CliContext): void {
  program
    .command('merge')
    .description('combine the JSON parts of `run --shard K/N` into the result of one whole run')
    .argument('<parts...>', 'the parts (JSON written by `tokbench run --shard K/N --format json`), in any order')
    .option('-f, --format <format>', `${FORMATS.join(' | ')} (default: table, or from --output's extension)`)
    .option('-o, --output <file>', 'write the merged result to this file (atomically) instead of stdout')
    .option('-q, --quiet', 'no notes on stderr')
    .action((parts: string[], flags: MergeFlags) => {
      ctx.exitCode = mergeCommand(parts, flags, ctx);
    });
}
