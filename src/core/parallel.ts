/**
 * `--jobs N`: worker processes encode (tokenizer, chunk of pairs) tasks in parallel (see pool.ts for why processes).
 *
 * The main process prepares the run once (corpus parsed, scanned and checked) and writes the texts into a file
 * each worker reads once; workers never re-parse or re-check the corpus. Each tokenizer's pairs are cut into chunks when the corpus
 * is big enough to pay for loading the tokenizer in more than one worker, so two tokenizers of unequal speed still
 * keep every core busy. A `checks` task runs the passes that read no counts (sanity) beside the counting; when a
 * tokenizer's chunks are all counted, one `finish` task runs the others (words, chat, distribution from the merged id
 * histograms). Counts are merged by pair index and results assembled in tokenizer order by the same functions as the
 * one-process path, so the output is identical for any number of jobs (tested in test/core/parallel.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Corpus } from '../corpora/types.js';
import type { TokenizerInfo } from '../tokenizers/types.js';
import { UsageError } from './errors.js';
import { IdHistogram } from './id-histogram.js';
import { ProcessPool, type PoolTask } from './pool.js';
import { resultFromCounts, wantsIdHistograms, type RunContext, type RunOptions, type RunPlan, type TokenizerCounts, type TokenizerOutcome } from './runner.js';
import { writeTextStore, type TextStore } from './text-store.js';
import type { TokenizerFailure } from './types.js';
import { mergePassOutputs, type PassOutput } from './passes.js';

/** Chunks smaller than this many UTF-16 units (both sides) are not worth a second tokenizer load (~0.3–1.6 s). */
const MIN_CHUNK_UNITS = 4_000_000;
/** Enough chunks per worker to even out tokenizers of unequal speed, few enough to keep per-task costs negligible. */
const CHUNKS_PER_JOB = 16;

/** Sent to a worker as soon as it starts: enough to load tokenizers while the main process reads the corpus. */
export interface WorkerHello {
  options: RunOptions;
  engine: 'native' | 'js';
  specialTokens: boolean;
  /** Tokenizers to load right away (errors are left for the task that needs it to report). */
  preload: string[];
}

/** The texts of pairs [start, end) of the whole corpus, one store file per side (see text-store.ts). */
export interface StoreSegment {
  start: number;
  end: number;
  zh: TextStore;
  en: TextStore;
}

export interface WorkerInit {
  /**
   * The whole corpus's texts in consecutive segments: one per chunk of the run's pairs, then (under --shard) the
   * pairs outside the slice. Files are written while the first chunks are counted; a task is sent only once the
   * segments it reads exist.
   */
  segments: StoreSegment[];
  /** File of the pairs' ids and domains (PairMeta, v8-serialized), written once every segment is. */
  meta: string;
  /** The loaded corpus without its pairs (rebuilt from the store in a worker when a pass needs it). */
  corpusMeta: Omit<Corpus, 'pairs'>;
  /** Under --shard: the slice [start, end) of the stored (whole) corpus this run measures. */
  slice: { start: number; end: number } | undefined;
  joined: { zh: string; en: string } | undefined;
  batchSize: number;
}

export type WorkerTask =
  | { kind: 'count'; spec: string; segment: number; histograms: boolean; release: string[] }
  | { kind: 'count-joined'; spec: string; histograms: boolean; release: string[] }
  | { kind: 'checks'; spec: string; release: string[] }
  | { kind: 'finish'; spec: string; pairCounts: { zh: number[]; en: number[] }; histograms?: { zh: Float64Array; en: Float64Array }; release: string[] };

export type WorkerOutput =
  | { kind: 'failed'; failure: TokenizerFailure; loadWarnings: string[]; usage?: { message: string; hint?: string } }
  | {
    kind: 'counted'; loadWarnings: string[]; seconds: number;
    zh: Int32Array; en: Int32Array; zhJoined?: number; enJoined?: number; zhIds?: Float64Array; enIds?: Float64Array;
  }
  | { kind: 'passes'; info: TokenizerInfo; outputs: PassOutput[]; seconds: number };

