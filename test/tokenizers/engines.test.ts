import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

/**
 * Engine packages a fresh Node process holds after running `body` against the built library, as the library counts
 * them; the module cache must agree for the HF engines (tiktoken's glue is a private copy kept out of the cache).
 */
function enginesLoadedAfter(body: string): string[] {
  const dist = (file: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', file)).href);
  const script = `
    import { createRequire } from 'node:module';
    const lib = await import(${dist('index.js')});
    const { loadedEngines } = await import(${dist('tokenizers/engines.js')});
    ${body}
    const cached = Object.keys(createRequire(import.meta.url).cache);
    const inCache = ['tokenizers', '@huggingface/tokenizers'].filter((p) => cached.some((f) => f.includes('/node_modules/' + p + '/')));
    console.log(JSON.stringify({ inCache, loaded: loadedEngines() }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const { inCache, loaded } = JSON.parse(out.trim().split('\n').pop()!) as { inCache: string[]; loaded: string[] };
  expect(inCache).toEqual(loaded.filter((e) => e !== 'tiktoken'));
  return loaded;
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
