import { readFileSync } from 'node:fs';
import type { SentencePieceProcessor } from '@sctg/sentencepiece-js';
import { DataError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { EncodeOptions, IdSink, TokenizerAdapter, TokenizerInfo } from './types.js';
import { isGitLfsPointer } from '../core/sniff.js';

/** SentencePiece piece types (sentencepiece_model.proto). */
export const PieceType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface SentencePieceModelSummary {
  pieces: { piece: string; type: number }[];
  /** trainer_spec.model_type: 1 unigram, 2 bpe, 3 word, 4 char. */
  modelType: number;
  byteFallback: boolean;
  normalizerName: string;
  addDummyPrefix: boolean;
  bosId: number;
  eosId: number;
}

/**
 * A minimal protobuf reader for ModelProto: enough to know the vocabulary and normaliser without the engine
 * (the WASM build exposes no piece enumeration), and to tell a SentencePiece file from other formats.
 */
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      // Not `this.pos += this.varint()`: that reads pos before varint() advances it.
      const len = this.varint();
      this.pos += len;
    }
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new Error('field runs past the end');
  }
  sub(): Reader {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('field runs past the end');
    const r = new Reader(this.buf, this.pos + len);
    r.pos = this.pos;
    this.pos += len;
    return r;
  }
}

export function parseSentencePieceModel(buf: Uint8Array): SentencePieceModelSummary {
  const out: SentencePieceModelSummary = { pieces: [], modelType: 1, byteFallback: false, normalizerName: 'nmt_nfkc', addDummyPrefix: true, bosId: 1, eosId: 2 };
  const dec = new TextDecoder('utf-8', { fatal: true });
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 2) {
      const p = r.sub();
      let piece = '';
      let type: number = PieceType.normal;
      while (p.pos < p.end) {
        const k = p.varint();
        if (k >> 3 === 1 && (k & 7) === 2) { const s = p.sub(); piece = dec.decode(buf.subarray(s.pos, s.end)); }
        else if (k >> 3 === 3 && (k & 7) === 0) type = p.varint();
        else p.skip(k & 7);
      }
      out.pieces.push({ piece, type });
    } else if (field === 2 && wire === 2) {
      const t = r.sub();
      while (t.pos < t.end) {
        const k = t.varint();
        const f = k >> 3;
        if (f === 3 && (k & 7) === 0) out.modelType = t.varint();
        else if (f === 35 && (k & 7) === 0) out.byteFallback = t.varint() !== 0;
        else if (f === 41 && (k & 7) === 0) out.bosId = t.varint();
        else if (f === 42 && (k & 7) === 0) out.eosId = t.varint();
        else t.skip(k & 7);
      }
    } else if (field === 3 && wire === 2) {
      const n = r.sub();
      while (n.pos < n.end) {
        const k = n.varint();
        const f = k >> 3;
        if (f === 1 && (k & 7) === 2) { const s = n.sub(); out.normalizerName = dec.decode(buf.subarray(s.pos, s.end)); }
        else if (f === 3 && (k & 7) === 0) out.addDummyPrefix = n.varint() !== 0;
        else n.skip(k & 7);
      }
    } else {
      r.skip(wire);
    }
  }
  if (out.pieces.length === 0) throw new Error('no pieces');
  return out;
}

/** Does this buffer start like a SentencePiece ModelProto (field 1, length-delimited piece message)? */
export function looksLikeSentencePiece(head: Uint8Array): boolean {
  return head.length > 4 && head[0] === 0x0a && head[2] === 0x0a;
}

export interface SentencePieceFile {
  bytes: Buffer;
  sha256: string;
  summary: SentencePieceModelSummary;
}

