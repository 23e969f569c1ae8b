/**
 * Everything a run needs to know about a text's characters, from ONE pass over its UTF-16 units: code points,
 * UTF-8 bytes, Han characters, letters and whitespace-delimited words. A run used to walk each text five times
 * with five regexes (units, bytes, corpus checks, word counts); on a 100 MB corpus that cost more than a fast
 * tokenizer's whole encoding pass. The classes are defined by the same regexes as before (`\p{Script=Han}`,
 * `\p{L}`, `\s`), evaluated once per BMP code unit into a lookup table, so the counts are identical by
 * construction; test/core/text-scan.test.ts checks them against the regexes on real and adversarial text.
 */

import { Growable } from './growable.js';
import { countChars, type CharUnit } from './text-units.js';

const HAN_BIT = 1;
const LETTER_BIT = 2;
const SPACE_BIT = 4;
/** Bits 3–5 of an entry: the UTF-8 length, 1–3 for a BMP code unit (a lone surrogate's is 3), 4 for a surrogate pair. */
const BYTES_SHIFT = 3;
/** A high surrogate: the one entry that needs a look at the next unit. */
const HIGH_SURROGATE_BIT = 64;

const HAN_RE = /^\p{Script=Han}$/u;
const LETTER_RE = /^\p{L}$/u;
const SPACE_RE = /^\s$/u;

let bmp: Uint8Array | undefined;

function classOf(ch: string): number {
  return (HAN_RE.test(ch) ? HAN_BIT : 0) | (LETTER_RE.test(ch) ? LETTER_BIT : 0) | (SPACE_RE.test(ch) ? SPACE_BIT : 0);
}

/**
 * One byte per BMP code unit packing everything the scan adds up (class bits and UTF-8 length), so the hot loop is
 * a lookup and a few adds, with no branch per character class or per UTF-8 length (twice as fast as branching).
 */
function bmpTable(): Uint8Array {
  if (bmp) return bmp;
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    const bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    // Surrogate code units are never characters on their own: a lone one counts as a code point of no class (3 bytes,
    // as TextEncoder writes U+FFFD for it).
    if (c >= 0xd800 && c <= 0xdfff) t[c] = (bytes << BYTES_SHIFT) | (c <= 0xdbff ? HIGH_SURROGATE_BIT : 0);
    else t[c] = (bytes << BYTES_SHIFT) | classOf(String.fromCharCode(c));
  }
  bmp = t;
  return t;
}

// Supplementary-plane characters are rare outside CJK extensions; classify each distinct one once.
const astral = new Map<number, number>();
function astralEntry(cp: number): number {
  let k = astral.get(cp);
  if (k === undefined) {
    k = (4 << BYTES_SHIFT) | classOf(String.fromCodePoint(cp));
    astral.set(cp, k);
  }
  return k;
}

export interface TextScan {
  codepoints: number;
  /** UTF-8 bytes (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
  bytes: number;
  /** Code points of Script=Han. */
  han: number;
  /** Code points of General_Category=Letter. */
  letters: number;
  /** Runs of non-whitespace: the number of /\S+/gu matches. */
  words: number;
  /** UTF-16 code units (the string's length). */
  utf16: number;
}

export function emptyScan(): TextScan {
  return { codepoints: 0, bytes: 0, han: 0, letters: 0, words: 0, utf16: 0 };
}

