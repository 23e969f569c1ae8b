import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokbench } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-publish-'));
const tsv = join(dir, 'c.tsv');
writeFileSync(tsv, [
  ['我们明天上午九点开会。', 'We meet at nine tomorrow morning.'],
  ['这款手机的电池容量为5000 mAh。', 'The battery capacity of this phone is 5000 mAh.'],
  ['请把文件发到我的邮箱。', 'Please send the file to my email.'],
  ['今天的天气非常好。', 'The weather is very nice today.'],
].map(([z, e]) => `${z}\t${e}`).join('\n') + '\n');
const run = (...args: string[]) => tokbench(['run', '--corpus', tsv, '-t', 'cl100k_base', '-q', ...args]);

describe('publishing flags (spawned bin)', () => {
  it('--format html --output writes one HTML page; the extension alone also selects html', () => {
    const out = join(dir, 'report.html');
    const r = run('--output', out);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect((html.match(/<tr data-tokenizer=/g) ?? []).length).toBe(1);
    expect(readdirTmp()).toEqual([]);
  });

  it('--seed makes intervals reproducible; another seed changes them; --bootstrap 0 removes them', () => {
    const a = JSON.parse(run('--format', 'json', '--seed', '5', '--bootstrap', '400').stdout);
    const b = JSON.parse(run('--format', 'json', '--seed', '5', '--bootstrap', '400').stdout);
    const c = JSON.parse(run('--format', 'json', '--seed', '6', '--bootstrap', '400').stdout);
    expect(a.results[0].intervals).toEqual(b.results[0].intervals);
    expect(a.results[0].intervals).not.toEqual(c.results[0].intervals);
    expect(a.bootstrap).toMatchObject({ resamples: 400, seed: 5 });
    const off = JSON.parse(run('--format', 'json', '--bootstrap', '0').stdout);
    expect(off.results[0].intervals).toBeUndefined();
    expect(off.bootstrap).toBeUndefined();
  });

  it('--prices FILE replaces the bundled table; --prices none drops prices', () => {
    const p = join(dir, 'prices.json');
    writeFileSync(p, JSON.stringify({ entries: [{ model: 'my-model', vendor: 'me', tokenizer: 'cl100k_base', currency: 'EUR', inputPer1M: 4, outputPer1M: 8, asOf: '2026-01-02', source: 'https://example.test/p' }] }));
    const j = JSON.parse(run('--format', 'json', '--prices', p).stdout);
    expect(j.prices.rows).toHaveLength(1);
    // 4 EUR per 1M tokens × Chinese tokens per character
    expect(j.prices.rows[0].perMillionZhChars.input).toBeCloseTo(4 * j.results[0].languages.zh.tokensPerChar, 12);
    expect(run('--format', 'markdown', '--prices', p).stdout).toMatch(/\| my-model \| cl100k_base \| EUR 4\.00 \/ EUR 8\.00 \| 2026-01-02 \|/);
    expect(JSON.parse(run('--format', 'json', '--prices', 'none').stdout).prices).toBeUndefined();
  });

  it('bad values are one-line errors with the documented exit codes', () => {
    const undated = join(dir, 'undated.json');
    writeFileSync(undated, JSON.stringify({ entries: [{ model: 'm', vendor: 'v', tokenizer: 'cl100k_base', currency: 'USD', inputPer1M: 1, outputPer1M: 1, source: 'https://x.test' }] }));
    const r1 = run('--prices', undated);
    expect(r1.code).toBe(3);
    expect(r1.stderr.trim().split('\n')).toHaveLength(1);
    expect(r1.stderr).toMatch(/price table .*undated\.json: entries\[0\]\.asOf must be the date/);
    const r2 = run('--bootstrap', '-5');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--bootstrap must be an integer from 0 to 100000/);
    expect(run('--seed', 'abc').code).toBe(2);
    expect(run('--prices', join(dir, 'nope.json')).code).toBe(3);
  });
});

function readdirTmp(): string[] {
  // atomic writes leave no temp file beside the output
  return readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}
