import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Tiktoken, TiktokenEncoding } from 'tiktoken';
import { sha256 } from '../core/hash.js';
import { DataError } from '../core/errors.js';
import { packageRoot } from '../core/version.js';
import type { EncodeOptions, IdSink, TokenizerAdapter, TokenizerInfo } from './types.js';
import { tiktokenEngine } from './engines.js';
import type { TiktokenEngine } from './tiktoken-direct.js';
import { byteVocabFromRanks, splitLetterRunsAtSafeBoundaries, type ByteVocab, type CutRule } from './safe-chunks.js';

/** Lines longer than this (UTF-16 units) are split at provably count-neutral boundaries (see safe-chunks.ts). */
export const LONG_LINE = 4096;


export const TIKTOKEN_ENCODINGS = ['gpt2', 'r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'] as const;
export type BuiltinEncoding = (typeof TIKTOKEN_ENCODINGS)[number];

/**
 * The pre-tokenizer regexes (exact pattern strings) for which a cut between two CJK ideographs is proven to satisfy
 * condition 1 of safe-chunks.ts, and the rule it needs. An encoding whose pat_str is not listed here (say, after a
 * tiktoken upgrade changed one) is not chunked: its long lines are encoded whole, exact but quadratic.
 *
 * Proof, in the leftmost-first backtracking semantics of tiktoken's fancy-regex. T[p-1], T[p] are ideographs
 * (cut letters: Lo, so in \p{L}, in o200k's U and L classes below, and in no prefix, digit, space or contraction
 * class; checked on tiktoken's own tables by the tests).
 *  (a) Every character starts a match and no alternative matches empty, so matches tile the text. Nothing looks
 *      behind (no lookbehind, \b, ^, $); the one lookahead, (?!\S) after \s+, reads the character after consumed
 *      whitespace. So an attempt reads T[p] only after consuming T[p-1], and what matches from a position depends
 *      only on the text from there on.
 *  (b) LEMMA (per regex below): an attempt that consumes T[p-1] succeeds with a match that contains T[p]. So the
 *      match M = T[s..e) holding T[p-1] holds T[p] (and no match ends between two ideographs: M holds the whole
 *      ideograph run, as condition 3 assumes); no attempt before s, failed alternatives included, consumed T[p-1]
 *      (it would have succeeded with a match holding it) or read T[p], so the matches before M are the same in
 *      T[0..p); at s the search runs as in T up to the point where it first consumes T[p-1], which in T[0..p) is the
 *      end of the text: it must then end with T[s..p) (per regex below). Left to show: the first match of T[p..)
 *      is T[p..e); after e everything is as in T by (a).
 *  gpt2, r50k_base, p50k_base: '…| ?\p{L}+|…' (GPT2 below). Only ` ?\p{L}+` consumes a non-ASCII letter (the
 *      contractions are ' and ASCII letters, the other alternatives exclude \p{L}); its greedy \p{L}+ ends the
 *      alternative, so it takes every following letter: the lemma, the end T[s..p) in T[0..p), and in T[p..) the
 *      contractions fail on an ideograph, ` ?` takes nothing, \p{L}+ takes T[p..e).
 *  cl100k_base: the same with [^\r\n\p{L}\p{N}]? for ` ?` (it cannot take a letter either; the (?i) contractions
 *      hold no ideograph either); this is TIKTOKEN_REGEXES.cl100k of tiktoken-file-adapter.ts, proven the same way
 *      in TiktokenFileAdapter.canChunk.
 *  o200k_base: A1 = P?U*L+S? | A2 = P?U+L*S? | digits | punctuation | spaces, with P = [^\r\n\p{L}\p{N}],
 *      U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], L = [\p{Ll}\p{Lm}\p{Lo}\p{M}], S = (?i:'s|'t|'re|'ve|'m|'ll|'d). Only
 *      A1, A2 consume an ideograph, in U*, U+ (greedy, so T[p] is taken too), L+ or L* (likewise). Lemma: L*, S?
 *      may be empty; if L+ fails after a U* run, U* gives back characters only down to the run's last L character,
 *      at or after p. End of T[0..p): U+, L* or L+ stops there and succeeds; U* fails L+ at the end, gives T[p-1]
 *      back to L+ and succeeds: T[s..p) each time. T[p..): here the letter-run argument breaks. M may cross p
 *      inside L+ (a match started by a lower-case letter: "abc中文Def" gives "abc中文", "Def"), while T[p..) starts
 *      afresh with U*, which also runs over upper-case letters ("文Def", one piece; o200k has entries like
 *      "无码AV", and such cuts do lose tokens: tested). So o200k cuts also need: the first non-ideograph T[m] after
 *      p (T[p..m) all ideographs) is not in U (safe-chunks.ts, o200kRunMayEndWith; checked on tiktoken for every
 *      code point it accepts), or m is the end. Then U-runs from p end at m, and whether M crosses p in U*, L+, U+
 *      or L*:
 *        T[m] in Ll: M goes on over the L-run from m to its end w, then S?; afresh, U* = T[p..m), L+ = T[m..w), S?.
 *        T[m] not in U or L (or the end): M stops at m (U* gives back to T[m-1]), then S? at m; afresh, U* =
 *        T[p..m) fails L+ at m, gives back T[m-1] to L+, then the same S? at m.
 *      Either way the first match of T[p..) is T[p..e).
 * Conditions 2 and 3 do not depend on the regex. encode_ordinary matches no special tokens and there is no
 * normalisation, so nothing else can differ between the line and its chunks.
 */
const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
export const PROVEN_PATTERNS: ReadonlyMap<string, CutRule> = new Map<string, CutRule>([
  [GPT2_PATTERN, 'letter-run'],
  [String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`, 'letter-run'],
  [String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`, 'o200k'],
]);

