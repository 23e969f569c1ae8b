import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { loadCorpus } from '../../src/corpora/loaders.js';
import { loadNtrex } from '../../src/corpora/ntrex.js';
import { NTREX_DIR, SHARED, hasNtrex } from '../helpers/paths.js';
import { tokbench } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-ntrex-'));

describe('NTREX loader (made-up files)', () => {
  it('upstream file names and CRLF: read as LF, noted, Traditional side by --lang', () => {
    const d = join(dir, 'NTREX', 'NTREX-128');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'newstest2019-src.eng.txt'), 'Markets rose.\r\nIt rained.\r\n');
    writeFileSync(join(d, 'newstest2019-ref.zho-CN.txt'), '市场上涨。\r\n下雨了。\r\n');
    writeFileSync(join(d, 'newstest2019-ref.zho-TW.txt'), '市場上漲。\r\n下雨了。\r\n');
    // The repository root works too: the loader looks into NTREX-128/.
    const c = loadCorpus(join(dir, 'NTREX'));
    expect(c.id).toBe('ntrex128');
    expect(c.pairs.map((p) => [p.zh, p.en, p.domain])).toEqual([['市场上涨。', 'Markets rose.', 'news'], ['下雨了。', 'It rained.', 'news']]);
    expect(c.notes.join(' ')).toMatch(/CRLF line endings read as LF/);
    expect(loadNtrex(join(dir, 'NTREX'), { lang: 'zh-Hant' }).pairs[0]!.zh).toBe('市場上漲。');
  });

  it('a missing Traditional file is a data error naming it', () => {
    const d = join(dir, 'only-hans');
    mkdirSync(d);
    writeFileSync(join(d, 'eng_Latn.txt'), 'A.\n');
    writeFileSync(join(d, 'zho_Hans.txt'), '甲。\n');
    expect(() => loadCorpus(d, { lang: 'zh-Hant' })).toThrow(/no zh-Hant side .*zho_Hant\.txt is missing/);
  });
});

if (!hasNtrex) console.warn(`SKIPPED: NTREX-128 checks need ${NTREX_DIR}`);

describe.skipIf(!hasNtrex)('NTREX-128 from ../shared', () => {
  interface Row { path: string; sha256: string; lines: number; code_points: number; bytes: number }
  const manifest = hasNtrex ? (JSON.parse(readFileSync(join(SHARED, 'corpora', 'MANIFEST.json'), 'utf8')) as Row[]) : [];
  const row = (p: string) => manifest.find((r) => r.path === `ntrex128/${p}`)!;

  it.each([['zh-Hans', 'zho_Hans.txt'], ['zh-Hant', 'zho_Hant.txt']] as const)('%s: 1997 pairs, digests and sizes as in MANIFEST.json', (lang, file) => {
    const c = loadCorpus(NTREX_DIR, { lang });
    expect(c.pairs.length).toBe(1997);
    expect(c.lang).toBe(lang);
    expect(c.files.map((f) => f.sha256)).toEqual([row(file).sha256, row('eng_Latn.txt').sha256]);
    expect(c.pairs.reduce((s, p) => s + [...p.zh].length, 0)).toBe(row(file).code_points - row(file).lines);
    expect(c.pairs.reduce((s, p) => s + Buffer.byteLength(p.en), 0)).toBe(row('eng_Latn.txt').bytes - row('eng_Latn.txt').lines);
    expect(c.sha256).toBe(createHash('sha256').update(`${row(file).sha256}\n${row('eng_Latn.txt').sha256}`).digest('hex'));
  });

  it('CLI runs NTREX from its directory with --lang zh-Hant; counts equal tiktoken per line', () => {
    const r = tokbench(['run', '--corpus', NTREX_DIR, '--lang', 'zh-Hant', '-t', 'cl100k_base', '--format', 'json', '--bootstrap', '0']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const enc = get_encoding('cl100k_base');
    const lines = readFileSync(join(NTREX_DIR, 'zho_Hant.txt'), 'utf8').split('\n').slice(0, -1);
    const expected = lines.reduce((s, l) => s + enc.encode_ordinary(l).length, 0);
    enc.free();
    expect(json.results[0].languages.zh.tokens).toBe(expected);
    expect(json.corpus).toMatchObject({ id: 'ntrex128', lang: 'zh-Hant', pairs: 1997 });
    expect(json.protocol.lang).toBe('zh-Hant');
  });
});
