/**
 * `tokbench run --stream`: the per-line benchmark on a file corpus (TSV, JSONL, zh.txt,en.txt) read
 * incrementally, so peak memory does not grow with the corpus (issue 8, "Memory").
 *
 * The file is read with createReadStream and split into lines by byte (0x0A cannot occur inside a valid UTF-8
 * sequence, so a byte split is a character split); each line is validated like the loaders do (same messages),
 * its sha256 computed on the way. Pairs are processed in chunks of STREAM_CHUNK_PAIRS: characters and bytes
 * are counted, every tokenizer (all loaded once, up front) counts the chunk, and only totals are kept — per
 * domain and per side. Per-pair counts are kept only when bootstrap needs them, in growing Uint32Arrays.
 *
 * What the streaming path cannot do without holding the corpus: word-level and token-distribution metrics
 * (skipped, with a warning), joined protocols (refused), sanity checks on an evenly spread sample (they run on
 * the first pairs instead, up to the same budget), and duplicate-id checks beyond that sample.
 * The result has the normal shape and, for the core metrics, the same values as the non-streaming run.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { basename, extname, resolve } from 'node:path';
import type { Corpus, Pair } from '../corpora/types.js';
import { checkPair, misalignedError, parseJsonlLine, parseTsvLine } from '../corpora/loaders.js';
import { bomNote, crlfNote, firstInvalidUtf8 } from '../corpora/read-text.js';
import { loadTokenizer, parseTokenizerSpec, type TokenizerSpec } from '../tokenizers/registry.js';
import { defaultPresetIds } from '../tokenizers/presets.js';
import type { TokenizerAdapter } from '../tokenizers/types.js';
import { DataError, TokbenchError, UsageError } from './errors.js';
import { readFailure } from './limits.js';
import { sha256 } from './hash.js';
import type { CharUnit } from './text-units.js';
import { emptyScan, scanText, unitCount } from './text-scan.js';
import { resolveSegmentation } from './segmentation.js';
import { checkBaselineInRun } from '../metrics/nsl.js';
import { CHECK_BUDGET, CHECK_MAX_TEXT, checkCorpus, sanityPass } from './sanity.js';
import { RESULT_FINALIZERS, type ResultFinalizer } from './passes.js';
import { pricesFinalizer } from './prices.js';
import { premiumEstimatorsFinalizer } from '../metrics/premium-estimators.js';
import { makeSignature } from './signature.js';
import { TOKBENCH_VERSION, enginePackageVersions } from './version.js';
import { buildTokenizerResult, countInBatches, domainStatsFromTotals, failureOf, validateRunOptions, withRelativeCosts, type RunOptions } from './runner.js';
import { SCHEMA_VERSION, type BenchmarkResult, type CorpusSummary, type Protocol, type TokenizerFailure, type TokenizerResult } from './types.js';
import { isGitLfsPointer } from './sniff.js';
import { HeapGuard } from './heap-guard.js';
import { Growable } from './growable.js';

/**
 * Pairs per chunk. Small on purpose: what a chunk allocates should die in V8's young generation. With 4096 pairs
 * and 1 MiB reads, chunks outlived scavenges, were promoted, and the old generation's sawtooth put the peak RSS
 * of a 100 MB corpus at 1.2–1.4× that of a 5 MB one; at 1024 pairs and 64 KiB reads it measured 1.1–1.2×
 * (scripts/bench.mjs --stream-memory), at the same speed. What is still promoted, HeapGuard collects.
 */
export const STREAM_CHUNK_PAIRS = 1024;
/** Read size: Node's default; a bigger read keeps more lines alive at once (see above). */
const READ_BYTES = 64 * 1024;
/** Upper bound on the sanity sample's pairs, whatever their length (tiny lines would otherwise make it large). */
export const SAMPLE_MAX_PAIRS = 10_000;

// ---------------------------------------------------------------- reading

