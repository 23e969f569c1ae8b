import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BUNDLED_CORPUS_PATH, loadBundledCorpus, loadCorpus, loadJsonl, loadTextPair, loadTsv } from '../../src/corpora/loaders.js';
import { DataError, UsageError } from '../../src/core/errors.js';
import { firstInvalidUtf8 } from '../../src/corpora/read-text.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-loaders-'));
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('corpus loaders', () => {
  it('TSV: one pair per line, blank lines ignored, sha256 of the file bytes', () => {
    const text = '你好，世界。\tHello, world.\n\n今天天气很好。\tThe weather is nice today.\n';
    const c = loadTsv(file('a.tsv', text));
    expect(c.pairs.map((p) => [p.zh, p.en])).toEqual([['你好，世界。', 'Hello, world.'], ['今天天气很好。', 'The weather is nice today.']]);
    expect(c.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('JSONL: duplicate ids are found however far apart, and distinct ids never clash', () => {
    // Ids that differ in one character, in case, in a non-BMP character, and ids that are numbers or absent.
    const ids = Array.from({ length: 30000 }, (_, i) => (i % 3 === 0 ? `p${i}` : i % 3 === 1 ? `P${i}` : `𠀀${i}`));
    const line = (id: string | number | undefined) => JSON.stringify({ ...(id === undefined ? {} : { id }), zh: '你好', en: 'Hi' });
    const distinct = [...ids.map(line), line(''), line(7), line(undefined)].join('\n');
    expect(loadJsonl(file('distinct.jsonl', distinct)).pairs).toHaveLength(30003);
    const dup = [...ids.map(line), line(ids[10]!)].join('\n');
    expect(() => loadJsonl(file('dup.jsonl', dup))).toThrow(`duplicate pair id "${ids[10]}" on lines 11 and 30001`);
    // A numeric id and the same digits as a string are the same id; an absent id is its pair's ordinal.
    expect(() => loadJsonl(file('dup2.jsonl', [line(7), line('7')].join('\n')))).toThrow('duplicate pair id "7" on lines 1 and 2');
    expect(() => loadJsonl(file('dup3.jsonl', [line('2'), line(undefined)].join('\n')))).toThrow('duplicate pair id "2" on lines 1 and 2');
  });

  it('JSONL: optional id and domain', () => {
    const c = loadJsonl(file('a.jsonl', '{"id":"x1","domain":"news","zh":"新闻。","en":"News."}\n{"zh":"你好","en":"Hi"}\n'));
    expect(c.pairs).toEqual([
      { id: 'x1', domain: 'news', zh: '新闻。', en: 'News.' },
      { id: '2', domain: 'general', zh: '你好', en: 'Hi' },
    ]);
  });

  it('two line-aligned files; corpus sha256 = sha256 of "<zh sha>\\n<en sha>"', () => {
    const zh = file('zh.txt', '一\n二\n');
    const en = file('en.txt', 'one\ntwo\n');
    const c = loadCorpus(`${zh},${en}`);
    expect(c.pairs.map((p) => p.en)).toEqual(['one', 'two']);
    const h = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(c.sha256).toBe(h(`${h('一\n二\n')}\n${h('one\ntwo\n')}`));
  });

  it('misaligned files name the first line without a partner', () => {
    const zh = file('zh3.txt', '一\n二\n三\n');
    const en = file('en2.txt', 'one\ntwo\n');
    expect(() => loadTextPair(zh, en)).toThrow(/3 lines but .* has 2; line 3 has no partner/);
  });

  it('BOM and CRLF are normalised and noted', () => {
    const c = loadTsv(file('bom.tsv', '\ufeff你好\tHello\r\n再见\tBye\r\n'));
    expect(c.pairs.map((p) => [p.zh, p.en])).toEqual([['你好', 'Hello'], ['再见', 'Bye']]);
    expect(c.notes.join(' ')).toMatch(/byte-order mark/);
    expect(c.notes.join(' ')).toMatch(/CRLF/);
  });

  it('invalid UTF-8 reports the byte offset', () => {
    const bytes = Buffer.concat([Buffer.from('你好\tHi\n'), Buffer.from([0xc4, 0xe3]), Buffer.from('\tx\n')]);
    // "你好\tHi\n" is 6 + 1 + 2 + 1 = 10 bytes; 0xC4 0xE3 (GBK for 你) starts at offset 10
    expect(firstInvalidUtf8(bytes)).toBe(10);
    expect(() => loadTsv(file('gbk.tsv', bytes))).toThrow(/invalid UTF-8 at byte offset 10/);
  });

  it('NUL bytes, empty sides, missing TAB and bad JSON are clear errors with line numbers', () => {
    expect(() => loadTsv(file('nul.tsv', 'a\0\tb\n'))).toThrow(/NUL byte at byte offset 1/);
    expect(() => loadTsv(file('empty.tsv', '你好\t\n'))).toThrow(/:1: the English side is empty/);
    expect(() => loadTsv(file('notab.tsv', '你好\tHi\n只有中文\n'))).toThrow(/:2: no TAB/);
    expect(() => loadJsonl(file('bad.jsonl', '{"zh":"a","en":"b"}\n{oops}\n'))).toThrow(/:2: not valid JSON/);
    expect(() => loadJsonl(file('nofields.jsonl', '{"chinese":"a"}\n'))).toThrow(/missing string fields/);
  });

  it('lone surrogates in JSONL escapes are refused', () => {
    expect(() => loadJsonl(file('sur.jsonl', '{"zh":"\\ud800你好","en":"hi"}\n'))).toThrow(/lone UTF-16 surrogate/);
  });

  it('a Git LFS pointer is recognised', () => {
    const p = file('lfs.tsv', 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n');
    expect(() => loadTsv(p)).toThrow(/Git LFS pointer/);
  });

  it('missing file, directory, unknown extension', () => {
    expect(() => loadCorpus(join(dir, 'nope.tsv'))).toThrow(DataError);
    expect(() => loadCorpus(join(dir, 'nope.tsv'))).toThrow(/not found/);
    expect(() => loadTsv(dir)).toThrow(/is a directory/);
    expect(() => loadCorpus(file('x.csv', 'a,b'))).toThrow(UsageError);
  });
});

describe('bundled corpus', () => {
  const c = loadBundledCorpus();
  const manifest = JSON.parse(readFileSync(join(BUNDLED_CORPUS_PATH, '..', 'MANIFEST.json'), 'utf8')) as {
    pairs: number; domains: Record<string, number>; sha256: Record<string, string>;
  };

  it('has at least 300 pairs across at least 8 domains, each pair with an id and a domain', () => {
    expect(c.pairs.length).toBeGreaterThanOrEqual(300);
    expect(new Set(c.pairs.map((p) => p.domain)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(c.pairs.map((p) => p.id)).size).toBe(c.pairs.length);
  });

  it('its manifest sha256 and counts match the file', () => {
    expect(manifest.sha256['zh-en.jsonl']).toBe(c.sha256);
    expect(manifest.pairs).toBe(c.pairs.length);
  });

  it('Chinese sides are mostly 15–80 code points and contain Han; English sides contain none', () => {
    const lens = c.pairs.map((p) => [...p.zh].length);
    expect(lens.filter((n) => n >= 15 && n <= 80).length / lens.length).toBeGreaterThan(0.8);
    for (const p of c.pairs) {
      expect(p.zh, p.id).toMatch(/\p{Script=Han}/u);
      expect(p.en, p.id).not.toMatch(/\p{Script=Han}/u);
    }
  });
});
