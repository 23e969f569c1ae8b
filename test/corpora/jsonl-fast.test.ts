import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CORPUS_PATH, parseFlatStringObject, parseJsonlLine } from '../../src/corpora/loaders.js';
import { DataError } from '../../src/core/errors.js';

// The fast JSONL path must agree with JSON.parse, the reference, on every line it accepts, and must accept the
// ordinary lines (otherwise it is not the fast path). Lines come from the bundled corpus and from a seeded generator
// that mixes in everything the fast path has to refuse.

const FIELDS = ['id', 'domain', 'zh', 'en'] as const;

function reference(line: string): { flat: boolean; fields?: Record<string, unknown> } {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { flat: false };
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { flat: false };
  const o = obj as Record<string, unknown>;
  const flat = Object.values(o).every((v) => typeof v === 'string');
  return { flat, fields: Object.fromEntries(FIELDS.filter((k) => Object.hasOwn(o, k)).map((k) => [k, o[k]])) };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(20261204);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
// JSON whitespace other than the space is rare, so that most lines are plain enough for the fast path.
const spaces = () => (rand() < 0.03 ? pick(['\t', '\r', '\n ']) : pick(['', '', ' ', '  ']));
const strings = ['你好，世界。', 'Hello, world.', '', ' ', 'a "quoted" word', 'tab\there', 'back\\slash', '\u0001', '𠀀𠀁', 'emoji 😀', '\u2028', 'é'];
const values = [...strings.map((s) => JSON.stringify(s)), '5', '-1.5e3', 'null', 'true', '[]', '{}', '{"a":"b"}', '"\\u4f60"', '"\\ud800"', '"bad \\x escape"', '"\\\\"', '"\\\\\\""', '"unterminated'];
const keys = ['id', 'domain', 'zh', 'en', 'zh', 'en', 'other', '__proto__', '', 'z"h', 'z\\h'];

/** A line, and whether every value written in it is a string literal (an overwritten duplicate key included). */
function generatedLine(): { line: string; stringsOnly: boolean } {
  const n = Math.floor(rand() * 6);
  let stringsOnly = true;
  const members = Array.from({ length: n }, () => {
    const key = rand() < 0.9 ? JSON.stringify(pick(keys)) : pick(['zh', "'zh'", '"zh', '"z\\u0068"', '"e\\n"']);
    const value = rand() < 0.7 ? JSON.stringify(pick(strings.slice(0, 5))) : pick(values);
    if (!value.startsWith('"')) stringsOnly = false;
    return `${spaces()}${key}${spaces()}:${spaces()}${value}${spaces()}`;
  });
  let line = `${spaces()}{${members.join(',')}${spaces()}}${spaces()}`;
  const r = rand();
  if (r < 0.05) line = line.slice(0, Math.floor(rand() * line.length));
  else if (r < 0.08) line += pick([',', '}', 'x', '{}']);
  else if (r < 0.1) line = line.replace(',', ',,');
  else if (r < 0.12) line = pick(['[]', '"zh"', '5', 'null', '']);
  return { line, stringsOnly };
}

describe('fast JSONL path (parseFlatStringObject)', () => {
  it('takes every bundled line, with the same fields as JSON.parse', () => {
    const lines = readFileSync(BUNDLED_CORPUS_PATH, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(300);
    expect(lines.some((l) => l.includes('\\"'))).toBe(true);
    for (const line of lines) expect(parseFlatStringObject(line)).toEqual(reference(line).fields);
  });

  it('agrees with JSON.parse on 20,000 generated lines, and refuses only what it must', () => {
    let accepted = 0;
    let refused = 0;
    for (let k = 0; k < 20000; k++) {
      const { line, stringsOnly } = generatedLine();
      const fast = parseFlatStringObject(line);
      const ref = reference(line);
      if (fast) {
        accepted++;
        expect(ref.flat, line).toBe(true);
        expect(fast, line).toEqual(ref.fields);
      } else {
        refused++;
        // A flat object written with string values and spaces only must not be refused.
        if (ref.flat && stringsOnly && !/[\u0000-\u001f]/.test(line)) throw new Error(`fast path refused a plain line: ${line}`);
      }
    }
    expect(accepted).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(2000);
  });

  it('keeps JSON.parse semantics at the edges', () => {
    expect(parseFlatStringObject('{"zh":"a","zh":"b","en":"c"}')).toEqual({ zh: 'b', en: 'c' });
    // "__proto__" is an ordinary key to JSON.parse; here it is ignored like any other key, never set as a prototype.
    const p = parseFlatStringObject('{"__proto__":"x","zh":"a","en":"b"}');
    expect(p).toEqual({ zh: 'a', en: 'b' });
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    expect(parseFlatStringObject('{"zh":"a","en":"b","id":7}')).toBeUndefined();
    expect(parseFlatStringObject('{"zh":"a\\"b","en":"c"}')).toEqual({ zh: 'a"b', en: 'c' });
    expect(parseFlatStringObject('{"z\\u0068":"a","en":"c\\\\"}')).toEqual({ zh: 'a', en: 'c\\' });
    expect(parseFlatStringObject('{"zh":"a\\x","en":"c"}')).toBeUndefined();
    expect(parseFlatStringObject('{"zh":"a\tb","en":"c"}')).toBeUndefined();
    expect(parseFlatStringObject('  {  }  ')).toEqual({});
  });

  it('parseJsonlLine gives the same pair and the same errors whichever path a line takes', () => {
    const plain = '{"id":"p1","domain":"","zh":"今天 ","en":"Today"}';
    const escaped = '{"id":"p1","domain":"","zh":"\\u4eca\\u5929 ","en":"Today"}';
    expect(parseFlatStringObject(plain)).toBeDefined();
    expect(parseFlatStringObject('{"zh":"x","en":"y","n":1}')).toBeUndefined();
    expect(parseJsonlLine(plain, 'f:1', 1)).toEqual(parseJsonlLine(escaped, 'f:1', 1));
    expect(parseJsonlLine(plain, 'f:1', 1)).toEqual(parseJsonlLine(plain.replace('}', ',"n":1}'), 'f:1', 1));
    // A lone surrogate can only come from an escape, on either path.
    expect(() => parseJsonlLine('{"zh":"\\ud800你","en":"Hi"}', 'f:2', 2)).toThrow(/lone UTF-16 surrogate/);
    expect(() => parseJsonlLine('{"zh":"\\ud800你","en":"Hi","n":1}', 'f:2', 2)).toThrow(/lone UTF-16 surrogate/);
    expect(parseJsonlLine('{"zh":"你好","en":"Hi"}', 'f:3', 3)).toEqual({ id: '3', domain: 'general', zh: '你好', en: 'Hi' });
    const errorOf = (line: string) => {
      try {
        parseJsonlLine(line, 'f:9', 9);
      } catch (err) {
        expect(err).toBeInstanceOf(DataError);
        return (err as Error).message;
      }
      throw new Error(`no error for ${line}`);
    };
    expect(errorOf('{"zh":"  ","en":"Hi"}')).toBe(errorOf('{"zh":"\\u0020 ","en":"Hi"}'));
    expect(errorOf('{"zh":"你好"}')).toBe('f:9: missing string fields "zh" and "en"');
  });
});