/** A corpus file read line by line: validated, BOM/CRLF handled and hashed like readUtf8File, in bounded memory. */
export class LineReader {
  readonly path: string;
  /** Lines returned so far (1-based number of the last one). */
  lineNo = 0;
  bytes = 0;
  readonly notes: string[] = [];
  private readonly hash: Hash = createHash('sha256');
  private stream: ReadStream | undefined;
  private iter: AsyncIterator<Buffer> | undefined;
  private queue: string[] = [];
  private pos = 0;
  private pending: Buffer[] = [];
  /** Byte offset of the start of the line being assembled. */
  private lineStart = 0;
  private eof = false;
  private first = true;
  private crlf = false;
  private digest: string | undefined;

  constructor(path: string, private readonly what = 'corpus file') {
    this.path = path;
    try {
      // Same errors as readUtf8File (missing file, directory); no size limit: that limit exists for in-memory reads.
      if (statSync(path).isDirectory()) throw new DataError(`${path} is a directory, not a ${what}`, 'pass a file path');
    } catch (err) {
      if (err instanceof TokbenchError) throw err;
      throw readFailure(err, path, what);
    }
  }

  /** The next line (without its '\n'), or undefined at the end of the file. */
  async next(): Promise<string | undefined> {
    while (this.pos >= this.queue.length) {
      if (this.eof) return undefined;
      this.queue = [];
      this.pos = 0;
      await this.fill();
    }
    this.lineNo++;
    return this.queue[this.pos++];
  }

  /** sha256 of the whole file; only once it has been read to the end. */
  sha256(): string {
    if (this.digest === undefined) throw new Error(`${this.path}: sha256 asked before the end of the file`);
    return this.digest;
  }

  close(): void {
    this.stream?.destroy();
  }

  private async fill(): Promise<void> {
    if (!this.iter) {
      this.stream = createReadStream(this.path, { highWaterMark: READ_BYTES });
      this.iter = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    }
    let r: IteratorResult<Buffer>;
    try {
      r = await this.iter.next();
    } catch (err) {
      throw readFailure(err, this.path, this.what);
    }
    if (r.done) {
      this.eof = true;
      this.digest = this.hash.digest('hex');
      // The last line has no '\n': a line only if it holds something (splitLines drops one trailing newline).
      if (this.pending.length) this.emit(Buffer.concat(this.pending), false);
      this.pending = [];
      this.finishNotes();
      return;
    }
    const buf = r.value;
    this.hash.update(buf);
    if (this.first && this.bytes === 0) {
      const head = buf.subarray(0, 64).toString('latin1');
      if (isGitLfsPointer(head)) {
        throw new DataError(`${this.path} is a Git LFS pointer, not the ${this.what} itself`, 'run `git lfs pull` or download the real file');
      }
    }
    const base = this.bytes;
    this.bytes += buf.length;
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(10, from);
      if (nl < 0) break;
      const part = buf.subarray(from, nl);
      const line = this.pending.length ? Buffer.concat([...this.pending, part]) : part;
      this.pending = [];
      this.emit(line, true);
      from = nl + 1;
      this.lineStart = base + from;
    }
    // Copy the tail: a subarray would pin the whole 1 MiB read buffer until the line completes.
    if (from < buf.length) this.pending.push(Buffer.from(buf.subarray(from)));
  }

  private emit(line: Buffer, terminated: boolean): void {
    if (!isUtf8(line)) {
      const bad = firstInvalidUtf8(line);
      // Offsets are file offsets, as readUtf8File reports them.
      if (bad >= 0) throw new DataError(`${this.path}: invalid UTF-8 at byte offset ${this.lineStart + bad}`, 're-encode the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)');
    }
    const nul = line.indexOf(0);
    if (nul >= 0) throw new DataError(`${this.path}: NUL byte at byte offset ${this.lineStart + nul}`, 'remove the NUL bytes: this is probably not a text file');
    let text = line.toString('utf8');
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        this.notes.push(bomNote(this.path));
        // A file that is only a BOM has no lines once it is removed.
        if (!terminated && text === '') return;
      }
    }
    // Dropping one '\r' before each '\n' is what readUtf8File's CRLF→LF replacement does, line by line.
    if (terminated && text.endsWith('\r')) {
      text = text.slice(0, -1);
      this.crlf = true;
    }
    this.queue.push(text);
  }

  private finishNotes(): void {
    if (this.crlf) this.notes.push(crlfNote(this.path));
  }
}

type FileKind = { kind: 'jsonl' | 'tsv'; path: string } | { kind: 'text-pair'; zh: string; en: string };

