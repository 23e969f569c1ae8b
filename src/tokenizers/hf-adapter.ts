import { readFileSync, statSync } from 'node:fs';
import type { Tokenizer as NativeTokenizer } from 'tokenizers';
import type { Tokenizer as JsTokenizer } from '@huggingface/tokenizers';
import { DataError, TokbenchError } from '../core/errors.js';
import { checkLimit, readFailure } from '../core/limits.js';
import type { EncodeOptions, IdSink, TokenizerAdapter, TokenizerInfo, VocabFacts } from './types.js';
import { isGitLfsPointer, isHtmlPage } from '../core/sniff.js';
import { jsHfEngine, nativeHfEngine } from './engines.js';

export type HfEngine = 'native' | 'js';

/** Parsed view of a tokenizer.json, for metadata and validation before handing it to an engine. */
export interface TokenizerJsonSummary {
  modelType: string;
  baseVocab: number;
  addedTokens: number;
  normalization: string;
}

const SUPPORTED_MODELS = new Set(['BPE', 'Unigram', 'WordPiece', 'WordLevel']);

function describeNormalizer(n: unknown): string {
  if (!n || typeof n !== 'object') return 'none';
  const node = n as { type?: string; normalizers?: unknown[] };
  if (node.type === 'Sequence' && Array.isArray(node.normalizers)) {
    const inner = node.normalizers.map(describeNormalizer).filter((s) => s !== 'none');
    return inner.length ? inner.join('+') : 'none';
  }
  return node.type ?? 'none';
}

