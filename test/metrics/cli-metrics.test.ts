import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokbench } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-metrics-'));
const tsv = join(dir, 'c.tsv');
writeFileSync(tsv, [
  '我们明天上午九点在会议室开会。\tWe will meet in the conference room at nine tomorrow morning.',
  '请把文件发到我的邮箱。\tPlease send the file to my mailbox.',
].join('\n') + '\n');
const base = ['run', '--corpus', tsv, '--tokenizers', 'cl100k_base,o200k_base', '--bootstrap', '0'];

describe('tokbench run: literature metrics on the command line', () => {
  it('--metrics chooses the table columns (tokenizer first), and only those', () => {
    const r = tokbench([...base, '--metrics', 'zh_fertility,en_nsl']);
    expect(r.code).toBe(0);
    const header = r.stdout.split('\n').find((l) => l.startsWith('tokenizer'))!;
    expect(header.split(/\s{2,}/)).toEqual(['tokenizer', 'zh fertility', 'en NSL']);
    const cl = r.stdout.split('\n').find((l) => l.startsWith('cl100k_base'))!;
    expect(cl.trim().split(/\s+/).at(-1)).toBe('1.000'); // the default baseline's NSL
  });

  it('--metrics with an unknown column: exit 2 with a suggestion, before any work', () => {
    const r = tokbench([...base, '--metrics', 'zh_fertilty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown column "zh_fertilty"; did you mean "zh_fertility"\?/);
    expect(r.stdout).toBe('');
  });

  it('CSV carries every metric column whatever --metrics says', () => {
    const r = tokbench([...base, '--metrics', 'premium', '--format', 'csv']);
    expect(r.code).toBe(0);
    const header = r.stdout.split('\n')[0]!.split(',');
    for (const k of ['premium_mean_of_pair_ratios', 'tokens_per_char_ratio', 'zh_fertility', 'en_continued_words', 'zh_single_token_words', 'zh_nsl', 'en_renyi_efficiency', 'zh_vocab_utilisation']) {
      expect(header).toContain(k);
    }
  });

  it('Markdown shows the literature columns', () => {
    const r = tokbench([...base, '--format', 'markdown']);
    expect(r.code).toBe(0);
    for (const h of ['premium mean/pair', 'tok/char ratio zh/en', 'zh fertility', 'en NSL', 'zh Rényi eff.', 'en vocab use']) expect(r.stdout).toContain(h);
  });

  it('--baseline-tokenizer sets the NSL baseline; an unknown one is exit 2', () => {
    const ok = tokbench([...base, '--baseline-tokenizer', 'o200k_base', '--format', 'json']);
    expect(ok.code).toBe(0);
    const json = JSON.parse(ok.stdout) as { results: { tokenizer: { id: string }; nsl: { baseline: string; zh: number } }[]; metrics: Record<string, { direction: string }> };
    expect(json.results.find((x) => x.tokenizer.id === 'o200k_base')!.nsl).toEqual({ baseline: 'o200k_base', zh: 1, en: 1 });
    expect(json.metrics['nsl.zh']!.direction).toBe('lower');
    const bad = tokbench([...base, '--baseline-tokenizer', 'qwen3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--baseline-tokenizer "qwen3" is not one of this run's tokenizers/);
  });

  it('--renyi-alpha is validated and recorded', () => {
    const bad = tokbench([...base, '--renyi-alpha', '-2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--renyi-alpha must be a number > 0/);
    const ok = tokbench([...base, '--renyi-alpha', '3', '--format', 'json']);
    expect(JSON.parse(ok.stdout).results[0].distribution.alpha).toBe(3);
  });

  it('--unit han: the English side has 0 characters and stderr says so', () => {
    const r = tokbench([...base, '--unit', 'han', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: the English side has 0 characters in unit "han"/);
    const json = JSON.parse(r.stdout);
    expect(json.results[0].languages.en.characters).toBe(0);
    expect(json.results[0].tokensPerCharRatio).toBeNull();
  });
});