/** The file corpus forms `--stream` reads; anything else is a usage error (it needs the whole corpus). */
export function streamCorpusKind(spec: string | undefined): FileKind {
  const refuse = () => new UsageError(
    `--stream reads file corpora only (.tsv, .jsonl, zh.txt,en.txt); ${spec === undefined ? 'the bundled corpus' : `"${spec}"`} is not one`,
    'drop --stream (small and standard corpora fit in memory), or pass a corpus file',
  );
  if (spec === undefined || spec === 'bundled') throw refuse();
  if (spec.includes(',')) {
    const parts = spec.split(',');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`--corpus "${spec}": expected two files, zh.txt,en.txt`);
    return { kind: 'text-pair', zh: resolve(parts[0]), en: resolve(parts[1]) };
  }
  const path = resolve(spec);
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return { kind: 'jsonl', path };
  if (ext === '.tsv' || ext === '.tab') return { kind: 'tsv', path };
  throw refuse();
}

/** Pairs of a file corpus, in order, one at a time; `finish()` gives what the loaders put in Corpus. */
export interface PairSource {
  next(): Promise<Pair | undefined>;
  finish(): Pick<Corpus, 'id' | 'format' | 'files' | 'sha256' | 'notes'>;
  close(): void;
}

export function openPairSource(kind: FileKind): PairSource {
  if (kind.kind === 'text-pair') {
    const zr = new LineReader(kind.zh);
    const er = new LineReader(kind.en);
    return {
      async next() {
        const z = await zr.next();
        const e = await er.next();
        if (z === undefined && e === undefined) return undefined;
        if (z === undefined || e === undefined) {
          // The loader names both line counts: read the longer file to its end (counting only).
          const rest = z === undefined ? er : zr;
          while ((await rest.next()) !== undefined);
          throw misalignedError(kind.zh, zr.lineNo, kind.en, er.lineNo);
        }
        const pair: Pair = { id: String(zr.lineNo), domain: 'general', zh: z, en: e };
        checkPair(pair, `line ${zr.lineNo} of ${kind.zh} / ${kind.en}`);
        return pair;
      },
      finish() {
        const zs = zr.sha256();
        const es = er.sha256();
        return {
          id: `${basename(kind.zh)}+${basename(kind.en)}`, format: 'text-pair',
          files: [{ path: kind.zh, sha256: zs, bytes: zr.bytes }, { path: kind.en, sha256: es, bytes: er.bytes }],
          sha256: sha256(`${zs}\n${es}`), notes: [...zr.notes, ...er.notes],
        };
      },
      close() { zr.close(); er.close(); },
    };
  }
  const reader = new LineReader(kind.path);
  let pairs = 0;
  return {
    async next() {
      for (;;) {
        const line = await reader.next();
        if (line === undefined) return undefined;
        if (line.trim() === '') continue;
        const where = `${kind.path}:${reader.lineNo}`;
        const pair = kind.kind === 'jsonl' ? parseJsonlLine(line, where, pairs + 1) : parseTsvLine(line, where, reader.lineNo);
        pairs++;
        return pair;
      }
    },
    finish() {
      const s = reader.sha256();
      return { id: basename(kind.path), format: kind.kind, files: [{ path: kind.path, sha256: s, bytes: reader.bytes }], sha256: s, notes: [...reader.notes] };
    },
    close() { reader.close(); },
  };
}

// ---------------------------------------------------------------- compact per-pair storage

/**
 * The mean of per-pair ratios without the pairs: a histogram of ratio values. meanOfPairRatios sums the ratios in
 * sorted order; adding each distinct value `count` times in ascending order is that very sequence of additions,
 * so the mean is bit-identical. Equal fractions give the same double, and the number of distinct ratios is bounded
 * by the distinct (zh, en) count pairs, which saturates as the corpus grows.
 */
export class RatioHistogram {
  private readonly counts = new Map<number, number>();
  pairsUsed = 0;
  add(zh: number, en: number): void {
    if (!(en > 0)) return;
    const r = zh / en;
    this.counts.set(r, (this.counts.get(r) ?? 0) + 1);
    this.pairsUsed++;
  }
  mean(): number | null {
    if (this.pairsUsed === 0) return null;
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let s = 0;
    for (const r of keys) for (let k = this.counts.get(r)!; k > 0; k--) s += r;
    return s / this.pairsUsed;
  }
}

