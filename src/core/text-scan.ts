/**
 * Everything a run needs to know about a text's characters, from ONE pass over its UTF-16 units: code points,
 * UTF-8 bytes, Han characters, letters and whitespace-delimited words. A run used to walk each text five times
 * with five regexes (units, bytes, corpus checks, word counts); on a 100 MB corpus that cost more than a fast
 * tokenizer's whole encoding pass. The classes are defined by the same regexes as before (`\p{Script=Han}`,
 * `\p{L}`, `\s`), evaluated once per BMP code unit into a lookup table, so the counts are identical by
 * construction; test/core/text-scan.test.ts checks them against the regexes on real and adversarial text.
 */

import { countChars, type CharUnit } from './text-units.js';

const HAN_BIT = 1;
const LETTER_BIT = 2;
const SPACE_BIT = 4;

const HAN_RE = /^\p{Script=Han}$/u;
const LETTER_RE = /^\p{L}$/u;
const SPACE_RE = /^\s$/u;

let bmp: Uint8Array | undefined;

function classOf(ch: string): number {
  return (HAN_RE.test(ch) ? HAN_BIT : 0) | (LETTER_RE.test(ch) ? LETTER_BIT : 0) | (SPACE_RE.test(ch) ? SPACE_BIT : 0);
}

function bmpTable(): Uint8Array {
  if (bmp) return bmp;
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    // Surrogate code units are never characters on their own: a lone one counts as a code point of no class.
    if (c >= 0xd800 && c <= 0xdfff) continue;
    t[c] = classOf(String.fromCharCode(c));
  }
  bmp = t;
  return t;
}

// Supplementary-plane characters are rare outside CJK extensions; classify each distinct one once.
const astral = new Map<number, number>();
function astralClass(cp: number): number {
  let k = astral.get(cp);
  if (k === undefined) {
    k = classOf(String.fromCodePoint(cp));
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
}

export function emptyScan(): TextScan {
  return { codepoints: 0, bytes: 0, han: 0, letters: 0, words: 0 };
}

/** Scan `text` into `out` (reused by callers that scan millions of texts, so nothing is allocated per text). */
export function scanText(text: string, out: TextScan = emptyScan()): TextScan {
  const table = bmpTable();
  let codepoints = 0;
  let bytes = 0;
  let han = 0;
  let letters = 0;
  let words = 0;
  let inWord = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let k: number;
    if (c < 0x80) {
      bytes += 1;
      k = table[c]!;
    } else if (c < 0x800) {
      bytes += 2;
      k = table[c]!;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const d = text.charCodeAt(++i);
      bytes += 4;
      k = astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
    } else {
      bytes += 3;
      k = table[c]!;
    }
    codepoints++;
    if (k & HAN_BIT) han++;
    if (k & LETTER_BIT) letters++;
    if (k & SPACE_BIT) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  out.codepoints = codepoints;
  out.bytes = bytes;
  out.han = han;
  out.letters = letters;
  out.words = words;
  return out;
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
