/**
 * The direct count path (tiktoken-direct.ts) against tiktoken's public binding, which runs as its own module and WASM
 * instance here: the same ids for every text, on real text and on texts chosen to break the calling convention.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { loadBundledCorpus, loadTextPair } from '../../src/corpora/loaders.js';
import { packageVersion } from '../../src/core/version.js';
import { DIRECT_VERSIONS, loadTiktokenEngine } from '../../src/tokenizers/tiktoken-direct.js';
import { TIKTOKEN_ENCODINGS } from '../../src/tokenizers/tiktoken-adapter.js';
import { NTREX_DIR, ROOT, hasNtrex } from '../helpers/paths.js';

// Made before the direct engine loads its private copy of the glue: it must keep working after that.
const early = get_encoding('cl100k_base');
const engine = loadTiktokenEngine();

const texts: string[] = [];
for (const p of loadBundledCorpus().pairs) texts.push(p.zh, p.en);
if (hasNtrex) for (const p of loadTextPair(join(NTREX_DIR, 'zho_Hans.txt'), join(NTREX_DIR, 'eng_Latn.txt')).pairs) texts.push(p.zh, p.en);
const edges = [
  '', ' ', 'a', '\n', '中', '𠀀𪚥', '🙂', 'é', 'e\u0301', '\uFEFFbom', '<|endoftext|> is plain text here', 'ASCII only, a long run '.repeat(40),
  // A lone surrogate: both paths turn it into U+FFFD on the way to UTF-8.
  'broken \uD800 surrogate', '\uDC00',
];

/** Ids through the direct path, taken from the sink (a view valid only during the call: copied). */
function directIds(enc: Tiktoken, text: string): { n: number; ids: number[] } {
  let ids: number[] = [];
  const n = engine.countOrdinary(enc, text, { add: (view) => (ids = Array.from(view)) });
  return { n, ids };
}

describe('tiktoken direct count path', () => {
  const made: Tiktoken[] = [];
  afterAll(() => {
    for (const e of made) e.free();
    early.free();
  });

  it('is used for the installed tiktoken (a new version must be checked and added to DIRECT_VERSIONS)', () => {
    expect(DIRECT_VERSIONS).toContain(packageVersion('tiktoken'));
    expect(engine.direct).toBe(true);
  });

  it.each(TIKTOKEN_ENCODINGS)('%s: the same ids as the public binding on real and edge-case text', (name) => {
    const ours = engine.binding.get_encoding(name);
    const ref = get_encoding(name);
    made.push(ours, ref);
    let mismatches = 0;
    for (const text of [...texts, ...edges]) {
      const expected = Array.from(ref.encode_ordinary(text));
      const { n, ids } = directIds(ours, text);
      if (n !== expected.length || ids.join() !== expected.join()) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(texts.length).toBeGreaterThan(1000);
  });

  it('stays right after a text that makes the WASM memory grow (views are renewed)', () => {
    const ours = engine.binding.get_encoding('o200k_base');
    const ref = get_encoding('o200k_base');
    made.push(ours, ref);
    const big = '汉字和 English 混排的一段长文本。'.repeat(200_000);
    expect(engine.countOrdinary(ours, big)).toBe(ref.encode_ordinary(big).length);
    for (const text of texts.slice(0, 200)) expect(directIds(ours, text).ids).toEqual(Array.from(ref.encode_ordinary(text)));
  });

  it('leaves the shared binding alone: an encoder made before still works, require gives the same module', () => {
    expect(Array.from(early.encode_ordinary('仍然可用 still works'))).toEqual(Array.from(get_encoding('cl100k_base').encode_ordinary('仍然可用 still works')));
    const shared = createRequire(import.meta.url)('tiktoken') as typeof import('tiktoken');
    expect(shared.get_encoding).toBe(get_encoding);
    expect(engine.binding.get_encoding).not.toBe(get_encoding);
  });

  it('in the other order too: tiktoken required after the direct engine loads its own copy, both stay right', () => {
    const direct = JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'tokenizers', 'tiktoken-direct.js')).href);
    const script = `
      import { createRequire } from 'node:module';
      const { loadTiktokenEngine } = await import(${direct});
      const engine = loadTiktokenEngine();
      const ours = engine.binding.get_encoding('cl100k_base');
      const shared = createRequire(import.meta.url)('tiktoken');
      const theirs = shared.get_encoding('cl100k_base');
      const text = '先加载直接路径，再加载共享模块 direct first, shared second';
      let ids = [];
      const n = engine.countOrdinary(ours, text, { add: (v) => (ids = Array.from(v)) });
      console.log(JSON.stringify({ direct: engine.direct, separate: shared.get_encoding !== engine.binding.get_encoding, n, ids, theirs: Array.from(theirs.encode_ordinary(text)) }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }).trim()) as { direct: boolean; separate: boolean; n: number; ids: number[]; theirs: number[] };
    expect(out.direct).toBe(true);
    expect(out.separate).toBe(true);
    expect(out.ids).toEqual(out.theirs);
    expect(out.n).toBe(out.theirs.length);
    expect(out.ids).toEqual(Array.from(early.encode_ordinary('先加载直接路径，再加载共享模块 direct first, shared second')));
  });

  it('refuses a freed encoder with an error, not a WASM trap', () => {
    const enc = engine.binding.get_encoding('gpt2');
    enc.free();
    expect(() => engine.countOrdinary(enc, 'text')).toThrow(/after free/);
  });

  it('falls back to the binding for a tiktoken version it was not checked against', () => {
    const fallback = loadTiktokenEngine([]);
    expect(fallback.direct).toBe(false);
    const enc = fallback.binding.get_encoding('cl100k_base');
    made.push(enc);
    let ids: number[] = [];
    expect(fallback.countOrdinary(enc, '回退 fallback', { add: (v) => (ids = Array.from(v)) })).toBe(ids.length);
    expect(ids).toEqual(Array.from(early.encode_ordinary('回退 fallback')));
  });
});
