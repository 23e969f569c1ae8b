import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { tokbench } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-cli-'));
const pairs: [string, string][] = [
  ['我们明天上午九点在会议室开会。', 'We will meet in the conference room at nine tomorrow morning.'],
  ['这款手机的电池容量为5000 mAh。', 'The battery capacity of this phone is 5000 mAh.'],
  ['𠮷野家的牛肉饭很好吃。', 'The beef bowl at Yoshinoya is delicious.'],
];

/** Independent expectation: tiktoken called directly. */
function cl100k(texts: string[]): number {
  const enc = get_encoding('cl100k_base');
  const n = texts.reduce((s, t) => s + enc.encode_ordinary(t).length, 0);
  enc.free();
  return n;
}

describe('tokbench CLI (spawned bin)', () => {
  it('run --format json on a TSV corpus: exit 0, contract fields, counts equal tiktoken', () => {
    const tsv = join(dir, 'c.tsv');
    writeFileSync(tsv, pairs.map(([z, e]) => `${z}\t${e}`).join('\n') + '\n');
    const r = tokbench(['run', '--corpus', tsv, '--tokenizers', 'cl100k_base,qwen3', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.schemaVersion).toBe(1);
    expect(json.corpus.pairs).toBe(3);
    expect(json.protocol).toMatchObject({ segmentation: 'per-line', specialTokens: false, charUnit: 'codepoint' });
    expect(json.results.map((x: { tokenizer: { id: string } }) => x.tokenizer.id)).toEqual(['cl100k_base', 'qwen3']);
    const cl = json.results[0];
    expect(cl.languages.zh.tokens).toBe(cl100k(pairs.map((p) => p[0])));
    expect(cl.languages.en.tokens).toBe(cl100k(pairs.map((p) => p[1])));
    // 𠮷 is one character: code points, not UTF-16 units
    expect(cl.languages.zh.characters).toBe(pairs.reduce((s, p) => s + [...p[0]].length, 0));
    expect(cl.languages.zh.bytes).toBe(pairs.reduce((s, p) => s + Buffer.byteLength(p[0]), 0));
    expect(cl.premium).toBeCloseTo(cl.languages.zh.tokens / cl.languages.en.tokens, 12);
    expect(json.signature.text).toMatch(/^tokbench:1\|corpus:c\.tsv@[0-9a-f]{8}\|seg:per-line\|special:no\|unit:codepoint\|/);
  });

  it('run on a JSONL corpus with domains gives per-domain stats', () => {
    const jsonl = join(dir, 'c.jsonl');
    writeFileSync(jsonl, pairs.map(([zh, en], i) => JSON.stringify({ id: `p${i}`, domain: i < 2 ? 'a' : 'b', zh, en })).join('\n'));
    const r = tokbench(['run', '--corpus', jsonl, '-t', 'gpt2', '-f', 'json']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout).results[0];
    expect(Object.keys(res.domains)).toEqual(['a', 'b']);
    expect(res.domains.a.pairs + res.domains.b.pairs).toBe(3);
    expect(res.domains.a.zhTokens + res.domains.b.zhTokens).toBe(res.languages.zh.tokens);
  });

  it('unknown tokenizer: exit 2, one line with a did-you-mean, no stack trace', () => {
    const r = tokbench(['run', '--tokenizers', 'qwen33']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown tokenizer "qwen33"; did you mean "qwen3"\?/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('missing corpus file: exit 3, one line', () => {
    const r = tokbench(['run', '--corpus', join(dir, 'missing.tsv'), '-t', 'gpt2']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/corpus file not found/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('bad numbers and formats are usage errors (exit 2)', () => {
    expect(tokbench(['run', '--context', '-1', '-t', 'gpt2']).code).toBe(2);
    expect(tokbench(['run', '--context', 'abc', '-t', 'gpt2']).code).toBe(2);
    const f = tokbench(['run', '--format', 'jsn', '-t', 'gpt2']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/did you mean "json"/);
  });

  it('--output writes the file atomically (no temp files left), format from the extension', () => {
    const out = join(dir, 'out', 'r.json');
    const r = tokbench(['run', '-t', 'gpt2', '--output', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).results[0].tokenizer.id).toBe('gpt2');
    expect(readdirSync(join(dir, 'out'))).toEqual(['r.json']);
  });

  it('a broken tokenizer does not lose the others: exit 4, failure listed, rest reported', () => {
    const bad = join(dir, 'broken-tokenizer.json');
    writeFileSync(bad, '{"model": {"type": "BPE", "vocab": {');
    const out = join(dir, 'partial.json');
    const r = tokbench(['run', '-t', `gpt2,${bad}`, '-o', out]);
    expect(r.code).toBe(4);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.results.map((x: { tokenizer: { id: string } }) => x.tokenizer.id)).toEqual(['gpt2']);
    expect(json.failures[0].error).toMatch(/not valid JSON/);
  });

  it('--context overrides the window used for effective context', () => {
    const r = tokbench(['run', '-t', 'gpt2', '--context', '1000', '-f', 'json']);
    const res = JSON.parse(r.stdout).results[0];
    expect(res.effectiveContext.window).toBe(1000);
    expect(res.effectiveContext.zhCharacters).toBe(Math.floor(1000 * res.languages.zh.charsPerToken));
  });

  it('--special-tokens adds the BOS that Baichuan2/ChatGLM3 post-processors prepend: one per line', () => {
    const base = JSON.parse(tokbench(['run', '-t', 'chatglm3', '-f', 'json']).stdout).results[0];
    const withSpecial = JSON.parse(tokbench(['run', '-t', 'chatglm3', '-f', 'json', '--special-tokens']).stdout);
    expect(withSpecial.protocol.specialTokens).toBe(true);
    const pairsN = withSpecial.corpus.pairs;
    expect(withSpecial.results[0].languages.zh.tokens - base.languages.zh.tokens).toBe(pairsN);
  });

  it('list shows every preset; the default run has ≥ 3 Western and ≥ 3 Chinese-centric tokenizers', () => {
    const l = tokbench(['list']);
    expect(l.code).toBe(0);
    for (const id of ['gpt2', 'cl100k_base', 'o200k_base', 'llama3', 'gemma2', 'mistral-nemo', 'qwen2.5', 'qwen3', 'deepseek-v3', 'chatglm3', 'baichuan2', 'yi', 'internlm2']) {
      expect(l.stdout).toMatch(new RegExp(`^${id.replace('.', '\\.')}\\b`, 'm'));
    }
    const r = tokbench(['run', '-f', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const origins = json.results.map((x: { tokenizer: { origin: string } }) => x.tokenizer.origin);
    expect(origins.filter((o: string) => o === 'western').length).toBeGreaterThanOrEqual(3);
    expect(origins.filter((o: string) => o === 'chinese').length).toBeGreaterThanOrEqual(3);
  });
});
