import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { DataError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-write.js';

/** Corpora zips are a few MB; a cap on the inflated total stops a zip bomb before it fills memory. */
const DEFAULT_MAX_UNCOMPRESSED = 1024 ** 3;

export interface ReadZipOptions {
  /** Only inflate members for which this returns true (names as stored, '/'-separated). */
  filter?: (name: string) => boolean;
  maxUncompressedBytes?: number;
  /** Shown in errors: the zip's path or URL. */
  where?: string;
}

/**
 * Read a zip in memory. Directory entries are dropped; members are keyed by their stored names.
 * Sizes are checked from the central directory before anything is inflated.
 */
export function readZip(data: Uint8Array, options: ReadZipOptions = {}): Map<string, Uint8Array> {
  const where = options.where ?? 'zip';
  const max = options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(data, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        // Hostile names are refused even when read in memory: a member that claims to live outside the archive is not data.
        safeMemberPath('/zip', f.name);
        if (options.filter && !options.filter(f.name)) return false;
        total += f.originalSize;
        if (total > max) throw new DataError(`${where}: members inflate to more than ${max} bytes`, 'this does not look like a corpus zip; check the file');
        return true;
      },
    });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${where}: not a readable zip (${(err as Error).message})`, 'download the file again or pass the unpacked directory');
  }
  return new Map(Object.entries(files));
}

/**
 * The absolute path a member would be written to under `targetDir`, or a DataError when its name would
 * escape the directory (`../`, absolute paths, drive letters, backslashes: the "zip slip" family).
 */
export function safeMemberPath(targetDir: string, name: string): string {
  const bad = (why: string) => new DataError(`zip member "${name}" ${why}`, 'refusing to extract it; the archive is malformed or hostile');
  if (name.includes('\\')) throw bad('contains a backslash');
  if (name.includes('\0')) throw bad('contains a NUL byte');
  if (isAbsolute(name) || /^[a-zA-Z]:/.test(name)) throw bad('is an absolute path');
  if (name.split('/').includes('..')) throw bad('contains ".."');
  const root = resolve(targetDir);
  const dest = resolve(root, name);
  const rel = relative(root, dest);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw bad('resolves outside the target directory');
  return dest.startsWith(root + sep) ? dest : join(root, rel);
}

/** Extract every member under `targetDir` (each write atomic). All names are validated before anything is written. */
export function extractZip(data: Uint8Array, targetDir: string, options: ReadZipOptions = {}): string[] {
  const members = readZip(data, options);
  const planned = [...members.keys()].map((name) => [name, safeMemberPath(targetDir, name)] as const);
  const written: string[] = [];
  for (const [name, dest] of planned) {
    mkdirSync(resolve(dest, '..'), { recursive: true });
    writeFileAtomic(dest, members.get(name)!);
    written.push(dest);
  }
  return written;
}
