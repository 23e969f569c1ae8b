import { readFileSync } from 'node:fs';
import { deserialize } from 'node:v8';
import type { Corpus, Pair } from '../corpora/types.js';
import { parseTokenizerSpec } from '../tokenizers/registry.js';
import type { TokenizerAdapter } from '../tokenizers/types.js';
import { UsageError } from './errors.js';
import { IdHistogram } from './id-histogram.js';
import { WORKER_TOKENIZERS, type PairMeta, type SegmentFiles, type WorkerHello, type WorkerInit, type WorkerOutput, type WorkerTask } from './parallel.js';
import { passesOf, runPassList, selectPasses } from './passes.js';
import type { PairSample } from './sanity.js';
import type { PoolMessage, PoolReply } from './pool.js';
import { countSides, failureOf, loadRunTokenizer } from './runner.js';
import { lazyArray } from './lazy-array.js';
import { packedAt, TextStoreReader, type PackedStrings } from './text-store.js';

/*
 * Worker process of `--jobs N` (see parallel.ts): counts chunks of pairs and runs the per-tokenizer passes with the
 * same functions as the one-thread path. Tokenizers stay loaded across tasks (a chunk of the same tokenizer
 * usually follows), at most WORKER_TOKENIZERS at a time (the pool's plan of who holds what assumes that bound).
 */

let hello: WorkerHello;
let init: WorkerInit;

interface Loaded {
  tok: TokenizerAdapter;
  loadWarnings: string[];
}
const loaded = new Map<string, Loaded>();

function release(specs: readonly string[]): void {
  for (const s of specs) {
    const l = loaded.get(s);
    if (!l) continue;
    l.tok.dispose();
    loaded.delete(s);
  }
}

/** The tokenizer for `spec`, loading it (and evicting the least recently used one) when needed. */
function tokenizer(spec: string, loadWarnings: string[]): Loaded {
  const hit = loaded.get(spec);
  if (hit) {
    loaded.delete(spec);
    loaded.set(spec, hit);
    return hit;
  }
  while (loaded.size >= WORKER_TOKENIZERS) release([loaded.keys().next().value as string]);
  const entry = { tok: loadRunTokenizer(hello, parseTokenizerSpec(spec), loadWarnings), loadWarnings };
  loaded.set(spec, entry);
  return entry;
}

/**
 * A pair whose texts are read from the text store when first asked for: the sanity checks read only their sample's
 * texts, so building every string of the corpus in each worker is left to the passes that read them all.
 */
class StoredPair implements Pair {
  private zhText: string | undefined;
  private enText: string | undefined;
  private idText: string | undefined;

  constructor(private readonly ids: PackedStrings, private readonly index: number, readonly domain: string, private readonly segment: StoreSegment, private readonly at: number) {}

  get id(): string {
    return (this.idText ??= packedAt(this.ids, this.index));
  }

  /** Texts already at hand (the sanity sample's, sent with the meta): the segment is not read for them. */
  know(zh: string, en: string): void {
    this.zhText = zh;
    this.enText = en;
  }

  get zh(): string {
    return (this.zhText ??= this.segment.readers().zh.text(this.at));
  }

  get en(): string {
    return (this.enText ??= this.segment.readers().en.text(this.at));
  }
}

/** One segment's files, opened on first use. */
class StoreSegment {
  private open: { zh: TextStoreReader; en: TextStoreReader } | undefined;

  constructor(private readonly files: SegmentFiles) {}

  readers(): { zh: TextStoreReader; en: TextStoreReader } {
    return (this.open ??= { zh: new TextStoreReader(this.files.zh), en: new TextStoreReader(this.files.en) });
  }
}

interface CorpusObjects {
  corpus: Corpus;
  whole: Corpus;
  sample: PairSample;
}

/** The meta file read once, and a pair of the whole corpus made from it (and the store) on demand. */
interface StoreView {
  count: number;
  meta: PairMeta;
  makePair: (i: number) => StoredPair;
}

let view: StoreView | undefined;
function storeView(): StoreView {
  if (view) return view;
  const meta = deserialize(readFileSync(init.meta)) as PairMeta;
  const { ids, domains, spans, sample, sampleTexts } = meta;
  const segments = init.segments.map((files) => new StoreSegment(files));
  const knownAt = new Map(sample.indices.map((i, k) => [i, k]));
  let c = 0;
  const makePair = (i: number): StoredPair => {
    // Segments are in pair order: pairs are made in ascending order when all are built, in any order when sampled.
    if (i < spans[c]!.start || i >= spans[c]!.end) c = spans.findIndex((sp) => i >= sp.start && i < sp.end);
    const pair = new StoredPair(ids, i, domains.names[domains.of[i]!]!, segments[c]!, i - spans[c]!.start);
    const k = knownAt.get(i);
    if (k !== undefined) pair.know(sampleTexts.zh[k]!, sampleTexts.en[k]!);
    return pair;
  };
  view = { count: ids.ends.length, meta, makePair };
  return view;
}

let built: CorpusObjects | undefined;
let sampled: CorpusObjects | undefined;

/**
 * The run's corpus (and, under --shard, the whole one), rebuilt from the text store: 'all' builds every pair (for the
 * passes that read them all), 'sample' makes each pair when it is read (for the checks, which read a few thousand
 * pairs, the sanity sample: building all 342,000 pairs of a 100 MB corpus took 50–320 ms of a worker's CPU there, at
 * the busiest moment of a run, the main process still parsing and the other worker counting).
 */
