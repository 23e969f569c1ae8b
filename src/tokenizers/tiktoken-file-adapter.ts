import { readFileSync } from 'node:fs';
import { Tiktoken } from 'tiktoken';
import { DataError, UsageError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { EncodeOptions, TokenizerAdapter, TokenizerInfo } from './types.js';
import { isGitLfsPointer } from '../core/sniff.js';

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
  private readonly nfc: boolean;
  private readonly hasSpecials: boolean;

  constructor(file: RankFile, config: TiktokenFileConfig, info: Omit<TokenizerInfo, 'vocabSize' | 'sha256' | 'normalization' | 'engine'>, _options: EncodeOptions) {
    checkRegex(config.regex);
    try {
      this.enc = new Tiktoken(file.text, config.specialTokens, config.regex);
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
  }

  private get live(): Tiktoken {
    if (!this.enc) throw new Error(`tokenizer ${this.info.id} used after dispose()`);
    return this.enc;
  }

  private ids(text: string): Uint32Array {
    const t = this.nfc ? text.normalize('NFC') : text;
    // The vendors' encode() defaults to allowed_special="all": special-token strings in the text are one token.
    return this.hasSpecials ? this.live.encode(t, 'all') : this.live.encode_ordinary(t);
  }

  async encode(text: string): Promise<number[]> {
    return Array.from(this.ids(text));
  }

  async countBatch(texts: readonly string[]): Promise<number[]> {
    return texts.map((t) => this.ids(t).length);
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
