import { readFileSync } from 'node:fs';
import type { Tiktoken } from 'tiktoken';
import { DataError, UsageError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { EncodeOptions, IdSink, TokenizerAdapter, TokenizerInfo } from './types.js';
import { isGitLfsPointer } from '../core/sniff.js';
import { LONG_LINE } from './tiktoken-adapter.js';
import { tiktokenEngine } from './engines.js';
import type { TiktokenEngine } from './tiktoken-direct.js';
import { byteVocabFromRankFile, containsCutLetter, splitLetterRunsAtSafeBoundaries, type ByteVocab } from './safe-chunks.js';

/**
 * Pre-tokenisation regexes as the vendors' Python tokenizers declare them. They are handed to tiktoken's Rust
 * core unchanged (it compiles `(?i:…)` itself), so no JavaScript translation sits on the counting path.
 */
export const TIKTOKEN_REGEXES = {
  /** Qwen-1 `tokenization_qwen.py` and Hunyuan `tokenization_hy.py` (single digits). */
  qwen: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  /** GLM-4 `tokenization_chatglm.py` (digits in groups of up to three). */
  glm4: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  /** OpenAI cl100k_base, for rank files trained with it. */
  cl100k: String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
} as const;
export type NamedRegex = keyof typeof TIKTOKEN_REGEXES;

export type TiktokenNormalization = 'NFC' | 'none';

/** How a rank file is to be used: everything the vendor's Python wrapper adds around tiktoken. */
export interface TiktokenFileConfig {
  regex: string;
  normalization: TiktokenNormalization;
  /** Special tokens beyond the ranks; matched in the text as single tokens, as the reference does by default. */
  specialTokens: Record<string, number>;
}

/**
 * Translate inline case-insensitive groups `(?i:…)` into plain alternatives (`'[sS]`), the form a JavaScript
 * RegExp accepts on Node 20. Only literal characters are expanded; anything else inside the group is refused
 * because a silent mistranslation would change counts.
 */
export function translateInlineCaseInsensitive(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('(?i:', i) && (i === 0 || pattern[i - 1] !== '\\')) {
      let depth = 1;
      let j = i + 4;
      let body = '';
      while (j < pattern.length && depth > 0) {
        const c = pattern[j]!;
        if (c === '\\') { body += c + (pattern[j + 1] ?? ''); j += 2; continue; }
        if (c === '(') depth++;
        if (c === ')') { depth--; if (depth === 0) break; }
        body += c;
        j++;
      }
      if (depth !== 0) throw new UsageError(`unbalanced "(?i:" group in regex ${pattern}`);
      let group = '';
      for (const ch of body) {
        if (/[()[\]{}*+?.^$\\]/.test(ch)) throw new UsageError(`cannot translate "(?i:${body})": only literal alternatives are supported inside (?i:…)`);
        const lo = ch.toLowerCase();
        const up = ch.toUpperCase();
        group += ch === '|' ? '|' : lo !== up && lo.length === 1 && up.length === 1 ? `[${lo}${up}]` : ch;
      }
      out += `(?:${group})`;
      i = j + 1;
      continue;
    }
    out += pattern[i];
    i++;
  }
  return out;
}

/** Reject a regex tiktoken's Rust core would panic on (it aborts with "unreachable", which says nothing). */
export function checkRegex(pattern: string): void {
  try {
    new RegExp(translateInlineCaseInsensitive(pattern), 'gu');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`invalid pre-tokenisation regex ${JSON.stringify(pattern)}: ${(err as Error).message}`, 'give a regex in Python/Rust syntax, or one of: ' + Object.keys(TIKTOKEN_REGEXES).join(', '));
  }
}

export function resolveRegex(value: string): string {
  return (TIKTOKEN_REGEXES as Record<string, string>)[value] ?? value;
}

export interface RankFile {
  text: string;
  sha256: string;
  /** Number of ranks (ids 0..ranks-1 when contiguous). */
  ranks: number;
  maxRank: number;
}

const RANK_LINE = /^[A-Za-z0-9+/]+={0,2} \d+$/;

/** Read and validate a `<base64> <rank>` file (qwen.tiktoken, hy.tiktoken, GLM-4's tokenizer.model). */
export function readRankFile(path: string): RankFile {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`cannot read tiktoken rank file ${path}: ${code ?? String(err)}`, 'check the path');
  }
  // CRLF copies exist (Qwen-VL's qwen.tiktoken); tiktoken splits on '\n' only, so normalise before it sees them.
  const text = raw.toString('utf8').replace(/\r\n/g, '\n');
  if (isGitLfsPointer(text)) {
    throw new DataError(`${path} is a Git LFS pointer, not the rank file itself`, 'run `git lfs pull` or download the real file');
  }
  let ranks = 0;
  let maxRank = -1;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    if (!RANK_LINE.test(line)) {
      throw new DataError(`${path}:${n + 1} is not a "<base64> <rank>" line: not a tiktoken rank file`, 'pass a .tiktoken file, a SentencePiece .model or a tokenizer.json');
    }
    ranks++;
    maxRank = Math.max(maxRank, Number(line.slice(line.indexOf(' ') + 1)));
  }
  if (ranks === 0) throw new DataError(`${path} is empty: not a tiktoken rank file`, 'download the file again');
  return { text, sha256: sha256(raw), ranks, maxRank };
}

