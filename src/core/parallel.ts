/**
 * `--jobs N`: worker processes encode (tokenizer, chunk of pairs) tasks in parallel (see pool.ts for why processes).
 *
 * The main process parses the corpus once and writes its texts, one temp file per chunk, as it goes: a chunk's
 * tasks are sent as soon as its file exists, so with a one-pair-per-line file the first chunks are counted while
 * the rest is parsed (readerPlan), and the corpus scan and checks (completeRun) run beside the counting. Workers
 * never parse or check the corpus. Each tokenizer's pairs are cut into chunks when the corpus is big enough to pay
 * for loading the tokenizer in more than one worker, so two tokenizers of unequal speed still keep every core busy.
 * A `checks` task runs the passes that read no counts (sanity) beside the counting; when a tokenizer's chunks are
 * all counted, one `finish` task runs the others (words, chat, distribution from the merged id histograms). Counts
 * are merged by pair index and results assembled in tokenizer order by the same functions as the one-process path,
 * so the output is identical for any number of jobs (tested in test/core/parallel.test.ts).
 */
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { serialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Corpus, Pair } from '../corpora/types.js';
import type { TokenizerInfo } from '../tokenizers/types.js';
import { UsageError } from './errors.js';
import { IdHistogram } from './id-histogram.js';
import { defaultJobs, ProcessPool, type PoolTask } from './pool.js';
import { planWithCorpus, resultFromCounts, wantsIdHistograms, type RunBase, type RunContext, type RunOptions, type RunPlan, type TokenizerCounts, type TokenizerOutcome } from './runner.js';
import type { CorpusReader } from '../corpora/loaders.js';
import { internStrings, packStrings, writeTextStore, type InternedStrings, type PackedStrings, type TextStore } from './text-store.js';
import type { TokenizerFailure } from './types.js';
import { mergePassOutputs, passesOf, selectPasses, type PassOutput } from './passes.js';
import { samplePairs, type PairSample } from './sanity.js';

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
  /** Two engine batches in flight while counting (countInBatches): only when the workers leave cores free. */
  overlap: boolean;
}

/** One segment of the store: the texts of a range of pairs, one file per side (see text-store.ts). */
export interface SegmentFiles {
  zh: TextStore;
  en: TextStore;
}