/** Scan `text` into `out` (reused by callers that scan millions of texts, so nothing is allocated per text). */
export function scanText(text: string, out: TextScan = emptyScan()): TextScan {
  const table = bmpTable();
  let surrogatePairs = 0;
  let bytes = 0;
  let han = 0;
  let letters = 0;
  let words = 0;
  // SPACE_BIT when the previous code point was whitespace (or there was none): a non-space after it starts a word.
  let previousSpace = SPACE_BIT;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let k = table[text.charCodeAt(i)]!;
    if (k & HIGH_SURROGATE_BIT && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if ((d & 0xfc00) === 0xdc00) {
        k = astralEntry(((text.charCodeAt(i) - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        surrogatePairs++;
      }
    }
    bytes += (k >> BYTES_SHIFT) & 7;
    han += k & HAN_BIT;
    letters += (k & LETTER_BIT) >> 1;
    const space = k & SPACE_BIT;
    words += (previousSpace & ~space) >> 2;
    previousSpace = space;
  }
  out.codepoints = n - surrogatePairs;
  out.bytes = bytes;
  out.han = han;
  out.letters = letters;
  out.words = words;
  out.utf16 = n;
  return out;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The scan of a JSON string read straight from its UTF-8 bytes, with no string made: `buf[from..]` is the string's
 * contents, and the index of its closing quote is returned, or -1 at a backslash or a control character (an escape,
 * or invalid JSON: the caller reads that string another way) or if no quote comes before `end`. The bytes must be
 * valid UTF-8 (checked before), so there is no surrogate to meet; the counts are those scanText gives for the decoded
 * string, from the same table (test/core/text-scan.test.ts compares the two).
 */
export function scanJsonStringUtf8(buf: Uint8Array, from: number, end: number, out: TextScan): number {
  const table = bmpTable();
  let codepoints = 0;
  let astralChars = 0;
  let han = 0;
  let letters = 0;
  let words = 0;
  let previousSpace = SPACE_BIT;
  let i = from;
  for (;;) {
    if (i >= end) return -1;
    const b = buf[i]!;
    let k: number;
    if (b < 0x80) {
      if (b === QUOTE) break;
      if (b === BACKSLASH || b < 0x20) return -1;
      k = table[b]!;
      i++;
    } else if (b < 0xe0) {
      k = table[((b & 0x1f) << 6) | (buf[i + 1]! & 0x3f)]!;
      i += 2;
    } else if (b < 0xf0) {
      k = table[((b & 0x0f) << 12) | ((buf[i + 1]! & 0x3f) << 6) | (buf[i + 2]! & 0x3f)]!;
      i += 3;
    } else {
      k = astralEntry(((b & 0x07) << 18) | ((buf[i + 1]! & 0x3f) << 12) | ((buf[i + 2]! & 0x3f) << 6) | (buf[i + 3]! & 0x3f));
      i += 4;
      astralChars++;
    }
    codepoints++;
    han += k & HAN_BIT;
    letters += (k & LETTER_BIT) >> 1;
    const space = k & SPACE_BIT;
    words += (previousSpace & ~space) >> 2;
    previousSpace = space;
  }
  out.codepoints = codepoints;
  out.bytes = i - from;
  out.han = han;
  out.letters = letters;
  out.words = words;
  out.utf16 = codepoints + astralChars;
  return i;
}

/** A text's length in a character unit, from its scan (graphemes need their own segmenter pass). */
export function unitCount(text: string, s: TextScan, unit: CharUnit): number {
  switch (unit) {
    case 'codepoint':
      return s.codepoints;
    case 'han':
      return s.han;
    case 'utf16':
      return text.length;
    case 'grapheme':
      return countChars(text, unit);
  }
}

/** Per-text scan results of one side of a corpus, as columns (4 bytes per text and field, no objects). */
export interface SideScan {
  codepoints: Int32Array;
  bytes: Int32Array;
  han: Int32Array;
  letters: Int32Array;
  words: Int32Array;
  /** Length of each text in the run's character unit (unitCount). */
  units: Int32Array;
}

/** A side's scan columns without the run's unit: what a reader can gather before the run's options are known. */
export type ScanColumns = Omit<SideScan, 'units'> & { utf16: Int32Array };

/** Scan columns filled one text at a time (the count is not known in advance). */
export class ScanColumnsBuilder {
  private readonly cols = {
    codepoints: new Growable(Int32Array), bytes: new Growable(Int32Array), han: new Growable(Int32Array),
    letters: new Growable(Int32Array), words: new Growable(Int32Array), utf16: new Growable(Int32Array),
  };

  push(s: TextScan): void {
    const c = this.cols;
    c.codepoints.push(s.codepoints);
    c.bytes.push(s.bytes);
    c.han.push(s.han);
    c.letters.push(s.letters);
    c.words.push(s.words);
    c.utf16.push(s.utf16);
  }

  /** The columns so far (views, not copies). */
  columns(): ScanColumns {
    const c = this.cols;
    return {
      codepoints: c.codepoints.view(), bytes: c.bytes.view(), han: c.han.view(),
      letters: c.letters.view(), words: c.words.view(), utf16: c.utf16.view(),
    };
  }
}

/**
 * A side's scan in the run's unit from columns gathered while reading, or undefined when the unit needs the texts
 * themselves (graphemes: a segmenter pass).
 */
export function sideScanFromColumns(c: ScanColumns, unit: CharUnit): SideScan | undefined {
  const units = unit === 'codepoint' ? c.codepoints : unit === 'han' ? c.han : unit === 'utf16' ? c.utf16 : undefined;
  return units ? { codepoints: c.codepoints, bytes: c.bytes, han: c.han, letters: c.letters, words: c.words, units } : undefined;
}

export function scanTexts(texts: readonly string[], unit: CharUnit = 'codepoint'): SideScan {
  const n = texts.length;
  const s: SideScan = {
    codepoints: new Int32Array(n), bytes: new Int32Array(n), han: new Int32Array(n),
    letters: new Int32Array(n), words: new Int32Array(n), units: new Int32Array(n),
  };
  const one = emptyScan();
  for (let i = 0; i < n; i++) {
    const t = texts[i]!;
    scanText(t, one);
    s.codepoints[i] = one.codepoints;
    s.bytes[i] = one.bytes;
    s.han[i] = one.han;
    s.letters[i] = one.letters;
    s.words[i] = one.words;
    s.units[i] = unitCount(t, one, unit);
  }
  return s;
}

export function sumInt32(xs: Int32Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