export function readSentencePieceFile(path: string): SentencePieceFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(`cannot read SentencePiece model ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'check the path');
  }
  if (isGitLfsPointer(bytes.subarray(0, 40).toString('latin1'))) {
    throw new DataError(`${path} is a Git LFS pointer, not the SentencePiece model itself`, 'run `git lfs pull` or download the real file');
  }
  let summary: SentencePieceModelSummary;
  try {
    summary = parseSentencePieceModel(bytes);
  } catch (err) {
    throw new DataError(`${path} is not a valid SentencePiece model (${(err as Error).message})`, 'the file may be truncated: download it again');
  }
  return { bytes, sha256: sha256(bytes), summary };
}

/** Human-readable normaliser, in the vocabulary tokbench uses for tokenizer.json files. */
export function describeSentencePieceNormalizer(s: SentencePieceModelSummary): string {
  const name = s.normalizerName === 'identity' ? 'none' : s.normalizerName === 'nmt_nfkc' || s.normalizerName === 'nfkc' ? 'NFKC' : s.normalizerName;
  return s.addDummyPrefix ? (name === 'none' ? 'Prepend(▁)' : `${name}+Prepend(▁)`) : name;
}

/**
 * A SentencePiece `.model` run by SentencePiece itself (C++ compiled to WASM). The engine loads asynchronously,
 * so the adapter starts loading in the constructor and every call awaits it; metadata comes from our own
 * protobuf parse and is available at once.
 */
export class SentencePieceAdapter implements TokenizerAdapter {
  readonly info: TokenizerInfo;
  readonly summary: SentencePieceModelSummary;
  private sp: SentencePieceProcessor | undefined;
  private readonly ready: Promise<SentencePieceProcessor>;
  private readonly addBos: boolean;
  private readonly addEos: boolean;

  constructor(file: SentencePieceFile, info: Omit<TokenizerInfo, 'vocabSize' | 'sha256' | 'normalization' | 'engine'>, options: EncodeOptions & { addBos?: boolean; addEos?: boolean }) {
    this.summary = file.summary;
    this.info = {
      ...info, engine: 'sentencepiece', vocabSize: file.summary.pieces.length, sha256: file.sha256,
      normalization: describeSentencePieceNormalizer(file.summary),
    };
    // encodeIds never adds BOS/EOS (like Python's encode() defaults); with --special-tokens we add what the
    // model's HF wrapper adds, which the caller passes (Llama-style: BOS only).
    this.addBos = options.addSpecialTokens && (options.addBos ?? false);
    this.addEos = options.addSpecialTokens && (options.addEos ?? false);
    const path = info.source.path ?? info.id;
    // The engine package itself is imported here, on first use (see engines.ts).
    this.ready = import('@sctg/sentencepiece-js').then(async ({ SentencePieceProcessor }) => {
      const sp = new SentencePieceProcessor();
      try {
        await sp.loadFromB64StringModel(file.bytes.toString('base64'));
      } catch (err) {
        throw new DataError(`SentencePiece could not load ${path}: ${(err as Error).message}`, 'check that the file is a complete .model', err);
      }
      // The package ignores Load()'s status; a model it failed to load encodes everything to nothing.
      const probe = sp.encodeIds('a');
      if (probe.length === 0) throw new DataError(`SentencePiece could not load ${path}`, 'check that the file is a complete .model');
      this.sp = sp;
      return sp;
    });
    // Avoid an unhandled rejection if the adapter is disposed before use; callers still see the error.
    this.ready.catch(() => {});
  }

  private wrap(ids: number[]): number[] {
    if (this.addBos) ids.unshift(this.summary.bosId);
    if (this.addEos) ids.push(this.summary.eosId);
    return ids;
  }

  async encode(text: string): Promise<number[]> {
    const sp = await this.ready;
    return this.wrap(sp.encodeIds(text));
  }

  async countBatch(texts: readonly string[], sink?: IdSink): Promise<number[]> {
    const sp = await this.ready;
    if (sink) {
      return texts.map((t) => {
        const ids = this.wrap(sp.encodeIds(t));
        sink.add(ids);
        return ids.length;
      });
    }
    const extra = (this.addBos ? 1 : 0) + (this.addEos ? 1 : 0);
    return texts.map((t) => sp.encodeIds(t).length + extra);
  }

  async decode(ids: readonly number[]): Promise<string> {
    const sp = await this.ready;
    return String(sp.decodeIds(Int32Array.from(ids)));
  }

  dispose(): void {
    const sp = this.sp as unknown as { processor?: { delete?: () => void } } | undefined;
    sp?.processor?.delete?.();
    this.sp = undefined;
  }
}