/** Options that can cross to a worker process: callbacks, the abort signal and the corpus object stay here. */
function cloneableOptions(o: RunOptions): RunOptions {
  const { warn: _w, onProgress: _p, onResult: _r, onFailure: _f, onPairs: _o, signal: _s, corpus: _c, ...rest } = o;
  return rest;
}

/**
 * The worker entry point. Workers run plain JavaScript, so when this module itself runs from source
 * (tests under vitest) the workers use the built copy in dist/, which `npm test` builds first.
 */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/core/run-worker.js', import.meta.url) : new URL('./run-worker.js', import.meta.url);
}

/**
 * The last `jobs` chunks are cut this many times finer: workers finish their last task at different times, and the
 * smaller the last tasks, the shorter the time one core waits for the other (on 100 MB with Qwen3, a whole chunk is
 * ~2 s of one core).
 */
const TAIL_SPLIT = 4;

/** Pair ranges [start, end) of the run's pairs for one tokenizer: one range on small corpora. */
export function chunkRanges(units: Int32Array | readonly number[], jobs: number, minChunkUnits = MIN_CHUNK_UNITS): { start: number; end: number }[] {
  const n = units.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += units[i]!;
  const chunks = Math.max(1, Math.min(jobs * CHUNKS_PER_JOB, Math.floor(total / minChunkUnits), n));
  if (chunks === 1) return [{ start: 0, end: n }];
  // Equal shares of text (not of pairs), so a chunk of long lines is not four times the work of the others;
  // `ends` are the cumulative shares (in chunks) where ranges end, the tail in quarter shares.
  const tail = Math.min(jobs, chunks - 1);
  const ends: number[] = [];
  for (let k = 1; k <= chunks - tail; k++) ends.push(k);
  for (let q = 1; q <= tail * TAIL_SPLIT; q++) ends.push(chunks - tail + q / TAIL_SPLIT);
  const share = total / chunks;
  const out: { start: number; end: number }[] = [];
  let start = 0;
  let acc = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    acc += units[i]!;
    if (next < ends.length - 1 && acc >= ends[next]! * share) {
      out.push({ start, end: i + 1 });
      start = i + 1;
      // A long pair can cover several shares: skip the ends it passed (no empty range).
      while (next < ends.length - 1 && acc >= ends[next]! * share) next++;
    }
  }
  if (start < n) out.push({ start, end: n });
  return out;
}

interface Pending {
  counts: TokenizerCounts;
  histograms?: { zh: IdHistogram; en: IdHistogram };
  loadWarnings?: string[];
  passes: PassOutput[];
  seconds: number;
  failed: boolean;
}

/**
 * The pair ranges each tokenizer's work is cut into (one range when chunks would not pay for a second tokenizer
 * load), or undefined when the run should not use workers at all (see parallelWorthIt; `chunkUnits` forces them).
 */
export function workerPlan(plan: RunPlan, jobs: number): { start: number; end: number }[] | undefined {
  let total = 0;
  let ranges: { start: number; end: number }[];
  if (plan.joined) {
    total = plan.joined.zh.length + plan.joined.en.length;
    ranges = [{ start: 0, end: 1 }];
  } else {
    const { start, end } = plan.slice ?? { start: 0, end: plan.corpus.pairs.length };
    const units = new Int32Array(end - start);
    for (let i = start; i < end; i++) {
      const p = plan.corpus.pairs[i]!;
      units[i - start] = p.zh.length + p.en.length;
      total += units[i - start]!;
    }
    ranges = chunkRanges(units, jobs, plan.options.chunkUnits);
  }
  const specs = plan.specs.length;
  const use = plan.options.chunkUnits !== undefined ? specs * ranges.length > 1 : parallelWorthIt(total, specs, ranges.length);
  return use ? ranges : undefined;
}

