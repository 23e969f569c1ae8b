/**
 * On-disk cache of the engine-independent facts of a tokenizer.json: its sha256, the summary read from the JSON
 * (model type, vocabulary sizes, normaliser) and its VocabFacts. With the native engine these are the only
 * reasons to read and JSON.parse the whole file in JS, which costs about as much as the Rust engine's own load;
 * a hit skips the read, the parse and the hash. Counts never come from here: the engine always loads the file.
 *
 * Layout: `<cacheRoot>/tokenizer-facts/<sha256 of the key>.json`, one small JSON entry per file. The key is the
 * file's identity (real path, size, mtime, ctime, inode, device, all at nanosecond/bigint precision), the
 * tokbench version (the code that derives the facts) and the entry format: any change is a miss.
 *
 * Everything here is best effort. An entry that is missing, unreadable, corrupt or of another format is a
 * miss (and is rewritten after the cold load); a cache folder that cannot be created or written means no cache.
 * None of it ever throws into a load. `TOKBENCH_NO_CACHE=1` turns reading and writing off.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../corpora/registry.js';
import { TOKBENCH_VERSION } from '../core/version.js';
import type { TokenizerJsonSummary } from './hf-adapter.js';
import type { VocabFacts } from './types.js';

/** Bump when the entry layout or the meaning of a stored field changes. */
export const LOAD_CACHE_FORMAT = 1;
const KIND = 'tokbench-tokenizer-facts';
/** Entries are a few KB; anything far bigger is not one of ours. */
const MAX_ENTRY_BYTES = 64 * 1024 ** 2;

/** What a file's bytes give, independent of the engine. */
export interface TokenizerFacts {
  sha256: string;
  summary: TokenizerJsonSummary;
  vocabFacts: VocabFacts;
}

/** Identity of a file on disk; bigint stat fields as decimal strings so nothing is rounded. */
export interface FileIdentity {
  path: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
}

/** A file's identity and the wall-clock time just before it was taken (for the racy-timestamp check). */
export interface IdentitySnapshot {
  identity: FileIdentity;
  takenAtMs: number;
}

/** Counters for tests and benchmarks (per process / worker thread). */
export const loadCacheStats = { hits: 0, misses: 0, writes: 0 };

export function resetLoadCacheStats(): void {
  loadCacheStats.hits = 0;
  loadCacheStats.misses = 0;
  loadCacheStats.writes = 0;
}

/**
 * A file changed within this many ms before it was stat'ed could be changed again within the same timestamp
 * tick (1–10 ms on Linux, 2 s on FAT) without its stat changing, so no entry is written for it (git's "racily
 * clean" problem). Its next load, later, caches it. Tests lower this to 0.
 */
export const loadCacheTuning = { racyWindowMs: 2000 };

/** `<cacheRoot>/tokenizer-facts`: `$TOKBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/tokbench`, else `~/.cache/tokbench`. */
export function tokenizerFactsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'tokenizer-facts');
}

/** True when `TOKBENCH_NO_CACHE` is set to anything but '', '0' or 'false'. */
export function loadCacheDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.TOKBENCH_NO_CACHE?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** Removes every cached entry (the whole `tokenizer-facts` folder); returns the folder. */
export function clearTokenizerFactsCache(env: NodeJS.ProcessEnv = process.env): string {
  const dir = tokenizerFactsCacheDir(env);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** Identity of the regular file at `path` (symlinks resolved), or undefined when it cannot be stat'ed. */
export function fileIdentity(path: string): IdentitySnapshot | undefined {
  try {
    const takenAtMs = Date.now();
    const real = realpathSync(path);
    const st = statSync(real, { bigint: true });
    if (!st.isFile()) return undefined;
    return {
      takenAtMs,
      identity: {
        path: real, size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs),
        ino: String(st.ino), dev: String(st.dev),
      },
    };
  } catch {
    return undefined;
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino && a.dev === b.dev;
}

function keyString(id: FileIdentity): string {
  return JSON.stringify({ kind: KIND, format: LOAD_CACHE_FORMAT, tokbench: TOKBENCH_VERSION, file: id });
}

/** Path of the entry for a file identity. */
export function entryPath(id: FileIdentity, env: NodeJS.ProcessEnv = process.env): string {
  return join(tokenizerFactsCacheDir(env), `${createHash('sha256').update(keyString(id)).digest('hex')}.json`);
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isIdList = (x: unknown): x is number[] => Array.isArray(x) && x.every(isCount);

/** The facts stored in an entry's text, or undefined when it is not a well-formed entry for `key`. */
function parseEntry(text: string, key: string): TokenizerFacts | undefined {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!e || typeof e !== 'object') return undefined;
  const o = e as Record<string, unknown>;
  if (o.kind !== KIND || o.format !== LOAD_CACHE_FORMAT || o.key !== key) return undefined;
  if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) return undefined;
  const s = o.summary as Record<string, unknown> | null | undefined;
  if (!s || typeof s !== 'object') return undefined;
  if (typeof s.modelType !== 'string' || !isCount(s.baseVocab) || !isCount(s.addedTokens) || typeof s.normalization !== 'string') return undefined;
  const v = o.vocabFacts as Record<string, unknown> | null | undefined;
  if (!v || typeof v !== 'object') return undefined;
  if (!(v.unkId === null || isCount(v.unkId))) return undefined;
  if (!isIdList(v.specialIds)) return undefined;
  if (!(v.byteFallbackIds === null || isIdList(v.byteFallbackIds))) return undefined;
  return {
    sha256: o.sha256,
    summary: { modelType: s.modelType, baseVocab: s.baseVocab, addedTokens: s.addedTokens, normalization: s.normalization },
    vocabFacts: {
      unkId: v.unkId,
      specialIds: new Set(v.specialIds),
      byteFallbackIds: v.byteFallbackIds === null ? null : new Set(v.byteFallbackIds),
    },
  };
}