/** A tiktoken rank file run by tiktoken's Rust core (WASM) with the vendor's regex, specials and normalisation. */
export class TiktokenFileAdapter implements TokenizerAdapter {
  readonly info: TokenizerInfo;
  private enc: Tiktoken | undefined;
  /** The engine the encoder was made on: its countOrdinary is the only one that may be given the encoder. */
  private readonly engine: TiktokenEngine = tiktokenEngine();
  private readonly nfc: boolean;
  private readonly hasSpecials: boolean;
  /**
   * The rank file's text, kept only when long lines may be chunked (see canChunk); the byte vocabulary for the
   * safe-boundary checks is built from it the first time a long line is met.
   */
  private readonly chunkRanks: string | undefined;
  private vocab: ByteVocab | undefined;

  constructor(file: RankFile, config: TiktokenFileConfig, info: Omit<TokenizerInfo, 'vocabSize' | 'sha256' | 'normalization' | 'engine'>, _options: EncodeOptions) {
    checkRegex(config.regex);
    try {
      this.enc = new (this.engine.binding.Tiktoken)(file.text, config.specialTokens, config.regex);
    } catch (err) {
      throw new DataError(`tiktoken cannot load ${info.source.path ?? info.id}: ${(err as Error).message}`, 'check the file and the --regex', err);
    }
    let maxId = file.maxRank;
    for (const id of Object.values(config.specialTokens)) maxId = Math.max(maxId, id);
    // None of these wrappers adds BOS/EOS on encode (checked in each vendor's tokenizer code), so
    // addSpecialTokens has nothing to add here.
    this.info = { ...info, engine: 'tiktoken', vocabSize: maxId + 1, sha256: file.sha256, normalization: config.normalization };
    this.nfc = config.normalization === 'NFC';
    this.hasSpecials = Object.keys(config.specialTokens).length > 0;
    this.chunkRanks = TiktokenFileAdapter.canChunk(config) ? file.text : undefined;
  }

  /**
   * May long lines be split at count-neutral positions (safe-chunks.ts, splitLetterRunsAtSafeBoundaries)?
   *
   * Condition 1 of safe-chunks (a cut between two letters lies inside ONE regex match, and cutting there yields
   * exactly its two halves with every other match unchanged) depends on the regex, so it is granted only for the
   * regexes below, whose proof follows. Qwen-1 and Hunyuan use `qwen`, GLM-4 uses `glm4`; `cl100k` is cl100k_base's.
   * The three are identical except for the digit alternative (`\p{N}` vs `\p{N}{1,3}`), which never matches a
   * letter. Alternatives, tried left to right at each position by tiktoken's fancy-regex (backtracking, greedy):
   *   A1 `(?i:'s|'t|'re|'ve|'m|'ll|'d)`  A2 `[^\r\n\p{L}\p{N}]?\p{L}+`  A3 digits  A4 ` ?[^\s\p{L}\p{N}]+[\r\n]*`
   *   A5 `\s*[\r\n]+`  A6 `\s+(?!\S)`  A7 `\s+`
   * Let T[p-1] and T[p] be CJK ideographs (cut letters: `\p{L}` in every engine's tables).
   *  - Every character starts some match (letters A2, digits A3, whitespace A5–A7, anything else A4), and no
   *    alternative matches the empty string, so matches tile the text.
   *  - Only A2 can contain an ideograph (A1 contains only ' and ASCII letters or their case variants, A3 only
   *    `\p{N}`, A4 excludes `\p{L}`, A5–A7 only whitespace), and its `\p{L}+` is greedy with nothing after it, so
   *    an A2 match never ends just before a letter. Hence one A2 match M = T[s..e) has s ≤ p-1 < p < e.
   *  - Nothing looks behind (no lookbehind, `\b`, `^` or `$`), and an attempt started before p can read T[p] only
   *    after consuming T[p-1], which only A2 does; so every match before M, and M's start, are found identically
   *    in T[0..p), where A2 at s stops at the end of the text: the pieces are those before M and T[s..p).
   *  - In T[p..): A1 fails on an ideograph, A2's optional prefix fails on a letter, `\p{L}+` takes T[p..e), and
   *    from e on the text is the same as in the whole line, so the same matches follow.
   * So the pieces of the two chunks are those of the whole line with M replaced by T[s..p) and T[p..e); conditions
   * 2 and 3 (safe-chunks.ts) then make M's encoding the concatenation of its halves'. Any other regex (a user's
   * `--regex`) is not chunked: lines are encoded whole, exact but quadratic on long unbroken Han runs.
   *
   * Special tokens (encode(…, 'all') when the config has any): tiktoken first finds special-token strings and runs
   * the regex on the stretches between them, each as its own text. A special-token string with no cut letter
   * (true of all the presets' specials, which are ASCII) cannot contain T[p-1] or T[p], so no occurrence spans a
   * cut: the occurrences in the chunks are exactly those of the line, and the cut falls inside one stretch, where
   * the argument above applies. Configs with a special-token string containing a cut letter are not chunked.
   *
   * Normalisation: ids() applies NFC (Qwen-1, Hunyuan) before chunking, so chunks are cut from the very text the
   * unchunked encode would see.
   */
  private static canChunk(config: TiktokenFileConfig): boolean {
    const proven: readonly string[] = [TIKTOKEN_REGEXES.qwen, TIKTOKEN_REGEXES.glm4, TIKTOKEN_REGEXES.cl100k];
    return proven.includes(config.regex) && !Object.keys(config.specialTokens).some(containsCutLetter);
  }

