/**
 * Metrics of the token-frequency distribution, per language side:
 *
 * - Rényi efficiency (Zouhar et al. 2023, "Tokenization and the Noiseless Channel"): H_α(p) ÷ log|V|, where p is
 *   the unigram distribution of token ids over the side and |V| the tokenizer's vocabulary size. α = 2.5 is the
 *   paper's recommended order; α = 1 is Shannon efficiency (the limit of the formula).
 * - Vocabulary utilisation: distinct ids seen ÷ |V|.
 *
 * Only a Map of id → count is kept per side, never the id sequences, so memory is bounded by the vocabulary.
 * Ids always come from encoding each line alone (the per-line protocol), whatever `--segmentation` says.
 */
import type { TokenizerPass, PassContext } from '../core/passes.js';
import { optionalMetricPass } from '../core/optional-pass.js';
import { UsageError } from '../core/errors.js';

export const DEFAULT_RENYI_ALPHA = 2.5;

export interface DistributionSide {
  tokens: number;
  distinctIds: number;
  /** distinctIds ÷ vocabulary size. */
  vocabUtilisation: number;
  /** Rényi entropy of order α of the id distribution, in bits. */
  renyiEntropy: number | null;
  /** renyiEntropy ÷ log2(vocabulary size), in [0, 1]. */
  renyiEfficiency: number | null;
}

export interface DistributionMetrics {
  alpha: number;
  vocabSize: number;
  zh: DistributionSide;
  en: DistributionSide;
  /** Only in `--shard` parts: each side's id → count map, for `tokbench merge` to sum (see IdCounts). */
  sufficient?: { zh: IdCounts; en: IdCounts };
}

/**
 * An id → count map in compact form: ids ascending, stored as gaps from the previous id (the first from 0),
 * which keeps a large vocabulary's JSON short; counts[i] belongs to the i-th id.
 */
export interface IdCounts {
  idGaps: number[];
  counts: number[];
}

export function toIdCounts(m: ReadonlyMap<number, number>): IdCounts {
  const ids = [...m.keys()].sort((a, b) => a - b);
  let prev = 0;
  const idGaps = ids.map((id) => { const g = id - prev; prev = id; return g; });
  return { idGaps, counts: ids.map((id) => m.get(id)!) };
}

export function fromIdCounts(c: IdCounts, into: Map<number, number> = new Map()): Map<number, number> {
  if (c.idGaps.length !== c.counts.length) throw new Error('id counts: idGaps and counts differ in length');
  let id = 0;
  c.idGaps.forEach((g, i) => {
    id += g;
    into.set(id, (into.get(id) ?? 0) + c.counts[i]!);
  });
  return into;
}

/**
 * The distribution metrics of the concatenated slices: the parts' id counts summed and passed through
 * distributionSide, as a whole run computes them. Throws when parts lack the counts or disagree on α or |V|.
 */
export function mergeDistributionMetrics(parts: readonly DistributionMetrics[]): DistributionMetrics {
  const first = parts[0];
  if (!first) throw new Error('mergeDistributionMetrics: no parts');
  const side = (lang: 'zh' | 'en'): DistributionSide => {
    const m = new Map<number, number>();
    for (const p of parts) {
      if (!p.sufficient) throw new Error('a part has distribution metrics but no id counts');
      if (p.alpha !== first.alpha || p.vocabSize !== first.vocabSize) throw new Error(`parts differ in Rényi α (${first.alpha} vs ${p.alpha}) or vocabulary size (${first.vocabSize} vs ${p.vocabSize})`);
      fromIdCounts(p.sufficient[lang], m);
    }
    return distributionSide(m, first.vocabSize, first.alpha);
  };
  return { alpha: first.alpha, vocabSize: first.vocabSize, zh: side('zh'), en: side('en') };
}

export function validateRenyiAlpha(alpha: number): void {
  if (!Number.isFinite(alpha) || alpha <= 0) {
    throw new UsageError(`--renyi-alpha must be a number > 0, got ${String(alpha)}`, 'the paper recommends 2.5; 1 gives Shannon efficiency');
  }
}

