#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { cleanupPendingWrites } from './core/atomic-write.js';
import { ExitCode, TokbenchError, formatUserError } from './core/errors.js';
import { TOKBENCH_VERSION } from './core/version.js';
import { registerList } from './commands/list.js';
import { registerFetchCorpus } from './commands/fetch-corpus.js';
import { registerCorpusStats } from './commands/corpus-stats.js';
import { registerRun } from './commands/run.js';
import { registerCheck } from './commands/check.js';
import { registerCompare } from './commands/compare.js';
import { registerMerge } from './commands/merge.js';
import { registerInspect } from './commands/inspect.js';
import type { CliContext } from './cli-context.js';

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    controller.abort();
    cleanupPendingWrites();
    process.stderr.write('\ntokbench: interrupted; no output file was written\n');
    process.exit(ExitCode.interrupted);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const ctx: CliContext = {
    stdout: (t) => process.stdout.write(t),
    stderr: (l) => process.stderr.write(l + '\n'),
    progress: (l) => process.stderr.write(`\r\x1b[K${l}`),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    signal: controller.signal,
    exitCode: ExitCode.ok,
  };

  const program = new Command()
    .name('tokbench')
    .description('How efficiently do LLM tokenizers encode Chinese compared with English?')
    .version(TOKBENCH_VERSION)
    .option('--debug', 'show stack traces for errors')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Commander's own errors (unknown option, missing argument) follow the one-line "tokbench: what (what to do)" form.
      outputError: (s, write) => write(`tokbench: ${s.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see \`tokbench --help\` or \`tokbench <command> --help\`)\n`),
    });
  registerRun(program, ctx);
  registerList(program, ctx);
  registerFetchCorpus(program, ctx);
  registerCorpusStats(program, ctx);
  registerCheck(program, ctx);
  registerCompare(program, ctx);
  registerMerge(program, ctx);
  registerInspect(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (interrupted) return ExitCode.interrupted;
    if (err instanceof CommanderError) {
      // help and --version exit through here with code 0; commander already printed its message.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof TokbenchError) {
      process.stderr.write(formatUserError(err) + '\n');
      if (debug) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    process.stderr.write(`tokbench: internal error: ${(err as Error)?.message ?? String(err)} (this is a bug; rerun with --debug and report it)\n`);
    if (debug) process.stderr.write(`${(err as Error)?.stack}\n`);
    return ExitCode.data;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
