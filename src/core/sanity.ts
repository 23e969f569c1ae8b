import type { Corpus, Pair } from '../corpora/types.js';
import { decodeMany, encodeMany, type TokenizerAdapter } from '../tokenizers/types.js';
import { DataError } from './errors.js';
import { scanTexts, type SideScan } from './text-scan.js';
import type { ResultFinalizer, TokenizerPass } from './passes.js';
import type { BenchmarkResult } from './types.js';

/*
 * Sanity checks that run with every benchmark. A tokenizer benchmark that prints a plausible wrong number is
 * worse than one that crashes, so each run re-checks the things that silently corrupt counts: text that does
 * not survive encode→decode, unknown tokens, byte fallback, special tokens leaking into counts, and a corpus
 * whose sides are not what they claim to be (not Chinese, not English, or not aligned).
 * Everything here is a warning, never a change to the counts.
 */

export type Lang = 'zh' | 'en';

export type SanityCode =
  | 'round-trip'
  | 'unknown-tokens'
  | 'byte-fallback'
  | 'special-tokens-added'
  | 'special-tokens-in-text'
  | 'zh-mostly-non-han'
  | 'zh-pairs-without-han'
  | 'en-contains-han'
  | 'length-ratio'
  | 'length-correlation';

export interface SanityWarning {
  code: SanityCode;
  scope: 'corpus' | 'tokenizer';
  /** Tokenizer id, for tokenizer-scope warnings. */
  tokenizer?: string;
  language?: Lang;
  /** How many texts/pairs/tokens the warning is about. */
  count?: number;
  /** Ids of the first few pairs concerned (corpus `id`s: line numbers for TSV and zh.txt,en.txt). */
  pairs?: string[];
  message: string;
}

export interface RoundTripExample {
  pair: string;
  language: Lang;
  /** Code-point offset of the first difference. */
  offset: number;
  expected: string;
  got: string;
}

export interface TokenizerSanity {
  /** Pairs whose texts were re-encoded for these checks (a bounded, evenly spread sample of big corpora). */
  checkedPairs: number;
  totalPairs: number;
  /** Texts left out because one text alone exceeds the check budget (counted normally, just not re-checked). */
  skippedLongTexts: number;
  roundTrip: { checkedTexts: number; failures: number; examples: RoundTripExample[] };
  /** null when the model has no unknown token (byte-level BPE). Rates are unknown tokens ÷ tokens. */
  unknownTokens: { zh: number; en: number; zhRate: number; enRate: number } | null;
  /** null when the model has no byte fallback. Shares are `<0xNN>` tokens ÷ tokens. */
  byteFallback: { zh: number; en: number; zhShare: number; enShare: number } | null;
  specialTokens: {
    /** Tokens produced for an empty text: what the tokenizer adds to every line. */
    perEmptyText: number;
    /** Special-token ids found in the checked texts' counts beyond `perEmptyText` (null: ids unknown). */
    inText: number | null;
  };
  warnings: SanityWarning[];
}

export interface CorpusSanity {
  /** Han characters ÷ letters on the Chinese side. */
  zhHanShare: number | null;
  zhPairsWithoutHan: number;
  enPairsWithHan: number;
  /** Median English/Chinese code-point ratio over pairs long enough to judge. */
  lengthRatioMedian: number | null;
  /** Pearson correlation of Chinese and English lengths (aligned corpora: about 0.75–0.9; shifted: about 0.1). */
  lengthCorrelation: number | null;
  implausibleLengthRatios: number;
  warnings: SanityWarning[];
}

/** Per language, the re-check reads at most this many UTF-16 units, so sanity costs little on big corpora. */
export const CHECK_BUDGET = 400_000;
/** A single text longer than this is not re-checked (a 10 MB line would double the run time). */
export const CHECK_MAX_TEXT = 100_000;
const MAX_IDS_LISTED = 5;
/**
 * Byte-fallback share worth a warning. A few rare characters are normal (0.03–0.7% of the bundled corpus's
 * tokens on ChatGLM3, Baichuan2, InternLM2, Yi); from 1% on, the vocabulary is missing a real part of the text.
 * The share itself is always in the JSON.
 */
