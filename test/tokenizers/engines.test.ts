import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

/** Engine packages a fresh Node process holds after running `body` against the built library. */
function enginesLoadedAfter(body: string): string[] {
  const index = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
  const script = `
    import { createRequire } from 'node:module';
    const lib = await import(${JSON.stringify(index)});
    ${body}
    const cached = Object.keys(createRequire(import.meta.url).cache);
    const engines = ['tokenizers', '@huggingface/tokenizers', 'tiktoken'].filter((p) => cached.some((f) => f.includes('/node_modules/' + p + '/')));
    console.log(JSON.stringify(engines));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}

describe('engines load on first use', () => {
  it('importing the library loads no engine', () => {
    expect(enginesLoadedAfter('')).toEqual([]);
  });

  it('a tiktoken-only run never loads the HF engines', () => {
    expect(enginesLoadedAfter(`await lib.runBenchmark({ tokenizers: ['cl100k_base'], bootstrap: 0, jobs: 1 });`)).toEqual(['tiktoken']);
  });

  it('an HF tokenizer.json loads the native binding, and only it', () => {
    expect(enginesLoadedAfter(`(await lib.loadTokenizer('qwen3', {})).dispose();`)).toEqual(['tokenizers']);
  });

  it('the JS engine is loaded for --engine js', () => {
    expect(enginesLoadedAfter(`(await lib.loadTokenizer('qwen3', { engine: 'js' })).dispose();`)).toEqual(['@huggingface/tokenizers']);
  });
});
