/**
 * A JSONL corpus read straight from its bytes. The usual line — one flat object of plain strings — is parsed on the
 * UTF-8 bytes, and each text is scanned (code points, bytes, Han, letters, words: text-scan.ts) in the same pass that
 * finds its closing quote, so the run needs no scan of its own and no line strings are made: each piece of the file is
 * decoded once and the texts are slices of it. On a 100 MB corpus, one core: read + parse + scan about 1.08 → 0.97 s.
 * (Decoding each text on its own, to get flat strings, was slower: 1.15 s, the garbage collector copying every text.)
 * A one-process run reads the file in one pass (readJsonlBytes); a parallel run indexes it first (indexLines: read and
 * checked, lines found, nothing decoded), plans its chunks on the lines' bytes and parses them in steps (parseJsonlLines).
 *
 * Any other line (an escape in a key, a control character, a number, nesting, an empty side, a syntax error) is
 * decoded and given to parseJsonlLine, the string reader, which also words the errors: both readers give the same
 * pairs and errors (test/corpora/jsonl-bytes.test.ts compares them on real, edge-case and random files).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import { Growable } from '../core/growable.js';
import { readFailure } from '../core/limits.js';
import { emptyScan, scanJsonStringUtf8, scanText, ScanColumnsBuilder, type ScanColumns, type TextScan } from '../core/text-scan.js';
import { readUtf8Pieces, type PieceFacts } from './read-text.js';
import type { Pair } from './types.js';

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CR = 0x0d;

/** Parser of one non-blank line into a checked pair (loaders.ts's parseJsonlLine, passed in to avoid an import cycle). */
export type LineParser = (line: string, where: string, ordinal: number) => Pair;
/** Pair checks for a line whose texts came with escapes (loaders.ts's checkPair). */
export type PairCheck = (pair: Pair, where: string) => void;

/**
 * Index of the quote closing the JSON string whose contents start at `from`, or -1 (a control character, or no quote
 * before `end`). Sets `at.escaped` (a backslash came before it) and `at.extra` (bytes beyond UTF-16 units, so that
 * positions in the decoded text can be found).
 */
function closingQuoteBytes(buf: Uint8Array, from: number, end: number, at: Cursor): number {
  let escaped = false;
  let extra = 0;
  for (let i = from; i < end; ) {
    const b = buf[i]!;
    if (b === QUOTE) {
      at.escaped = escaped;
      at.extra = extra;
      return i;
    }
    if (b < 0x20) return -1;
    if (b === BACKSLASH) {
      escaped = true;
      i += 2;
      continue;
    }
    if (b >= 0x80) extra += unitsExtra(b);
    i++;
  }
  return -1;
}

/** What one byte adds to "bytes − UTF-16 units": 1 for a continuation byte, −1 for a 4-byte lead (2 units). */
function unitsExtra(b: number): number {
  return (b & 0xc0) === 0x80 ? 1 : b >= 0xf0 ? -1 : 0;
}

/** Scratch state of the line parser (one, reused: nothing is allocated per line but the strings). */
interface Cursor {
  escaped: boolean;
  extra: number;
}

type Field = 'zh' | 'en' | 'id' | 'domain' | '';

/** The field a key's bytes name (keys with an escape never get here). */
function fieldOf(buf: Uint8Array, open: number, close: number): Field {
  const len = close - open;
  const c = buf[open];
  if (len === 2) {
    const d = buf[open + 1];
    if (c === 0x7a /* z */ && d === 0x68 /* h */) return 'zh';
    if (c === 0x65 /* e */ && d === 0x6e /* n */) return 'en';
    if (c === 0x69 /* i */ && d === 0x64 /* d */) return 'id';
  } else if (len === 6 && c === 0x64 /* d */ && buf[open + 1] === 0x6f && buf[open + 2] === 0x6d && buf[open + 3] === 0x61 && buf[open + 4] === 0x69 && buf[open + 5] === 0x6e) {
    return 'domain';
  }
  return '';
}