export function readTokenizerJson(path: string): { json: Record<string, unknown>; raw: Buffer; summary: TokenizerJsonSummary } {
  let raw: Buffer;
  try {
    // Tokenizer files are untrusted data: bound the size before JSON.parse holds it all in memory.
    checkLimit('tokenizerBytes', statSync(path).size, path);
    raw = readFileSync(path);
  } catch (err) {
    if (err instanceof TokbenchError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new DataError(`${path} is a directory, not a tokenizer.json file`, 'pass the path of the tokenizer.json inside it');
    if (code === 'ENOENT') throw new DataError(`tokenizer file not found: ${path}`, 'check the path, or run `tokbench list` for built-in presets');
    throw readFailure(err, path, 'tokenizer file');
  }
  const head = raw.subarray(0, 200).toString('utf8');
  if (isGitLfsPointer(head)) {
    throw new DataError(`${path} is a Git LFS pointer, not the tokenizer itself`, 'run `git lfs pull` or download the real file');
  }
  if (isHtmlPage(head)) {
    throw new DataError(`${path} is an HTML page, not a tokenizer.json (a failed download?)`, 'download the raw file again');
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new DataError(`${path} is not valid JSON (${(err as Error).message})`, 'the file may be truncated: download it again');
  }
  const model = json.model as { type?: string; vocab?: unknown } | undefined;
  if (!model || typeof model !== 'object' || !model.vocab) {
    throw new DataError(`${path} has no "model.vocab": not a Hugging Face tokenizer.json`, 'pass a tokenizer.json saved by the tokenizers library');
  }
  const modelType = model.type ?? (Array.isArray(model.vocab) ? 'Unigram' : 'BPE');
  if (!SUPPORTED_MODELS.has(modelType)) {
    throw new DataError(`${path}: unsupported tokenizer model type "${modelType}"`, `supported: ${[...SUPPORTED_MODELS].join(', ')}`);
  }
  const baseVocab = Array.isArray(model.vocab) ? model.vocab.length : Object.keys(model.vocab as object).length;
  const addedTokens = Array.isArray(json.added_tokens) ? json.added_tokens.length : 0;
  return { json, raw, summary: { modelType, baseVocab, addedTokens, normalization: describeNormalizer(json.normalizer) } };
}

/** Unknown, special and byte-fallback ids as the tokenizer.json declares them (engine-independent). */
export function vocabFactsFromJson(json: Record<string, unknown>): VocabFacts {
  const model = (json.model ?? {}) as { vocab?: unknown; unk_token?: unknown; unk_id?: unknown; byte_fallback?: unknown };
  const entries: [string, number][] = Array.isArray(model.vocab)
    ? (model.vocab as unknown[]).map((e, i) => [Array.isArray(e) ? String(e[0]) : String(e), i])
    : Object.entries((model.vocab ?? {}) as Record<string, number>);
  const added = Array.isArray(json.added_tokens) ? (json.added_tokens as { id?: unknown; content?: unknown; special?: unknown }[]) : [];
  let unkId: number | null = typeof model.unk_id === 'number' ? model.unk_id : null;
  if (unkId === null && typeof model.unk_token === 'string') {
    const name = model.unk_token;
    unkId = entries.find(([t]) => t === name)?.[1] ?? (added.find((a) => a.content === name)?.id as number | undefined) ?? null;
  }
  const specialIds = new Set(added.filter((a) => a.special === true && typeof a.id === 'number').map((a) => a.id as number));
  let byteFallbackIds: Set<number> | null = null;
  if (model.byte_fallback === true) {
    byteFallbackIds = new Set(entries.filter(([t]) => /^<0x[0-9A-Fa-f]{2}>$/.test(t)).map(([, id]) => id));
  }
  return { unkId, specialIds, byteFallbackIds };
}

/** HF tokenizer.json through the Rust engine (reference) via its native npm binding. */
export class HfNativeAdapter implements TokenizerAdapter {
  readonly info: TokenizerInfo;
  readonly vocabFacts: VocabFacts | undefined;
  private tok: NativeTokenizer | undefined;
  private readonly addSpecialTokens: boolean;

  constructor(path: string, info: TokenizerInfo, options: EncodeOptions, vocabFacts?: VocabFacts) {
    this.vocabFacts = vocabFacts;
    try {
      this.tok = nativeHfEngine().Tokenizer.fromFile(path);
    } catch (err) {
      throw new DataError(`the tokenizers engine cannot load ${path}: ${(err as Error).message.split('\n')[0]}`, 'check that the file is a complete tokenizer.json', err);
    }
    this.info = { ...info, vocabSize: this.tok.getVocabSize(true) };
    this.addSpecialTokens = options.addSpecialTokens;
  }

  private get live(): NativeTokenizer {
    if (!this.tok) throw new Error(`tokenizer ${this.info.id} used after dispose()`);
    return this.tok;
  }

  async encode(text: string): Promise<number[]> {
    const enc = await this.live.encode(text, null, { addSpecialTokens: this.addSpecialTokens });
    return enc.getIds();
  }

  async countBatch(texts: readonly string[], sink?: IdSink): Promise<number[]> {
    if (texts.length === 0) return [];
    const encs = await this.live.encodeBatch(texts as string[], { addSpecialTokens: this.addSpecialTokens });
    return encs.map((e) => {
      const ids = e.getIds();
      sink?.add(ids);
      return ids.length;
    });
  }

  async decode(ids: readonly number[]): Promise<string> {
    return this.live.decode(ids as number[], false);
  }

  async encodeBatch(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const encs = await this.live.encodeBatch(texts as string[], { addSpecialTokens: this.addSpecialTokens });
    return encs.map((e) => e.getIds());
  }

  async decodeBatch(ids: readonly (readonly number[])[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.live.decodeBatch(ids as number[][], false);
  }

  dispose(): void {
    this.tok = undefined;
  }
}

/** Same tokenizer.json through the pure-JS engine (transformers.js core); must give identical counts. */
export class HfJsAdapter implements TokenizerAdapter {
  readonly info: TokenizerInfo;
  readonly vocabFacts: VocabFacts;
  private tok: JsTokenizer | undefined;
  private readonly addSpecialTokens: boolean;

  constructor(json: Record<string, unknown>, config: Record<string, unknown>, info: TokenizerInfo, options: EncodeOptions) {
    this.vocabFacts = vocabFactsFromJson(json);
    try {
      this.tok = new (jsHfEngine().Tokenizer)(json as never, config as never);
    } catch (err) {
      throw new DataError(`the JS tokenizers engine cannot load ${info.id}: ${(err as Error).message.split('\n')[0]}`);
    }
    const model = json.model as { vocab: object };
    const base = Array.isArray(model.vocab) ? model.vocab.length : Object.keys(model.vocab).length;
    let maxId = base - 1;
    for (const t of (json.added_tokens as { id: number }[] | undefined) ?? []) maxId = Math.max(maxId, t.id);
    this.info = { ...info, vocabSize: maxId + 1 };
    this.addSpecialTokens = options.addSpecialTokens;
  }

  private get live(): JsTokenizer {
    if (!this.tok) throw new Error(`tokenizer ${this.info.id} used after dispose()`);
    return this.tok;
  }

  async encode(text: string): Promise<number[]> {
    return Array.from(this.live.encode(text, { add_special_tokens: this.addSpecialTokens }).ids);
  }

  async countBatch(texts: readonly string[], sink?: IdSink): Promise<number[]> {
    const tok = this.live;
    return texts.map((t) => {
      const ids = tok.encode(t, { add_special_tokens: this.addSpecialTokens }).ids;
      sink?.add(ids);
      return ids.length;
    });
  }

  async decode(ids: readonly number[]): Promise<string> {
    return this.live.decode(ids as number[], { skip_special_tokens: false });
  }

  dispose(): void {
    this.tok = undefined;
  }
}
