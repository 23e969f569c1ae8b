/**
 * Word-level metrics: fertility (tokens per word, Rust et al. 2021), the proportion of continued words
 * (words split into ≥ 2 tokens) and the single-token retention rate (words kept whole as one token).
 *
 * Words come from `Intl.Segmenter` with word granularity, keeping only `isWordLike` segments (punctuation and
 * spaces are not words): locale 'en' for English, 'zh' for Chinese, where ICU's built-in dictionary decides
 * the boundaries. Boundaries therefore depend on the ICU version, which is recorded with the numbers.
 *
 * Each word is encoded ALONE (no neighbours, no leading space), as these metrics are defined on words, not on
 * running text. Byte-level BPEs that fold a leading space into the word (" the") see a different string in
 * context, so isolated counts can differ from in-context ones; `tokensPerWordInContext` (corpus tokens ÷ words)
 * is given beside them for that reason.
 */
import { boundedChunks } from '../core/limits.js';
import type { Corpus } from '../corpora/types.js';
import type { PassContext, ResultFinalizer, TokenizerPass } from '../core/passes.js';
import { optionalMetricPass } from '../core/optional-pass.js';
import type { BenchmarkResult } from '../core/types.js';

export const WORD_LOCALES = { zh: 'zh', en: 'en' } as const;

export interface WordSideStats {
  /** Word-like segments in the corpus side (occurrences, not distinct). */
  words: number;
  distinctWords: number;
  /** Σ over word occurrences of the word's token count when encoded alone, ÷ words. */
  fertility: number | null;
  /** Share of word occurrences encoded alone as ≥ 2 tokens. */
  continuedWordRate: number | null;
  /** Share of word occurrences encoded alone as exactly 1 token. */
  singleTokenRate: number | null;
  /** The side's reported corpus token count (in context, punctuation included) ÷ words. */
  tokensPerWordInContext: number | null;
}

export interface WordMetrics {
  segmenter: {
    granularity: 'word';
    locales: { zh: string; en: string };
    wordLikeOnly: true;
    /** Word-level token counts encode each word alone, never in context. */
    encodedInIsolation: true;
    icu: string | null;
  };
  /**
   * The tokenizer starts every isolated input with a separate, empty-looking token (SentencePiece's dummy-prefix
   * "▁", e.g. ChatGLM3, Baichuan 2): each isolated word then carries one extra token that running text pays only
   * once per line, which inflates fertility and continued words (most visibly for Chinese).
   */
  isolatedPrefixToken: boolean;
  zh: WordSideStats;
  en: WordSideStats;
  /**
   * Only in `--shard` parts: each side's distinct words as [word, occurrences, isolated tokens], first occurrence
   * first — the sufficient statistics `tokbench merge` sums to rebuild the whole corpus's word metrics.
   */
  sufficient?: { zh: WordCount[]; en: WordCount[] };
}

/** [word, occurrences in the slice, tokens when encoded alone]. */
export type WordCount = [word: string, occurrences: number, tokens: number];

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (!s) segmenters.set(locale, (s = new Intl.Segmenter(locale, { granularity: 'word' })));
  return s;
}

/** The word-like segments of a text, in order. */
export function segmentWords(text: string, locale: string): string[] {
  const out: string[] = [];
  // In bounded pieces: Intl.Segmenter is quadratic on long strings (a 10 MB line would never finish).
  for (const piece of boundedChunks(text)) {
    // A piece this long has no sentence end or whitespace to cut at. Cutting inside it could move dictionary word
    // boundaries, and segmenting it whole takes minutes: report the word metrics as unavailable instead.
    if (piece.length > MAX_UNBROKEN_SEGMENT) {
      throw new Error(`a text has an unbroken run of ${piece.length.toLocaleString('en-US')} UTF-16 units with no sentence end or whitespace (limit ${MAX_UNBROKEN_SEGMENT.toLocaleString("en-US")}); token counts are unaffected`);
    }
    for (const seg of segmenter(locale).segment(piece)) if (seg.isWordLike) out.push(seg.segment);
  }
  return out;
}

/** Longest piece Intl.Segmenter is asked to segment in one go (about 1 s on this class of machine). */
export const MAX_UNBROKEN_SEGMENT = 50_000;

/** Word → occurrences over all texts (insertion order = first occurrence, so batches are deterministic). */
export function wordInventory(texts: readonly string[], locale: string): Map<string, number> {
  const inv = new Map<string, number>();
  for (const t of texts) for (const w of segmentWords(t, locale)) inv.set(w, (inv.get(w) ?? 0) + 1);
  return inv;
}

/**
 * Word statistics from an inventory (word → occurrences) and each distinct word's isolated token count.
 * `contextTokens` is the side's total token count over the corpus, for tokens per word in context.
 */
export function wordSideStats(inventory: ReadonlyMap<string, number>, tokensOf: (word: string) => number, contextTokens: number): WordSideStats {
  let words = 0;
  let tokens = 0;
  let continued = 0;
  let single = 0;
  for (const [w, n] of inventory) {
    const t = tokensOf(w);
    words += n;
    tokens += n * t;
    if (t >= 2) continued += n;
    else if (t === 1) single += n;
  }
  const per = (x: number) => (words === 0 ? null : x / words);
  return {
    words,
    distinctWords: inventory.size,
    fertility: per(tokens),
    continuedWordRate: per(continued),
    singleTokenRate: per(single),
    tokensPerWordInContext: Number.isNaN(contextTokens) ? null : per(contextTokens),
  };
}