// ---------------------------------------------------------------- the run

interface Live {
  spec: TokenizerSpec;
  tok: TokenizerAdapter;
  warnings: string[];
  seconds: number;
  zh: number;
  en: number;
  domains: Record<string, { pairs: number; zhTokens: number; enTokens: number }>;
  pairs?: { zh: Growable<Uint32Array>; en: Growable<Uint32Array> };
  ratios: RatioHistogram;
  /** Filled after counting: sanity runs on the loaded tokenizer at the end. */
  extra?: Partial<TokenizerResult>;
}

function validateStreamOptions(o: RunOptions): { kind: FileKind; specs: TokenizerSpec[] } {
  validateRunOptions(o);
  if (typeof o.corpus === 'object') throw new UsageError('--stream reads a corpus file; a Corpus object is already in memory', 'run without stream');
  const seg = resolveSegmentation({ segmentation: o.segmentation, join: o.join, protocol: o.protocol, specialTokens: o.specialTokens ?? false });
  if (seg.segmentation !== 'per-line') {
    throw new UsageError(`--stream supports the per-line protocol only; ${o.protocol !== undefined ? `--protocol ${o.protocol}` : `--segmentation ${seg.segmentation}`} encodes each side as one text, which needs the whole corpus in memory`, 'drop --stream, or use --segmentation per-line');
  }
  if (o.shard !== undefined) throw new UsageError('--stream and --shard cannot be combined', 'a shard is a slice of a corpus held in memory; drop one of them');
  if (o.lang !== undefined || o.split !== undefined) throw new UsageError(`--${o.lang !== undefined ? 'lang' : 'split'} applies to corpora that have several scripts or splits; --stream reads single file corpora`);
  const kind = streamCorpusKind(o.corpus);
  const specs = (o.tokenizers?.length ? o.tokenizers : defaultPresetIds()).map(parseTokenizerSpec);
  checkBaselineInRun(o.baselineTokenizer, specs);
  return { kind, specs };
}

/**
 * runBenchmark(options) for `options.stream`: the same BenchmarkResult, computed in flat memory. One thread
 * (`jobs` is ignored): the tokenizers take turns on each chunk.
 */
