import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readUtf8File, readUtf8Lines, splitLines } from '../../src/corpora/read-text.js';
import { mulberry32 } from '../../src/metrics/bootstrap.js';
import { tempFiles } from '../helpers/temp-files.js';

const { dir, file } = tempFiles('tokbench-readtext-', 'txt');

type Outcome = { lines: string[]; notes: string[]; sha256: string; bytes: number } | { error: string };

/** The whole-file reading, as the loaders did it: the reference the piecewise reader must reproduce. */
function whole(path: string): Outcome {
  try {
    const r = readUtf8File(path);
    return { lines: splitLines(r.text), notes: r.notes, sha256: createHash('sha256').update(r.raw).digest('hex'), bytes: r.raw.length };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function pieces(path: string, pieceBytes?: number): Outcome {
  try {
    return readUtf8Lines(path, 'corpus file', pieceBytes);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const b = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

// Every case is read whole and in pieces as small as one byte, so each cut falls at every possible place.
const CASES: [string, Buffer][] = [
  ['empty', b('')],
  ['one line, no newline', b('你好\tHello')],
  ['trailing newline', b('你好\tHello\n中文\tChinese\n')],
  ['blank lines, two trailing newlines', b('\n\n你好\tHello\n\n\n')],
  ['BOM', b([0xef, 0xbb, 0xbf], '你好\tHello\n')],
  ['BOM only', b([0xef, 0xbb, 0xbf])],
  ['BOM and a newline', b([0xef, 0xbb, 0xbf], '\n')],
  ['BOM not at the start is kept', b('a\n', [0xef, 0xbb, 0xbf], 'b\n')],
  ['CRLF', b('你好\tHello\r\n中文\tChinese\r\n')],
  ['CRLF, no final newline, lone CR kept', b('a\rb\r\nc\r')],
  ['CR then LF at every offset', b('\r\n\r\r\n\n\r')],
  ['astral and 3-byte characters', b('𠀀𠀁\t😀 ok\n龘\t\u00e9\n')],
  ['a line longer than any piece', b('长'.repeat(300), '\n', 'x'.repeat(500), '\n短\n')],
  ['invalid UTF-8 in the middle', b('你好\tHello\n中文\tChi', [0xe4, 0xb8], 'x\n')],
  ['a sequence cut by a newline', b('ab', [0xe4], '\ncd\n')],
  ['a sequence truncated at the end', b('你好\n', [0xe4, 0xb8])],
  ['overlong and surrogate encodings', b('ok\n', [0xc0, 0xaf], '\n')],
  ['NUL', b('a\0\tb\n')],
  ['NUL before invalid UTF-8: the invalid UTF-8 is reported', b('a\0b\n', 'c', [0xff], '\n')],
  ['NUL in the last line', b('a\tb\nc\0')],
  ['Git LFS pointer', b('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n')],
];

describe('readUtf8Lines: the whole-file reading, piece by piece', () => {
  it.each(CASES)('%s', (_name, bytes) => {
    const path = file(bytes);
    const expected = whole(path);
    for (const size of [1, 2, 3, 5, 7, 64, 100, 1 << 20]) expect(pieces(path, size), `piece size ${size}`).toEqual(expected);
    expect(pieces(path), 'default piece size').toEqual(expected);
  });

  it('random files of lines, CRLF, BOM and multi-byte text give the same lines, notes and sha256', () => {
    const next = mulberry32(20261205);
    const rnd = (): number => next() / 2 ** 32;
    const alphabet = ['a', ' ', '\t', '\n', '\r\n', '\r', '中', '文', '𠀀', 'é', '"', '\\', '\ufeff'];
    for (let k = 0; k < 60; k++) {
      const parts: string[] = rnd() < 0.3 ? ['\ufeff'] : [];
      const len = Math.floor(rnd() * 400);
      for (let i = 0; i < len; i++) parts.push(alphabet[Math.floor(rnd() * alphabet.length)]!);
      const path = file(parts.join(''));
      const expected = whole(path);
      expect('lines' in expected).toBe(true);
      for (const size of [1, 3, 64, 65, 97, 128]) expect(pieces(path, size), `file ${k}, piece size ${size}`).toEqual(expected);
    }
  });

  it('a directory and a missing file are the same one-line errors', () => {
    expect(pieces(dir)).toEqual(whole(dir));
    expect(pieces(join(dir, 'missing.txt'))).toEqual(whole(join(dir, 'missing.txt')));
    expect((pieces(dir) as { error: string }).error).toMatch(/is a directory/);
  });
});
