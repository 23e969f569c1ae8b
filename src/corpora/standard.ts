import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import type { ZhLang } from '../core/types.js';
import { loadFlores, looksLikeFloresDir, parseFloresSplits } from './flores.js';
import { loadNtrex, looksLikeNtrexDir } from './ntrex.js';
import { corpusCacheDir, findCorpusEntry, localPresence } from './registry.js';
import type { Corpus } from './types.js';

export interface StandardCorpusOptions {
  lang?: ZhLang;
  /** FLORES split: dev, devtest or dev+devtest (default). */
  split?: string;
}

/** `flores200`, `flores200:devtest`, `ntrex128`: a registered corpus read from the cache. */
function fromRegistry(spec: string, options: StandardCorpusOptions): Corpus | undefined {
  const [id, splitSuffix, ...rest] = spec.split(':');
  const entry = id ? findCorpusEntry(id) : undefined;
  if (!entry || entry.layout === 'bundled' || rest.length) return undefined;
  if (splitSuffix !== undefined && options.split !== undefined && splitSuffix !== options.split) {
    throw new UsageError(`--corpus ${spec} and --split ${options.split} disagree`, 'give the split once');
  }
  const split = splitSuffix ?? options.split;
  const { dir, present, total } = localPresence(entry);
  if (present === 0) {
    throw new DataError(`corpus ${entry.id} is not in the cache (${dir})`, `run \`tokbench fetch-corpus ${entry.id}\`, or pass --corpus <path> to a local copy`);
  }
  if (entry.layout === 'flores') return loadFlores(dir, { splits: parseFloresSplits(split), ...(options.lang ? { lang: options.lang } : {}) });
  if (split !== undefined) throw new UsageError(`${entry.id} has no splits to choose from`, 'drop --split');
  void total;
  return loadNtrex(corpusCacheDir(entry.id), options.lang ? { lang: options.lang } : {});
}

/**
 * The standard-corpus forms of `--corpus`: a registered id, a FLORES or NTREX directory, a FLORES zip.
 * Returns undefined for the other forms (files handled by loaders.ts).
 */
export function loadStandardCorpus(spec: string, options: StandardCorpusOptions = {}): Corpus | undefined {
  const path = resolve(spec);
  if (!existsSync(path)) return fromRegistry(spec, options);
  const langOpt = options.lang ? { lang: options.lang } : {};
  if (statSync(path).isDirectory()) {
    if (looksLikeFloresDir(path)) return loadFlores(path, { splits: parseFloresSplits(options.split), ...langOpt });
    if (options.split !== undefined) throw new UsageError(`--split applies to FLORES corpora only; ${spec} is not one`);
    if (looksLikeNtrexDir(path)) return loadNtrex(path, langOpt);
    throw new DataError(`${path} is a directory but neither a FLORES nor an NTREX layout`, 'expected dev/zho_Hans.dev … (FLORES) or eng_Latn.txt + zho_Hans.txt (NTREX), or pass a corpus file');
  }
  if (extname(path).toLowerCase() === '.zip') return loadFlores(path, { splits: parseFloresSplits(options.split), ...langOpt });
  return undefined;
}
