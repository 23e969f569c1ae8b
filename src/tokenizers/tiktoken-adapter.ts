import type { IdHistogram } from '../core/id-histogram.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken';
import { sha256 } from '../core/hash.js';
import { DataError } from '../core/errors.js';
import { packageRoot } from '../core/version.js';
import type { EncodeOptions, TokenizerAdapter, TokenizerInfo } from './types.js';
import { byteVocabFromRanks, splitAtSafeBoundaries, type ByteVocab } from './safe-chunks.js';

/** Lines longer than this (UTF-16 units) are split at provably count-neutral boundaries (see safe-chunks.ts). */
export const LONG_LINE = 4096;


export const TIKTOKEN_ENCODINGS = ['gpt2', 'r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'] as const;
export type BuiltinEncoding = (typeof TIKTOKEN_ENCODINGS)[number];

interface EncoderFile {
  bpe_ranks: string;
  special_tokens: Record<string, number>;
  pat_str: string;
}

export interface EncodingFileSummary { path: string; sha256: string; vocabSize: number; rankCount: number; specialIds: number[]; bpeRanks: string }

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
  return { path, sha256: sha256(raw), vocabSize: maxId + 1, rankCount, specialIds: Object.values(data.special_tokens), bpeRanks: data.bpe_ranks };
}

export class TiktokenAdapter implements TokenizerAdapter {
  readonly info: TokenizerInfo;
  private enc: Tiktoken | undefined;
  private vocab: ByteVocab | undefined;
  private known: { ranks: number; specials: Set<number> } | undefined;
  private readonly encoding: BuiltinEncoding;

  constructor(encoding: BuiltinEncoding, info: TokenizerInfo, _options: EncodeOptions) {
    // tiktoken's OpenAI encodings never add BOS/EOS: there is no post-processor, so addSpecialTokens is moot.
    this.enc = get_encoding(encoding as TiktokenEncoding);
    this.encoding = encoding;
    this.info = info;
  }

  /** Token count of one text; long lines are encoded chunk by chunk at count-neutral boundaries. */
  private countOne(enc: Tiktoken, text: string, histogram?: IdHistogram): number {
    if (text.length <= LONG_LINE) {
      const ids = enc.encode_ordinary(text);
      histogram?.add(ids);
      return ids.length;
    }
    let n = 0;
    for (const chunk of this.chunks(text)) {
      const ids = enc.encode_ordinary(chunk);
      histogram?.add(ids);
      n += ids.length;
    }
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

  private chunks(text: string): string[] {
    this.vocab ??= byteVocabFromRanks(builtinEncodingFile(this.encoding).bpeRanks);
    return splitAtSafeBoundaries(text, this.vocab);
  }

  async countBatch(texts: readonly string[], histogram?: IdHistogram): Promise<number[]> {
    const enc = this.live;
    return texts.map((t) => this.countOne(enc, t, histogram));
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
