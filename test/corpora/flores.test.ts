import { tokbenchAsync } from '../helpers/cli-async.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { strFromU8, unzipSync, zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { Tokenizer } from 'tokenizers';
import { loadFlores } from '../../src/corpora/flores.js';
import { loadCorpus } from '../../src/corpora/loaders.js';
import { joinedText } from '../../src/core/segmentation.js';
import { SHARED, ROOT } from '../helpers/paths.js';
import { tokbench } from '../helpers/cli.js';

const h = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'tokbench-flores-'));

// Made-up sentences in the FLORES layout (not FLORES text).
const FILES: Record<string, string> = {
  'dev/eng_Latn.dev': 'The cat sleeps.\nRain fell all night.\n',
  'dev/zho_Hans.dev': '猫在睡觉。\n雨下了一整夜。\n',
  'dev/zho_Hant.dev': '貓在睡覺。\n雨下了一整夜。\n',
  'devtest/eng_Latn.devtest': 'Bread is cheap.\n',
  'devtest/zho_Hans.devtest': ' 面包很便宜。\n',
  'devtest/zho_Hant.devtest': '麵包很便宜。\n',
};
const floresDir = join(dir, 'flores');
for (const [name, text] of Object.entries(FILES)) {
  mkdirSync(join(floresDir, name, '..'), { recursive: true });
  writeFileSync(join(floresDir, name), text);
}
// The official tarball nests everything under flores200_dataset/.
const zipPath = join(dir, 'made-up.zip');
writeFileSync(zipPath, zipSync(Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`flores200_dataset/${k}`, strToU8(v)]))));

describe('FLORES loader (made-up corpus)', () => {
  it('directory: dev then devtest, lines kept byte-exact, splits recorded, sha256 of the member digests', () => {
    const c = loadFlores(floresDir);
    expect(c.pairs.map((p) => [p.id, p.zh, p.en])).toEqual([
      ['dev:1', '猫在睡觉。', 'The cat sleeps.'],
      ['dev:2', '雨下了一整夜。', 'Rain fell all night.'],
      ['devtest:1', ' 面包很便宜。', 'Bread is cheap.'],
    ]);
    expect(c.splits).toEqual([
      { name: 'dev', start: 0, count: 2, finalNewline: { zh: true, en: true } },
      { name: 'devtest', start: 2, count: 1, finalNewline: { zh: true, en: true } },
    ]);
    const digests = ['dev/zho_Hans.dev', 'dev/eng_Latn.dev', 'devtest/zho_Hans.devtest', 'devtest/eng_Latn.devtest'].map((n) => h(FILES[n]!));
    expect(c.sha256).toBe(h(digests.join('\n')));
    expect(c.lang).toBe('zh-Hans');
  });

  it('zip (nested folder) gives the same pairs and digest as the directory; --lang zh-Hant and one split', () => {
    const fromZip = loadCorpus(zipPath);
    const fromDir = loadCorpus(floresDir);
    expect(fromZip.pairs).toEqual(fromDir.pairs);
    expect(fromZip.sha256).toBe(fromDir.sha256);
    expect(fromZip.files[0]!.path).toBe(`${zipPath}!flores200_dataset/dev/zho_Hans.dev`);
    const hant = loadCorpus(zipPath, { lang: 'zh-Hant', split: 'devtest' });
    expect(hant.pairs.map((p) => p.zh)).toEqual(['麵包很便宜。']);
    expect(hant.id).toBe('flores200:devtest');
  });

  it('petrov2023 text: Python split keeps a final "" per file, so a double space at the boundary and a trailing space', () => {
    const c = loadFlores(floresDir);
    // By hand: "猫在睡觉。\n雨下了一整夜。\n".split('\n') = ['猫在睡觉。','雨下了一整夜。',''], same for devtest.
    expect(joinedText(c, 'zh', 'petrov2023')).toBe('猫在睡觉。 雨下了一整夜。   面包很便宜。 ');
    expect(joinedText(c, 'en', 'petrov2023')).toBe('The cat sleeps. Rain fell all night.  Bread is cheap. ');
    expect(joinedText(c, 'en', 'joined', ' ')).toBe('The cat sleeps. Rain fell all night. Bread is cheap.');
    expect(joinedText(c, 'en', 'joined', '\n')).toBe('The cat sleeps.\nRain fell all night.\nBread is cheap.');
  });

  it('a file without a final newline contributes no trailing empty string', () => {
    const d = join(dir, 'nonl');
    mkdirSync(join(d, 'dev'), { recursive: true });
    writeFileSync(join(d, 'dev', 'eng_Latn.dev'), 'One.\nTwo.');
    writeFileSync(join(d, 'dev', 'zho_Hans.dev'), '一。\n二。\n');
    const c = loadFlores(d, { splits: ['dev'] });
    expect(joinedText(c, 'en', 'petrov2023')).toBe('One. Two.');
    expect(joinedText(c, 'zh', 'petrov2023')).toBe('一。 二。 ');
  });

  it('misaligned splits and missing members are data errors naming the file', () => {
    const d = join(dir, 'bad');
    mkdirSync(join(d, 'dev'), { recursive: true });
    writeFileSync(join(d, 'dev', 'eng_Latn.dev'), 'One.\nTwo.\n');
    writeFileSync(join(d, 'dev', 'zho_Hans.dev'), '一。\n');
    expect(() => loadFlores(d, { splits: ['dev'] })).toThrow(/misaligned FLORES dev: .*zho_Hans\.dev has 1 lines but .*eng_Latn\.dev has 2/);
    expect(() => loadFlores(d, { splits: ['dev'], lang: 'zh-Hant' })).toThrow(/no dev\/zho_Hant\.dev/);
    expect(() => loadCorpus(d, { split: 'test' })).toThrow(/unknown FLORES split "test"/);
  });

  it('--lang on a single-script corpus is a usage error', () => {
    const tsv = join(dir, 'a.tsv');
    writeFileSync(tsv, '你好\tHello\n');
    expect(() => loadCorpus(tsv, { lang: 'zh-Hant' })).toThrow(/--lang needs a corpus that has several Chinese scripts/);
  });
});

