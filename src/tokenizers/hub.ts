import { decodeMany, encodeMany } from './types.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { DataError, UsageError } from '../core/errors.js';
import type { IdSink, TokenizerAdapter, TokenizerInfo, TokenizerSource } from './types.js';

export interface HubRef {
  hub: 'huggingface' | 'modelscope';
  /** `org/name`. */
  repo: string;
  revision: string;
  /** File inside the repo; default tokenizer.json. */
  file: string;
}

const REPO_PART = /^[A-Za-z0-9][\w.-]*$/;
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * `hf:org/name[@rev]` (tokenizer.json) or `hf:org/name/path/to/file[@rev]` (any file, e.g. qwen.tiktoken).
 * `ms:` is the same for ModelScope.
 */
export function parseHubRef(raw: string): HubRef {
  const colon = raw.indexOf(':');
  const scheme = raw.slice(0, colon);
  const hub = scheme === 'hf' ? 'huggingface' : scheme === 'ms' ? 'modelscope' : undefined;
  if (!hub) throw new UsageError(`unknown hub prefix in "${raw}"`, 'use hf:org/name or ms:org/name');
  let rest = raw.slice(colon + 1);
  let revision = hub === 'modelscope' ? 'master' : 'main';
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    revision = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!revision || /\s|\.\./.test(revision)) throw new UsageError(`bad revision in "${raw}"`, 'use hf:org/name@<branch, tag or commit>');
  }
  const parts = rest.split('/');
  if (parts.length < 2 || !REPO_PART.test(parts[0]!) || !REPO_PART.test(parts[1]!) || parts.slice(2).some((p) => p === '' || p === '..' || p === '.')) {
    throw new UsageError(`"${raw}" is not a hub repo id`, 'use hf:org/name[@revision], e.g. hf:Qwen/Qwen3-8B');
  }
  return { hub, repo: `${parts[0]}/${parts[1]}`, revision, file: parts.length > 2 ? parts.slice(2).join('/') : 'tokenizer.json' };
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

/** Where Python's huggingface_hub keeps its cache, so files it downloaded are reused and vice versa. */
export function hfCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
}