export async function runStreamBenchmark(options: RunOptions): Promise<BenchmarkResult> {
  const { kind, specs } = validateStreamOptions(options);
  const unit: CharUnit = options.charUnit ?? 'codepoint';
  const engine = options.engine ?? 'native';
  const specialTokens = options.specialTokens ?? false;
  const batchSize = options.batchSize ?? 1024;
  const keepPairs = (options.bootstrap ?? 1000) > 0;
  const warn = options.warn ?? (() => {});
  const signal = options.signal;
  const createdAt = new Date().toISOString();
  const protocol: Protocol = { segmentation: 'per-line', specialTokens, normalization: 'none', charUnit: unit, hfEngine: engine };

  const source = openPairSource(kind);
  const live: Live[] = [];
  const outcomes: ({ failure: TokenizerFailure; warnings: string[] } | Live)[] = [];
  try {
    // 1. The sanity sample: the first pairs, up to the budget the in-memory checks use. Corpus checks run on it
    //    before any tokenizer loads, so a corpus with no Chinese fails as fast as without --stream.
    const sample: Pair[] = [];
    let sampleUsed = 0;
    let more = false;
    let skippedLong = 0;
    // Pairs read so far (sample or not), processed once the sample is complete; bounded in pairs and in text.
    const pending: Pair[] = [];
    let pendingUnits = 0;
    for (;;) {
      if (pending.length >= SAMPLE_MAX_PAIRS || pendingUnits > 4 * CHECK_BUDGET) { more = true; break; }
      const p = await source.next();
      if (p === undefined) break;
      pending.push(p);
      pendingUnits += p.zh.length + p.en.length;
      if (p.zh.length > CHECK_MAX_TEXT || p.en.length > CHECK_MAX_TEXT) {
        skippedLong += (p.zh.length > CHECK_MAX_TEXT ? 1 : 0) + (p.en.length > CHECK_MAX_TEXT ? 1 : 0);
        continue;
      }
      const len = Math.max(p.zh.length, p.en.length);
      if (sampleUsed + len > CHECK_BUDGET) { more = true; break; }
      sampleUsed += len;
      sample.push(p);
    }
    if (pending.length === 0) {
      throw new DataError(`${kind.kind === 'text-pair' ? `${kind.zh}, ${kind.en}` : kind.path}: no sentence pairs found`, 'the corpus is empty');
    }
    checkUniqueSampleIds(sample, kind);
    const where = kind.kind === 'text-pair' ? `${kind.zh}, ${kind.en}` : kind.path;
    // checkCorpus names the files in its messages: give the sample the corpus's file paths.
    const sampleCorpus: Corpus = { id: 'sample', format: kind.kind, files: where.split(', ').map((path) => ({ path, sha256: '', bytes: 0 })), sha256: '', pairs: sample, notes: [] };
    const corpusSanity = checkCorpus(sampleCorpus);

    // 2. Every tokenizer, once.
    for (const [index, spec] of specs.entries()) {
      options.onProgress?.({ tokenizer: spec.raw, index, total: specs.length, phase: 'start' });
      const warnings: string[] = [];
      const t0 = performance.now();
      try {
        const tok = loadTokenizer(spec, {
          engine, addSpecialTokens: specialTokens,
          ...(options.contextWindow !== undefined ? { contextWindow: options.contextWindow } : {}),
          ...(options.regex !== undefined ? { regex: options.regex } : {}),
          warn: (m) => { warnings.push(m); warn(m); },
        });
        const l: Live = {
          spec, tok, warnings, seconds: (performance.now() - t0) / 1000, zh: 0, en: 0, domains: {}, ratios: new RatioHistogram(),
          ...(keepPairs ? { pairs: { zh: new Growable(Uint32Array), en: new Growable(Uint32Array) } } : {}),
        };
        live.push(l);
        outcomes.push(l);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        outcomes.push({ warnings, failure: failureOf(err, spec.raw) });
      }
    }

    // 3. Chunks: the pending pairs first, then the rest of the file.
    const totals = { zhChars: 0, enChars: 0, zhBytes: 0, enBytes: 0, enWords: 0, pairs: 0 };
    const domainPairs: Record<string, number> = {};
    const units = keepPairs ? { zhChars: new Growable(Uint32Array), enChars: new Growable(Uint32Array), enWords: new Growable(Uint32Array) } : undefined;
    const zhScan = emptyScan();
    const enScan = emptyScan();
    const heap = new HeapGuard();
    const processChunk = async (chunk: Pair[]) => {
      signal?.throwIfAborted();
      const zhTexts: string[] = new Array<string>(chunk.length);
      const enTexts: string[] = new Array<string>(chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        const p = chunk[i]!;
        zhTexts[i] = p.zh;
        enTexts[i] = p.en;
        // One pass per text (text-scan.ts), as the in-memory run does: no per-word match objects, little garbage.
        scanText(p.zh, zhScan);
        scanText(p.en, enScan);
        const zc = unitCount(p.zh, zhScan, unit);
        const ec = unitCount(p.en, enScan, unit);
        const words = enScan.words;
        totals.zhChars += zc;
        totals.enChars += ec;
        totals.zhBytes += zhScan.bytes;
        totals.enBytes += enScan.bytes;
        totals.enWords += words;
        domainPairs[p.domain] = (domainPairs[p.domain] ?? 0) + 1;
        if (units) { units.zhChars.push(zc); units.enChars.push(ec); units.enWords.push(words); }
      }
      totals.pairs += chunk.length;
      for (const l of live) {
        if (!outcomes.includes(l)) continue;
        const t0 = performance.now();
        try {
          const zh = await countInBatches(l.tok, zhTexts, batchSize, signal);
          const en = await countInBatches(l.tok, enTexts, batchSize, signal);
          for (let i = 0; i < chunk.length; i++) {
            const z = zh[i]!;
            const e = en[i]!;
            l.zh += z;
            l.en += e;
            const d = (l.domains[chunk[i]!.domain] ??= { pairs: 0, zhTokens: 0, enTokens: 0 });
            d.pairs++;
            d.zhTokens += z;
            d.enTokens += e;
            if (l.pairs) { l.pairs.zh.push(z); l.pairs.en.push(e); } else l.ratios.add(z, e);
          }
        } catch (err) {
          if (signal?.aborted) throw err;
          if (err instanceof UsageError) throw err;
          // Like a failing tokenizer in a normal run: recorded, the others go on.
          outcomes[outcomes.indexOf(l)] = { warnings: l.warnings, failure: failureOf(err, l.spec.raw) };
        }
        l.seconds += (performance.now() - t0) / 1000;
      }
      heap.check();
    };
    let chunk: Pair[] = [];
    for (const p of pending) {
      chunk.push(p);
      if (chunk.length === STREAM_CHUNK_PAIRS) { await processChunk(chunk); chunk = []; }
    }
    pending.length = 0;
    if (more) {
      for (;;) {
        const p = await source.next();
        if (p === undefined) break;
        chunk.push(p);
        if (chunk.length === STREAM_CHUNK_PAIRS) { await processChunk(chunk); chunk = []; }
      }
    }
    if (chunk.length) await processChunk(chunk);
    const fileFacts = source.finish();

    // 4. Sanity checks per tokenizer, on the sample.
    for (const l of live) {
      if (!outcomes.includes(l)) continue;
      const extra = await sanityPass.run({
        tokenizer: l.tok, corpus: sampleCorpus, pairCounts: { zh: [], en: [] }, options,
        warn: (m) => { l.warnings.push(`${l.tok.info.id}: ${m}`); warn(`${l.tok.info.id}: ${m}`); },
      });
      if (extra.sanity) l.extra = { sanity: { ...extra.sanity, totalPairs: totals.pairs, skippedLongTexts: extra.sanity.skippedLongTexts + skippedLong } };
    }

    // 5. The result, through the same helpers as a normal run.
    const results: TokenizerResult[] = [];
    const failures: TokenizerFailure[] = [];
    const tokenizerWarnings: string[] = [];
    for (const [index, o] of outcomes.entries()) {
      tokenizerWarnings.push(...o.warnings);
      if ('failure' in o) {
        failures.push(o.failure);
        if (options.onFailure) options.onFailure(o.failure);
        else warn(`${specs[index]!.raw} failed: ${o.failure.error}`);
      } else {
        results.push(buildTokenizerResult({
          info: o.tok.info,
          zh: { tokens: o.zh, characters: totals.zhChars, bytes: totals.zhBytes },
          en: { tokens: o.en, characters: totals.enChars, bytes: totals.enBytes },
          domains: domainStatsFromTotals(o.domains),
          pairCounts: o.pairs ? { zh: o.pairs.zh.toArray(), en: o.pairs.en.toArray() } : { zh: [], en: [] },
          seconds: o.seconds,
          extra: o.extra ?? {},
        }));
      }
      options.onProgress?.({ tokenizer: specs[index]!.raw, index, total: specs.length, phase: 'failure' in o ? 'failed' : 'done' });
    }
    const warnings = [...fileFacts.notes, ...corpusSanity.warnings.map((w) => w.message)];
    const unitWarnings: string[] = [];
    if (totals.zhChars === 0) unitWarnings.push(`the Chinese side has 0 characters in unit "${unit}": per-character metrics are undefined`);
    if (totals.enChars === 0) {
      unitWarnings.push(`the English side has 0 characters in unit "${unit}"${unit === 'han' ? ' (han counts only Han-script code points, so Latin text has none)' : ''}: ` +
        'English per-character metrics and the per-character ratio are undefined (reported as null); use --unit codepoint for them');
    }
    for (const w of unitWarnings) warn(w);
    warnings.push(...unitWarnings, ...tokenizerWarnings);
    const modeNotes = [
      ...(options.wordMetrics !== false ? ['stream mode: word-level metrics (fertility, continued and single-token words) were not computed: they need every word of the corpus'] : []),
      ...(options.distributionMetrics !== false ? ['stream mode: token-distribution metrics (Rényi efficiency, vocabulary use) were not computed: they need every token id of the corpus'] : []),
      `stream mode: corpus and tokenizer sanity checks ran on the first ${sample.length} of ${totals.pairs} pairs (not an evenly spread sample), and pair ids were checked for duplicates within them only`,
      ...(keepPairs ? [] : ['stream mode: per-pair counts are not kept without bootstrap (pairCounts are empty; the mean of per-pair ratios is computed while streaming)']),
    ];
    for (const m of modeNotes) warn(m);
    warnings.push(...modeNotes);

    const ok = results.length ? withRelativeCosts(results) : [];
    const corpus: CorpusSummary = {
      id: fileFacts.id, format: fileFacts.format, sha256: fileFacts.sha256, files: fileFacts.files, pairs: totals.pairs, domains: domainPairs,
      notes: fileFacts.notes,
      ...(units ? { pairUnits: { zhChars: units.zhChars.toArray(), enChars: units.enChars.toArray(), enWords: units.enWords.toArray() } } : {}),
    };
    const base: BenchmarkResult = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'tokbench', version: TOKBENCH_VERSION },
      createdAt,
      corpus,
      protocol,
      environment: { node: process.version, icu: process.versions.icu, platform: `${process.platform}-${process.arch}`, packages: enginePackageVersions() },
      results: ok,
      failures,
      warnings,
      signature: makeSignature(fileFacts, protocol, ok.map((r) => r.tokenizer)),
      corpusSanity,
    };
    const finalOptions: RunOptions = { ...options, wordMetrics: false, distributionMetrics: false };
    // Aligned with `ok`: finalisers map results in order, so index k is the k-th successful tokenizer.
    const ratioMeans = outcomes.flatMap((o) => ('failure' in o ? [] : [o.ratios]));
    const result = runStreamFinalizers(base, finalOptions, keepPairs ? undefined : { enWords: totals.enWords, ratioMeans });
    options.onResult?.(result);
    return result;
  } finally {
    source.close();
    for (const l of live) l.tok.dispose();
  }
}


