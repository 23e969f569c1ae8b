import { describe, expect, it } from 'vitest';
import { countChars, countCodePoints, countGraphemes, countHan, utf8Bytes } from '../../src/core/text-units.js';

describe('character units', () => {
  it('counts a supplementary-plane Han character (𠮷, U+20BB7) as one code point, two UTF-16 units, four UTF-8 bytes', () => {
    expect('𠮷'.length).toBe(2); // the JS pitfall this module exists to avoid
    expect(countCodePoints('𠮷')).toBe(1);
    expect(countChars('𠮷野家', 'codepoint')).toBe(3);
    expect(countChars('𠮷野家', 'utf16')).toBe(4);
    expect(utf8Bytes('𠮷')).toBe(4);
  });

  it('matches Buffer.byteLength for mixed text', () => {
    const s = 'Hello, 世界! café 𠮷 👨‍👩‍👧 ¥300';
    expect(utf8Bytes(s)).toBe(Buffer.byteLength(s, 'utf8'));
  });

  it('counts a ZWJ family emoji as 1 grapheme but 5 code points', () => {
    const family = '👨‍👩‍👧';
    expect(countCodePoints(family)).toBe(5);
    expect(countGraphemes(family)).toBe(1);
  });

  it('counts only Script=Han code points for the han unit', () => {
    // 我 用 写 了 个 函 数: 7 Han; Latin, digits, spaces and the full-width 。 are not Han.
    expect(countHan('我用 Python 3.12 写了 3 个函数。')).toBe(7);
  });

  it('gives 0 Han characters for pure Latin text', () => {
    expect(countChars('Plain English text only.', 'han')).toBe(0);
  });

  it('counts a lone surrogate as one code point', () => {
    expect(countCodePoints('a\ud800b')).toBe(3);
  });
});