function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.replace('/', '--')}`);
}

export interface HubFile {
  path: string;
  commit: string;
  endpoint: string;
  offline: boolean;
}

/** A file already in the cache for this revision (refs/<rev> → snapshots/<commit>/<file>), if any. */
export function findCachedFile(cacheDir: string, repo: string, revision: string, file: string): { path: string; commit: string } | undefined {
  const folder = repoFolder(cacheDir, repo);
  let commit: string | undefined = COMMIT.test(revision) ? revision : undefined;
  if (!commit) {
    const ref = join(folder, 'refs', revision);
    if (!existsSync(ref)) return undefined;
    commit = readFileSync(ref, 'utf8').trim();
  }
  const path = join(folder, 'snapshots', commit, ...file.split('/'));
  return existsSync(path) ? { path, commit } : undefined;
}

/** The Hub answers paths-info for a missing file with an empty list, which the library reports as a plain Error. */
function isNotFound(err: unknown): boolean {
  const e = err as { statusCode?: number; message?: string };
  return e.statusCode === 404 || /^cannot get path info for /.test(e.message ?? '');
}

function describeHubError(err: unknown, ref: HubRef, endpoint: string): DataError {
  const e = err as { statusCode?: number; message?: string; cause?: { code?: string; message?: string } };
  const where = `hf:${ref.repo}@${ref.revision} (${ref.file}) from ${endpoint}`;
  if (e.statusCode === 401 || e.statusCode === 403) {
    return new DataError(`access denied to ${where}: the repo is gated or private (HTTP ${e.statusCode})`, 'accept its licence on the Hub and set HF_TOKEN to an access token', err);
  }
  if (isNotFound(err)) {
    return new DataError(`not found on the Hub: ${where}: ${(e.message ?? '').split('\n')[0]}`, 'check the repo id, revision and file name', err);
  }
  if (e.statusCode) return new DataError(`the Hub answered HTTP ${e.statusCode} for ${where}: ${(e.message ?? '').split('\n')[0]}`, 'retry later', err);
  const detail = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return new DataError(`cannot download ${where}: ${detail}`, 'check the network, set HF_ENDPOINT to a mirror, or HF_HUB_OFFLINE=1 to use files already cached', err);
}

/**
 * Fetch one file of a Hugging Face repo into the standard cache (or find it there when HF_HUB_OFFLINE=1).
 * `optional` files (tokenizer_config.json) resolve to undefined when the repo has none.
 */
export async function fetchHfFile(ref: HubRef, options: { optional?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<HubFile | undefined> {
  const env = options.env ?? process.env;
  const cacheDir = hfCacheDir(env);
  const endpoint = hfEndpoint(env);
  if (truthy(env.HF_HUB_OFFLINE)) {
    const hit = findCachedFile(cacheDir, ref.repo, ref.revision, ref.file);
    if (hit) return { ...hit, endpoint, offline: true };
    if (options.optional) return undefined;
    throw new DataError(`HF_HUB_OFFLINE is set and hf:${ref.repo}@${ref.revision} (${ref.file}) is not in the cache ${cacheDir}`, 'download it once online, or unset HF_HUB_OFFLINE');
  }
  const timeoutMs = Number(env.HF_HUB_DOWNLOAD_TIMEOUT ?? 120) * 1000;
  const timedFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  mkdirSync(cacheDir, { recursive: true });
  // The library reports each download with console.debug, which Node writes to stdout: keep stdout for data.
  const debug = console.debug;
  console.debug = () => {};
  let path: string;
  try {
    // Imported on first download: the Hub client costs ~50–90 ms to load, which runs that download nothing need not pay.
    const { downloadFileToCacheDir } = await import('@huggingface/hub');
    path = await downloadFileToCacheDir({
      repo: { type: 'model', name: ref.repo }, path: ref.file, revision: ref.revision, hubUrl: endpoint, cacheDir,
      fetch: timedFetch, ...(env.HF_TOKEN ? { accessToken: env.HF_TOKEN } : {}),
    });
  } catch (err) {
    if (options.optional && isNotFound(err)) return undefined;
    throw describeHubError(err, ref, endpoint);
  } finally {
    console.debug = debug;
  }
  // .../snapshots/<commit>/<file>: the snapshot folder names the commit the file was resolved at.
  const parts = path.split(sep);
  const commit = parts[parts.length - 1 - ref.file.split('/').length] ?? 'unknown';
  if (!COMMIT.test(ref.revision) && COMMIT.test(commit)) {
    // Record the ref as Python's huggingface_hub does, so HF_HUB_OFFLINE=1 finds this snapshot later.
    writeFileAtomic(join(repoFolder(cacheDir, ref.repo), 'refs', ref.revision), commit);
  }
  return { path, commit, endpoint, offline: false };
}

/**
 * An adapter whose file must first be downloaded. Loading is async while `loadTokenizer` is sync, so the
 * download starts at once and every call awaits it; `info` becomes the real one after the first call.
 */
export class DeferredAdapter implements TokenizerAdapter {
  private inner: TokenizerAdapter | undefined;
  private readonly ready: Promise<TokenizerAdapter>;
  private disposed = false;

  constructor(private readonly provisional: TokenizerInfo, load: () => Promise<TokenizerAdapter>) {
    this.ready = load().then((a) => {
      if (this.disposed) a.dispose();
      this.inner = a;
      return a;
    });
    this.ready.catch(() => {});
  }

  get info(): TokenizerInfo {
    return this.inner?.info ?? this.provisional;
  }

  async encode(text: string): Promise<number[]> {
    return (await this.ready).encode(text);
  }

  async countBatch(texts: readonly string[], sink?: IdSink): Promise<number[]> {
    return (await this.ready).countBatch(texts, sink);
  }

  async decode(ids: readonly number[]): Promise<string> {
    return (await this.ready).decode(ids);
  }

  async encodeBatch(texts: readonly string[]): Promise<number[][]> {
    return encodeMany(await this.ready, texts);
  }

  async decodeBatch(ids: readonly (readonly number[])[]): Promise<string[]> {
    return decodeMany(await this.ready, ids);
  }

  /** Resolves once the file is loaded (or rejects with the download error). */
  async whenReady(): Promise<TokenizerInfo> {
    return (await this.ready).info;
  }

  dispose(): void {
    this.disposed = true;
    this.inner?.dispose();
  }
}

/** Wrap an adapter so its info says where the file came from. */
export function withInfo(a: TokenizerAdapter, patch: Partial<TokenizerInfo>): TokenizerAdapter {
  const info = { ...a.info, ...patch };
  return {
    info,
    ...(a.vocabFacts ? { vocabFacts: a.vocabFacts } : {}),
    ...(a.encodeBatch ? { encodeBatch: (t: readonly string[]) => a.encodeBatch!(t) } : {}),
    ...(a.decodeBatch ? { decodeBatch: (ids: readonly (readonly number[])[]) => a.decodeBatch!(ids) } : {}),
    encode: (t) => a.encode(t),
    countBatch: (t, sink) => a.countBatch(t, sink),
    decode: (ids) => a.decode(ids),
    dispose: () => a.dispose(),
  };
}

/** Context window from tokenizer_config.json's model_max_length, when it is a real number (not 1e30). */
export function contextFromConfig(path: string | undefined): number | undefined {
  if (!path) return undefined;
  try {
    const cfg = JSON.parse(readFileSync(path, 'utf8')) as { model_max_length?: unknown };
    const n = cfg.model_max_length;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 16_777_216 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function hubSource(ref: HubRef, file: HubFile): TokenizerSource {
  return { kind: 'hub', hub: ref.hub, endpoint: file.endpoint, repo: ref.repo, revision: ref.revision, commit: file.commit, path: file.path };
}

export function snapshotDir(file: HubFile): string {
  return dirname(file.path);
}