/** The JSON string literal buf[open..close] (quotes included) read by JSON.parse, or undefined when invalid. */
function parseEscaped(buf: Buffer, open: number, close: number): string | undefined {
  try {
    return JSON.parse(buf.toString('utf8', open, close + 1)) as string;
  } catch {
    return undefined;
  }
}

interface FastLine {
  id: string | undefined;
  domain: string | undefined;
  zh: string;
  en: string;
  /** Some text had an escape: the pair still needs checkPair (a \u escape can make a lone surrogate). */
  escaped: boolean;
  /** Where the object and the spaces after it end: the line's end if a line ending or the piece's end comes next. */
  end: number;
  /** The line's length in UTF-16 units, up to `end`. */
  units: number;
}

const cursor: Cursor = { escaped: false, extra: 0 };

/**
 * The line at buf[start..] (before `end`, the piece's end) as a flat object of strings with non-blank "zh" and "en",
 * their scans in `zhScan` and `enScan`; undefined for anything else (the string reader then reads the line). It never
 * reads past a line ending (a control character, refused wherever it is met), so the caller needs no search for one.
 * `text` is the piece decoded, the line from UTF-16 offset `textAt`: a string without escape is taken as a slice of it
 * (V8 keeps a view of the piece's text, not a copy: a copy per text costs more garbage collection than all the
 * parsing). Only spaces are taken as whitespace (any other is a control character, which the string reader handles);
 * duplicate keys: the last wins, as in JSON.parse.
 */
function fastLine(buf: Buffer, start: number, end: number, text: string, textAt: number, zhScan: TextScan, enScan: TextScan): FastLine | undefined {
  const skipSpaces = (at: number): number => {
    while (at < end && buf[at] === SPACE) at++;
    return at;
  };
  /** Bytes beyond UTF-16 units in buf[start..i): unit offset of i is textAt + (i - start) - extra. */
  let extra = 0;
  let i = skipSpaces(start);
  if (i >= end || buf[i++] !== 0x7b /* { */) return undefined;
  i = skipSpaces(i);
  let id: string | undefined;
  let domain: string | undefined;
  let zh: string | undefined;
  let en: string | undefined;
  let escaped = false;
  for (;;) {
    if (i >= end || buf[i] !== QUOTE) return undefined;
    const keyOpen = i + 1;
    let keyClose = keyOpen;
    for (; keyClose < end; keyClose++) {
      const b = buf[keyClose]!;
      if (b === QUOTE || b === BACKSLASH || b < 0x20) break;
      if (b >= 0x80) extra += unitsExtra(b);
    }
    if (keyClose >= end || buf[keyClose] !== QUOTE) return undefined;
    const field = fieldOf(buf, keyOpen, keyClose);
    i = skipSpaces(keyClose + 1);
    if (i >= end || buf[i++] !== 0x3a /* : */) return undefined;
    i = skipSpaces(i);
    if (i >= end || buf[i] !== QUOTE) return undefined;
    const open = i;
    const from = textAt + (open + 1 - start) - extra;
    let close: number;
    let value: string | undefined;
    if (field === 'zh' || field === 'en') {
      const scan = field === 'zh' ? zhScan : enScan;
      close = scanJsonStringUtf8(buf, open + 1, end, scan);
      if (close >= 0) {
        value = text.slice(from, from + scan.utf16);
        extra += scan.bytes - scan.utf16;
      } else {
        close = closingQuoteBytes(buf, open + 1, end, cursor);
        if (close < 0) return undefined;
        value = parseEscaped(buf, open, close);
        if (value === undefined) return undefined;
        scanText(value, scan);
        extra += cursor.extra;
        escaped = true;
      }
      if (field === 'zh') zh = value;
      else en = value;
    } else {
      close = closingQuoteBytes(buf, open + 1, end, cursor);
      if (close < 0) return undefined;
      if (field !== '' || cursor.escaped) {
        // An ASCII id is decoded on its own, flat: the duplicate-id check walks every id, slower on a slice.
        value = cursor.escaped ? parseEscaped(buf, open, close)
          : field === 'id' && cursor.extra === 0 ? buf.toString('latin1', open + 1, close)
            : text.slice(from, from + (close - open - 1) - cursor.extra);
        if (value === undefined) return undefined;
        if (field === 'id') id = value;
        else if (field === 'domain') domain = value;
      }
      extra += cursor.extra;
    }
    i = skipSpaces(close + 1);
    if (i >= end) return undefined;
    const c = buf[i++];
    if (c === 0x7d /* } */) break;
    if (c !== 0x2c /* , */) return undefined;
    i = skipSpaces(i);
  }
  i = skipSpaces(i);
  // A missing or blank side: the string reader words the error.
  if (zh === undefined || en === undefined || zhScan.words === 0 || enScan.words === 0) return undefined;
  return { id, domain, zh, en, escaped, end: i, units: i - start - extra };
}

