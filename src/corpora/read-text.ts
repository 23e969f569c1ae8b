import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { DataError, TokbenchError } from '../core/errors.js';
import { checkLimit, readFailure } from '../core/limits.js';
import { isGitLfsPointer } from '../core/sniff.js';

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  // Node's native validator answers the common case (valid) at memory speed; the byte-by-byte scan only runs to locate an error.
  return isUtf8(buf) ? -1 : scanInvalidUtf8(buf);
}

function scanInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) { i++; continue; }
    let need: number; let min: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    let cp = b & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export interface ReadText {
  text: string;
  raw: Buffer;
  notes: string[];
}

/** Stat, refuse a directory or an oversized file: what both readers do before reading. */
function checkReadable(path: string, what: string): void {
  const st = statSync(path);
  if (st.isDirectory()) throw new DataError(`${path} is a directory, not a ${what}`, 'pass a file path');
  // Corpora are data: refuse anything huge before reading it into memory.
  checkLimit('corpusBytes', st.size, path);
}

function lfsPointerError(path: string, what: string): DataError {
  return new DataError(`${path} is a Git LFS pointer, not the ${what} itself`, 'run `git lfs pull` or download the real file');
}

function invalidUtf8Error(path: string, offset: number): DataError {
  return new DataError(`${path}: invalid UTF-8 at byte offset ${offset}`, 're-encode the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)');
}

function nulByteError(path: string, offset: number): DataError {
  return new DataError(`${path}: NUL byte at byte offset ${offset}`, 'remove the NUL bytes: this is probably not a text file');
}

/** Read a UTF-8 text file strictly: clear errors for the ways scraped data goes wrong. */
export function readUtf8File(path: string, what = 'corpus file'): ReadText {
  let raw: Buffer;
  try {
    checkReadable(path, what);
    raw = readFileSync(path);
  } catch (err) {
    if (err instanceof TokbenchError) throw err;
    throw readFailure(err, path, what);
  }
  const notes: string[] = [];
  const head = raw.subarray(0, 64).toString('latin1');
  if (isGitLfsPointer(head)) throw lfsPointerError(path, what);
  const bad = firstInvalidUtf8(raw);
  if (bad >= 0) throw invalidUtf8Error(path, bad);
  const nul = raw.indexOf(0);
  if (nul >= 0) throw nulByteError(path, nul);
  const text = normalizeLineText(raw.toString('utf8'), path, notes);
  return { text, raw, notes };
}

/** What a file read in pieces was, besides its contents. */
export interface PieceFacts {
  /** Of the file's bytes as stored. */
  sha256: string;
  bytes: number;
  /** A BOM removed (the reader of the pieces adds its own, e.g. CRLF). */
  notes: string[];
}

export interface ReadLines extends PieceFacts {
  /** splitLines of the normalised text. */
  lines: string[];
}

/** What readUtf8Pieces reads at a time (more for a longer line). */
const PIECE_BYTES = 8 * 1024 * 1024;

export const bomNote = (path: string): string => `${path}: UTF-8 byte-order mark removed`;
export const crlfNote = (path: string): string => `${path}: CRLF line endings read as LF`;

/**
 * A UTF-8 text file read into one reused buffer in pieces that end at a '\n' (or at the file's end), each validated
 * and hashed, and handed to `onPiece` as `buf[start..end)` (`offset`: buf[0]'s in the file): whole lines of valid
 * UTF-8 without NUL, the BOM removed.
 * Nothing is held but the buffer: on a 100 MB corpus that saves a copy of the file in memory and as many fresh pages,
 * each a fault the kernel must zero (on a VM whose host has taken back the guest's free memory, ~10 µs each: 0.25 s
 * for 100 MB). A '\n' byte is never inside a UTF-8 sequence, and a '\r\n' or a BOM never straddles such a cut, so
 * the errors are those of the whole-file reading (readUtf8File): the first invalid UTF-8 anywhere, else the first
 * NUL (after which `onPiece` is not called again). `pieceBytes` is for tests.
 */