/**
 * Workers pay for themselves when there is real encoding to share or many tokenizers to load. Measured on 2 cores:
 * 2 tokenizers on a 1 MB corpus took 1.2 s in one process and 1.6 s with workers (starting them costs what the
 * parallel loads save); on 10 MB, 4.4 s vs 3.8 s; the 11 default tokenizers on the bundled corpus, 5.7 s vs 4.7 s.
 */
const MIN_PARALLEL_WORK = 3_000_000;
const MANY_TOKENIZERS = 4;

/** Whether a run of `specs` tokenizers over `units` UTF-16 units, cut into `chunks` per tokenizer, should use workers. */
export function parallelWorthIt(units: number, specs: number, chunks: number): boolean {
  if (specs * chunks < 2) return false;
  return chunks > 1 || specs >= MANY_TOKENIZERS || units * specs >= MIN_PARALLEL_WORK;
}

/**
 * Tokenizers each worker loads on start, while the main process reads the corpus: chunked, every worker loads the
 * first two (each worker will count chunks of both; a worker keeps two loaded, see run-worker.ts); not chunked,
 * worker k loads tokenizer k.
 */
export function preloadPlan(specs: readonly string[], chunked: boolean): (k: number) => string[] {
  return (k) => (chunked ? specs.slice(0, 2) : specs[k] !== undefined ? [specs[k]!] : []);
}

/** Worth starting workers before the corpus is read: several tokenizers, or a corpus file big enough to be chunked. */
export function earlyStartPlan(options: RunOptions, specs: readonly string[], jobs: number, corpusBytes: number | undefined): { preload: (k: number) => string[] } | undefined {
  if (jobs < 2 || options.stream) return undefined;
  // ~2 bytes of file per UTF-16 unit of Chinese, ~1 of English: half the file size under-estimates the units.
  const units = corpusBytes === undefined ? 0 : corpusBytes / 2;
  const chunked = units >= 2 * (options.chunkUnits ?? MIN_CHUNK_UNITS);
  if (!parallelWorthIt(units, specs.length, chunked ? 2 : 1)) return undefined;
  return { preload: preloadPlan(specs, chunked) };
}

export function startWorkers(options: RunOptions, engine: 'native' | 'js', specialTokens: boolean, jobs: number, preload: (k: number) => string[]): ProcessPool {
  return new ProcessPool(workerUrl(), jobs, (k: number) => ({ options: cloneableOptions(options), engine, specialTokens, preload: preload(k) } satisfies WorkerHello));
}

type Report = (index: number, outcome: TokenizerOutcome) => void;

/**
 * Count `plan` with the pool's workers. `complete` scans and checks the corpus (completeRun): it runs here once the
 * first chunks are being counted, so the workers are not idle while this process does it, and before any tokenizer
 * can finish (its results need it). A corpus error it raises ends the run.
 */
