import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../core/atomic-write.js';
import { DataError } from '../core/errors.js';
import { corpusCacheDir, type RegistryEntry, type RegistryFile } from './registry.js';

export interface FetchCorpusOptions {
  /** Target directory; default: the corpus's cache directory. */
  dest?: string;
  /** Base URL replacing every upstream URL by `<mirror>/<corpus id>/<file path>` (env TOKBENCH_CORPUS_MIRROR). */
  mirror?: string;
  /** Per-file time limit. */
  timeoutMs?: number;
  /** Download even when a verified copy is already present. */
  force?: boolean;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FetchedFile {
  path: string;
  status: 'downloaded' | 'present';
  sha256: string;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function fileUrl(entry: RegistryEntry, file: RegistryFile, mirror?: string): string {
  return mirror ? `${mirror.replace(/\/+$/, '')}/${entry.id}/${file.path}` : file.url;
}

/** One line telling a user without network what to fetch by hand and where to put it. */
export function manualDownloadHint(entry: RegistryEntry, file: RegistryFile, dest: string, url: string): string {
  const transform = file.source ? ', then convert CRLF to LF' : '';
  return `offline? download ${url} by hand${transform} and save it as ${join(dest, file.path)} (sha256 ${file.sha256}); ` +
    `\`tokbench fetch-corpus ${entry.id} --print-urls\` lists every file, and TOKBENCH_CACHE_DIR moves the cache`;
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  const code = e.cause?.code;
  if (code) return code;
  return e.cause?.message ?? e.message ?? String(err);
}

/** Undici splits a truncated body from other failures only by message; both mean "fewer bytes than promised". */
async function readBody(res: Response, url: string, limit: number): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  const expected = declared === null ? undefined : Number(declared);
  const chunks: Uint8Array[] = [];
  let got = 0;
  const reader = res.body?.getReader();
  if (reader) {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got += value.length;
        if (got > limit) {
          await reader.cancel();
          throw new DataError(`download of ${url} is larger than the expected ${limit} bytes`, 'the server sent a different file; check the URL or mirror');
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`download of ${url} was cut off after ${got}${expected !== undefined ? ` of ${expected}` : ''} bytes (${describeNetworkError(err)})`, 'retry; nothing was written');
    }
  }
  if (expected !== undefined && got !== expected) {
    throw new DataError(`download of ${url} was cut off: got ${got} of the ${expected} bytes announced (Content-Length)`, 'retry; nothing was written');
  }
  return Buffer.concat(chunks);
}

function crlfToLf(b: Uint8Array): Uint8Array {
  return Buffer.from(Buffer.from(b).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

async function downloadOne(entry: RegistryEntry, file: RegistryFile, dest: string, options: FetchCorpusOptions): Promise<FetchedFile> {
  const target = join(dest, file.path);
  if (!options.force && existsSync(target)) {
    const have = sha(readFileSync(target));
    if (have === file.sha256) return { path: file.path, status: 'present', sha256: have };
    options.progress?.(`${entry.id}/${file.path}: cached copy has sha256 ${have.slice(0, 12)}…, expected ${file.sha256.slice(0, 12)}…; downloading again`);
  }
  const url = fileUrl(entry, file, options.mirror);
  const wantBytes = file.source?.bytes ?? file.bytes;
  options.progress?.(`fetching ${entry.id}/${file.path} (${(wantBytes / 1024).toFixed(0)} kB) from ${url}`);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new DataError(`cannot download ${entry.id}/${file.path} from ${url}: ${describeNetworkError(err)}`, manualDownloadHint(entry, file, dest, url));
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new DataError(`cannot download ${entry.id}/${file.path}: ${url} answered HTTP ${res.status}`, manualDownloadHint(entry, file, dest, url));
  }
  const body = await readBody(res, url, wantBytes);
  const wantSha = file.source?.sha256 ?? file.sha256;
  const gotSha = sha(body);
  if (gotSha !== wantSha) {
    throw new DataError(
      `sha256 mismatch for ${url}: got ${gotSha} (${body.length} bytes), expected ${wantSha} (${wantBytes} bytes)`,
      'the server sent different bytes (a changed upstream, a proxy page or a broken mirror); nothing was written',
    );
  }
  let stored = body;
  if (file.source?.transform === 'crlf-to-lf') {
    stored = crlfToLf(body);
    const s = sha(stored);
    // A digest of the converted bytes is also pinned: the conversion itself must reproduce the reference file.
    if (s !== file.sha256) throw new DataError(`${entry.id}/${file.path}: after CRLF→LF the sha256 is ${s}, expected ${file.sha256}`, 'this is a bug in the registry entry; report it');
  }
  writeFileAtomic(target, stored);
  options.progress?.(`  ok ${file.path}: ${stored.length} bytes, sha256 ${file.sha256.slice(0, 12)}…`);
  return { path: file.path, status: 'downloaded', sha256: file.sha256 };
}

/**
 * Download every file of a registered corpus into the cache, each verified against its pinned sha256
 * before it is written (atomically), so the cache never holds an unverified file. Files are fetched one at
 * a time: they are small, and a failure then names exactly one file.
 */
export async function fetchCorpus(entry: RegistryEntry, options: FetchCorpusOptions = {}): Promise<{ dir: string; files: FetchedFile[] }> {
  const dest = options.dest ?? corpusCacheDir(entry.id);
  if (!entry.files.length) throw new DataError(`corpus ${entry.id} has nothing to download`, 'it ships with tokbench');
  const files: FetchedFile[] = [];
  for (const f of entry.files) {
    options.signal?.throwIfAborted();
    files.push(await downloadOne(entry, f, dest, options));
  }
  return { dir: dest, files };
}