function corpusObjects(need: 'all' | 'sample'): CorpusObjects {
  if (built) return built;
  if (need === 'sample' && sampled) return sampled;
  const { count, meta, makePair } = storeView();
  const pairs = need === 'all' ? Array.from({ length: count }, (_, i) => makePair(i)) : lazyArray(count, makePair);
  const whole: Corpus = { ...meta.corpusMeta, pairs };
  const slice = init.slice;
  const corpus = !slice ? whole
    : { ...whole, pairs: need === 'all' ? pairs.slice(slice.start, slice.end) : lazyArray(slice.end - slice.start, (i) => pairs[slice.start + i]!) };
  const out = { corpus, whole, sample: meta.sample };
  if (need === 'all') built = out;
  else sampled = out;
  return out;
}

function segmentTexts(seg: SegmentFiles): { zh: string[]; en: string[] } {
  const all = (store: TextStoreReader) => store.slice(0, store.count);
  return { zh: all(new TextStoreReader(seg.zh)), en: all(new TextStoreReader(seg.en)) };
}

async function run(task: WorkerTask): Promise<WorkerOutput> {
  release(task.release);
  const t0 = performance.now();
  let entry: Loaded | undefined;
  // A fresh load's notes, kept even when the load then fails (as the one-thread path keeps them).
  const freshWarnings: string[] = [];
  try {
    entry = tokenizer(task.spec, freshWarnings);
    const tok = entry.tok;
    if (task.kind === 'checks' || task.kind === 'finish') {
      // The checks run the passes that read no counts (while other chunks are counted); finish runs the others.
      const select = passesOf(task.kind);
      if (!selectPasses(hello.options, select).length) {
        if (task.kind === 'finish') release([task.spec]);
        return { kind: 'passes', info: tok.info, outputs: [], seconds: (performance.now() - t0) / 1000 };
      }
      // The checks (sanity) read only the sample's pairs; the passes after the counting read every pair.
      const { corpus, whole, sample } = corpusObjects(task.kind === 'checks' ? 'sample' : 'all');
      const id = tok.info.id;
      const histograms = task.kind === 'finish' && task.histograms ? { zh: new IdHistogram(0, task.histograms.zh), en: new IdHistogram(0, task.histograms.en) } : undefined;
      const pairCounts = task.kind === 'finish' ? task.pairCounts : { zh: [], en: [] };
      const outputs = await runPassList({
        tokenizer: tok, corpus, pairCounts, options: hello.options, sample,
        ...(histograms ? { idHistograms: histograms } : {}),
        ...(init.slice ? { wholeCorpus: whole } : {}),
        warn: () => {},
      }, select);
      if (task.kind === 'finish') release([task.spec]);
      const prefixed = outputs.map((o) => ({ ...o, warnings: o.warnings.map((m) => `${id}: ${m}`) }));
      return { kind: 'passes', info: tok.info, outputs: prefixed, seconds: (performance.now() - t0) / 1000 };
    }
    const vocab = tok.info.vocabSize;
    const histograms = task.histograms ? { zh: new IdHistogram(vocab), en: new IdHistogram(vocab) } : undefined;
    const c = await countSides(tok, task.kind === 'count-joined'
      ? { joined: init.joined! }
      : { texts: segmentTexts(init.segments[task.segment]!) }, init.batchSize, { histograms, overlap: hello.overlap });
    return {
      kind: 'counted', loadWarnings: entry.loadWarnings, seconds: (performance.now() - t0) / 1000,
      zh: Int32Array.from(c.zh), en: Int32Array.from(c.en),
      ...(c.zhJoined !== undefined ? { zhJoined: c.zhJoined } : {}), ...(c.enJoined !== undefined ? { enJoined: c.enJoined } : {}),
      ...(histograms ? { zhIds: histograms.zh.counts, enIds: histograms.en.counts } : {}),
    };
  } catch (err) {
    // A tokenizer that cannot load or count is recorded as failed, as in the one-thread path; a usage error ends the run.
    release([task.spec]);
    const usage = err instanceof UsageError ? { message: err.message, ...(err.hint ? { hint: err.hint } : {}) } : undefined;
    return { kind: 'failed', failure: failureOf(err, task.spec), loadWarnings: entry?.loadWarnings ?? freshWarnings, ...(usage ? { usage } : {}) };
  }
}

// Tasks run one at a time, in the order they arrive: the pool may send the next before this one is answered (see
// ProcessPool.prefetch), and overlapping tasks would share the loaded tokenizers.
let queue: Promise<void> = Promise.resolve();
process.on('message', (msg: PoolMessage<WorkerTask>) => {
  if ('hello' in msg) {
    hello = msg.hello as WorkerHello;
    for (const spec of hello.preload) {
      // Loaded now, while the main process reads the corpus; a failure is reported by the task that needs it.
      try { tokenizer(spec, []); } catch { /* reported later */ }
    }
    return;
  }
  if ('init' in msg) {
    init = msg.init as WorkerInit;
    return;
  }
  queue = queue.then(() => run(msg.input).then(
    (output) => { process.send!({ id: msg.id, output } satisfies PoolReply<WorkerOutput>); },
    (err: unknown) => { process.send!({ id: msg.id, error: (err as Error)?.message ?? String(err) } satisfies PoolReply<WorkerOutput>); },
  ));
});
// The main process went away (killed, crashed): nothing left to work for.
process.on('disconnect', () => process.exit(0));
