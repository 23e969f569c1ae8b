import type { Corpus } from '../corpora/types.js';
import type { TokenizerAdapter, TokenizerInfo } from '../tokenizers/types.js';

const HAN_ONLY = /^\p{Script=Han}+$/u;
const HAN_GLOBAL = /\p{Script=Han}/gu;

export interface InspectReport {
  tokenizer: TokenizerInfo;
  /** Ids examined: 0 … vocabSize-1 (ids the engine cannot decode are skipped and counted). */
  idsExamined: number;
  idsNotDecodable: number;
  /** Vocabulary entries that decode to exactly one Han character. */
  singleHanEntries: number;
  /** Vocabulary entries that decode to two or more Han characters and nothing else (multi-character words). */
  multiHanEntries: number;
  /** Longest all-Han entry, in characters, with an example. */
  longestHanEntry: { characters: number; example: string } | null;
  byteFallback: boolean;
  corpus: {
    id: string;
    distinctHan: number;
    /** Distinct Han characters of the corpus that are a vocabulary entry of their own. */
    singleTokenHan: number;
    singleTokenHanShare: number | null;
    /** Up to 20 frequent corpus characters that are not one token. */
    examplesNotSingle: string[];
  };
}

/**
 * What a tokenizer author wants to know about Chinese coverage. Entries are found by decoding every id alone and
 * keeping those that decode to Han characters only; a byte-level entry with a leading space ("Ġ中" → " 中") is not
 * one, because a character inside Chinese text is never preceded by a space. (SentencePiece decoders drop the
 * leading "▁" of a lone piece, so there "▁中" and "中" both count for 中.)
 */
export async function inspectTokenizer(tok: TokenizerAdapter, corpus: Corpus): Promise<InspectReport> {
  const hanEntries = new Set<string>();
  let single = 0;
  let multi = 0;
  let notDecodable = 0;
  let longest: { characters: number; example: string } | null = null;
  const n = tok.info.vocabSize;
  const special = tok.vocabFacts?.specialIds;
  for (let id = 0; id < n; id++) {
    if (special?.has(id)) continue;
    let s: string;
    try {
      s = await tok.decode([id]);
    } catch {
      notDecodable++;
      continue;
    }
    const t = s;
    if (!HAN_ONLY.test(t)) continue;
    hanEntries.add(t);
    const chars = [...t].length;
    if (chars === 1) single++;
    else multi++;
    if (!longest || chars > longest.characters) longest = { characters: chars, example: t };
  }
  const freq = new Map<string, number>();
  for (const p of corpus.pairs) for (const ch of p.zh.match(HAN_GLOBAL) ?? []) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  const distinct = [...freq.keys()];
  const singles = distinct.filter((ch) => hanEntries.has(ch)).length;
  const missing = distinct.filter((ch) => !hanEntries.has(ch)).sort((a, b) => freq.get(b)! - freq.get(a)! || (a < b ? -1 : 1));
  return {
    tokenizer: tok.info,
    idsExamined: n,
    idsNotDecodable: notDecodable,
    singleHanEntries: single,
    multiHanEntries: multi,
    longestHanEntry: longest,
    byteFallback: (tok.vocabFacts?.byteFallbackIds?.size ?? 0) > 0,
    corpus: {
      id: corpus.id,
      distinctHan: distinct.length,
      singleTokenHan: singles,
      singleTokenHanShare: distinct.length ? singles / distinct.length : null,
      examplesNotSingle: missing.slice(0, 20),
    },
  };
}
