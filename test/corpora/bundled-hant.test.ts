import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Converter } from 'opencc-js';
import { get_encoding } from 'tiktoken';
import { loadCorpus } from '../../src/corpora/loaders.js';
import { ROOT } from '../helpers/paths.js';
import { tokbench } from '../helpers/cli.js';

const dir = join(ROOT, 'corpora', 'bundled');
const read = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; domain: string; zh: string; en: string });
const hans = read('zh-en.jsonl');
const hant = read('zh-Hant.jsonl');
const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));

describe('bundled corpus, Traditional side', () => {
  it('pair-aligned with the Simplified file: same ids, domains and English', () => {
    expect(hant.map((p) => [p.id, p.domain, p.en])).toEqual(hans.map((p) => [p.id, p.domain, p.en]));
  });

  it('reproducible from the manifest: opencc-js with the recorded config and corrections gives the file', () => {
    const v = manifest.variants['zh-Hant'];
    expect(v.converter).toBe('opencc-js');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'opencc-js', 'package.json'), 'utf8'));
    expect(v.converterVersion).toBe(pkg.version);
    const convert = Converter(v.config);
    const redo = hans.map((p) => (v.corrections as [string, string][]).reduce((z, [a, b]) => z.replaceAll(a, b), convert(p.zh)));
    expect(hant.map((p) => p.zh)).toEqual(redo);
    expect(manifest.sha256['zh-Hant.jsonl']).toBe(createHash('sha256').update(readFileSync(join(dir, 'zh-Hant.jsonl'))).digest('hex'));
  });

  it('actually Traditional: common Simplified-only characters are gone, their Traditional forms present', () => {
    const text = hant.map((p) => p.zh).join('');
    for (const ch of ['这', '们', '为', '说', '国', '发', '个', '时']) expect(text).not.toContain(ch);
    for (const ch of ['這', '們', '為', '說', '國', '發', '個', '時']) expect(text).toContain(ch);
  });

  it('--lang zh-Hant: loader and CLI use the Traditional file; counts equal tiktoken per line', () => {
    const c = loadCorpus('bundled', { lang: 'zh-Hant' });
    expect(c.files[0]!.path).toBe('corpora/bundled/zh-Hant.jsonl');
    const enc = get_encoding('cl100k_base');
    const expected = hant.reduce((s, p) => s + enc.encode_ordinary(p.zh).length, 0);
    enc.free();
    const r = tokbench(['run', '--lang', 'zh-Hant', '-t', 'cl100k_base', '--format', 'json', '--bootstrap', '0']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.results[0].languages.zh.tokens).toBe(expected);
    expect(json.corpus.sha256).toBe(manifest.sha256['zh-Hant.jsonl']);
  });
});
