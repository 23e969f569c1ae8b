import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';
import { nodeAsync } from '../helpers/cli-async.js';

/**
 * `npm run bench` is not run in CI at full size (it takes minutes and its timings mean nothing on a shared runner),
 * but its smoke size is: the script throws when tokbench's counts differ from the raw engine's, when --jobs N
 * differs from --jobs 1, or when --stream differs from the in-memory run, so this checks those equalities end to end.
 */
describe('npm run bench -- --smoke', () => {
  it('measures raw vs tokbench, --jobs and --stream with equal counts, and prints every table', async () => {
    const r = await nodeAsync([join(ROOT, 'scripts/bench.mjs'), '--smoke']);
    expect(r.stderr).not.toMatch(/differ|changed the counts/);
    expect(r.code).toBe(0);
    for (const tok of ['cl100k_base', 'qwen3', 'cl100k_base,qwen3']) expect(r.stdout).toMatch(new RegExp(`\\| 0\\.2 \\| \\d+ \\| ${tok} \\|`));
    expect(r.stdout).toMatch(/Peak memory of `tokbench run --stream`/);
    expect(r.stdout).toMatch(/\| qwen3 \| \d+ \| \d+ \| [\d.]+× \|/); // start-up table: cold and warm loads
  }, 240_000);
});
