import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { scanTexts } from '../../src/core/text-scan.js';
import { indexLines, JsonlParser, parseJsonlLines, readJsonlBytes } from '../../src/corpora/jsonl-bytes.js';
import { BUNDLED_CORPUS_PATH, checkPair, loadJsonl, openJsonl, parseJsonlLine } from '../../src/corpora/loaders.js';
import { crlfNote, readUtf8Lines } from '../../src/corpora/read-text.js';
import type { Pair } from '../../src/corpora/types.js';
import { mulberry32 } from '../../src/metrics/bootstrap.js';
import { tempFiles } from '../helpers/temp-files.js';

// The byte reader must give what the string reader gives — decode the file, split it into lines, parse each with
// parseJsonlLine (itself checked against JSON.parse in jsonl-fast.test.ts) — on every file: the same pairs, the same
// first failing line and message, the same notes and digest, and scans equal to scanning the strings. Files: the
// bundled corpus (also with a BOM and CRLF), edge cases, and seeded random files, each read in pieces of several sizes.

const { file } = tempFiles('tokbench-jsonl-bytes-', 'jsonl');

interface Outcome {
  thrown?: string;
  pairs?: Pair[];
  failed?: { line: number; message: string };
  lines?: number;
  pairsBefore?: number[];
  notes?: string[];
  sha256?: string;
}

function stringReader(path: string): Outcome {
  let read;
  try {
    read = readUtf8Lines(path);
  } catch (err) {
    return { thrown: (err as Error).message };
  }
  const pairs: Pair[] = [];
  const pairsBefore: number[] = [];
  let failed: Outcome['failed'];
  read.lines.forEach((line, i) => {
    pairsBefore.push(pairs.length);
    if (failed || line.trim() === '') return;
    try {
      pairs.push(parseJsonlLine(line, `${path}:${i + 1}`, pairs.length + 1));
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      failed = { line: i, message: err.message };
    }
  });
  pairsBefore.push(pairs.length);
  return { pairs, ...(failed ? { failed } : {}), lines: read.lines.length, pairsBefore, notes: read.notes, sha256: read.sha256 };
}

/**
 * The byte reader, in one pass (`steps` undefined) or as a parallel run uses it: the file indexed, then parsed up to
 * lines chosen by `steps` (each call gives the next line to parse up to).
 */
function byteReader(path: string, pieceBytes?: number, steps?: (lines: number) => number): Outcome {
  const parser = new JsonlParser(path, parseJsonlLine, (p, where) => checkPair(p, where));
  let facts;
  let lines: number;
  try {
    if (steps) {
      const index = indexLines(path, pieceBytes);
      for (let end = 0; end < index.lines && !parser.failed; ) {
        end = Math.min(index.lines, Math.max(end + 1, steps(index.lines)));
        parseJsonlLines(parser, path, index, end, pieceBytes);
      }
      facts = index;
      lines = index.lines;
    } else {
      facts = readJsonlBytes(parser, path, pieceBytes);
      lines = parser.lines;
    }
  } catch (err) {
    return { thrown: (err as Error).message };
  }
  // The scans must be those of the strings it returns.
  const scans = parser.scans();
  for (const side of ['zh', 'en'] as const) {
    const texts = parser.pairs.map((p) => p[side]);
    const ref = scanTexts(texts);
    const got = scans[side];
    for (const key of ['codepoints', 'bytes', 'han', 'letters', 'words'] as const) expect(Array.from(got[key]), `${path} ${side} ${key}`).toEqual(Array.from(ref[key]));
    expect(Array.from(got.utf16), `${path} ${side} utf16`).toEqual(texts.map((t) => t.length));
  }
  return {
    pairs: parser.pairs, ...(parser.failed ? { failed: { line: parser.failed.line, message: parser.failed.error.message } } : {}),
    lines, pairsBefore: Array.from({ length: lines + 1 }, (_, k) => parser.pairsBefore(k)),
    notes: parser.crlf ? [...facts.notes, crlfNote(path)] : facts.notes, sha256: facts.sha256,
  };
}

const stepRand = uniform(7);

function expectSame(path: string): Outcome {
  const ref = stringReader(path);
  for (const piece of [undefined, 1, 7, 64]) {
    expect(byteReader(path, piece), `${path} (pieces of ${piece ?? 'default'} bytes)`).toEqual(ref);
    expect(byteReader(path, piece, (n) => Math.floor(stepRand() * (n + 1))), `${path} (indexed, parsed in steps, pieces of ${piece ?? 'default'} bytes)`).toEqual(ref);
  }
  return ref;
}

/** Seeded floats in [0, 1). */
function uniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
}

