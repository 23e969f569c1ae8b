import { describe, expect, it } from 'vitest';
import { progressLine, runProgress } from '../../src/commands/progress.js';
import type { CliContext } from '../../src/cli-context.js';
import { runBenchmark } from '../../src/core/runner.js';

function fakeCtx(tty: boolean): CliContext & { lines: string[] } {
  const lines: string[] = [];
  return { lines, stdout: () => {}, stderr: () => {}, progress: (l) => lines.push(l), stderrIsTTY: tty, signal: new AbortController().signal, exitCode: 0 };
}

describe('progress bar', () => {
  it('shows share done, tokenizers, rate and ETA', () => {
    const line = progressLine({ tokenizersDone: 1, tokenizers: 4, current: 'qwen3', done: 250, total: 1000, seconds: 5 });
    expect(line).toContain('25%');
    expect(line).toContain('tokenizers 1/4 (qwen3)');
    expect(line).toContain('50 pairs/s');
    expect(line).toContain('ETA 0:15'); // 750 pairs left at 50/s
    expect(line.startsWith('█████░')).toBe(true); // 5 of 20 cells
  });

  it('is drawn on a terminal during a run (pairs counted over all tokenizers) and cleared at the end; never off a terminal', async () => {
    for (const jobs of [1, 2]) {
      const ctx = fakeCtx(true);
      await runBenchmark({ tokenizers: ['gpt2', 'cl100k_base'], bootstrap: 0, jobs, chunkUnits: 3000, ...runProgress(ctx, false) });
      expect(ctx.lines.some((l) => /tokenizers 0\/2 \(gpt2\)/.test(l))).toBe(true);
      expect(ctx.lines.at(-1)).toBe('');
      const pcts = ctx.lines.filter(Boolean).map((l) => Number(/ (\d+)% /.exec(l)?.[1]));
      expect(pcts.every((p, i) => i === 0 || p >= pcts[i - 1]!)).toBe(true);
      expect(Math.max(...pcts)).toBeGreaterThanOrEqual(50);
    }
    const piped = fakeCtx(false);
    expect(runProgress(piped, false)).toEqual({});
    expect(runProgress(fakeCtx(true), true)).toEqual({});
  });
});
