import { mkdirSync, mkdtempSync, readdirSync, statfsSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countInBatches, runBenchmark } from '../../src/core/runner.js';
import { BUNDLED_CORPUS_PATH, loadCorpus, loadJsonl } from '../../src/corpora/loaders.js';
import { serialize } from 'node:v8';
import { DataError, UsageError } from '../../src/core/errors.js';
import { tokbench } from '../helpers/cli.js';
import { chunkRanges, corpusMetaOf, parallelWorthIt, removeStaleStores, storeParent, workerEnv, workerOverlap } from '../../src/core/parallel.js';
import type { TokenizerAdapter } from '../../src/tokenizers/types.js';
import { ProcessPool } from '../../src/core/pool.js';

/** Everything except wall-clock fields must be byte-identical whatever the number of jobs. */
const stable = (x: unknown) => JSON.stringify(x, (k, v: unknown) => (k === 'seconds' || k === 'createdAt' ? undefined : v));

describe('--jobs: worker processes, deterministic merge', () => {
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

  it('workers with one chunk per tokenizer give the one-process result, every metric included', async () => {
    // The CLI keeps a run this small in one process (parallelWorthIt); chunkUnits forces workers, one task per tokenizer.
    const bad = join(mkdtempSync(join(tmpdir(), 'tokbench-jobs-')), 'tokenizer.json');
    writeFileSync(bad, '<!DOCTYPE html><html>404</html>');
    const base = { tokenizers: ['gpt2', 'qwen3', bad, 'chatglm3', 'o200k_base'], bootstrap: 200, warn: () => {}, onFailure: () => {} } as const;
    let events = 0;
    const workers = await runBenchmark({ ...base, jobs: 2, chunkUnits: 10_000_000, onPairs: () => events++ });
    // Workers report once per task, here one per tokenizer (one process reports per batch and side: twice as many).
    expect(events).toBeLessThanOrEqual(5);
    expect(workers.failures[0]!.error).toMatch(/HTML page/);
    expect(stable(workers)).toBe(stable(await runBenchmark({ ...base, jobs: 1 })));
  });

  it('runBenchmark with jobs > 1 keeps the order the tokenizers were given', async () => {
    // chunkUnits forces workers (3 tokenizers on the small bundled corpus would otherwise stay in one process).
    const r = await runBenchmark({ tokenizers: ['yi', 'gpt2', 'deepseek-v3'], jobs: 3, chunkUnits: 1_000_000, bootstrap: 0, wordMetrics: false, distributionMetrics: false });
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

  it('chunkRanges covers every pair once, in order, in shares of similar text length, the last jobs shares in quarters', () => {
    const units = Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? 500 : 50));
    const r = chunkRanges(units, 2, 2000);
    // jobs × 16 = 32 shares (fewer than total/2000): 30 whole, the last 2 cut in 4 each.
    expect(r.length).toBe(38);
    expect(r[0]!.start).toBe(0);
    expect(r[r.length - 1]!.end).toBe(1000);
    for (let i = 1; i < r.length; i++) expect(r[i]!.start).toBe(r[i - 1]!.end);
    const total = units.reduce((a, b) => a + b, 0);
    r.forEach((c, i) => {
      const share = units.slice(c.start, c.end).reduce((a, b) => a + b, 0);
      expect(Math.abs(share - (i < 30 ? total / 32 : total / 128))).toBeLessThanOrEqual(500);
    });
    expect(chunkRanges(units, 2)).toEqual([{ start: 0, end: 1000 }]); // small corpus: one chunk per tokenizer
    // A pair longer than several shares makes one range, never an empty one.
    const spiky = [10, 10, 100_000, 10, 10, 10];
    const s = chunkRanges(spiky, 2, 1000);
    expect(s).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }]);
  });

  it('split by chunk of pairs, every metric is identical to one process (ids, words, sanity, bootstrap, a failure)', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tokbench-jobs-')), 'tokenizer.json');
    writeFileSync(bad, '{"not": "a tokenizer"}');
    const base = { tokenizers: ['gpt2', 'qwen3', bad, 'chatglm3'], bootstrap: 200, warn: () => {}, onFailure: () => {} } as const;
    let events = 0;
    const serial = await runBenchmark({ ...base, jobs: 1 });
    const chunked = await runBenchmark({ ...base, jobs: 2, chunkUnits: 4000, onPairs: () => events++ });
    // One progress event per chunk: far more than one per tokenizer proves the pairs really were split.
    expect(events).toBeGreaterThan(3 * 8);
    expect(chunked.failures.map((f) => f.tokenizer.id)).toEqual([bad]);
    expect(chunked.results[1]!.distribution?.zh.distinctIds).toBeGreaterThan(1000);
    expect(stable(chunked)).toBe(stable(serial));
  });

  it('chunks under --shard and under a joined protocol give the one-process result', async () => {
    const shard = { tokenizers: ['cl100k_base', 'yi'], bootstrap: 100, shard: { index: 2, count: 3 } } as const;
    expect(stable(await runBenchmark({ ...shard, jobs: 2, chunkUnits: 3000 }))).toBe(stable(await runBenchmark({ ...shard, jobs: 1 })));
    const joined = { tokenizers: ['gpt2', 'deepseek-v3'], bootstrap: 0, segmentation: 'joined' } as const;
    const j2 = await runBenchmark({ ...joined, jobs: 2, chunkUnits: 3000 });
    expect(j2.results[0]!.languages.zh.tokens).toBeGreaterThan(0);
    expect(stable(j2)).toBe(stable(await runBenchmark({ ...joined, jobs: 1 })));
  });

  it('a file corpus counted while it is parsed (JSONL with blank lines, TSV, zh.txt,en.txt) gives the one-process result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-reader-'));
    const bundled = loadCorpus();
    // Blank lines make line numbers and pair numbers differ: counts must still land on the right pairs.
    const jsonl = bundled.pairs.flatMap((p, i) => [JSON.stringify({ id: p.id, domain: p.domain, zh: p.zh, en: p.en }), ...(i % 97 === 0 ? ['', '  '] : [])]);
    writeFileSync(join(dir, 'c.jsonl'), jsonl.join('\n') + '\n');
    writeFileSync(join(dir, 'c.tsv'), bundled.pairs.map((p) => `${p.zh}\t${p.en}`).join('\n') + '\n');
    writeFileSync(join(dir, 'zh.txt'), bundled.pairs.map((p) => p.zh).join('\n') + '\n');
    writeFileSync(join(dir, 'en.txt'), bundled.pairs.map((p) => p.en).join('\n') + '\n');
    const bad = join(dir, 'tokenizer.json');
    writeFileSync(bad, '{"not": "a tokenizer"}');
    for (const corpus of [join(dir, 'c.jsonl'), join(dir, 'c.tsv'), `${join(dir, 'zh.txt')},${join(dir, 'en.txt')}`]) {
      // The broken tokenizer fails on its first chunk, before the parse is done: its outcome waits for the checked corpus.
      const o = { corpus, tokenizers: ['gpt2', bad, 'qwen3'], bootstrap: 100, warn: () => {}, onFailure: () => {} } as const;
      let last = { done: 0, total: 0 };
      const chunked = await runBenchmark({ ...o, jobs: 2, chunkUnits: 5000, onPairs: (e) => { last = e; } });
      expect(chunked.failures.map((f) => f.tokenizer.id)).toEqual([bad]);
      expect(stable(chunked)).toBe(stable(await runBenchmark({ ...o, jobs: 1 })));
      // Progress ends at pairs × tokenizers, not lines × tokenizers (the failed one counted nothing).
      expect(last).toEqual({ done: 2 * bundled.pairs.length, total: 3 * bundled.pairs.length });
    }
  });

  it('a bad line found while workers already count ends the run with the loader\'s own error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-reader-'));
    const lines = loadCorpus().pairs.map((p) => JSON.stringify({ zh: p.zh, en: p.en }));
    lines[600] = '{"zh": "broken';
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, lines.join('\n'));
    const whole = (() => { try { loadCorpus(path); } catch (err) { return err as Error; } })();
    expect(whole).toBeInstanceOf(DataError);
    await expect(runBenchmark({ corpus: path, tokenizers: ['gpt2', 'cl100k_base'], jobs: 2, chunkUnits: 5000, bootstrap: 0 })).rejects.toThrow(whole!.message);
  });

  it('a corpus error found while workers already count ends the run with that error and removes the texts', async () => {
    // The corpus is scanned and checked once the first chunks are dispatched (completeRun inside runParallel).
    const tmp = mkdtempSync(join(tmpdir(), 'tokbench-tmp-'));
    const pairs = Array.from({ length: 60 }, (_, i) => ({ id: String(i), domain: 'general', zh: `no Chinese here, line ${i}`, en: `English line ${i}` }));
    const corpus = { id: 'latin-only', format: 'jsonl', sha256: '0'.repeat(64), files: [], pairs, notes: [] };
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const run = runBenchmark({ corpus, tokenizers: ['gpt2', 'cl100k_base'], jobs: 2, chunkUnits: 200, bootstrap: 0 });
      await expect(run).rejects.toThrow(DataError);
      await expect(run).rejects.toThrow(/Han/);
    } finally {
      // Assigning undefined would set the string "undefined".
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("the meta sent to workers holds none of the corpus's texts (a JSONL corpus's scans name its pairs)", () => {
    const corpus = loadJsonl(BUNDLED_CORPUS_PATH);
    expect(corpus.textScans?.pairs).toBe(corpus.pairs);
    const meta = corpusMetaOf(corpus);
    expect(Object.keys(meta).sort()).toEqual(['files', 'format', 'id', 'notes', 'sha256']);
    // The texts alone are over 100 KB: a meta that carried them could not be this small.
    expect(serialize(meta).length).toBeLessThan(1000);
  });

  it('uses workers only where they pay for their start-up', () => {
    expect(parallelWorthIt(600_000, 2, 1)).toBe(false); // 2 tokenizers, ~1 MB: one process was faster
    expect(parallelWorthIt(6_000_000, 2, 1)).toBe(false); // 2 tokenizers, ~10 MB: a tie
    expect(parallelWorthIt(70_000, 11, 1)).toBe(false); // the default run: one process was faster (3.7 vs 4.4 s)
    expect(parallelWorthIt(2_000_000, 11, 1)).toBe(false); // 11 tokenizers, 10,000 pairs: a tie
    expect(parallelWorthIt(6_900_000, 11, 1)).toBe(true); // 11 tokenizers, 34,343 pairs: 36.4 vs 32.8 s
    expect(parallelWorthIt(60_000_000, 1, 16)).toBe(true); // one tokenizer, chunked
    expect(parallelWorthIt(60_000_000, 1, 1)).toBe(false); // nothing to share
  });

  it('puts the text store on a RAM disk with room for it twice over, unless the user chose TMPDIR', () => {
    const ramDisk = mkdtempSync(join(tmpdir(), 'tokbench-shm-'));
    const free = statfsSync(ramDisk).bavail * statfsSync(ramDisk).bsize;
    const linux = process.platform === 'linux';
    expect(storeParent(1000, {}, ramDisk)).toBe(linux ? ramDisk : tmpdir());
    expect(storeParent(free / 2 + 1, {}, ramDisk)).toBe(tmpdir());
    expect(storeParent(1000, { TMPDIR: tmpdir() }, ramDisk)).toBe(tmpdir());
    expect(storeParent(1000, {}, join(ramDisk, 'missing'))).toBe(tmpdir());
  });

  it("turns the HF engine's own threads off in workers and, with one batch in flight, keeps one libuv thread and one extra malloc arena, unless the user set them", async () => {
    expect(workerEnv({ PATH: '/bin' }, true)).toEqual({ PATH: '/bin', TOKENIZERS_PARALLELISM: 'false' });
    expect(workerEnv({ PATH: '/bin' }, false)).toEqual({ PATH: '/bin', TOKENIZERS_PARALLELISM: 'false', UV_THREADPOOL_SIZE: '1', MALLOC_ARENA_MAX: '2' });
    expect(workerEnv({ TOKENIZERS_PARALLELISM: 'true', UV_THREADPOOL_SIZE: '8' }, false)).toEqual({ TOKENIZERS_PARALLELISM: 'true', UV_THREADPOOL_SIZE: '8', MALLOC_ARENA_MAX: '2' });
    // And the environment reaches the worker processes: a worker that answers with what it sees.
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-env-'));
    const worker = join(dir, 'echo-env.mjs');
    writeFileSync(worker, "process.on('message', (m) => { if ('id' in m) process.send({ id: m.id, output: [process.env.TOKENIZERS_PARALLELISM, process.env.UV_THREADPOOL_SIZE, process.env.MALLOC_ARENA_MAX].join() }); });\n");
    const pool = new ProcessPool(pathToFileURL(worker), 2, () => ({}), workerEnv({ PATH: process.env.PATH }, false));
    const seen: unknown[] = [];
    try {
      await pool.run<null, unknown>([{ input: () => null }, { input: () => null }], { onOutput: (_i, out) => seen.push(out) });
    } finally {
      pool.close();
    }
    expect(seen).toEqual(['false,1,2', 'false,1,2']);
  });

  it('workers keep one engine batch in flight when there is a worker per core, two when cores are left free', async () => {
    expect(workerOverlap(2, 2)).toBe(false);
    expect(workerOverlap(3, 2)).toBe(false);
    expect(workerOverlap(2, 4)).toBe(true);
    // An engine that answers each batch later (as the native binding does) and records how many batches overlapped.
    let inFlight = 0;
    let most = 0;
    const engine = {
      countBatch: async (texts: readonly string[]) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return texts.map((t) => t.length);
      },
    } as unknown as TokenizerAdapter;
    const texts = Array.from({ length: 50 }, (_, i) => 'x'.repeat(i));
    const expected = texts.map((t) => t.length);
    expect(await countInBatches(engine, texts, 8)).toEqual(expected);
    expect(most).toBe(2);
    most = 0;
    expect(await countInBatches(engine, texts, 8, undefined, undefined, undefined, undefined, false)).toEqual(expected);
    expect(most).toBe(1);
  });

  it('prefetch sends a busy worker its next task early; outputs still arrive by task, each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-prefetch-'));
    const worker = join(dir, 'slow-echo.mjs');
    // Answers each task after 150 ms with how many tasks it had received by then.
    writeFileSync(worker, "let received = 0; process.on('message', (m) => { if (!('id' in m)) return; received++; setTimeout(() => process.send({ id: m.id, output: { input: m.input, received } }), 150 * (m.id + 1)); });\n");
    const pool = new ProcessPool(pathToFileURL(worker), 1, () => ({}));
    const seen: { index: number; input: number; received: number }[] = [];
    try {
      const run = pool.run<number, { input: number; received: number }>([0, 1, 2].map((k) => ({ input: () => k })), { onOutput: (index, out) => seen.push({ index, ...out }) });
      pool.prefetch();
      await run;
    } finally {
      pool.close();
    }
    // Task 1 went out with task 0 (prefetched): the worker had both when it answered task 0. After that one task at a
    // time again: task 2 only once task 1 was answered.
    expect(seen).toEqual([{ index: 0, input: 0, received: 2 }, { index: 1, input: 1, received: 2 }, { index: 2, input: 2, received: 3 }]);
  });

  it('hands a worker the tasks of the tokenizers it holds first, and any ready task when it holds none left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-affinity-'));
    const worker = join(dir, 'which-worker.mjs');
    // Each worker answers with its own number (sent in hello): worker 0 after 30 ms, worker 1 after 300 ms.
    writeFileSync(worker, "let me; process.on('message', (m) => { if ('hello' in m) me = m.hello; else if ('id' in m) setTimeout(() => process.send({ id: m.id, output: me }), me === 0 ? 30 : 300); });\n");
    // Worker 0 starts holding tokenizer a, worker 1 tokenizer b; c is nobody's.
    const pool = new ProcessPool(pathToFileURL(worker), 2, (k) => k, process.env, (k) => [['a', 'b'][k]!], 2);
    const ranOn: number[] = [];
    try {
      await pool.run<null, number>(['a', 'a', 'b', 'c'].map((key) => ({ key, input: () => null })), { onOutput: (i, w) => { ranOn[i] = w; } });
    } finally {
      pool.close();
    }
    // Index order alone would give worker 1 the second a task; it takes b's. Worker 0, done with a, takes c.
    expect(ranOn).toEqual([0, 0, 1, 0]);
  });

  it('removes the text stores of killed runs, and only those', () => {
    const parent = mkdtempSync(join(tmpdir(), 'tokbench-stale-'));
    // A process id that is surely gone: a child that has exited.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const make = (name: string, hoursOld: number) => {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, 'zh-0.bin'), 'x');
      const t = (Date.now() - hoursOld * 3600_000) / 1000;
      utimesSync(join(parent, name), t, t);
    };
    make(`tokbench-run-${gone}-old`, 2); // killed run: removed
    make(`tokbench-run-${gone}-new`, 0); // process gone but folder fresh (maybe another namespace's live run): kept
    make(`tokbench-run-${process.pid}-old`, 2); // this process: kept
    make(`tokbench-run-${process.ppid}-old`, 2); // a live process: kept
    make('tokbench-jobs-old', 2); // not a store: kept
    removeStaleStores(parent);
    expect(readdirSync(parent).sort()).toEqual([`tokbench-run-${gone}-new`, `tokbench-run-${process.pid}-old`, `tokbench-run-${process.ppid}-old`, 'tokbench-jobs-old'].sort());
    removeStaleStores(join(parent, 'missing')); // no folder: nothing to do, no error
  });
});
