import type { Command } from 'commander';
import { join } from 'node:path';
import { fetchCorpus, fileUrl } from '../corpora/fetch.js';
import { corpusCacheDir, requireCorpusEntry } from '../corpora/registry.js';
import { DataError, UsageError } from '../core/errors.js';
import type { CliContext } from '../cli-context.js';

interface FetchFlags {
  dest?: string;
  force?: boolean;
  printUrls?: boolean;
  timeout?: string;
  quiet?: boolean;
}

export function registerFetchCorpus(program: Command, ctx: CliContext): void {
  program
    .command('fetch-corpus')
    .argument('<id>', 'a registered corpus (see `tokbench list corpora`)')
    .description('download a registered corpus into the cache, sha256-verified (TOKBENCH_CACHE_DIR moves the cache)')
    .option('--dest <dir>', 'download into this directory instead of the cache')
    .option('--force', 'download again even when verified copies are present')
    .option('--print-urls', 'print each file\'s URL, destination and sha256 (for downloading by hand), then stop')
    .option('--timeout <seconds>', 'per-file time limit', '60')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (id: string, flags: FetchFlags) => {
      const entry = requireCorpusEntry(id);
      if (entry.layout === 'bundled') throw new DataError(`corpus ${id} ships with tokbench`, 'nothing to download; use --corpus bundled');
      const timeout = Number(flags.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${flags.timeout}"`);
      const dest = flags.dest ?? corpusCacheDir(entry.id);
      // Tests (and users behind a proxy cache) point every download at a mirror with the same layout.
      const mirror = process.env.TOKBENCH_CORPUS_MIRROR || undefined;
      if (flags.printUrls) {
        for (const f of entry.files) {
          ctx.stdout(`${fileUrl(entry, f, mirror)}\t${join(dest, f.path)}\t${f.sha256}${f.source ? '\t(convert CRLF to LF)' : ''}\n`);
        }
        return;
      }
      const { dir, files } = await fetchCorpus(entry, {
        dest, timeoutMs: timeout * 1000, signal: ctx.signal,
        ...(mirror ? { mirror } : {}), ...(flags.force ? { force: true } : {}),
        ...(flags.quiet ? {} : { progress: (l: string) => ctx.stderr(l) }),
      });
      const fresh = files.filter((f) => f.status === 'downloaded').length;
      if (!flags.quiet) ctx.stderr(`${entry.id}: ${files.length} files verified in ${dir} (${fresh} downloaded, ${files.length - fresh} already present); use --corpus ${entry.id}`);
    });
}