export const BYTE_FALLBACK_WARN = 0.01;
const MAX_EXAMPLES = 3;

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
const listIds = (ids: string[]) => ids.slice(0, MAX_IDS_LISTED).map((id) => `"${id}"`).join(', ') + (ids.length > MAX_IDS_LISTED ? ', …' : '');

/** Indices of the pairs to re-check: all of a small corpus, an evenly spread subset of a big one. */
export interface PairSample {
  /** Pair indices, ascending. */
  indices: number[];
  skippedLongTexts: number;
}

export function samplePairs(pairs: readonly Pair[], budget = CHECK_BUDGET, maxText = CHECK_MAX_TEXT): PairSample {
  let total = 0;
  for (const p of pairs) total += Math.max(p.zh.length, p.en.length);
  const stride = Math.max(1, Math.ceil(total / budget));
  const indices: number[] = [];
  let skippedLongTexts = 0;
  let used = 0;
  for (let i = 0; i < pairs.length; i += stride) {
    const p = pairs[i]!;
    if (p.zh.length > maxText || p.en.length > maxText) {
      skippedLongTexts += (p.zh.length > maxText ? 1 : 0) + (p.en.length > maxText ? 1 : 0);
      continue;
    }
    const len = Math.max(p.zh.length, p.en.length);
    if (used + len > budget) break;
    used += len;
    indices.push(i);
  }
  return { indices, skippedLongTexts };
}

/**
 * Apply the normalisations a tokenizer declares (TokenizerInfo.normalization, e.g. "NFC" or "Prepend+Replace")
 * that are invertible to compare against: a decoded NFC text is a correct round trip of an NFD input.
 * Parts that the decoder itself undoes (Prepend ▁, Replace ' '→▁) need nothing here.
 */
export function applyDeclaredNormalization(text: string, normalization: string): string {
  let t = text;
  for (const part of normalization.split('+')) {
    if (part === 'NFC' || part === 'NFD' || part === 'NFKC' || part === 'NFKD') t = t.normalize(part);
    else if (part === 'Lowercase') t = t.toLowerCase();
    else if (part === 'Strip') t = t.trim();
  }
  return t;
}

export function roundTripHolds(input: string, decoded: string, normalization: string): boolean {
  if (decoded === input) return true;
  return applyDeclaredNormalization(decoded, normalization) === applyDeclaredNormalization(input, normalization);
}

function firstDifference(a: string, b: string): { offset: number; expected: string; got: string } {
  const ca = [...a];
  const cb = [...b];
  let i = 0;
  while (i < ca.length && i < cb.length && ca[i] === cb[i]) i++;
  const from = Math.max(0, i - 8);
  return { offset: i, expected: ca.slice(from, i + 12).join(''), got: cb.slice(from, i + 12).join('') };
}

/**
 * Re-encode a sample of the corpus and check what the counts silently depend on. `known` holds ids the counting pass
 * already produced, by pair index (the same ids `encode` gives): texts found there are not encoded again.
 */