/**
 * Parses whole lines of a JSONL file piece by piece, in file order. A line that fails does not throw here: it is kept
 * in `failed`, and later lines are only counted.
 */
export class JsonlParser {
  /** Every pair up to the first line that failed. */
  readonly pairs: Pair[] = [];
  private readonly zhCols = new ScanColumnsBuilder();
  private readonly enCols = new ScanColumnsBuilder();
  private readonly before = new Growable(Int32Array);
  private readonly zhScan = emptyScan();
  private readonly enScan = emptyScan();
  /** The first line that failed (0-based) and its error. */
  failed: { line: number; error: DataError } | undefined;
  /** A line ended with '\r\n' (read as '\n'). */
  crlf = false;

  constructor(private readonly path: string, private readonly parseLine: LineParser, private readonly checkEscaped: PairCheck) {}

  /** Lines parsed (or, past a failed one, counted) so far. */
  get lines(): number {
    return this.before.length;
  }

  /** Pairs from the lines before line k, for k up to `lines` (then: all pairs so far). */
  pairsBefore(k: number): number {
    return k < this.before.length ? this.before.at(k) : this.pairs.length;
  }

  /** The texts' scans, in the order of `pairs`. */
  scans(): { zh: ScanColumns; en: ScanColumns } {
    return { zh: this.zhCols.columns(), en: this.enCols.columns() };
  }

  /** buf[pieceStart..pieceEnd): whole lines, each ended by '\n' but for the file's last one. */
  parsePiece(buf: Buffer, pieceStart: number, pieceEnd: number): void {
    const { pairs, zhScan, enScan } = this;
    const text = this.failed ? '' : buf.toString('utf8', pieceStart, pieceEnd);
    /** UTF-16 offset in `text` of the line at `start`. */
    let textAt = 0;
    for (let start = pieceStart; start < pieceEnd; ) {
      const lineStart = start;
      const line = this.before.length;
      this.before.push(pairs.length);
      let fast = this.failed ? undefined : fastLine(buf, lineStart, pieceEnd, text, textAt, zhScan, enScan);
      /** Where the line ends (before its '\r\n' or '\n') and where its ending ends. */
      let end: number;
      let next: number;
      if (fast && (fast.end === pieceEnd || buf[fast.end] === NEWLINE)) {
        end = next = fast.end;
      } else if (fast && buf[fast.end] === CR && fast.end + 1 < pieceEnd && buf[fast.end + 1] === NEWLINE) {
        end = fast.end;
        next = end + 1;
        this.crlf = true;
      } else {
        // Not a line of its own kind (something follows the object): the string reader takes the whole line.
        fast = undefined;
        next = buf.indexOf(NEWLINE, lineStart);
        if (next < 0 || next >= pieceEnd) next = pieceEnd;
        // A '\r' before the '\n' is part of the line ending, as the string readers' CRLF → LF makes it.
        end = next;
        if (next < pieceEnd && end > lineStart && buf[end - 1] === CR) {
          end--;
          this.crlf = true;
        }
      }
      start = next + 1;
      if (this.failed) continue;
      // The line's units, and the '\r' and '\n' after it: where the next line starts in `text`.
      const lineText = fast ? undefined : buf.toString('utf8', lineStart, end);
      textAt += (fast ? fast.units : lineText!.length) + (next - end) + (next < pieceEnd ? 1 : 0);
      try {
        let pair: Pair;
        if (fast) {
          pair = { id: fast.id ?? String(pairs.length + 1), domain: fast.domain || 'general', zh: fast.zh, en: fast.en };
          if (fast.escaped) this.checkEscaped(pair, `${this.path}:${line + 1}`);
        } else {
          if (lineText!.trim() === '') continue;
          pair = this.parseLine(lineText!, `${this.path}:${line + 1}`, pairs.length + 1);
          scanText(pair.zh, zhScan);
          scanText(pair.en, enScan);
        }
        pairs.push(pair);
        this.zhCols.push(zhScan);
        this.enCols.push(enScan);
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        this.failed = { line, error: err };
      }
    }
  }
}