/** loadJsonl refuses duplicate ids over the whole file; streaming can afford that only within the sample. */
function checkUniqueSampleIds(sample: readonly Pair[], kind: FileKind): void {
  if (kind.kind !== 'jsonl') return; // TSV and text-pair ids are line numbers, unique by construction
  const seen = new Map<string, number>();
  sample.forEach((p, i) => {
    const prev = seen.get(p.id);
    if (prev !== undefined) throw new DataError(`${kind.path}: duplicate pair id "${p.id}" on lines ${prev + 1} and ${i + 1}`, 'ids must be unique');
    seen.set(p.id, i);
  });
}

/**
 * runFinalizers, in the registered order, except that without per-pair data two finalisers get what they would
 * have read from it: the English word total (prices) and each tokenizer's streamed mean of per-pair ratios.
 */
function runStreamFinalizers(
  result: BenchmarkResult, options: RunOptions,
  streamed: { enWords: number; ratioMeans: readonly RatioHistogram[] } | undefined,
): BenchmarkResult {
  const replaced = new Map<ResultFinalizer, ResultFinalizer>();
  if (streamed) {
    replaced.set(pricesFinalizer, {
      ...pricesFinalizer,
      // priceReport reads only the sum of enWords: one entry holding the total gives it exactly that.
      run: (r, o) => {
        const out = pricesFinalizer.run({ ...r, corpus: { ...r.corpus, pairUnits: { zhChars: [], enChars: [], enWords: [streamed.enWords] } } }, o);
        return { ...out, corpus: r.corpus };
      },
    });
    replaced.set(premiumEstimatorsFinalizer, {
      ...premiumEstimatorsFinalizer,
      run: (r, o) => {
        const out = premiumEstimatorsFinalizer.run(r, o);
        return {
          ...out,
          results: out.results.map((t, k) => {
            const h = streamed.ratioMeans[k];
            if (!h || !t.premiumEstimators) return t;
            return { ...t, premiumEstimators: { ...t.premiumEstimators, meanOfPairRatios: h.mean(), pairsUsed: h.pairsUsed } };
          }),
        };
      },
    });
  }
  let r = result;
  for (const f of RESULT_FINALIZERS) {
    if (f.enabled && !f.enabled(options)) continue;
    r = (replaced.get(f) ?? f).run(r, options);
  }
  return r;
}