export function readUtf8Pieces(
  path: string, what: string, onPiece: (buf: Buffer, start: number, end: number, offset: number) => void, pieceBytes = PIECE_BYTES,
): PieceFacts {
  let fd: number;
  try {
    checkReadable(path, what);
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof TokbenchError) throw err;
    throw readFailure(err, path, what);
  }
  try {
    const hash = createHash('sha256');
    const notes: string[] = [];
    const head = Buffer.alloc(64);
    let headBytes: number;
    try {
      headBytes = readSync(fd, head, 0, head.length, 0);
    } catch (err) {
      throw readFailure(err, path, what);
    }
    if (isGitLfsPointer(head.subarray(0, headBytes).toString('latin1'))) throw lfsPointerError(path, what);
    let buf = Buffer.allocUnsafe(Math.max(1, pieceBytes));
    /** Bytes in buf: the unfinished line carried over, then what the last read added. */
    let filled = 0;
    /** File offset of buf[0]. */
    let offset = 0;
    let eof = false;
    let firstNul = -1;
    while (!eof || filled > 0) {
      if (!eof) {
        if (filled === buf.length) {
          // A line longer than the buffer: grow it until the line fits.
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        let n: number;
        try {
          n = readSync(fd, buf, filled, buf.length - filled, null);
        } catch (err) {
          throw readFailure(err, path, what);
        }
        filled += n;
        if (n === 0) eof = true;
      }
      const end = eof ? filled : buf.lastIndexOf(10, filled - 1) + 1;
      if (end === 0) continue;
      const piece = buf.subarray(0, end);
      hash.update(piece);
      const bad = firstInvalidUtf8(piece);
      if (bad >= 0) throw invalidUtf8Error(path, offset + bad);
      if (firstNul < 0) {
        const nul = piece.indexOf(0);
        if (nul >= 0) firstNul = offset + nul;
      }
      // Once a NUL is found the file is refused; what is left is only checked for invalid UTF-8, which comes first.
      if (firstNul < 0) {
        let start = 0;
        if (offset === 0 && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
          start = 3;
          notes.push(bomNote(path));
        }
        onPiece(buf, start, end, offset);
      }
      buf.copy(buf, 0, end, filled);
      filled -= end;
      offset += end;
    }
    if (firstNul >= 0) throw nulByteError(path, firstNul);
    return { sha256: hash.digest('hex'), bytes: offset, notes };
  } finally {
    closeSync(fd);
  }
}

/** `splitLines(readUtf8File(path).text)` and the file's sha256, read in pieces (readUtf8Pieces). */
export function readUtf8Lines(path: string, what = 'corpus file', pieceBytes = PIECE_BYTES): ReadLines {
  const lines: string[] = [];
  let crlf = false;
  const facts = readUtf8Pieces(path, what, (buf, start, end) => {
    let text = buf.toString('utf8', start, end);
    if (text.includes('\r\n')) {
      text = text.replace(/\r\n/g, '\n');
      crlf = true;
    }
    for (const line of splitLines(text)) lines.push(line);
  }, pieceBytes);
  if (crlf) facts.notes.push(crlfNote(path));
  return { lines, ...facts };
}

/** Remove a UTF-8 BOM and read CRLF as LF (a `\r` left in a line changes token counts), noting each in `notes`. */
export function normalizeLineText(text: string, where: string, notes: string[]): string {
  let out = text;
  if (out.charCodeAt(0) === 0xfeff) {
    out = out.slice(1);
    notes.push(bomNote(where));
  }
  if (out.includes('\r\n')) {
    out = out.replace(/\r\n/g, '\n');
    notes.push(crlfNote(where));
  }
  return out;
}

/** Split into lines; one trailing newline does not make an extra (empty) line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