export async function runParallel(
  plan: RunPlan, complete: () => RunContext, pool: ProcessPool, ranges: readonly { start: number; end: number }[], report: Report, onPairs: (pairs: number) => void,
): Promise<void> {
  // The texts go to the workers through files in a private temp folder, removed when the run ends however it ends.
  const dir = mkdtempSync(join(tmpdir(), 'tokbench-run-'));
  try {
    await runInDir(plan, complete, pool, ranges, report, onPairs, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Store segments: the chunks of the run's pairs (offset into the whole corpus under --shard), then the rest of the corpus. */
function segmentPlan(plan: RunPlan, ranges: readonly { start: number; end: number }[], dir: string): StoreSegment[] {
  const total = plan.corpus.pairs.length;
  const offset = plan.slice?.start ?? 0;
  const spans = plan.joined ? [{ start: 0, end: total }] : ranges.map((r) => ({ start: offset + r.start, end: offset + r.end }));
  if (!plan.joined && plan.slice) {
    if (plan.slice.start > 0) spans.push({ start: 0, end: plan.slice.start });
    if (plan.slice.end < total) spans.push({ start: plan.slice.end, end: total });
  }
  return spans.map((r, i) => ({ ...r, zh: { path: join(dir, `${i}.zh.u16`) }, en: { path: join(dir, `${i}.en.u16`) } }));
}

/**
 * Write the segments in order, each gate opening when its files exist, then the pair ids and domains, then run
 * `complete`; the last gate (what the passes need: every text, the ids, a checked corpus) opens after it. The first
 * `jobs` segments are written before yielding, so every worker's first task is a chunk of the first tokenizer;
 * after that the event loop runs between segments, so chunks are dispatched while the rest is written.
 */
async function writeStore(corpus: Corpus, segments: readonly StoreSegment[], metaPath: string, gates: readonly Gate[], jobs: number, complete: () => void): Promise<void> {
  let i = 0;
  try {
    for (; i < segments.length; i++) {
      const { start, end, zh, en } = segments[i]!;
      const pairs = corpus.pairs.slice(start, end);
      writeTextStore(zh.path, pairs.map((p) => p.zh));
      writeTextStore(en.path, pairs.map((p) => p.en));
      gates[i]!.open();
      if (i + 1 >= jobs) await new Promise((resolve) => setImmediate(resolve));
    }
    writeFileSync(metaPath, serialize({ ids: corpus.pairs.map((p) => p.id), domains: corpus.pairs.map((p) => p.domain) } satisfies PairMeta), { flag: 'wx', mode: 0o600 });
    complete();
    gates[i]!.open();
  } catch (err) {
    for (; i < gates.length; i++) gates[i]!.fail(err);
  }
}

/** Pair ids and domains of the whole corpus, for the passes that rebuild it in a worker. */
export interface PairMeta {
  ids: string[];
  domains: string[];
}

interface Gate {
  ready: Promise<void>;
  open: () => void;
  fail: (err: unknown) => void;
}

function gate(): Gate {
  let open!: () => void;
  let fail!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => { open = resolve; fail = reject; });
  // The pool reports a failed gate; until it is attached, a rejection must not count as unhandled.
  ready.catch(() => {});
  return { ready, open, fail };
}

async function runInDir(
  plan: RunPlan, complete: () => RunContext, pool: ProcessPool, ranges: readonly { start: number; end: number }[], report: Report,
  onPairs: (pairs: number) => void, dir: string,
): Promise<void> {
  const { options, specs } = plan;
  const { pairs: _pairs, ...corpusMeta } = plan.corpus;
  const segments = segmentPlan(plan, ranges, dir);
  // One gate per segment, and a last one for the passes (see writeStore).
  const gates = [...segments, undefined].map(() => gate());
  const passesReady = gates[segments.length]!.ready;
  const metaPath = join(dir, 'pairs.bin');
  const init: WorkerInit = {
    segments,
    meta: metaPath,
    corpusMeta,
    slice: plan.slice,
    joined: plan.joined,
    batchSize: plan.batchSize,
  };
  const wantIds = wantsIdHistograms(options);
  // Joined protocols have no per-pair counts (see resultFromCounts).
  const pairs = plan.joined ? 0 : (plan.slice ? plan.slice.end - plan.slice.start : plan.corpus.pairs.length);
  const state: Pending[] = specs.map(() => ({ counts: { zh: new Array<number>(pairs), en: new Array<number>(pairs) }, passes: [], seconds: 0, failed: false }));
  const released: string[] = [];

  // Task graph per tokenizer: [chunk 0, checks, chunks 1…, finish]. Lower indices go first among ready tasks, so the
  // checks (passes that need no counts, e.g. sanity) run beside the counting rather than in the tail, and a finished
  // tokenizer's passes run before the next tokenizer's chunks.
  const tasks: PoolTask<WorkerTask>[] = [];
  const owner: { spec: number; chunk: number | 'checks' | 'finish' }[] = [];
  specs.forEach((spec, k) => {
    const countIds: number[] = [];
    ranges.forEach((_r, c) => {
      if (c === 1) pushChecks(k, countIds);
      countIds.push(tasks.length);
      owner.push({ spec: k, chunk: c });
      tasks.push({
        // A joined count reads the joined texts sent with init, not the store.
        ...(plan.joined ? {} : { ready: gates[c]!.ready }),
        input: () => (plan.joined
          ? { kind: 'count-joined', spec: spec.raw, histograms: wantIds, release: [...released] }
          : { kind: 'count', spec: spec.raw, segment: c, histograms: wantIds, release: [...released] }),
      });
    });
    if (ranges.length === 1) pushChecks(k, countIds);
    owner.push({ spec: k, chunk: 'finish' });
    tasks.push({
      after: countIds,
      input: () => {
        const st = state[k]!;
        return {
          kind: 'finish', spec: spec.raw, pairCounts: { zh: st.counts.zh, en: st.counts.en }, release: [...released],
          ...(st.histograms ? { histograms: { zh: st.histograms.zh.counts, en: st.histograms.en.counts } } : {}),
        };
      },
    });
  });

  function pushChecks(k: number, waitFor: number[]): void {
    waitFor.push(tasks.length);
    owner.push({ spec: k, chunk: 'checks' });
    tasks.push({ ready: passesReady, input: () => ({ kind: 'checks', spec: specs[k]!.raw, release: [...released] }) });
  }

  const started = new Set<number>();
  const start = (k: number) => {
    if (started.has(k)) return;
    started.add(k);
    options.onProgress?.({ tokenizer: specs[k]!.raw, index: k, total: specs.length, phase: 'start' });
  };
  start(0);
  let usage: UsageError | undefined;
  const running = pool.run<WorkerTask, WorkerOutput>(tasks, {
    workerData: init,
    ...(options.signal ? { signal: options.signal } : {}),
    skip: (i) => state[owner[i]!.spec]!.failed || usage !== undefined,
    onOutput: (i, out) => {
      const { spec: k, chunk } = owner[i]!;
      const st = state[k]!;
      start(k);
      if (st.failed) return;
      if (out.kind === 'failed') {
        st.failed = true;
        if (out.usage) { usage ??= new UsageError(out.usage.message, out.usage.hint); return; }
        released.push(specs[k]!.raw);
        report(k, { warnings: out.loadWarnings, failure: out.failure });
        return;
      }
      st.seconds += out.seconds;
      if (out.kind === 'counted') {
        // Load notes are the same in every worker that loads the tokenizer: keep the first chunk's, so they appear once.
        if (chunk === 0) st.loadWarnings = out.loadWarnings;
        if (plan.joined) {
          if (out.zhJoined !== undefined) st.counts.zhJoined = out.zhJoined;
          if (out.enJoined !== undefined) st.counts.enJoined = out.enJoined;
        } else {
          const r = ranges[chunk as number]!;
          for (let j = 0; j < out.zh.length; j++) {
            st.counts.zh[r.start + j] = out.zh[j]!;
            st.counts.en[r.start + j] = out.en[j]!;
          }
        }
        onPairs(plan.joined ? 1 : out.zh.length);
        if (out.zhIds && out.enIds) {
          st.histograms ??= { zh: new IdHistogram(out.zhIds.length), en: new IdHistogram(out.enIds.length) };
          st.histograms.zh.merge(out.zhIds);
          st.histograms.en.merge(out.enIds);
        }
        return;
      }
      st.passes.push(...out.outputs);
      if (chunk === 'checks') return;
      // finish: the last task of this tokenizer (it waits for the checks too).
      released.push(specs[k]!.raw);
      const passes = mergePassOutputs(st.passes);
      const warnings = [...(st.loadWarnings ?? []), ...passes.warnings];
      // Warnings raised inside workers were not printed there: print them now, as each tokenizer completes.
      for (const w of warnings) plan.warn(w);
      report(k, { warnings, result: resultFromCounts(complete(), out.info, st.counts, passes.extra, st.seconds) });
      st.counts = { zh: [], en: [] };
      st.passes = [];
      delete st.histograms;
    },
  });
  // The pool is listening: the texts are written while the first chunks are counted.
  await Promise.all([running, writeStore(plan.corpus, segments, metaPath, gates, pool.size, complete)]);
  if (usage) throw usage;
}
