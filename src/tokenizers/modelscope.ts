/**
 * `ms:org/name[@rev]` (tokenizer.json) or `ms:org/name/path/to/file[@rev]`: files from ModelScope through its
 * public file endpoint `GET {endpoint}/api/v1/models/{org}/{name}/repo?Revision={rev}&FilePath={file}`.
 *
 * Cache layout: `$MODELSCOPE_CACHE/{org}/{name}/{file}` (default `~/.cache/modelscope/hub/{org}/{name}/`),
 * the flat per-repo folder of the Python `modelscope` SDK 1.x (`get_cache_dir()/model_id`), so tokenizer files
 * it already downloaded are reused offline and vice versa. That layout has no notion of revision, so only the
 * default revision (`master`) lives there; any other revision gets its own folder
 * `{org}/{name}/.tokbench-revisions/{rev}/`, so a pinned revision is never answered from another one's files.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { DataError } from '../core/errors.js';
import { checkLimit } from '../core/limits.js';
import { contextFromConfig, withInfo, type HubRef } from './hub.js';
import type { LoadOptions, TokenizerSpec } from './registry.js';
import type { TokenizerAdapter, TokenizerSource } from './types.js';
import { isGitLfsPointer, isHtmlPage } from '../core/sniff.js';

const DEFAULT_ENDPOINT = 'https://www.modelscope.cn';
const DEFAULT_REVISION = 'master';

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

/** TOKBENCH_MODELSCOPE_ENDPOINT wins over MODELSCOPE_DOMAIN (which the Python SDK gives without a scheme). */
export function modelscopeEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.TOKBENCH_MODELSCOPE_ENDPOINT || env.MODELSCOPE_DOMAIN || DEFAULT_ENDPOINT;
  return (/^https?:\/\//i.test(raw) ? raw : `https://${raw}`).replace(/\/+$/, '');
}

export function modelscopeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MODELSCOPE_CACHE || join(homedir(), '.cache', 'modelscope', 'hub');
}

export function modelscopeOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return truthy(env.HF_HUB_OFFLINE) || truthy(env.MODELSCOPE_OFFLINE);
}

/** Where `ref.file` of `ref.repo` at `ref.revision` is (or will be) cached. See the layout note at the top. */
export function modelscopeCachePath(cacheDir: string, ref: HubRef): string {
  const [org, name] = ref.repo.split('/') as [string, string];
  const base = join(cacheDir, org, name);
  const dir = ref.revision === DEFAULT_REVISION ? base : join(base, '.tokbench-revisions', encodeURIComponent(ref.revision));
  return join(dir, ...ref.file.split('/'));
}

export interface MsFile {
  path: string;
  endpoint: string;
  offline: boolean;
}

function where(ref: HubRef, endpoint: string): string {
  return `ms:${ref.repo}@${ref.revision} (${ref.file}) from ${endpoint}`;
}

/** The same refusals the file readers make (hf-adapter, read-text): a Git LFS pointer or an HTML page is not the file. */
function checkBody(body: Buffer, ref: HubRef, endpoint: string): void {
  const head = body.subarray(0, 200).toString('utf8');
  if (isGitLfsPointer(head)) {
    throw new DataError(`ModelScope served a Git LFS pointer, not the file, for ${where(ref, endpoint)}`, 'check the repo id and revision; the file may not be uploaded in full');
  }
  if (isHtmlPage(head)) {
    throw new DataError(`ModelScope served an HTML page, not the file, for ${where(ref, endpoint)}`, 'check TOKBENCH_MODELSCOPE_ENDPOINT / MODELSCOPE_DOMAIN points at the ModelScope API (a login or proxy page?)');
  }
}

function networkError(err: unknown, ref: HubRef, endpoint: string): DataError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  const detail = e.name === 'TimeoutError' ? 'timed out'
    : code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' ? `the connection was dropped (${code})`
    : code ?? e.cause?.message ?? e.message ?? String(err);
  return new DataError(`cannot download ${where(ref, endpoint)}: ${detail}`, 'check the network, set TOKBENCH_MODELSCOPE_ENDPOINT to a reachable endpoint, or MODELSCOPE_OFFLINE=1 to use files already cached', err);
}