const ZIP = join(SHARED, 'corpora', 'flores200', 'flores200-zh-en.zip');
const hasFlores = existsSync(ZIP);
if (!hasFlores) console.warn(`SKIPPED: FLORES-200 checks need ${ZIP}`);

interface ManifestRow { path: string; sha256: string; lines: number | null; code_points: number | null; bytes: number }

describe.skipIf(!hasFlores)('FLORES-200 from ../shared', () => {
  const manifest = hasFlores ? (JSON.parse(readFileSync(join(SHARED, 'corpora', 'MANIFEST.json'), 'utf8')) as ManifestRow[]) : [];
  const row = (member: string) => manifest.find((r) => r.path === `flores200/flores200-zh-en.zip!${member}`)!;

  it('every member digest equals MANIFEST.json; text counts = code points − lines, bytes − lines', () => {
    for (const lang of ['zh-Hans', 'zh-Hant'] as const) {
      const c = loadCorpus(ZIP, { lang });
      const code = lang === 'zh-Hans' ? 'zho_Hans' : 'zho_Hant';
      const members = [`dev/${code}.dev`, 'dev/eng_Latn.dev', `devtest/${code}.devtest`, 'devtest/eng_Latn.devtest'];
      expect(c.files.map((f) => f.sha256)).toEqual(members.map((m) => row(m).sha256));
      expect(c.pairs.length).toBe(997 + 1012);
      const zhRows = [row(members[0]!), row(members[2]!)];
      const chars = c.pairs.reduce((s, p) => s + [...p.zh].length, 0);
      expect(chars).toBe(zhRows.reduce((s, r) => s + r.code_points! - r.lines!, 0));
      expect(c.pairs.reduce((s, p) => s + Buffer.byteLength(p.zh), 0)).toBe(zhRows.reduce((s, r) => s + r.bytes - r.lines!, 0));
    }
  });

  /** Independent of tokbench: the texts rebuilt from the zip with fflate, as Python's split/join would. */
  function referenceTexts(code: string): { petrov: string; plain: string } {
    const z = unzipSync(new Uint8Array(readFileSync(ZIP)));
    const dev = strFromU8(z[`dev/${code}.dev`]!);
    const devtest = strFromU8(z[`devtest/${code}.devtest`]!);
    const petrov = [...dev.split('\n'), ...devtest.split('\n')].join(' ');
    const plain = [...dev.split('\n').slice(0, -1), ...devtest.split('\n').slice(0, -1)].join(' ');
    return { petrov, plain };
  }

  it('CLI --protocol petrov2023 reproduces Petrov et al. 2023 exactly: GPT-2 168,850 / 52,567; cl100k_base 101,138 / 52,835', () => {
    const r = tokbench(['run', '--corpus', ZIP, '--protocol', 'petrov2023', '--tokenizers', 'gpt2,cl100k_base', '--format', 'json', '--bootstrap', '0']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const got = Object.fromEntries(json.results.map((x: { tokenizer: { id: string }; languages: { zh: { tokens: number }; en: { tokens: number } } }) => [x.tokenizer.id, [x.languages.zh.tokens, x.languages.en.tokens]]));
    // The published figures (Petrov et al. 2023, FLORES-200 dev+devtest), not tokbench output.
    expect(got).toEqual({ gpt2: [168850, 52567], cl100k_base: [101138, 52835] });
    expect(json.protocol).toMatchObject({ segmentation: 'petrov2023', join: ' ', specialTokens: false, lang: 'zh-Hans' });
    expect(json.results[0].pairCounts).toEqual({ zh: [], en: [] });
    expect(json.results[0].domains).toEqual({});
    expect(json.signature.text).toContain('|seg:petrov2023|');
  });

  it('plain joined " " gives 2 fewer tokens (cl100k zh 101,136), and zh-Hant equals tiktoken on the rebuilt text', () => {
    const enc = get_encoding('cl100k_base');
    const hans = referenceTexts('zho_Hans');
    const hant = referenceTexts('zho_Hant');
    const expectHans = enc.encode_ordinary(hans.plain).length;
    const expectHant = enc.encode_ordinary(hant.petrov).length;
    enc.free();
    expect(expectHans).toBe(101136); // NOTES.md, measured independently
    const joined = JSON.parse(tokbench(['run', '--corpus', ZIP, '--segmentation', 'joined', '--join', ' ', '-t', 'cl100k_base', '--format', 'json', '--bootstrap', '0']).stdout);
    expect(joined.results[0].languages.zh.tokens).toBe(expectHans);
    expect(joined.signature.text).toContain('|seg:joined:%20|');
    const t = JSON.parse(tokbench(['run', '--corpus', ZIP, '--protocol', 'petrov2023', '--lang', 'zh-Hant', '-t', 'cl100k_base', '--format', 'json', '--bootstrap', '0']).stdout);
    expect(t.results[0].languages.zh.tokens).toBe(expectHant);
    expect(t.signature.text).toContain('|lang:zh-Hant|');
  });

  it('every preset under petrov2023 equals its own reference engine on the rebuilt texts (both sides)', async () => {
    const { PRESETS } = await import('../../src/tokenizers/presets.js');
    const { get_encoding } = await import('tiktoken');
    const zh = referenceTexts('zho_Hans').petrov;
    const en = referenceTexts('eng_Latn').petrov;
    const ids = PRESETS.filter((p) => p.source.kind === 'tiktoken-builtin' || p.source.kind === 'npm-tokenizer-json').map((p) => p.id);
    const r = await tokbenchAsync(['run', '--corpus', ZIP, '--protocol', 'petrov2023', '-t', ids.join(','), '--format', 'json', '--bootstrap', '0', '--jobs', '2', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const byId = new Map((JSON.parse(r.stdout).results as { tokenizer: { id: string }; languages: { zh: { tokens: number }; en: { tokens: number } } }[]).map((x) => [x.tokenizer.id, x]));
    for (const p of PRESETS) {
      if (!ids.includes(p.id)) continue;
      let ref: { zh: number; en: number };
      if (p.source.kind === 'tiktoken-builtin') {
        const enc = get_encoding(p.source.encoding);
        ref = { zh: enc.encode_ordinary(zh).length, en: enc.encode_ordinary(en).length };
        enc.free();
      } else {
        const src = p.source as { package: string; file: string };
        const tok = Tokenizer.fromFile(join(ROOT, 'node_modules', src.package, src.file));
        const n = async (s: string) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds().length;
        ref = { zh: await n(zh), en: await n(en) };
      }
      const got = byId.get(p.id)!;
      expect({ id: p.id, zh: got.languages.zh.tokens, en: got.languages.en.tokens }).toEqual({ id: p.id, ...ref });
    }
  });

  it('petrov2023 conflicts with --special-tokens and --join (exit 2)', () => {
    const r = tokbench(['run', '--corpus', ZIP, '--protocol', 'petrov2023', '--special-tokens', '-t', 'gpt2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/petrov2023 counts no special tokens/);
    expect(tokbench(['run', '--protocol', 'petrov2023', '--join', '|', '-t', 'gpt2']).code).toBe(2);
  });
});