  /** One text through tiktoken, as the vendors' encode() does it. */
  private encodeWhole(enc: Tiktoken, t: string): Uint32Array {
    // The vendors' encode() defaults to allowed_special="all": special-token strings in the text are one token.
    return this.hasSpecials ? enc.encode(t, 'all') : enc.encode_ordinary(t);
  }

  private get live(): Tiktoken {
    if (!this.enc) throw new Error(`tokenizer ${this.info.id} used after dispose()`);
    return this.enc;
  }

  private ids(text: string): Uint32Array {
    return this.idsOfNormalized(this.nfc ? text.normalize('NFC') : text);
  }

  private idsOfNormalized(t: string): Uint32Array {
    const enc = this.live;
    if (this.chunkRanks === undefined || t.length <= LONG_LINE) return this.encodeWhole(enc, t);
    // Long line: cut (after normalisation) only where the count provably cannot change; see canChunk.
    this.vocab ??= byteVocabFromRankFile(this.chunkRanks);
    const chunks = splitLetterRunsAtSafeBoundaries(t, this.vocab);
    if (chunks.length === 1) return this.encodeWhole(enc, t);
    const parts = chunks.map((c) => this.encodeWhole(enc, c));
    const out = new Uint32Array(parts.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of parts) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  }

  async encode(text: string): Promise<number[]> {
    return Array.from(this.ids(text));
  }

  async countBatch(texts: readonly string[], sink?: IdSink): Promise<number[]> {
    const engine = this.engine;
    return texts.map((text) => {
      const t = this.nfc ? text.normalize('NFC') : text;
      // No special tokens and no cut to make: plain encode_ordinary, counted on the direct path (tiktoken-direct.ts).
      if (!this.hasSpecials && (this.chunkRanks === undefined || t.length <= LONG_LINE)) return engine.countOrdinary(this.live, t, sink);
      const ids = this.idsOfNormalized(t);
      sink?.add(ids);
      return ids.length;
    });
  }

  async decode(ids: readonly number[]): Promise<string> {
    return new TextDecoder().decode(this.live.decode(Uint32Array.from(ids)));
  }

  dispose(): void {
    this.enc?.free();
    this.enc = undefined;
  }
}

/** Special tokens of the presets, as listed in each vendor's tokenizer code. */
export function qwen1Specials(): Record<string, number> {
  const s: Record<string, number> = { '<|endoftext|>': 151643, '<|im_start|>': 151644, '<|im_end|>': 151645 };
  for (let i = 0; i <= 204; i++) s[`<|extra_${i}|>`] = 151646 + i;
  return s;
}

export function hunyuanSpecials(): Record<string, number> {
  const s: Record<string, number> = { '<|endoftext|>': 127957, '<|startoftext|>': 127958, '<|bos|>': 127959, '<|eos|>': 127960, '<|pad|>': 127961 };
  for (let i = 0; i <= 204; i++) s[`<|extra_${i}|>`] = 127962 + i;
  return s;
}

export function glm4Specials(): Record<string, number> {
  const names = ['<|endoftext|>', '[MASK]', '[gMASK]', '[sMASK]', '<sop>', '<eop>', '<|system|>', '<|user|>', '<|assistant|>',
    '<|observation|>', '<|begin_of_image|>', '<|end_of_image|>', '<|begin_of_video|>', '<|end_of_video|>'];
  return Object.fromEntries(names.map((n, i) => [n, 151329 + i]));
}