/** Cached facts for this identity, or undefined (miss, disabled, unreadable or corrupt entry). Never throws. */
export function readTokenizerFacts(id: FileIdentity, env: NodeJS.ProcessEnv = process.env): TokenizerFacts | undefined {
  if (loadCacheDisabled(env)) return undefined;
  try {
    const p = entryPath(id, env);
    const st = statSync(p);
    if (!st.isFile() || st.size > MAX_ENTRY_BYTES) return undefined;
    return parseEntry(readFileSync(p, 'utf8'), keyString(id));
  } catch {
    return undefined;
  }
}

const sortedIds = (s: ReadonlySet<number>): number[] => [...s].sort((a, b) => a - b);

/**
 * Stores the facts of a file that was just loaded successfully. `before` is the identity taken before the load:
 * nothing is written if the file changed meanwhile, or if it was changed too recently to trust its timestamps.
 * Atomic (temp file in the same folder + rename). Returns whether an entry was written; never throws.
 */
export function writeTokenizerFacts(path: string, before: IdentitySnapshot, facts: TokenizerFacts, env: NodeJS.ProcessEnv = process.env): boolean {
  if (loadCacheDisabled(env)) return false;
  const id = before.identity;
  const ctime = BigInt(id.ctimeNs);
  const mtime = BigInt(id.mtimeNs);
  const lastChangeMs = Number((ctime > mtime ? ctime : mtime) / 1_000_000n);
  if (before.takenAtMs - lastChangeMs < loadCacheTuning.racyWindowMs) return false;
  const after = fileIdentity(path);
  if (!after || !sameIdentity(after.identity, id)) return false;
  const entry = {
    kind: KIND,
    format: LOAD_CACHE_FORMAT,
    key: keyString(id),
    sha256: facts.sha256,
    summary: {
      modelType: facts.summary.modelType, baseVocab: facts.summary.baseVocab,
      addedTokens: facts.summary.addedTokens, normalization: facts.summary.normalization,
    },
    vocabFacts: {
      unkId: facts.vocabFacts.unkId,
      specialIds: sortedIds(facts.vocabFacts.specialIds),
      byteFallbackIds: facts.vocabFacts.byteFallbackIds ? sortedIds(facts.vocabFacts.byteFallbackIds) : null,
    },
  };
  let tmp: string | undefined;
  try {
    const p = entryPath(id, env);
    const dir = tokenizerFactsCacheDir(env);
    mkdirSync(dir, { recursive: true });
    // Unique per writer: worker threads share process.pid.
    tmp = join(dir, `.${randomBytes(8).toString('hex')}.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(entry)}\n`, { flag: 'wx' });
    renameSync(tmp, p);
    tmp = undefined;
    loadCacheStats.writes++;
    return true;
  } catch {
    return false;
  } finally {
    if (tmp) {
      try { rmSync(tmp, { force: true }); } catch { /* the folder is not writable: nothing was created */ }
    }
  }
}

/**
 * The file's identity and its cached facts (undefined on a miss). Undefined altogether when the cache is off or
 * the file cannot be stat'ed: the caller then loads cold and writes nothing. Never throws.
 */
export function lookupTokenizerFacts(path: string, env: NodeJS.ProcessEnv = process.env): { snapshot: IdentitySnapshot; facts: TokenizerFacts | undefined } | undefined {
  if (loadCacheDisabled(env)) return undefined;
  const snapshot = fileIdentity(path);
  if (!snapshot) return undefined;
  const facts = readTokenizerFacts(snapshot.identity, env);
  if (facts) loadCacheStats.hits++;
  else loadCacheStats.misses++;
  return { snapshot, facts };
}

/** True when `path` still has the identity in `snapshot` (used to check that a warm load read the same file). */
export function unchangedSince(path: string, snapshot: IdentitySnapshot): boolean {
  const now = fileIdentity(path);
  return now !== undefined && sameIdentity(now.identity, snapshot.identity);
}