// Segmentation does not depend on the tokenizer: do it once per corpus object, not once per tokenizer.
const inventories = new WeakMap<Corpus, { zh: Map<string, number>; en: Map<string, number> }>();
function corpusInventories(corpus: Corpus): { zh: Map<string, number>; en: Map<string, number> } {
  let inv = inventories.get(corpus);
  if (!inv) {
    inv = {
      zh: wordInventory(corpus.pairs.map((p) => p.zh), WORD_LOCALES.zh),
      en: wordInventory(corpus.pairs.map((p) => p.en), WORD_LOCALES.en),
    };
    inventories.set(corpus, inv);
  }
  return inv;
}

/** Isolated token counts of distinct words, batched through countBatch (each distinct word encoded once). */
async function isolatedCounts(ctx: PassContext, words: readonly string[]): Promise<Map<string, number>> {
  const batch = ctx.options.batchSize ?? 1024;
  // With --special-tokens the adapter adds BOS/EOS to every call; a word's own tokens exclude them, and the
  // post-processor adds the same tokens to any input, so the empty string's count is exactly that overhead.
  const overhead = ctx.options.specialTokens ? ((await ctx.tokenizer.countBatch(['']))[0] ?? 0) : 0;
  const out = new Map<string, number>();
  for (let start = 0; start < words.length; start += batch) {
    ctx.options.signal?.throwIfAborted();
    const chunk = words.slice(start, start + batch);
    const counts = await ctx.tokenizer.countBatch(chunk);
    chunk.forEach((w, i) => out.set(w, counts[i]! - overhead));
  }
  return out;
}

/** Does an isolated Chinese word come back as [blank token, …]? Probed on one common word. */
async function hasIsolatedPrefixToken(ctx: PassContext): Promise<boolean> {
  // With --special-tokens, drop what the post-processor adds to any input (BOS/EOS, i.e. the ids of "").
  const specials = new Set(ctx.options.specialTokens ? await ctx.tokenizer.encode('') : []);
  const content = (await ctx.tokenizer.encode('中文')).filter((id) => !specials.has(id));
  if (content.length < 2) return false;
  return (await ctx.tokenizer.decode([content[0]!])).trim() === '';
}

export async function wordMetrics(ctx: PassContext): Promise<WordMetrics> {
  const inv = corpusInventories(ctx.corpus);
  const sufficient: { zh: WordCount[]; en: WordCount[] } = { zh: [], en: [] };
  const side = async (lang: 'zh' | 'en'): Promise<WordSideStats> => {
    const counts = await isolatedCounts(ctx, [...inv[lang].keys()]);
    if (ctx.options.shard) for (const [w, n] of inv[lang]) sufficient[lang].push([w, n, counts.get(w)!]);
    // In-context tokens come from the reported totals (wordsFinalizer): joined protocols have no pair counts.
    return wordSideStats(inv[lang], (w) => counts.get(w)!, Number.NaN);
  };
  return {
    segmenter: {
      granularity: 'word', locales: { ...WORD_LOCALES }, wordLikeOnly: true, encodedInIsolation: true,
      icu: process.versions.icu ?? null,
    },
    isolatedPrefixToken: await hasIsolatedPrefixToken(ctx),
    zh: await side('zh'),
    en: await side('en'),
    ...(ctx.options.shard ? { sufficient } : {}),
  };
}

/**
 * The word metrics of the concatenated slices, from the shards' sufficient statistics (in shard order): the
 * inventories are summed and passed through wordSideStats, exactly as a whole run computes them. Throws when a
 * part lacks them or two parts disagree on a word's isolated count (then they were not made by one tokenizer).
 */
export function mergeWordMetrics(parts: readonly WordMetrics[]): WordMetrics {
  const first = parts[0];
  if (!first) throw new Error('mergeWordMetrics: no parts');
  const side = (lang: 'zh' | 'en'): WordSideStats => {
    const inv = new Map<string, number>();
    const tokens = new Map<string, number>();
    for (const p of parts) {
      if (!p.sufficient) throw new Error('a part has word metrics but no word inventory');
      for (const [w, n, t] of p.sufficient[lang]) {
        inv.set(w, (inv.get(w) ?? 0) + n);
        const seen = tokens.get(w);
        if (seen !== undefined && seen !== t) throw new Error(`the ${lang} word ${JSON.stringify(w)} has ${seen} tokens in one part and ${t} in another`);
        tokens.set(w, t);
      }
    }
    return wordSideStats(inv, (w) => tokens.get(w)!, Number.NaN);
  };
  const { sufficient: _s, ...rest } = first;
  return { ...rest, zh: side('zh'), en: side('en') };
}

export const wordMetricsPass: TokenizerPass = optionalMetricPass({
  name: 'word-metrics',
  label: 'word metrics',
  field: 'words',
  enabled: (o) => o.wordMetrics !== false,
  compute: wordMetrics,
});

/** Fills tokens per word in context from each result's reported totals, whatever the segmentation protocol. */
export const wordsFinalizer: ResultFinalizer = {
  name: 'words-in-context',
  run: (result: BenchmarkResult): BenchmarkResult => ({
    ...result,
    results: result.results.map((r) => {
      const w = r.words;
      if (!w) return r;
      const inContext = (lang: 'zh' | 'en') => (w[lang].words === 0 ? null : r.languages[lang].tokens / w[lang].words);
      return { ...r, words: { ...w, zh: { ...w.zh, tokensPerWordInContext: inContext('zh') }, en: { ...w.en, tokensPerWordInContext: inContext('en') } } };
    }),
  }),
};