export async function checkTokenizer(
  tok: TokenizerAdapter, corpus: Corpus, specialTokensRequested: boolean, known?: { zh: ReadonlyMap<number, number[]>; en: ReadonlyMap<number, number[]> },
  sample: PairSample = samplePairs(corpus.pairs),
): Promise<TokenizerSanity> {
  const id = tok.info.id;
  const facts = tok.vocabFacts;
  const { indices, skippedLongTexts } = sample;
  const perEmptyText = (await tok.encode('')).length;
  const tokens = { zh: 0, en: 0 };
  const unk = { zh: 0, en: 0 };
  const bytes = { zh: 0, en: 0 };
  let special = 0;
  let rtChecked = 0;
  let rtFailures = 0;
  const rtFailed: RoundTripExample[] = [];
  const rtFailedPairs: string[] = [];
  const unkPairs: Record<Lang, string[]> = { zh: [], en: [] };
  // Encoded and decoded in batches: one engine call per text made this check cost more than counting small corpora.
  const BATCH = 256;
  for (let start = 0; start < indices.length; start += BATCH) {
    const at = indices.slice(start, start + BATCH);
    const group = at.map((i) => corpus.pairs[i]!);
    const texts = group.flatMap((p) => [p.zh, p.en]);
    const kept = known ? at.flatMap((i) => [known.zh.get(i), known.en.get(i)]) : [];
    const encoded = kept.length && kept.every((x) => x !== undefined) ? (kept as number[][]) : await encodeMany(tok, texts);
    // Special tokens have their own check; decoding them would make every line of a BOS-adding tokenizer fail here too.
    const decodedAll = await decodeMany(tok, encoded.map((ids) => (facts ? ids.filter((x) => !facts.specialIds.has(x)) : ids)));
    group.forEach((pair, g) => {
      for (const [k, lang] of (['zh', 'en'] as const).entries()) {
        const text = pair[lang];
        const ids = encoded[2 * g + k]!;
        tokens[lang] += ids.length;
        let unkHere = 0;
        for (const x of ids) {
          if (facts?.unkId !== null && facts?.unkId !== undefined && x === facts.unkId) unkHere++;
          if (facts?.byteFallbackIds?.has(x)) bytes[lang]++;
          // An unknown token is often flagged special in added_tokens; it is counted as unknown, not as a marker.
          if (facts?.specialIds.has(x) && x !== facts.unkId) special++;
        }
        unk[lang] += unkHere;
        if (unkHere) unkPairs[lang].push(pair.id);
        const decoded = decodedAll[2 * g + k]!;
        rtChecked++;
        if (!roundTripHolds(text, decoded, tok.info.normalization)) {
          rtFailures++;
          if (rtFailed.length < MAX_EXAMPLES) rtFailed.push({ pair: pair.id, language: lang, ...firstDifference(text, decoded) });
          if (rtFailedPairs[rtFailedPairs.length - 1] !== pair.id) rtFailedPairs.push(pair.id);
        }
      }
    });
  }
  const textsChecked = indices.length * 2;
  const inText = facts ? Math.max(0, special - perEmptyText * textsChecked) : null;
  const warnings: SanityWarning[] = [];
  const w = (x: Omit<SanityWarning, 'scope' | 'tokenizer'>) => warnings.push({ scope: 'tokenizer', tokenizer: id, ...x });

  if (rtFailedPairs.length) {
    const ex = rtFailed[0]!;
    w({
      code: 'round-trip', count: rtFailures, pairs: rtFailedPairs.slice(0, MAX_IDS_LISTED),
      message: `decode(encode(text)) differs from the text (beyond its declared normalisation "${tok.info.normalization}") in pairs ${listIds(rtFailedPairs)}; ` +
        `first at pair "${ex.pair}" ${ex.language} offset ${ex.offset}: expected ${JSON.stringify(ex.expected)}, got ${JSON.stringify(ex.got)} — its counts cover altered text`,
    });
  }
  const rate = (n: number, d: number) => (d === 0 ? 0 : n / d);
  const unknownTokens = facts?.unkId === null || facts === undefined ? null : { zh: unk.zh, en: unk.en, zhRate: rate(unk.zh, tokens.zh), enRate: rate(unk.en, tokens.en) };
  if (unknownTokens) {
    for (const lang of ['zh', 'en'] as const) {
      if (unk[lang] === 0) continue;
      w({
        code: 'unknown-tokens', language: lang, count: unk[lang], pairs: unkPairs[lang].slice(0, MAX_IDS_LISTED),
        message: `${unk[lang]} unknown tokens in the ${lang} text (${pct(rate(unk[lang], tokens[lang]))} of its tokens; pairs ${listIds(unkPairs[lang])}): those characters are lost, so its counts understate the real cost`,
      });
    }
  }
  const byteFallback = facts?.byteFallbackIds ? { zh: bytes.zh, en: bytes.en, zhShare: rate(bytes.zh, tokens.zh), enShare: rate(bytes.en, tokens.en) } : null;
  if (byteFallback) {
    for (const lang of ['zh', 'en'] as const) {
      if (rate(bytes[lang], tokens[lang]) < BYTE_FALLBACK_WARN) continue;
      w({
        code: 'byte-fallback', language: lang, count: bytes[lang],
        message: `${pct(rate(bytes[lang], tokens[lang]))} of the ${lang} tokens are byte-fallback tokens (<0xNN>, ${bytes[lang]} tokens): characters outside its vocabulary cost one token per UTF-8 byte`,
      });
    }
  }
  if (perEmptyText > 0 && !specialTokensRequested) {
    w({
      code: 'special-tokens-added', count: perEmptyText,
      message: `adds ${perEmptyText} token(s) to every text even without --special-tokens (an empty text encodes to ${perEmptyText}): its counts include them, ${perEmptyText * corpus.pairs.length * 2} in all`,
    });
  }
  if (inText && !specialTokensRequested) {
    w({
      code: 'special-tokens-in-text', count: inText,
      message: `${inText} special tokens matched inside the corpus text (a marker such as <|endoftext|> written in a line): each is counted as one token, not as its characters`,
    });
  }
  return {
    checkedPairs: indices.length,
    totalPairs: corpus.pairs.length,
    skippedLongTexts,
    roundTrip: { checkedTexts: rtChecked, failures: rtFailures, examples: rtFailed },
    unknownTokens,
    byteFallback,
    specialTokens: { perEmptyText, inText },
    warnings,
  };
}