interface EncoderFile {
  bpe_ranks: string;
  special_tokens: Record<string, number>;
  pat_str: string;
}

export interface EncodingFileSummary { path: string; sha256: string; vocabSize: number; rankCount: number; specialIds: number[]; bpeRanks: string; patStr: string }

const encodingFiles = new Map<BuiltinEncoding, EncodingFileSummary>();

/**
 * The encoder data tiktoken bundles; hashed so results name exactly which ranks were used. Read, parsed and hashed
 * once per process: loading, decode checks and long-line chunking all need it.
 */
export function builtinEncodingFile(name: BuiltinEncoding): EncodingFileSummary {
  let summary = encodingFiles.get(name);
  if (!summary) encodingFiles.set(name, (summary = readEncodingFile(name)));
  return summary;
}

function readEncodingFile(name: BuiltinEncoding): EncodingFileSummary {
  const root = packageRoot('tiktoken');
  if (!root) throw new DataError('package tiktoken is not installed', 'run `npm install` in the tokbench folder');
  const path = join(root, 'encoders', `${name}.json`);
  const raw = readFileSync(path);
  const data = JSON.parse(raw.toString('utf8')) as EncoderFile;
  // bpe_ranks: lines of "<prefix> <offset> <b64> <b64> …"; each base64 item is one rank.
  let maxId = -1;
  let rankCount = 0;
  for (const line of data.bpe_ranks.split('\n')) {
    const parts = line.split(' ');
    if (parts.length < 2) continue;
    const offset = Number(parts[1]);
    maxId = Math.max(maxId, offset + parts.length - 3);
    rankCount += parts.length - 2;
  }
  for (const id of Object.values(data.special_tokens)) maxId = Math.max(maxId, id);
  return { path, sha256: sha256(raw), vocabSize: maxId + 1, rankCount, specialIds: Object.values(data.special_tokens), bpeRanks: data.bpe_ranks, patStr: data.pat_str };
}

export class TiktokenAdapter implements TokenizerAdapter {
  readonly info: TokenizerInfo;
  private enc: Tiktoken | undefined;
  private vocab: ByteVocab | undefined;
  /** How long lines may be cut (PROVEN_PATTERNS), null when they may not; looked up at the first long line. */
  private cutRule: CutRule | null | undefined;
  private known: { ranks: number; specials: Set<number> } | undefined;
  private readonly encoding: BuiltinEncoding;
  /** The engine the encoder was made on: its countOrdinary is the only one that may be given the encoder. */
  private readonly engine: TiktokenEngine = tiktokenEngine();

  constructor(encoding: BuiltinEncoding, info: TokenizerInfo, _options: EncodeOptions) {
    // tiktoken's OpenAI encodings never add BOS/EOS: there is no post-processor, so addSpecialTokens is moot.
    this.enc = this.engine.binding.get_encoding(encoding as TiktokenEncoding);
    this.encoding = encoding;
    this.info = info;
  }

  /** Token count of one text; long lines are encoded chunk by chunk at count-neutral boundaries. */
  private countOne(enc: Tiktoken, text: string, sink?: IdSink): number {
    const engine = this.engine;
    if (text.length <= LONG_LINE) return engine.countOrdinary(enc, text, sink);
    // The sink takes one id list per text: a chunked line's ids are joined for it.
    const all: number[] = [];
    const collect: IdSink | undefined = sink && { add: (ids) => { for (let i = 0; i < ids.length; i++) all.push(ids[i]!); } };
    let n = 0;
    for (const chunk of this.chunks(text)) n += engine.countOrdinary(enc, chunk, collect);
    sink?.add(all);
    return n;
  }

  private get live(): Tiktoken {
    if (!this.enc) throw new Error(`tokenizer ${this.info.id} used after dispose()`);
    return this.enc;
  }

  async encode(text: string): Promise<number[]> {
    // encode_ordinary: special-token strings in the text are encoded as plain text, as in counting corpora.
    const enc = this.live;
    if (text.length <= LONG_LINE) return Array.from(enc.encode_ordinary(text));
    const ids: number[] = [];
    for (const chunk of this.chunks(text)) for (const id of enc.encode_ordinary(chunk)) ids.push(id);
    return ids;
  }

  /** A long line cut where the count provably cannot change (see PROVEN_PATTERNS), or [text]. */
  private chunks(text: string): string[] {
    if (this.cutRule === undefined) this.cutRule = PROVEN_PATTERNS.get(builtinEncodingFile(this.encoding).patStr) ?? null;
    if (this.cutRule === null) return [text];
    this.vocab ??= byteVocabFromRanks(builtinEncodingFile(this.encoding).bpeRanks);
    return splitLetterRunsAtSafeBoundaries(text, this.vocab, 512, 256, this.cutRule);
  }

  async countBatch(texts: readonly string[], sink?: IdSink): Promise<number[]> {
    const enc = this.live;
    return texts.map((t) => this.countOne(enc, t, sink));
  }

  async decode(ids: readonly number[]): Promise<string> {
    // An id outside the encoding makes tiktoken's WASM panic, which leaves the encoder unusable (every later call
    // fails with "attempted to take ownership of Rust value while it was borrowed"): refuse it here instead.
    this.known ??= (() => {
      const f = builtinEncodingFile(this.encoding);
      return { ranks: f.rankCount, specials: new Set(f.specialIds) };
    })();
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || (id >= this.known.ranks && !this.known.specials.has(id))) throw new Error(`${this.info.id} has no token id ${id}`);
    }
    return new TextDecoder().decode(this.live.decode(Uint32Array.from(ids)));
  }

  dispose(): void {
    this.enc?.free();
    this.enc = undefined;
    this.vocab = undefined;
  }
}