/**
 * Fetch one file of a ModelScope repo into the cache (or find it there when offline). `optional` files
 * (tokenizer_config.json) resolve to undefined when the repo has none.
 */
export async function fetchMsFile(ref: HubRef, options: { optional?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<MsFile | undefined> {
  const env = options.env ?? process.env;
  const endpoint = modelscopeEndpoint(env);
  const cacheDir = modelscopeCacheDir(env);
  const path = modelscopeCachePath(cacheDir, ref);
  if (modelscopeOffline(env)) {
    if (existsSync(path) && statSync(path).isFile()) return { path, endpoint, offline: true };
    if (options.optional) return undefined;
    throw new DataError(`offline (HF_HUB_OFFLINE/MODELSCOPE_OFFLINE) and ms:${ref.repo}@${ref.revision} (${ref.file}) is not in the cache ${cacheDir}`, 'download it once online, or unset HF_HUB_OFFLINE and MODELSCOPE_OFFLINE');
  }
  const [org, name] = ref.repo.split('/') as [string, string];
  const url = `${endpoint}/api/v1/models/${encodeURIComponent(org)}/${encodeURIComponent(name)}/repo?Revision=${encodeURIComponent(ref.revision)}&FilePath=${encodeURIComponent(ref.file)}`;
  const token = env.MODELSCOPE_API_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}`, cookie: `m_session_id=${token}` } : {};
  const timeoutMs = Number(env.TOKBENCH_MODELSCOPE_TIMEOUT ?? env.HF_HUB_DOWNLOAD_TIMEOUT ?? 120) * 1000;
  let body: Buffer;
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new DataError(`access denied to ${where(ref, endpoint)}: the repo is gated or private (HTTP ${res.status})`, 'request access on ModelScope and set MODELSCOPE_API_TOKEN to your SDK token');
    }
    if (res.status === 404) {
      await res.body?.cancel();
      if (options.optional) return undefined;
      throw new DataError(`not found on ModelScope: ${where(ref, endpoint)} (HTTP 404)`, 'check the repo id, revision (ModelScope\'s default branch is master) and file name');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new DataError(`ModelScope answered HTTP ${res.status} for ${where(ref, endpoint)}`, 'retry later, or MODELSCOPE_OFFLINE=1 to use files already cached');
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length)) checkLimit('tokenizerBytes', length, where(ref, endpoint), env);
    body = Buffer.from(await res.arrayBuffer());
    if (Number.isFinite(length) && body.length !== length) {
      throw new DataError(`cannot download ${where(ref, endpoint)}: got ${body.length} of ${length} bytes`, 'the connection was cut: retry');
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw networkError(err, ref, endpoint);
  }
  checkLimit('tokenizerBytes', body.length, where(ref, endpoint), env);
  checkBody(body, ref, endpoint);
  writeFileAtomic(path, body);
  return { path, endpoint, offline: false };
}

function msSource(ref: HubRef, file: MsFile): TokenizerSource {
  return { kind: 'hub', hub: 'modelscope', endpoint: file.endpoint, repo: ref.repo, revision: ref.revision, path: file.path };
}

/**
 * Download (or find cached) the file named by an `ms:` id and load it by format with the registry's loader.
 * The loaded adapter's sha256 is that of the cached file, as for hf: ids.
 */
export async function loadFromModelScope(
  s: TokenizerSpec, ref: HubRef, options: LoadOptions, load: (spec: TokenizerSpec, options: LoadOptions) => TokenizerAdapter,
): Promise<TokenizerAdapter> {
  const main = (await fetchMsFile(ref))!;
  const cfg = ref.file === 'tokenizer.json' ? await fetchMsFile({ ...ref, file: 'tokenizer_config.json' }, { optional: true }) : undefined;
  const inner = load({ raw: s.raw, path: main.path }, { ...options, warn: options.warn ?? (() => {}) });
  const window = options.contextWindow ?? contextFromConfig(cfg?.path) ?? inner.info.contextWindow;
  return withInfo(inner, {
    id: s.raw, name: ref.repo, contextWindow: window,
    source: { ...msSource(ref, main), ...(inner.info.source.format ? { format: inner.info.source.format } : {}) },
  });
}