/** Typical English÷Chinese code-point ratio, for corpora too small to estimate their own (measured: 2.9–3.8). */
const DEFAULT_LENGTH_RATIO = 3.3;
/** A pair is implausible when its ratio is this many times off the corpus median (one real loose pair in NTREX is 4×). */
const RATIO_FACTOR = 5;
/** Texts shorter than this (code points) say little about alignment. */
const MIN_LEN = 4;
const MIN_PAIRS_FOR_MEDIAN = 10;
const MIN_PAIRS_FOR_CORRELATION = 20;
/** Aligned corpora measured 0.75 (bundled) and 0.88 (NTREX); shifted by one line, 0.09 and 0.12. */
const MIN_CORRELATION = 0.3;

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sx += (x[i]! - mx) ** 2;
    sy += (y[i]! - my) ** 2;
  }
  return sx === 0 || sy === 0 ? null : sxy / Math.sqrt(sx * sy);
}

function median(xs: number[]): number {
  // A typed array sorts numbers natively (no comparator calls): ~5× faster on a million-pair corpus, same order.
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Corpus-level checks. A Chinese side without a single Han character is an error (the run would measure
 * nothing it claims to); everything else is a warning.
 */
export function checkCorpus(corpus: Corpus, scan?: { zh: SideScan; en: SideScan }): CorpusSanity {
  const where = corpus.files.length ? corpus.files.map((f) => f.path).join(', ') : corpus.id;
  // The run scans every text once for its units; reuse that scan rather than walking the corpus again.
  const zs = scan?.zh ?? scanTexts(corpus.pairs.map((p) => p.zh));
  const es = scan?.en ?? scanTexts(corpus.pairs.map((p) => p.en));
  let zhHan = 0;
  let zhLetters = 0;
  let enHan = 0;
  let enLetters = 0;
  const zhWithoutHan: string[] = [];
  const enWithHan: string[] = [];
  // Pairs long enough to judge, and their English÷Chinese length ratios (two flat arrays: no object per pair).
  const eligible: number[] = [];
  const ratios: number[] = [];
  const pairs = corpus.pairs;
  for (let i = 0; i < pairs.length; i++) {
    const zh = zs.han[i]!;
    const zl = zs.letters[i]!;
    const eh = es.han[i]!;
    zhHan += zh;
    zhLetters += zl;
    enHan += eh;
    enLetters += es.letters[i]!;
    if (zh === 0 && zl > 0) zhWithoutHan.push(pairs[i]!.id);
    if (eh > 0) enWithHan.push(pairs[i]!.id);
    const a = zs.codepoints[i]!;
    const b = es.codepoints[i]!;
    if (a >= MIN_LEN && b >= MIN_LEN) {
      eligible.push(i);
      ratios.push(b / a);
    }
  }
  const zhLen = zs.codepoints;
  const enLen = es.codepoints;
  if (zhHan === 0) {
    const swapped = enLetters > 0 && enHan / enLetters > 0.5;
    throw new DataError(
      `${where}: the Chinese side has no Chinese (Han) characters in any of its ${corpus.pairs.length} pairs${swapped ? ', but the English side has' : ''}`,
      swapped ? 'the columns look swapped: put Chinese first (zh<TAB>en, or zh.txt,en.txt)' : 'check that the Chinese text is the "zh" field, the first TSV column, or the first of zh.txt,en.txt',
    );
  }
  const warnings: SanityWarning[] = [];
  const w = (x: Omit<SanityWarning, 'scope'>) => warnings.push({ scope: 'corpus', ...x });
  const zhHanShare = zhLetters ? zhHan / zhLetters : null;
  if (zhHanShare !== null && zhHanShare < 0.5) {
    w({ code: 'zh-mostly-non-han', language: 'zh', message: `${where}: only ${pct(zhHanShare)} of the letters on the Chinese side are Han characters: is it Chinese? (Japanese and code-heavy text are measured as if they were)` });
  }
  if (zhWithoutHan.length) {
    w({ code: 'zh-pairs-without-han', language: 'zh', count: zhWithoutHan.length, pairs: zhWithoutHan.slice(0, MAX_IDS_LISTED), message: `${where}: ${zhWithoutHan.length} pairs have no Han character on the Chinese side (pairs ${listIds(zhWithoutHan)}): check them` });
  }
  if (enWithHan.length) {
    w({ code: 'en-contains-han', language: 'en', count: enWithHan.length, pairs: enWithHan.slice(0, MAX_IDS_LISTED), message: `${where}: ${enWithHan.length} pairs have Han characters on the English side (pairs ${listIds(enWithHan)}): untranslated or swapped text inflates the English counts` });
  }
  const med = ratios.length >= MIN_PAIRS_FOR_MEDIAN ? median(ratios) : null;
  const ref = med ?? DEFAULT_LENGTH_RATIO;
  const odd: string[] = [];
  ratios.forEach((r, k) => {
    if (r > ref * RATIO_FACTOR || r < ref / RATIO_FACTOR) odd.push(pairs[eligible[k]!]!.id);
  });
  if (odd.length) {
    w({
      code: 'length-ratio', count: odd.length, pairs: odd.slice(0, MAX_IDS_LISTED),
      message: `${where}: ${odd.length} pairs have an implausible English/Chinese length ratio (over ${RATIO_FACTOR}× off the ${med === null ? 'typical' : 'corpus median'} ${ref.toFixed(1)}; pairs ${listIds(odd)}): likely misaligned or not translations`,
    });
  }
  const corr = corpus.pairs.length >= MIN_PAIRS_FOR_CORRELATION ? pearson(zhLen, enLen) : null;
  if (corr !== null && corr < MIN_CORRELATION) {
    w({
      code: 'length-correlation',
      message: `${where}: Chinese and English line lengths barely correlate (r = ${corr.toFixed(2)}; aligned corpora give 0.7–0.9): the sides are probably shifted against each other`,
    });
  }
  return { zhHanShare, zhPairsWithoutHan: zhWithoutHan.length, enPairsWithHan: enWithHan.length, lengthRatioMedian: med, lengthCorrelation: corr, implausibleLengthRatios: odd.length, warnings };
}

export const sanityPass: TokenizerPass = {
  name: 'sanity',
  usesCounts: false,
  run: async (ctx) => {
    try {
      const sanity = ctx.wholeCorpus
        ? await checkTokenizer(ctx.tokenizer, ctx.wholeCorpus, ctx.options.specialTokens ?? false, undefined, ctx.sample)
        : await checkTokenizer(ctx.tokenizer, ctx.corpus, ctx.options.specialTokens ?? false, ctx.knownIds, ctx.sample);
      for (const x of sanity.warnings) ctx.warn(x.message);
      return { sanity };
    } catch (err) {
      // The counts are already computed and correct; a failing check must not turn them into a failure.
      ctx.warn(`sanity checks could not run: ${(err as Error)?.message ?? String(err)}`);
      return {};
    }
  },
};

/** Collects every structured sanity warning (corpus first, then per tokenizer) into `sanityWarnings`. */
export const sanityFinalizer: ResultFinalizer = {
  name: 'sanity',
  run: (result: BenchmarkResult) => ({
    ...result,
    sanityWarnings: [...(result.corpusSanity?.warnings ?? []), ...result.results.flatMap((r) => r.sanity?.warnings ?? [])],
  }),
};
