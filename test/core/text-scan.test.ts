import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyScan, scanJsonStringUtf8, scanText, scanTexts } from '../../src/core/text-scan.js';
import { BUNDLED_CORPUS_PATH } from '../../src/corpora/loaders.js';

// The independent reference: the regexes and encoder the scan replaces, applied one property at a time.
const reference = (t: string) => ({
  codepoints: [...t].length,
  bytes: Buffer.byteLength(t, 'utf8'),
  han: t.match(/\p{Script=Han}/gu)?.length ?? 0,
  letters: t.match(/\p{L}/gu)?.length ?? 0,
  words: t.match(/\S+/gu)?.length ?? 0,
  utf16: t.length,
});

const bundled = readFileSync(BUNDLED_CORPUS_PATH, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { zh: string; en: string });

describe('scanText', () => {
  it('equals the regex/encoder reference on every bundled text', () => {
    for (const p of bundled) {
      expect(scanText(p.zh)).toEqual(reference(p.zh));
      expect(scanText(p.en)).toEqual(reference(p.en));
    }
  });

  it('equals the reference on supplementary-plane, whitespace and lone-surrogate edge cases', () => {
    const cases = [
      '𠮷野家 𪚥', // CJK Extension B (astral Han letters)
      'a\u3000b\u00a0c\u2028d\ufeffe', // ideographic space, NBSP, line separator, BOM: all \s
      '😀 emoji 🇨🇳', // astral non-letters
      '\ud800x\udc00', // lone surrogates: one code point, 3 UTF-8 bytes (U+FFFD), not letters, part of a word
      'é́ ñ ا ㄅ ㆠ ꀀ 〇 々 〆', // combining marks, Arabic, Bopomofo, Yi; 〇 and 々 are Han by script
      '',
      '   ',
      '\t\n\v\f\r',
    ];
    for (const t of cases) {
      const ref = reference(t);
      // Buffer.byteLength writes a lone surrogate as U+FFFD (3 bytes), as does TextEncoder.
      expect(scanText(t), JSON.stringify(t)).toEqual(ref);
    }
  });

  it('columns agree with per-text scans and UTF-16 lengths', () => {
    const texts = bundled.slice(0, 50).flatMap((p) => [p.zh, p.en]);
    const s = scanTexts(texts, 'utf16');
    texts.forEach((t, i) => {
      const r = reference(t);
      expect([s.codepoints[i], s.bytes[i], s.han[i], s.letters[i], s.words[i], s.units[i]]).toEqual([r.codepoints, r.bytes, r.han, r.letters, r.words, t.length]);
    });
  });
});

describe('scanJsonStringUtf8 (a JSON string scanned on its UTF-8 bytes)', () => {
  const scanBytes = (t: string, tail = '"') => {
    const buf = Buffer.from(`"${t}${tail}, "x": 1}`);
    const out = emptyScan();
    const close = scanJsonStringUtf8(buf, 1, buf.length, out);
    return { close, out, quoteAt: 1 + Buffer.byteLength(t) };
  };

  it('gives the reference counts and the closing quote on every bundled text and astral/whitespace cases', () => {
    const texts = [...bundled.flatMap((p) => [p.zh, p.en]).filter((t) => !/["\\\u0000-\u001f]/.test(t)), '𠮷野家 𪚥', 'a\u3000b\u00a0c\u2028d\ufeffe', '😀 emoji 🇨🇳', 'é', ''];
    expect(texts.length).toBeGreaterThan(600);
    for (const t of texts) {
      const { close, out, quoteAt } = scanBytes(t);
      expect(close, t).toBe(quoteAt);
      expect(out, t).toEqual(reference(t));
    }
  });

  it('stops with -1 at a backslash, a control character or the end, so the caller reads the string another way', () => {
    expect(scanBytes('a\\"b').close).toBe(-1);
    expect(scanBytes('tab\there').close).toBe(-1);
    expect(scanBytes('new\nline').close).toBe(-1);
    const buf = Buffer.from('"no closing quote');
    expect(scanJsonStringUtf8(buf, 1, buf.length, emptyScan())).toBe(-1);
  });
});
