import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
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

/** Read a UTF-8 text file strictly: clear errors for the ways scraped data goes wrong. */
export function readUtf8File(path: string, what = 'corpus file'): ReadText {
  let raw: Buffer;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new DataError(`${path} is a directory, not a ${what}`, 'pass a file path');
    // Corpora are data: refuse anything huge before reading it into memory.
    checkLimit('corpusBytes', st.size, path);
    raw = readFileSync(path);
  } catch (err) {
    if (err instanceof TokbenchError) throw err;
    throw readFailure(err, path, what);
  }
  const notes: string[] = [];
  const head = raw.subarray(0, 64).toString('latin1');
  if (isGitLfsPointer(head)) {
    throw new DataError(`${path} is a Git LFS pointer, not the ${what} itself`, 'run `git lfs pull` or download the real file');
  }
  const bad = firstInvalidUtf8(raw);
  if (bad >= 0) {
    throw new DataError(`${path}: invalid UTF-8 at byte offset ${bad}`, 're-encode the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)');
  }
  const nul = raw.indexOf(0);
  if (nul >= 0) throw new DataError(`${path}: NUL byte at byte offset ${nul}`, 'remove the NUL bytes: this is probably not a text file');
  const text = normalizeLineText(raw.toString('utf8'), path, notes);
  return { text, raw, notes };
}

/** Remove a UTF-8 BOM and read CRLF as LF (a `\r` left in a line changes token counts), noting each in `notes`. */
export function normalizeLineText(text: string, where: string, notes: string[]): string {
  let out = text;
  if (out.charCodeAt(0) === 0xfeff) {
    out = out.slice(1);
    notes.push(`${where}: UTF-8 byte-order mark removed`);
  }
  if (out.includes('\r\n')) {
    out = out.replace(/\r\n/g, '\n');
    notes.push(`${where}: CRLF line endings read as LF`);
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
