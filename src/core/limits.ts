import { DataError, UsageError } from './errors.js';

/**
 * Size limits for untrusted inputs. Corpora and tokenizer files come from anywhere (scrapes, downloads), so
 * everything is bounded before it is read into memory; each limit can be raised with an environment variable
 * because a legitimate big corpus must stay possible.
 */
export interface Limit {
  /** Environment variable that overrides the default. */
  env: string;
  /** Default, in `unit`. */
  default: number;
  unit: 'bytes' | 'entries';
  what: string;
}

export const LIMITS = {
  /** Whole corpus file. 2 GiB: larger files are better split than held in one JS string. */
  corpusBytes: { env: 'TOKBENCH_MAX_CORPUS_BYTES', default: 2 * 1024 ** 3, unit: 'bytes', what: 'corpus file' },
  /** tokenizer.json: the largest real ones (Gemma 3) are ~33 MB; a 512 MB "tokenizer" is not one. */
  tokenizerBytes: { env: 'TOKBENCH_MAX_TOKENIZER_BYTES', default: 512 * 1024 ** 2, unit: 'bytes', what: 'tokenizer file' },
  /** Uncompressed total of an archive's members, against zip bombs. */
  archiveBytes: { env: 'TOKBENCH_MAX_ARCHIVE_BYTES', default: 2 * 1024 ** 3, unit: 'bytes', what: 'archive (uncompressed)' },
  /** Members of an archive. */
  archiveEntries: { env: 'TOKBENCH_MAX_ARCHIVE_ENTRIES', default: 10_000, unit: 'entries', what: 'archive' },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

/**
 * The effective value of a limit. A malformed override is a usage error rather than silently ignored:
 * `Number('2GB')` is NaN, and `size > NaN` is false, which would disable the limit without a word.
 */
export function limitValue(name: LimitName, env: NodeJS.ProcessEnv = process.env): number {
  const l = LIMITS[name];
  const raw = env[l.env];
  if (raw === undefined || raw.trim() === '') return l.default;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) {
    throw new UsageError(`environment variable ${l.env} must be a positive whole number of ${l.unit}, got "${raw}"`, `unset it to use the default ${l.default}`);
  }
  return Number(raw);
}

/** Throws a DataError naming the file, its size, the limit and how to raise it, when `size` exceeds the limit. */
export function checkLimit(name: LimitName, size: number, where: string, env: NodeJS.ProcessEnv = process.env): void {
  const max = limitValue(name, env);
  if (size <= max) return;
  const l = LIMITS[name];
  throw new DataError(
    `${where} is ${size.toLocaleString('en-US')} ${l.unit}, over the ${max.toLocaleString('en-US')}-${l.unit === 'bytes' ? 'byte' : 'entry'} limit for a ${l.what}`,
    `check that it is the right file; to accept it, set ${l.env}=${size}`,
  );
}

/**
 * One-line DataError for a failed read of `path` (a corpus or tokenizer file), from the errno code.
 * Shared so every reader says the same thing for the same cause.
 */
export function readFailure(err: unknown, path: string, what: string): DataError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new DataError(`${what} not found: ${path}`, 'check the path', err);
    case 'EACCES':
    case 'EPERM':
      return new DataError(`cannot read ${what} ${path}: permission denied`, 'fix the file permissions (chmod a+r) or run as its owner', err);
    case 'EISDIR':
      return new DataError(`${path} is a directory, not a ${what}`, 'pass the path of a file', err);
    case 'ENOTDIR':
      return new DataError(`cannot read ${what} ${path}: a parent of it is a file, not a directory`, 'check the path', err);
    case 'ELOOP':
      return new DataError(`cannot read ${what} ${path}: too many symbolic links (a link loop?)`, 'check the links along the path', err);
    case 'EMFILE':
    case 'ENFILE':
      return new DataError(`cannot read ${what} ${path}: too many open files`, 'close other programs or raise the limit (ulimit -n)', err);
    case 'EIO':
      return new DataError(`cannot read ${what} ${path}: I/O error from the disk`, 'check the disk or copy the file elsewhere', err);
    default:
      return new DataError(`cannot read ${what} ${path}: ${code ?? (err as Error | undefined)?.message ?? String(err)}`, 'check the file', err);
  }
}

/** One-line DataError for a failed write of an output file. */
export function writeFailure(err: unknown, path: string): DataError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent of it is a file, not a directory',
    ENOENT: 'its folder cannot be created',
    EIO: 'I/O error from the disk',
  };
  const reason = (code && why[code]) ?? code ?? (err as Error | undefined)?.message ?? String(err);
  return new DataError(`cannot write ${path}: ${reason}${code && why[code] ? ` (${code})` : ''}`, 'choose a writable --output path with free space; nothing was written', err);
}

/** Texts up to this many UTF-16 units are processed whole; longer ones in pieces (see boundedChunks). */
export const SEGMENT_CHUNK = 8192;

/**
 * Split a long text into pieces of about `max` units at places where Unicode word segmentation (UAX #29)
 * always breaks: after a sentence end (。！？!?) or a newline, else after whitespace, and never before a
 * combining mark, format character or further whitespace (WB3d, WB4 would glue those to what precedes).
 * V8's Intl.Segmenter is quadratic on long strings (80k Chinese characters: 6 s whole, 40 ms in pieces), so a
 * 10 MB line would hang a run; in pieces it segments into exactly the same words. Short texts come back whole.
 */
export function boundedChunks(text: string, max = SEGMENT_CHUNK): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    const window = text.slice(start, start + max);
    const cut = lastSafeBreak(window, /[。！？!?\n]/gu) ?? lastSafeBreak(window, /\s/gu);
    // No safe break in the whole window (one giant "word"): keep reading; correctness beats speed.
    const end = cut !== undefined ? start + cut : nextSafeBreak(text, start + max);
    pieces.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

const GLUED = /[\p{M}\p{Cf}\s]/u;

function lastSafeBreak(window: string, re: RegExp): number | undefined {
  let best: number | undefined;
  for (const m of window.matchAll(re)) {
    const after = m.index + m[0].length;
    if (after < window.length && after > 0 && !GLUED.test(window[after]!)) best = after;
  }
  return best;
}

function nextSafeBreak(text: string, from: number): number {
  const re = /[。！？!?\n\s]/gu;
  re.lastIndex = from;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const after = m.index + m[0].length;
    if (after < text.length && !GLUED.test(text[after]!)) return after;
  }
  return text.length;
}