/** `--renyi-alpha` flag value → α (a plain decimal > 0). */
export function parseRenyiAlpha(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  const alpha = /^(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : Number.NaN;
  if (!(alpha > 0)) throw new UsageError(`--renyi-alpha must be a number > 0, got "${value}"`, 'the paper recommends 2.5; 1 gives Shannon efficiency');
  return alpha;
}

/** Rényi entropy of order α (bits) of the distribution given by counts; α = 1 is the Shannon limit. */
export function renyiEntropy(counts: Iterable<number>, alpha: number): number | null {
  validateRenyiAlpha(alpha);
  // Sorted, so the float sums (and the result, bit for bit) do not depend on the order ids were first seen.
  const cs = [...counts].filter((c) => c > 0).sort((a, b) => a - b);
  const total = cs.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  if (alpha === 1) {
    let h = 0;
    for (const c of cs) {
      const p = c / total;
      h -= p * Math.log2(p);
    }
    return h;
  }
  let s = 0;
  for (const c of cs) s += (c / total) ** alpha;
  const h = Math.log2(s) / (1 - alpha);
  return h === 0 ? 0 : h; // a one-id distribution gives log2(1) ÷ (1 − α) = −0 for α > 1; report 0
}

/** H_α ÷ log2|V|. null when nothing was counted or the vocabulary has a single entry (log 1 = 0). */
export function renyiEfficiency(counts: Iterable<number>, vocabSize: number, alpha: number): number | null {
  const h = renyiEntropy(counts, alpha);
  if (h === null || vocabSize <= 1) return null;
  return h / Math.log2(vocabSize);
}

export function distributionSide(idCounts: ReadonlyMap<number, number>, vocabSize: number, alpha: number): DistributionSide {
  let tokens = 0;
  for (const c of idCounts.values()) tokens += c;
  const h = renyiEntropy(idCounts.values(), alpha);
  return {
    tokens,
    distinctIds: idCounts.size,
    vocabUtilisation: vocabSize > 0 ? idCounts.size / vocabSize : 0,
    renyiEntropy: h,
    renyiEfficiency: h === null || vocabSize <= 1 ? null : h / Math.log2(vocabSize),
  };
}

// Native engines encode off the main thread; a few calls in flight keep both cores busy without piling up ids.
const IN_FLIGHT = 16;

async function countIds(ctx: PassContext, texts: readonly string[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (let start = 0; start < texts.length; start += IN_FLIGHT) {
    ctx.options.signal?.throwIfAborted();
    const encoded = await Promise.all(texts.slice(start, start + IN_FLIGHT).map((t) => ctx.tokenizer.encode(t)));
    for (const ids of encoded) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export async function distributionMetrics(ctx: PassContext): Promise<DistributionMetrics> {
  const alpha = ctx.options.renyiAlpha ?? DEFAULT_RENYI_ALPHA;
  const vocabSize = ctx.tokenizer.info.vocabSize;
  const sufficient: Partial<Record<'zh' | 'en', IdCounts>> = {};
  const side = async (lang: 'zh' | 'en'): Promise<DistributionSide> => {
    // The counting pass gathered the ids already; encode again only for callers that did not (e.g. a custom runner).
    const ids = ctx.idHistograms ? ctx.idHistograms[lang].toMap() : await countIds(ctx, ctx.corpus.pairs.map((p) => p[lang]));
    if (ctx.options.shard) sufficient[lang] = toIdCounts(ids);
    const s = distributionSide(ids, vocabSize, alpha);
    // encode() and countBatch() must agree; a mismatch means the counts above are not the ones reported.
    // Joined protocols have no per-pair counts (and count joined text), so there is nothing to compare with.
    const perPair = ctx.pairCounts[lang].length === ctx.corpus.pairs.length && ctx.corpus.pairs.length > 0;
    const expected = ctx.pairCounts[lang].reduce((a, b) => a + b, 0);
    if (perPair && s.tokens !== expected) ctx.warn(`${lang}: encode() gave ${s.tokens} tokens but the counted total is ${expected}; distribution metrics may not match the counts`);
    return s;
  };
  const out: DistributionMetrics = { alpha, vocabSize, zh: await side('zh'), en: await side('en') };
  return sufficient.zh && sufficient.en ? { ...out, sufficient: { zh: sufficient.zh, en: sufficient.en } } : out;
}

export const distributionPass: TokenizerPass = optionalMetricPass({
  name: 'distribution',
  label: 'distribution metrics',
  field: 'distribution',
  enabled: (o) => o.distributionMetrics !== false,
  compute: distributionMetrics,
});