/**
 * Read and parse a JSONL file in one pass over its bytes. A line that fails does not end the reading: the rest of the
 * file is still read and checked (invalid UTF-8 or a NUL anywhere is reported first, as when the whole file is read
 * before parsing); the caller throws the line's error when the pairs before it have been asked for.
 */
export function readJsonlBytes(parser: JsonlParser, path: string, pieceBytes?: number): PieceFacts {
  return readUtf8Pieces(path, 'corpus file', (buf, start, end) => parser.parsePiece(buf, start, end), pieceBytes);
}

/** Where each line of a file starts, for parsing it later in steps (parseJsonlLines). */
export interface LineIndex extends PieceFacts {
  lines: number;
  /** File offset of each line's first byte, and the file's end: lines + 1 entries. */
  starts: Float64Array;
}

/**
 * The file read and checked once (UTF-8, NUL, digest: readUtf8Pieces) and its lines found, nothing decoded: what a
 * parallel run needs to plan its chunks before it parses them (0.2 s on 100 MB, against 0.8 s for the whole reading).
 */
export function indexLines(path: string, pieceBytes?: number): LineIndex {
  const starts = new Growable(Float64Array);
  const facts = readUtf8Pieces(path, 'corpus file', (buf, start, end, offset) => {
    for (let at = start; at < end; ) {
      starts.push(offset + at);
      const nl = buf.indexOf(NEWLINE, at);
      at = nl < 0 || nl >= end ? end : nl + 1;
    }
  }, pieceBytes);
  starts.push(facts.bytes);
  return { ...facts, lines: starts.length - 1, starts: starts.view() };
}

/** Parse lines [parser.lines, end) of an indexed file, read in pieces of whole lines of about `pieceBytes`. */
export function parseJsonlLines(parser: JsonlParser, path: string, index: LineIndex, end: number, pieceBytes = 8 * 1024 * 1024): void {
  let from = parser.lines;
  if (from >= end || parser.failed) return;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw readFailure(err, path, 'corpus file');
  }
  try {
    let buf = Buffer.allocUnsafe(Math.min(pieceBytes, index.starts[end]! - index.starts[from]!));
    while (from < end && !parser.failed) {
      let to = from + 1;
      while (to < end && index.starts[to + 1]! - index.starts[from]! <= pieceBytes) to++;
      const bytes = index.starts[to]! - index.starts[from]!;
      if (bytes > buf.length) buf = Buffer.allocUnsafe(bytes);
      let got: number;
      try {
        got = readSync(fd, buf, 0, bytes, index.starts[from]!);
      } catch (err) {
        throw readFailure(err, path, 'corpus file');
      }
      if (got !== bytes) throw new DataError(`${path} changed while it was read`, 'run again on a file that is not being written');
      parser.parsePiece(buf, 0, bytes);
      from = to;
    }
  } finally {
    closeSync(fd);
  }
}
