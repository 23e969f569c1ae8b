/**
 * Tokenizer sources beyond npm tokenizer.json files and tiktoken's bundled encodings: tiktoken rank files,
 * SentencePiece models and hub downloads. Kept out of registry.ts so that file only dispatches here.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { DeferredAdapter, contextFromConfig, fetchHfFile, hubSource, parseHubRef, withInfo, type HubRef } from './hub.js';
import { loadFromModelScope } from './modelscope.js';
import type { Preset } from './presets.js';
import type { LoadOptions, TokenizerSpec } from './registry.js';
import { SentencePieceAdapter, looksLikeSentencePiece, readSentencePieceFile } from './sentencepiece-adapter.js';
import {
  TIKTOKEN_REGEXES, TiktokenFileAdapter, glm4Specials, hunyuanSpecials, qwen1Specials, readRankFile, resolveRegex,
  type TiktokenFileConfig,
} from './tiktoken-file-adapter.js';
import type { TokenizerAdapter, TokenizerInfo } from './types.js';

export type { HubRef };
export type FileFormat = 'tokenizer-json' | 'tiktoken-ranks' | 'sentencepiece-model';
type Loader = (spec: TokenizerSpec, options: LoadOptions) => TokenizerAdapter;

/** Sniff a file's format from its first bytes (names lie: GLM-4's tokenizer.model is a tiktoken rank file). */
export function detectFileFormat(path: string): FileFormat | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isDirectory()) return existsSync(join(path, 'tokenizer.json')) ? 'tokenizer-json' : undefined;
  const head = Buffer.alloc(256);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  const text = bytes.toString('latin1');
  if (/^\s*[{[]/.test(text)) return 'tokenizer-json';
  if (/^[A-Za-z0-9+/]+={0,2} \d+\r?\n/.test(text)) return 'tiktoken-ranks';
  if (looksLikeSentencePiece(bytes)) return 'sentencepiece-model';
  return undefined;
}

/** `hf:…`, `ms:…` and `tiktoken:<path>` specs; undefined for anything else. */
export function parsePrefixedSpec(raw: string): TokenizerSpec | undefined {
  if (/^(hf|ms):/.test(raw)) return { raw, hub: parseHubRef(raw) };
  if (raw.startsWith('tiktoken:')) {
    const path = raw.slice('tiktoken:'.length);
    if (!path) throw new UsageError(`empty path in "${raw}"`, 'use tiktoken:<path-to-rank-file> with --regex');
    return { raw, path: resolve(path), tiktoken: true };
  }
  return undefined;
}

function presetTiktokenConfig(p: Preset): TiktokenFileConfig | undefined {
  if (p.source.kind !== 'tiktoken-file') return undefined;
  const specials = p.source.specials === 'qwen1' ? qwen1Specials() : p.source.specials === 'hunyuan' ? hunyuanSpecials() : glm4Specials();
  return { regex: TIKTOKEN_REGEXES[p.source.regex], normalization: p.source.normalization, specialTokens: specials };
}

function baseInfo(s: TokenizerSpec, path: string, format: FileFormat, options: LoadOptions): Omit<TokenizerInfo, 'vocabSize' | 'sha256' | 'normalization' | 'engine'> {
  const p = s.preset;
  return {
    id: p ? p.id : s.raw,
    name: p ? p.name : path,
    family: p?.family ?? 'custom',
    vendor: p?.vendor ?? 'unknown',
    origin: p?.origin ?? 'unknown',
    contextWindow: options.contextWindow ?? p?.contextWindow ?? null,
    source: { kind: 'file', path, format },
  };
}

function checkSha(id: string, path: string, actual: string, expected: string | undefined, options: LoadOptions): void {
  if (expected && actual !== expected) {
    options.warn?.(`${id}: ${path} has sha256 ${actual.slice(0, 12)}…, the preset expects ${expected.slice(0, 12)}…; counting the file given`);
  }
}

function loadRankFile(s: TokenizerSpec, path: string, options: LoadOptions): TokenizerAdapter {
  const p = s.preset;
  let config = p ? presetTiktokenConfig(p) : undefined;
  if (p && !config) {
    throw new UsageError(`${path} is a tiktoken rank file but preset ${p.id} is not a tiktoken preset`, `load it as tiktoken:${path} with --regex, or under qwen1/hunyuan/glm4`);
  }
  if (!config) {
    if (!options.regex) {
      throw new UsageError(`${path} is a tiktoken rank file: its pre-tokenisation regex is needed`, `add --regex '<pattern>' (or --regex ${Object.keys(TIKTOKEN_REGEXES).join('|')})`);
    }
    config = { regex: resolveRegex(options.regex), normalization: 'none', specialTokens: {} };
  }
  const file = readRankFile(path);
  checkSha(p?.id ?? s.raw, path, file.sha256, p?.sha256, options);
  return new TiktokenFileAdapter(file, config, baseInfo(s, path, 'tiktoken-ranks', options), options);
}

function loadSentencePiece(s: TokenizerSpec, path: string, options: LoadOptions): TokenizerAdapter {
  const p = s.preset;
  let expected: string | undefined;
  let addBos = false;
  if (p) {
    if (p.source.kind === 'sentencepiece-file') {
      expected = p.sha256;
      addBos = p.source.addBos;
    } else {
      const alt = p.altFiles?.find((a) => a.format === 'sentencepiece-model');
      if (!alt) throw new UsageError(`${path} is a SentencePiece model but preset ${p.id} has no SentencePiece form`, 'pass the path alone (without the preset id) to load it as a custom tokenizer');
      expected = alt.sha256;
      addBos = alt.addBos;
    }
  }
  const file = readSentencePieceFile(path);
  checkSha(p?.id ?? s.raw, path, file.sha256, expected, options);
  return new SentencePieceAdapter(file, baseInfo(s, path, 'sentencepiece-model', options), { addSpecialTokens: options.addSpecialTokens, addBos });
}

function loadFromHub(s: TokenizerSpec, ref: HubRef, options: LoadOptions, load: Loader, preset?: Preset): TokenizerAdapter {
  const id = preset?.id ?? s.raw;
  const provisional: TokenizerInfo = {
    id, name: preset?.name ?? ref.repo, family: preset?.family ?? 'custom', vendor: preset?.vendor ?? 'unknown', origin: preset?.origin ?? 'unknown',
    engine: 'hf-native', vocabSize: 0, contextWindow: options.contextWindow ?? preset?.contextWindow ?? null,
    source: { kind: 'hub', hub: ref.hub, repo: ref.repo, revision: ref.revision }, sha256: '', normalization: 'unknown',
  };
  return new DeferredAdapter(provisional, async () => {
    if (ref.hub === 'modelscope') return loadFromModelScope(s, ref, options, load);
    let main;
    try {
      main = (await fetchHfFile(ref))!;
    } catch (err) {
      // For presets the offline answer is a local copy, whatever the network said.
      if (preset && err instanceof DataError) throw new DataError(err.message, `pass a local copy as ${preset.id}=/path/to/${ref.file.split('/').pop()}`, err);
      throw err;
    }
    if (preset) {
      const actual = await sha256File(main.path);
      if (actual !== preset.sha256) {
        throw new DataError(`${preset.id}: ${ref.file} from hf:${ref.repo} has sha256 ${actual.slice(0, 12)}…, the preset pins ${preset.sha256.slice(0, 12)}…`, `the Hub copy changed; pass a verified local copy as ${preset.id}=<path>`);
      }
    }
    const cfg = ref.file === 'tokenizer.json' ? await fetchHfFile({ ...ref, file: 'tokenizer_config.json' }, { optional: true }) : undefined;
    const inner = load(preset ? { raw: s.raw, preset, path: main.path } : { raw: s.raw, path: main.path }, { ...options, warn: options.warn ?? (() => {}) });
    const window = options.contextWindow ?? preset?.contextWindow ?? contextFromConfig(cfg?.path) ?? inner.info.contextWindow;
    return withInfo(inner, { id, name: preset?.name ?? ref.repo, contextWindow: window, source: { ...hubSource(ref, main), ...(inner.info.source.format ? { format: inner.info.source.format } : {}) } });
  });
}

/**
 * The registry's hook: returns an adapter for hub ids, rank files, SentencePiece models and file-only presets,
 * or undefined when the spec is a tokenizer.json / bundled preset the registry loads itself.
 */
export function loadOtherSource(s: TokenizerSpec, options: LoadOptions, load: Loader): TokenizerAdapter | undefined {
  if (s.hub) return loadFromHub(s, s.hub, options, load);
  const p = s.preset;
  if (p && !s.path) {
    if (p.source.kind !== 'tiktoken-file' && p.source.kind !== 'sentencepiece-file') return undefined;
    const hub = p.source.hub;
    const fileName = hub?.file ?? 'tokenizer file';
    if (!hub) throw new DataError(`${p.id} needs its ${fileName}, which no npm package ships`, `pass ${p.id}=/path/to/${fileName}`);
    const ref: HubRef = { hub: 'huggingface', repo: hub.repo, revision: hub.revision ?? 'main', file: hub.file };
    const adapter = loadFromHub(s, ref, options, load, p);
    return adapter;
  }
  if (!s.path) return undefined;
  const format = s.tiktoken ? 'tiktoken-ranks' : detectFileFormat(s.path);
  if (format === 'tiktoken-ranks') return loadRankFile(s, s.path, options);
  if (format === 'sentencepiece-model') return loadSentencePiece(s, s.path, options);
  return undefined;
}