export interface WorkerInit {
  /**
   * The whole corpus's texts in consecutive segments: one per chunk of the run's pairs, then (under --shard) the
   * pairs outside the slice. Files are written while the first chunks are counted; a task is sent only once the
   * segments it reads exist.
   */
  segments: SegmentFiles[];
  /** File of the corpus without its texts (PairMeta, v8-serialized), written once every segment is. */
  meta: string;
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
 * Workers pay for themselves only when there is real encoding to share: they load their tokenizers twice over in
 * all, and a worker re-encodes its sanity sample (one process reuses the counting pass's ids). Measured on 2 cores
 * with the 11 default tokenizers and default metrics (one process vs --jobs 2): bundled corpus (70k UTF-16 units)
 * 3.7 vs 4.4 s; 3,448 pairs (0.7M units) 6.8–7.4 vs 7.9–8.6 s; 10,000 pairs (2M) 13.5–14.5 vs 13.3–14.7 s;
 * 34,343 pairs (6.9M) 36.4 vs 32.8 s. Two tokenizers on 100 MB (69M units, chunked): 27.6–29.2 vs 22.2–23.9 s.
 * Hence the threshold on units × tokenizers, between the tie at 22M and the gain at 76M; a corpus big enough to be
 * cut into chunks always shares its encoding.
 */
const MIN_PARALLEL_WORK = 40_000_000;

/** Whether a run of `specs` tokenizers over `units` UTF-16 units, cut into `chunks` per tokenizer, should use workers. */
export function parallelWorthIt(units: number, specs: number, chunks: number): boolean {
  if (specs * chunks < 2) return false;
  return chunks > 1 || units * specs >= MIN_PARALLEL_WORK;
}

/**
 * Tokenizers each worker loads on start, while the main process reads the corpus: worker k loads tokenizer k (mod the
 * number of tokenizers when chunked, so every worker has one). The pool then hands each worker the tasks of the
 * tokenizers it holds first (PoolTask.key), so each tokenizer is loaded by as few workers as keep the cores busy: on
 * 100 MB with cl100k_base and qwen3, worker 0 counts cl100k_base, worker 1 qwen3, and worker 0 loads qwen3 only
 * once cl100k_base is done (three loads instead of four, each 0.3–0.8 s of a core).
 */
export function preloadPlan(specs: readonly string[], chunked: boolean): (k: number) => string[] {
  return (k) => (chunked && specs.length ? [specs[k % specs.length]!] : specs[k] !== undefined ? [specs[k]!] : []);
}

/** How many tokenizers a worker keeps loaded (the least recently used one is disposed of to load another). */
export const WORKER_TOKENIZERS = 2;

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
  const overlap = workerOverlap(jobs, defaultJobs());
  const hello = (k: number) => ({ options: cloneableOptions(options), engine, specialTokens, preload: preload(k), overlap } satisfies WorkerHello);
  return new ProcessPool(workerUrl(), jobs, hello, workerEnv(process.env, overlap), preload, WORKER_TOKENIZERS);
}

/**
 * The workers' environment; a variable the user set always wins.
 * - TOKENIZERS_PARALLELISM=false: the HF engine's own thread pool (rayon) off. With one worker per core, each worker's
 *   encodeBatch spreading over every core only makes the workers compete: Qwen3, 100 MB, --jobs 2 on 2 cores took
 *   28.3–29.3 s of CPU with it off against 30.8–33.6 s on (15.6–16.0 s against 16.5–18.4 s wall).
 * - With one engine batch in flight (workerOverlap false), UV_THREADPOOL_SIZE=1 and MALLOC_ARENA_MAX=2: the native
 *   binding runs each batch on a libuv thread, by default any of four, each with its own malloc arena to grow, and
 *   the Encodings it builds are freed later on the worker's main thread. One thread and one arena besides the main
 *   one: cl100k_base + qwen3, 100 MB, --jobs 2 on 2 cores, interleaved: 18.2–19.0 s wall (35.8–37.3 s of CPU, 1.0–1.2
 *   of it the system's) against 19.9–20.0 s (37.8–38.4 s, 1.6–2.1) in three rounds, 17.9–18.7 against 19.2–20.2 s
 *   in four. A one-process run pinned to one core gained nothing from the same settings (33.6–35.5 s either way).
 */
export function workerEnv(env: NodeJS.ProcessEnv, overlap: boolean): NodeJS.ProcessEnv {
  const set: Record<string, string> = { TOKENIZERS_PARALLELISM: 'false', ...(overlap ? {} : { UV_THREADPOOL_SIZE: '1', MALLOC_ARENA_MAX: '2' }) };
  const out = { ...env };
  for (const [k, v] of Object.entries(set)) if (env[k] === undefined) out[k] = v;
  return out;
}

/**
 * Whether workers keep two engine batches in flight. In one process the overlap puts a second core to work (the HF
 * binding encodes on a libuv thread while JS unpacks); with a worker on every core there is no second core to take,
 * and the overlap only made each worker's threads compete with the other workers: cl100k_base + qwen3, 100 MB,
 * --jobs 2 on 2 cores, five interleaved rounds: 18.9–21.3 s (36.7–40.9 s of CPU) without it, 19.7–22.4 s
 * (38.0–43.0 s) with it.
 */
export function workerOverlap(jobs: number, cores: number): boolean {
  return jobs < cores;
}

type Report = (index: number, outcome: TokenizerOutcome) => void;
type Range = { start: number; end: number };

/**
 * What the workers count: a corpus already read (`ranges` over the run's pairs), or a one-pair-per-line file still
 * to be parsed (`ranges` over its lines; see readerPlan), whose chunks are counted while the rest is parsed.
 */
export type ParallelSource = { plan: RunPlan; ranges: readonly Range[] } | { base: RunBase; reader: CorpusReader; ranges: readonly Range[] };

/**
 * Line ranges for counting a file corpus while it is parsed, or undefined when it should be read whole first: a
 * sharded or joined run (both need the whole corpus first), or one too small for workers to pay (parallelWorthIt).
 */
export function readerPlan(base: RunBase, reader: CorpusReader, jobs: number): Range[] | undefined {
  if (base.options.shard || base.segmentation.segmentation !== 'per-line') return undefined;
  // UTF-16 units per line, or for JSONL its bytes (known before anything is decoded; about 1.3× the units on this
  // project's corpus, so where MIN_CHUNK_UNITS bounds the chunks there are that many more: 100 MB, 19 → 25).
  const units = reader.lineUnits();
  let total = 0;
  for (let i = 0; i < units.length; i++) total += units[i]!;
  const ranges = chunkRanges(units, jobs, base.options.chunkUnits);
  const specs = base.specs.length;
  const use = base.options.chunkUnits !== undefined ? specs * ranges.length > 1 : parallelWorthIt(total, specs, ranges.length);
  return use ? ranges : undefined;
}

/**
 * Count with the pool's workers. `complete` scans and checks the corpus (completeRun): it runs here once the texts
 * are written, while the first chunks are being counted, so the workers are not idle while this process does it; a
 * corpus error it raises (or one found while parsing) ends the run. Tokenizer outcomes reach `report` only after it.
 */
export async function runParallel(
  source: ParallelSource, complete: (plan: RunPlan) => RunContext, pool: ProcessPool, report: Report, onPairs: (pairs: number) => void,
): Promise<void> {
  // The texts go to the workers through files in a private temp folder, removed when the run ends however it ends
  // (short of SIGKILL: see removeStaleStores). The folder's name carries this process's id.
  const parent = storeParent(storeBytes(source));
  removeStaleStores(parent);
  const dir = mkdtempSync(join(parent, `${STORE_PREFIX}${process.pid}-`));
  try {
    await runInDir(source, complete, pool, report, onPairs, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const STORE_PREFIX = 'tokbench-run-';
/** A store folder's name: the prefix, the id of the process that made it, mkdtemp's suffix. */
const STORE_NAME = new RegExp(`^${STORE_PREFIX}(\\d+)-`);
/** A store folder this old whose process is gone is a killed run's: removed by the next run. */
const STALE_STORE_MS = 60 * 60 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the text stores of runs that were killed outright (SIGKILL, OOM killer: no handler runs, and on /dev/shm
 * the texts would hold RAM until reboot). A folder is stale when it is this user's, its process is gone and it is
 * over an hour old (the age guards against a live run whose process id this one cannot see, in another PID namespace).
 */
export function removeStaleStores(parent: string, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const m = STORE_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(parent, name);
    try {
      const st = statSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || now - st.mtimeMs < STALE_STORE_MS) continue;
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another run, or not ours to remove: nothing to do.
    }
  }
}

/** Bytes of the text store (UTF-16, the whole corpus): from the texts, or from the lines when they are not parsed yet. */
function storeBytes(source: ParallelSource): number {
  let units = 0;
  if ('plan' in source) for (const p of source.plan.corpus.pairs) units += p.zh.length + p.en.length;
  else for (const u of source.reader.lineUnits()) units += u;
  return 2 * units;
}

/**
 * The folder for the run's text store: RAM-backed /dev/shm when it exists and has room for the store twice over (so a
 * run never fills the RAM disk others use), else the system temp folder; a TMPDIR set by the user always wins. On a
 * disk-backed /tmp the file system's own work on the written pages cost 0.5–1 s of CPU per 100 MB corpus, taken
 * from the workers (measured: --jobs 2, Qwen3, 100 MB: 16.8–17.2 s with /tmp, 15.3–16.3 s with /dev/shm).
 */
export function storeParent(bytes: number, env: NodeJS.ProcessEnv = process.env, shm = '/dev/shm'): string {
  if (env.TMPDIR || process.platform !== 'linux') return tmpdir();
  try {
    const st = statfsSync(shm);
    accessSync(shm, constants.W_OK);
    if (st.bavail * st.bsize > 2 * bytes) return shm;
  } catch {
    // No usable /dev/shm: the system temp folder.
  }
  return tmpdir();
}

/** Pair ranges of the whole corpus in store segments: the run's chunks (offset under --shard), then the rest. */
function segmentSpans(plan: RunPlan, ranges: readonly Range[]): Range[] {
  const total = plan.corpus.pairs.length;
  if (plan.joined) return [{ start: 0, end: total }];
  const offset = plan.slice?.start ?? 0;
  const spans = ranges.map((r) => ({ start: offset + r.start, end: offset + r.end }));
  if (plan.slice) {
    if (plan.slice.start > 0) spans.push({ start: 0, end: plan.slice.start });
    if (plan.slice.end < total) spans.push({ start: plan.slice.end, end: total });
  }
  return spans;
}

/**
 * The store's texts, segment by segment: `pairs(c)` is segment c's pairs (asked in order; a reader parses up to the
 * end of chunk c), `start(c)` its first pair's index in the run, `plan()` the run once every segment was asked for.
 */
interface SegmentFeed {
  count: number;
  pairs: (c: number) => readonly Pair[];
  start: (c: number) => number;
  plan: () => RunPlan;
  spans: () => Range[];
}

function segmentFeed(source: ParallelSource): SegmentFeed {
  if ('plan' in source) {
    const { plan, ranges } = source;
    const spans = segmentSpans(plan, ranges);
    return { count: spans.length, pairs: (c) => plan.corpus.pairs.slice(spans[c]!.start, spans[c]!.end), start: (c) => ranges[c]?.start ?? 0, plan: () => plan, spans: () => spans };
  }
  const { base, reader, ranges } = source;
  const starts: number[] = [];
  const spans: Range[] = [];
  let plan: RunPlan | undefined;
  return {
    count: ranges.length,
    pairs: (c) => {
      const from = c === 0 ? 0 : spans[c - 1]!.end;
      const all = reader.parseUntil(ranges[c]!.end);
      starts[c] = from;
      spans[c] = { start: from, end: all.length };
      return all.slice(from);
    },
    start: (c) => starts[c]!,
    plan: () => (plan ??= planWithCorpus(base, reader.finish())),
    spans: () => spans,
  };
}

/**
 * Write the segments in order, each gate opening when its files exist; then run `afterTexts` (the corpus scan and
 * checks) and write the pairs' ids, domains and sanity sample; the last gate (what the passes need: every text, the
 * ids, a checked corpus) opens after it. The first `jobs` segments are written before yielding, so every worker's first task is a
 * chunk of the first tokenizer; after that the event loop runs between segments, so chunks are dispatched (and
 * finished ones collected) while the rest is parsed and written.
 */
async function writeStore(
  feed: SegmentFeed, files: readonly SegmentFiles[], metaPath: string, gates: readonly Gate[], jobs: number, afterTexts: (plan: RunPlan) => RunContext, stopped: () => boolean,
  prefetch: () => void,
): Promise<void> {
  let i = 0;
  try {
    for (; i < feed.count; i++) {
      // The run already ended (aborted, a worker crashed): parse and check nothing more.
      if (stopped()) return;
      const pairs = feed.pairs(i);
      writeTextStore(files[i]!.zh.path, pairs.map((p) => p.zh));
      writeTextStore(files[i]!.en.path, pairs.map((p) => p.en));
      gates[i]!.open();
      if (i + 1 >= jobs) await new Promise((resolve) => setImmediate(resolve));
    }
    if (stopped()) return;
    // What follows keeps this process busy for a while (0.9 s on 100 MB): workers get their next task now, so one that
    // finishes meanwhile does not wait for this process to answer.
    prefetch();
    const plan = feed.plan();
    const ctx = afterTexts(plan);
    const pairs = plan.corpus.pairs;
    const corpusMeta = corpusMetaOf(plan.corpus);
    // The sanity sample (the run's, or under --shard the whole corpus's) travels with the meta with its texts: a
    // worker's checks then read no segment file (they touched every one, the sample being spread over the corpus:
    // 0.8–1.2 s per tokenizer on 100 MB, 0.4 s of it the system's).
    const sample = ctx.sample ?? samplePairs(pairs);
    const sampleTexts = { zh: sample.indices.map((i) => pairs[i]!.zh), en: sample.indices.map((i) => pairs[i]!.en) };
    const meta: PairMeta = { ids: packStrings(pairs.map((p) => p.id)), domains: internStrings(pairs.map((p) => p.domain)), spans: feed.spans(), corpusMeta, sample, sampleTexts };
    writeFileSync(metaPath, serialize(meta), { flag: 'wx', mode: 0o600 });
    gates[i]!.open();
  } catch (err) {
    for (; i < gates.length; i++) gates[i]!.fail(err);
  }
}

/**
 * A corpus without what holds its texts: the pairs, and the reader's scans (which name their pairs: serialized, they
 * would carry every text into the meta file and into each worker).
 */
export function corpusMetaOf(corpus: Corpus): CorpusMeta {
  const { pairs: _pairs, textScans: _scans, ...meta } = corpus;
  return meta;
}

export type CorpusMeta = Omit<Corpus, 'pairs' | 'textScans'>;

/** The whole corpus but its texts, for the passes that rebuild it in a worker; written once every segment is. */
export interface PairMeta {
  ids: PackedStrings;
  domains: InternedStrings;
  /** Pairs [start, end) of the whole corpus in each store segment. */
  spans: Range[];
  /** The loaded corpus without its pairs (corpusMetaOf). */
  corpusMeta: CorpusMeta;
  /** samplePairs of the stored (whole) corpus: the pairs the sanity checks re-read, whether or not under --shard. */
  sample: PairSample;
  /** The sampled pairs' texts, in the order of sample.indices. */
  sampleTexts: { zh: string[]; en: string[] };
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
  source: ParallelSource, complete: (plan: RunPlan) => RunContext, pool: ProcessPool, reportOutcome: Report,
  onPairs: (pairs: number) => void, dir: string,
): Promise<void> {
  const base: RunBase = 'plan' in source ? source.plan : source.base;
  const { options, specs } = base;
  const joined = 'plan' in source ? source.plan.joined : undefined;
  const { ranges } = source;
  const feed = segmentFeed(source);
  const files: SegmentFiles[] = Array.from({ length: feed.count }, (_, i) => ({ zh: { path: join(dir, `${i}.zh.u16`) }, en: { path: join(dir, `${i}.en.u16`) } }));
  // One gate per segment, and a last one for the passes (see writeStore).
  const gates = [...files, undefined].map(() => gate());
  const passesReady = gates[files.length]!.ready;
  const metaPath = join(dir, 'pairs.bin');
  const init: WorkerInit = {
    segments: files,
    meta: metaPath,
    slice: 'plan' in source ? source.plan.slice : undefined,
    joined,
    batchSize: base.batchSize,
  };
  // Outcomes wait for the checked corpus (a tokenizer can fail on its first chunk, before the parse is done).
  let ctx: RunContext | undefined;
  const early: [number, TokenizerOutcome][] = [];
  const report: Report = (k, o) => (ctx ? reportOutcome(k, o) : early.push([k, o]));
  const afterTexts = (plan: RunPlan) => {
    const done = complete(plan);
    ctx = done;
    for (const [k, o] of early.splice(0)) reportOutcome(k, o);
    return done;
  };
  const wantIds = wantsIdHistograms(options);
  // Joined protocols have no per-pair counts (see resultFromCounts). A file still being parsed has at most one pair
  // per line: its arrays are cut to the number of pairs once the parse is done.
  const pairs = 'plan' in source
    ? (joined ? 0 : (source.plan.slice ? source.plan.slice.end - source.plan.slice.start : source.plan.corpus.pairs.length))
    : source.reader.lines;
  const state: Pending[] = specs.map(() => ({ counts: { zh: new Array<number>(pairs), en: new Array<number>(pairs) }, passes: [], seconds: 0, failed: false }));
  const released: string[] = [];

  // Task graph per tokenizer: [chunk 0, checks, chunks 1…, finish]. Lower indices go first among ready tasks, so the
  // checks (passes that need no counts, e.g. sanity) run beside the counting rather than in the tail, and a finished
  // tokenizer's passes run before the next tokenizer's chunks.
  const finishPasses = selectPasses(options, passesOf('finish')).length > 0;
  const tasks: PoolTask<WorkerTask>[] = [];
  const owner: { spec: number; chunk: number | 'checks' | 'finish' }[] = [];
  specs.forEach((spec, k) => {
    const countIds: number[] = [];
    ranges.forEach((_r, c) => {
      if (c === 1) pushChecks(k, countIds);
      countIds.push(tasks.length);
      owner.push({ spec: k, chunk: c });
      tasks.push({
        key: spec.raw,
        // A joined count reads the joined texts sent with init, not the store.
        ...(joined ? {} : { ready: gates[c]!.ready }),
        input: () => (joined
          ? { kind: 'count-joined', spec: spec.raw, histograms: wantIds, release: [...released] }
          : { kind: 'count', spec: spec.raw, segment: c, histograms: wantIds, release: [...released] }),
      });
    });
    if (ranges.length === 1) pushChecks(k, countIds);
    owner.push({ spec: k, chunk: 'finish' });
    tasks.push({
      key: spec.raw,
      after: countIds,
      input: () => {
        const st = state[k]!;
        // Without passes to run, finish only reports the tokenizer's info: the counts (two arrays as long as the
        // corpus, 0.1 s to send and read on 100 MB, at the very end of the run) stay here.
        if (!finishPasses) return { kind: 'finish', spec: spec.raw, pairCounts: { zh: [], en: [] }, release: [...released] };
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
    tasks.push({ key: specs[k]!.raw, ready: passesReady, input: () => ({ kind: 'checks', spec: specs[k]!.raw, release: [...released] }) });
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
        if (joined) {
          if (out.zhJoined !== undefined) st.counts.zhJoined = out.zhJoined;
          if (out.enJoined !== undefined) st.counts.enJoined = out.enJoined;
        } else {
          const at = feed.start(chunk as number);
          for (let j = 0; j < out.zh.length; j++) {
            st.counts.zh[at + j] = out.zh[j]!;
            st.counts.en[at + j] = out.en[j]!;
          }
        }
        onPairs(joined ? 1 : out.zh.length);
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
      for (const w of warnings) base.warn(w);
      // Finish tasks wait for the passes' gate, which opens after the corpus is checked: ctx is set.
      const counts = joined ? st.counts : { zh: st.counts.zh.slice(0, ctx!.zhTexts.length), en: st.counts.en.slice(0, ctx!.zhTexts.length) };
      report(k, { warnings, result: resultFromCounts(ctx!, out.info, counts, passes.extra, st.seconds) });
      st.counts = { zh: [], en: [] };
      st.passes = [];
      delete st.histograms;
    },
  });
  // The pool is listening: the texts are written while the first chunks are counted.
  let ended = false;
  running.catch(() => { ended = true; });
  await Promise.all([running, writeStore(feed, files, metaPath, gates, pool.size, afterTexts, () => ended, () => pool.prefetch())]);
  if (usage) throw usage;
}