describe('JSONL byte reader (readJsonlBytes) against the string reader', () => {
  it('the bundled corpus, as is, with a BOM and with CRLF line endings', () => {
    const text = readFileSync(BUNDLED_CORPUS_PATH, 'utf8');
    const plain = expectSame(BUNDLED_CORPUS_PATH);
    expect(plain.pairs!.length).toBeGreaterThan(300);
    expect(plain.failed).toBeUndefined();
    const bom = expectSame(file('\ufeff' + text));
    expect(bom.notes).toEqual([expect.stringContaining('byte-order mark')]);
    const crlf = expectSame(file('\ufeff' + text.replace(/\n/g, '\r\n')));
    expect(crlf.notes).toHaveLength(2);
    expect(crlf.pairs).toEqual(plain.pairs);
  });

  it('edge cases: escapes, astral and whitespace-only texts, odd keys and spacing, blank and bad lines', () => {
    const ok = (o: Record<string, unknown>) => JSON.stringify(o);
    const cases: string[] = [
      ok({ id: 'a', zh: '中文', en: 'x' }) + '\n' + ok({ zh: '𠮷野家😀', en: 'Yoshinoya' }),
      '{"zh": "中\\"文\\"", "en": "say \\"hi\\"\\n", "id": "q\\u0031"}\n',
      '{ "zh" :  "中文"  , "en":"x" ,"domain":"新闻"}   \n\n   \n{"zh":"二","en":"two","other":"ignored","zh":"三"}',
      '{"zh":"中\\ud800","en":"x"}',
      '{"zh":"\\u4e2d","en":"x"}\r\n{"zh":"a\rb","en":"x"}',
      '{"zh":"\u3000","en":"x"}',
      '{"zh":"中","en":" \\t "}',
      '{"zh":"中","en":"x","id":5}',
      '{"zh":"中","en":"x","extra":{"a":"b"}}',
      '{"zh":"中","en":"x"}\t\n',
      '{"z\\u0068":"中","en":"x"}',
      '{"键":"值","zh":"中","en":"x","id":"编号"}',
      '{"zh":"中","en":"x"',
      '{"zh":"中","en":"x"}}',
      '[]\n{"zh":"中","en":"x"}',
      '{"zh":"中" "en":"x"}',
      '{}',
      '{"zh":"中","en":"x"}\r',
      '{"zh":"中","en":"x"}\n{"zh":"\u0001","en":"x"}\n' + 'bad line\n'.repeat(3),
      '{"zh":"中","en":"x","id":"1"}\n{"zh":"中","en":"x","id":"2"}\n{"zh":"中","en":"x","domain":""}',
      '',
      '\n\n',
    ];
    let failures = 0;
    for (const c of cases) if (expectSame(file(c)).failed) failures++;
    expect(failures).toBeGreaterThanOrEqual(8);
  });

  it('agrees on 400 seeded random files', () => {
    const rand = uniform(20261205);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const texts = ['你好，世界。', 'Hello, world.', '𠀀𠀁 CJK Ext B', 'emoji 😀 and “quotes” — dash', 'é à ü', ' spaced ', '\u3000全角空格', 'a "quoted" word', 'back\\slash', 'line\nbreak', '\u2028', ' ', ''];
    const keyOf = () => (rand() < 0.9 ? pick(['zh', 'en', 'id', 'domain']) : pick(['other', '键', 'z\\u0068', 'domains', 'ID']));
    let pairs = 0;
    let failedFiles = 0;
    for (let f = 0; f < 400; f++) {
      const lines: string[] = [];
      for (let k = 0, n = 1 + Math.floor(rand() * 25); k < n; k++) {
        const r = rand();
        if (r < 0.05) lines.push(pick(['', '  ', '\t', '{"zh":"中","en":', 'null', '{"zh":"中","en":"x",}']));
        else if (r < 0.15) {
          const members = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => `${JSON.stringify(keyOf()).replace('\\\\u', '\\u')}:${JSON.stringify(pick(texts))}`);
          lines.push(`{${members.join(pick([',', ' , ', ',  ']))}}`);
        } else {
          const o: Record<string, string> = { zh: pick(texts.slice(0, 10)) + pick(texts), en: pick(texts.slice(1, 9)) };
          if (rand() < 0.7) o.id = `p${f}-${k}${pick(['', 'é', '𠮷'])}`;
          if (rand() < 0.5) o.domain = pick(['news', '科技', '']);
          lines.push(rand() < 0.2 ? JSON.stringify(o, null, 1).replace(/\n/g, ' ') : JSON.stringify(o));
        }
      }
      const eol = pick(['\n', '\n', '\r\n']);
      const text = (rand() < 0.1 ? '\ufeff' : '') + lines.join(eol) + (rand() < 0.7 ? eol : '');
      const out = expectSame(file(text));
      pairs += out.pairs?.length ?? 0;
      if (out.failed) failedFiles++;
    }
    // Both kinds must be well represented, or the comparison proves little.
    expect(pairs).toBeGreaterThan(2000);
    expect(failedFiles).toBeGreaterThan(40);
    expect(failedFiles).toBeLessThan(360);
  });

  it('read errors win over a bad line, as when the file is read before it is parsed', () => {
    const bad = Buffer.concat([Buffer.from('{"zh":"中","en":\n'), Buffer.from('{"zh":"中","en":"x"}\n'), Buffer.from([0xff, 0x0a])]);
    const out = expectSame(file(bad));
    expect(out.thrown).toMatch(/invalid UTF-8 at byte offset 40/);
    const nul = expectSame(file('{"zh":"中","en":\n{"zh":"中","en":"x"}\n\u0000\n'));
    expect(nul.thrown).toMatch(/NUL byte/);
  });
});

describe('openJsonl over the byte reader', () => {
  it('hands out pairs up to a line and throws a bad line only once the pairs up to it are asked for', () => {
    const path = file('{"zh":"一","en":"one"}\n\n{"zh":"二","en":"two"}\n{"zh":"三"}\n{"zh":"四","en":"four"}\n');
    const reader = openJsonl(path);
    expect(reader.lines).toBe(5);
    expect(reader.parseUntil(1).map((p) => p.en)).toEqual(['one']);
    expect(reader.parseUntil(3).map((p) => p.en)).toEqual(['one', 'two']);
    expect(() => reader.parseUntil(4)).toThrow(`${path}:4: missing string fields "zh" and "en"`);
    expect(() => reader.finish()).toThrow(`${path}:4: missing string fields "zh" and "en"`);
  });

  it('the corpus carries its scans for its own pairs only', () => {
    const c = loadJsonl(BUNDLED_CORPUS_PATH);
    expect(c.textScans?.pairs).toBe(c.pairs);
    expect(Array.from(c.textScans!.zh.codepoints)).toEqual(Array.from(scanTexts(c.pairs.map((p) => p.zh)).codepoints));
  });
});
