/**
 * Character counting. JS `.length` counts UTF-16 code units, which over-counts every
 * supplementary-plane character (e.g. 𠮷, CJK Extension B); the default unit is the Unicode code point.
 */
export const CHAR_UNITS = ['codepoint', 'grapheme', 'han', 'utf16'] as const;
export type CharUnit = (typeof CHAR_UNITS)[number];

const HAN = /\p{Script=Han}/u;
const HAN_GLOBAL = /\p{Script=Han}/gu;
const encoder = new TextEncoder();

export function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low surrogate is one code point; lone surrogates count as one each.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

let graphemeSegmenter: Intl.Segmenter | undefined;
export function countGraphemes(text: string): number {
  graphemeSegmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  let n = 0;
  for (const _ of graphemeSegmenter.segment(text)) n++;
  return n;
}

export function countHan(text: string): number {
  return text.match(HAN_GLOBAL)?.length ?? 0;
}

export function isHan(ch: string): boolean {
  return HAN.test(ch);
}

export function countChars(text: string, unit: CharUnit): number {
  switch (unit) {
    case 'codepoint':
      return countCodePoints(text);
    case 'grapheme':
      return countGraphemes(text);
    case 'han':
      return countHan(text);
    case 'utf16':
      return text.length;
  }
}

/** UTF-8 byte length without allocating for pure-ASCII fast paths. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3; // lone surrogate: encoded as U+FFFD (3 bytes) by TextEncoder
    } else bytes += 3;
  }
  return bytes;
}

export { encoder as utf8Encoder };
