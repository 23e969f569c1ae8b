import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchmark } from '../../src/core/runner.js';
import { UsageError } from '../../src/core/errors.js';
import { tokbench } from '../helpers/cli.js';

/** Everything except wall-clock fields must be byte-identical whatever the number of jobs. */
const stable = (x: unknown) => JSON.stringify(x, (k, v: unknown) => (k === 'seconds' || k === 'createdAt' ? undefined : v));

describe('--jobs: worker threads, deterministic merge', () => {
  it('the CLI gives identical JSON with --jobs 1 and --jobs 2 (tokenizers of all engines, a failing one included)', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tokbench-jobs-')), 'tokenizer.json');
    writeFileSync(bad, '<!DOCTYPE html><html>404</html>');
    const ids = `gpt2,qwen3,${bad},chatglm3,o200k_base`;
    const one = tokbench(['run', '-t', ids, '-f', 'json', '--jobs', '1', '--bootstrap', '200']);
    const two = tokbench(['run', '-t', ids, '-f', 'json', '--jobs', '2', '--bootstrap', '200']);
    expect(one.code).toBe(4);
    expect(two.code).toBe(4);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(a.results.map((r: { tokenizer: { id: string } }) => r.tokenizer.id)).toEqual(['gpt2', 'qwen3', 'chatglm3', 'o200k_base']);
    expect(b.failures[0].error).toMatch(/HTML page/);
    expect(stable(b)).toBe(stable(a));
  });

  it('runBenchmark with jobs > 1 keeps the order the tokenizers were given', async () => {
    const r = await runBenchmark({ tokenizers: ['yi', 'gpt2', 'deepseek-v3'], jobs: 3, bootstrap: 0, wordMetrics: false, distributionMetrics: false });
    expect(r.results.map((x) => x.tokenizer.id)).toEqual(['yi', 'gpt2', 'deepseek-v3']);
    const serial = await runBenchmark({ tokenizers: ['yi', 'gpt2', 'deepseek-v3'], jobs: 1, bootstrap: 0, wordMetrics: false, distributionMetrics: false });
    expect(r.results.map((x) => x.pairCounts)).toEqual(serial.results.map((x) => x.pairCounts));
  });

  it('rejects --jobs 0', async () => {
    await expect(runBenchmark({ tokenizers: ['gpt2'], jobs: 0 })).rejects.toThrow(UsageError);
    const r = tokbench(['run', '-t', 'gpt2', '--jobs', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--jobs must be a positive integer/);
  });
});
