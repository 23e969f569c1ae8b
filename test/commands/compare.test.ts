import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { comparisonSchemaErrors } from '../../src/core/schema.js';
import { tokbenchAsync as tokbench } from '../helpers/cli-async.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-compare-'));
const corpus = join(dir, 'c.tsv');
writeFileSync(corpus, [
  '明天早上八点火车准时出发。\tThe train leaves on time at eight tomorrow morning.',
  '这本书讲的是一位老渔民的故事。\tThis book tells the story of an old fisherman.',
  '请确认订单后再付款。\tPlease confirm the order before paying.',
].join('\n') + '\n');
const a = join(dir, 'a.json');
const b = join(dir, 'b.json');

interface Res { results: { tokenizer: { id: string; contextWindow: number }; languages: { zh: { charsPerToken: number } } }[] }
interface Metric { metric: string; status: string; fails: boolean; old: number; new: number; absoluteChange: number }
interface Cmp { passed: boolean; tokenizers: { id: string; presence: string; sha256Changed: boolean; metrics: Metric[] }[] }

/**
 * Two real runs that differ in one known way: b overrides every context window with 4,096 tokens. gpt2's
 * window grows (1,024 → 4,096: more Chinese fits, an improvement) and qwen3's shrinks (32,768 → 4,096: a
 * regression), while every count-based metric stays the same.
 */
beforeAll(async () => {
  for (const [out, extra] of [[a, []], [b, ['--context', '4096']]] as const) {
    const r = await tokbench(['run', '--corpus', corpus, '-t', 'gpt2,qwen3', '-f', 'json', '-o', out, '-q', ...extra]);
    expect(r.code, r.stderr).toBe(0);
  }
});

const metric = (c: Cmp, tok: string, key: string) => c.tokenizers.find((t) => t.id === tok)!.metrics.find((m) => m.metric === key)!;

describe('tokbench compare', () => {
  it('JSON: per tokenizer and metric, old/new/change and direction-aware status; valid against its schema', async () => {
    const r = await tokbench(['compare', a, b, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as Cmp;
    expect(comparisonSchemaErrors(c)).toEqual([]);
    const old = JSON.parse(readFileSync(a, 'utf8')) as Res;
    const cpt = (id: string) => old.results.find((x) => x.tokenizer.id === id)!.languages.zh.charsPerToken;
    expect(old.results.map((x) => x.tokenizer.contextWindow)).toEqual([1024, 32768]);
    // Chinese characters that fit = floor(window × chars per token), computed here from the recorded ratio.
    expect(metric(c, 'gpt2', 'effectiveContext.zhCharacters')).toMatchObject({ old: Math.floor(1024 * cpt('gpt2')), new: Math.floor(4096 * cpt('gpt2')), status: 'improved', fails: false });
    const q = metric(c, 'qwen3', 'effectiveContext.zhCharacters');
    expect(q).toMatchObject({ old: Math.floor(32768 * cpt('qwen3')), new: Math.floor(4096 * cpt('qwen3')), status: 'regressed', fails: true });
    expect(q.absoluteChange).toBe(q.new - q.old);
    for (const key of ['zh.tokensPerChar', 'premium', 'effectiveContext.englishEquivalentShare']) {
      expect(metric(c, 'qwen3', key).status, key).toBe('unchanged');
    }
    expect(c.tokenizers.every((t) => t.presence === 'compared' && !t.sha256Changed)).toBe(true);
    expect(c.passed).toBe(false);
  });

  it('exit 0 by default, 1 with --fail-on-regression', async () => {
    expect((await tokbench(['compare', a, b, '-q'])).code).toBe(0);
    const r = await tokbench(['compare', a, b, '--fail-on-regression', '-q']);
    expect(r.code).toBe(1);
    // Reversed, the roles swap: gpt2's window shrinks, qwen3's grows.
    const rev = await tokbench(['compare', b, a, '--fail-on-regression', '-f', 'json']);
    expect(rev.code).toBe(1);
    const c = JSON.parse(rev.stdout) as Cmp;
    expect(metric(c, 'gpt2', 'effectiveContext.zhCharacters').status).toBe('regressed');
    expect(metric(c, 'qwen3', 'effectiveContext.zhCharacters').status).toBe('improved');
    // gpt2 drops to about a quarter (window 4,096 → 1,024, about −75%): an 80% tolerance passes it, 70% does not.
    expect((await tokbench(['compare', b, a, '--fail-on-regression', '--tolerance', 'effectiveContext.zhCharacters=80%', '-q'])).code).toBe(0);
    expect((await tokbench(['compare', b, a, '--fail-on-regression', '--tolerance', 'effectiveContext.zhCharacters=70%', '-q'])).code).toBe(1);
  });

  it('table and Markdown show the rows with their verdicts', async () => {
    const t = await tokbench(['compare', a, b]);
    expect(t.stdout).toMatch(/qwen3\s+zh chars in window\s+higher\s+[\d,]+\s+[\d,]+\s+-[\d,]+\s+-[\d.]+%\s+exact\s+REGRESSION/);
    expect(t.stdout).toMatch(/gpt2\s+zh chars in window\s+higher\s+[\d,]+\s+[\d,]+\s+\+[\d,]+\s+\+[\d.]+%\s+exact\s+improved/);
    expect(t.stdout).toMatch(/^FAIL: 1 failing; 1 regressed/m);
    const md = await tokbench(['compare', a, b, '--format', 'md']);
    expect(md.stdout).toMatch(/^### tokbench compare: ❌ FAIL/);
    expect(md.stdout).toMatch(/^\| qwen3 \| zh chars in window \| higher \| .* \| REGRESSION \|$/m);
    expect(md.stdout).toMatch(/^- ❌ qwen3: zh chars in window/m);
  });

  it('--output writes the format its extension names; GITHUB_STEP_SUMMARY gets the Markdown appended', async () => {
    const out = join(dir, 'cmp.json');
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, 'before\n');
    const r = await tokbench(['compare', a, b, '-o', out], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(comparisonSchemaErrors(JSON.parse(readFileSync(out, 'utf8')))).toEqual([]);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('before\n### tokbench compare: ❌')).toBe(true);
  });

  it('refuses files that are not results, and results from a newer tokbench (exit 3)', async () => {
    const notResults = join(dir, 'x.json');
    writeFileSync(notResults, '{"hello": 1}');
    const r1 = await tokbench(['compare', a, notResults]);
    expect(r1.code).toBe(3);
    expect(r1.stderr).toMatch(/new results .*x\.json has no schemaVersion/);
    const future = join(dir, 'future.json');
    writeFileSync(future, JSON.stringify({ ...JSON.parse(readFileSync(a, 'utf8')), schemaVersion: 7 }));
    const r2 = await tokbench(['compare', future, b]);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toMatch(/future\.json uses results schemaVersion 7, newer than this tokbench reads \(1\)/);
    expect((await tokbench(['compare', a])).code).toBe(2);
  });
});
