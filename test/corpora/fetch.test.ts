import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCorpus } from '../../src/corpora/fetch.js';
import type { RegistryEntry, RegistryFile } from '../../src/corpora/registry.js';
import { CLI, NTREX_DIR, hasNtrex } from '../helpers/paths.js';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
// A small made-up corpus served by the test server.
const EN = 'Good morning.\nThe shop opens at nine.\n';
const ZH = '早上好。\n商店九点开门。\n';
const ZH_CRLF = ZH.replace(/\n/g, '\r\n');

let server: Server;
let base = '';
let hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(url);
    const send = (body: string | Buffer) => {
      res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (url === '/c/en.txt') return send(EN);
    if (url === '/c/zh.txt') return send(ZH);
    if (url === '/c/zh-crlf.txt') return send(ZH_CRLF);
    if (url === '/c/tampered.txt') return send(EN.replace('nine', 'ten!'));
    if (url === '/c/short-cl.txt') {
      // Announce the full length, send half, then drop the connection.
      res.writeHead(200, { 'content-length': Buffer.byteLength(EN) });
      res.write(EN.slice(0, 10));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (url === '/c/dropped.txt') {
      res.writeHead(200); // chunked: no length announced
      res.write(EN.slice(0, 10));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    const m = /^\/mirror\/ntrex128\/(.+)$/.exec(url);
    if (m && hasNtrex) {
      const file = join(NTREX_DIR, m[1]!);
      if (existsSync(file)) {
        const text = readFileSync(file, 'latin1');
        // Upstream files are CRLF (except LICENSE): rebuild the original bytes from the LF copies.
        return send(Buffer.from(m[1] === 'LICENSE' ? text : text.replace(/\n/g, '\r\n'), 'latin1'));
      }
    }
    res.writeHead(404).end('not found');
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function entry(files: Partial<RegistryFile>[]): RegistryEntry {
  return {
    id: 'madeup', name: 'made-up', description: '', languages: { zh: ['zho_Hans'], en: 'eng_Latn' }, splits: [], license: 'CC0',
    homepage: '', citation: '', layout: 'ntrex',
    files: files.map((f) => ({ path: 'x', url: '', sha256: '', bytes: 0, ...f })) as RegistryFile[],
  };
}
const f = (path: string, url: string, content: string, extra: Partial<RegistryFile> = {}): Partial<RegistryFile> =>
  ({ path, url: `${base}${url}`, sha256: sha(content), bytes: Buffer.byteLength(content), ...extra });

describe('fetchCorpus against a 127.0.0.1 server', () => {
  it('downloads, verifies, writes; a second run finds verified copies and downloads nothing', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    const e = entry([f('eng_Latn.txt', '/c/en.txt', EN), f('zho_Hans.txt', '/c/zh.txt', ZH)]);
    const lines: string[] = [];
    const r1 = await fetchCorpus(e, { dest, progress: (l) => lines.push(l) });
    expect(r1.files.map((x) => x.status)).toEqual(['downloaded', 'downloaded']);
    expect(readFileSync(join(dest, 'zho_Hans.txt'), 'utf8')).toBe(ZH);
    expect(lines.join('\n')).toMatch(/fetching madeup\/eng_Latn\.txt .* from http:\/\/127\.0\.0\.1/);
    hits = [];
    const r2 = await fetchCorpus(e, { dest });
    expect(r2.files.map((x) => x.status)).toEqual(['present', 'present']);
    expect(hits).toEqual([]);
  });

  it('CRLF upstream: the download digest and the converted digest are both checked', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    const e = entry([f('zho_Hans.txt', '/c/zh-crlf.txt', ZH, { source: { sha256: sha(ZH_CRLF), bytes: Buffer.byteLength(ZH_CRLF), transform: 'crlf-to-lf' } })]);
    await fetchCorpus(e, { dest });
    expect(readFileSync(join(dest, 'zho_Hans.txt'), 'utf8')).toBe(ZH);
  });

  it('wrong checksum: DataError with both digests, nothing written', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    const tampered = EN.replace('nine', 'ten!');
    const e = entry([f('eng_Latn.txt', '/c/tampered.txt', EN)]);
    await expect(fetchCorpus(e, { dest })).rejects.toThrow(new RegExp(`sha256 mismatch for ${base}/c/tampered.txt: got ${sha(tampered)} .* expected ${sha(EN)}`));
    expect(readdirSync(dest)).toEqual([]);
  });

  it('truncated body with a Content-Length: "cut off", nothing written', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    await expect(fetchCorpus(entry([f('eng_Latn.txt', '/c/short-cl.txt', EN)]), { dest })).rejects.toThrow(/was cut off/);
    expect(readdirSync(dest)).toEqual([]);
  });

  it('connection dropped mid-body without a length: caught by size/digest, nothing written', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    await expect(fetchCorpus(entry([f('eng_Latn.txt', '/c/dropped.txt', EN)]), { dest })).rejects.toThrow(/cut off|sha256 mismatch/);
    expect(readdirSync(dest)).toEqual([]);
  });

  it('404: names the status and says what to download by hand and where', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    const p = fetchCorpus(entry([f('eng_Latn.txt', '/c/none.txt', EN)]), { dest });
    await expect(p).rejects.toThrow(/answered HTTP 404/);
    await p.catch((err: { hint?: string }) => {
      expect(err.hint).toContain(`download ${base}/c/none.txt by hand and save it as ${join(dest, 'eng_Latn.txt')} (sha256 ${sha(EN)})`);
    });
  });

  it('offline (connection refused): one clear manual-download message', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dest = mkdtempSync(join(tmpdir(), 'tokbench-fetch-'));
    const e = entry([{ path: 'eng_Latn.txt', url: `http://127.0.0.1:${port}/en.txt`, sha256: sha(EN), bytes: 40 }]);
    const p = fetchCorpus(e, { dest, timeoutMs: 5000 });
    await expect(p).rejects.toThrow(/cannot download madeup\/eng_Latn\.txt from .*: ECONNREFUSED/);
    await p.catch((err: { hint?: string }) => expect(err.hint).toMatch(/^offline\? download .* by hand and save it as /));
  });
});

/** Async spawn: spawnSync would block this process's event loop, and with it the test server. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

if (!hasNtrex) console.warn(`SKIPPED: fetch-corpus CLI check needs ${NTREX_DIR}`);

describe.skipIf(!hasNtrex)('tokbench fetch-corpus (CLI, mirror on 127.0.0.1)', () => {
  it('fetches ntrex128 with the pinned upstream digests, then list/run use the cache', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tokbench-cache-'));
    const env = { TOKBENCH_CACHE_DIR: cache, TOKBENCH_CORPUS_MIRROR: `${base}/mirror` };
    const before = await run(['list', 'corpora', '--json'], env);
    expect(JSON.parse(before.stdout).find((r: { id: string }) => r.id === 'ntrex128').local.status).toBe('absent');
    const r = await run(['fetch-corpus', 'ntrex128'], env);
    expect(r.stderr).toMatch(/ntrex128: 4 files verified/);
    expect(r.code).toBe(0);
    for (const name of ['eng_Latn.txt', 'zho_Hans.txt', 'zho_Hant.txt']) {
      expect(sha(readFileSync(join(cache, 'corpora', 'ntrex128', name)))).toBe(sha(readFileSync(join(NTREX_DIR, name))));
    }
    const after = await run(['list', 'corpora'], env);
    expect(after.stdout).toMatch(/ntrex128 .* present \(4\/4 files\)/);
    const stats = await run(['corpus-stats', 'ntrex128', '--json'], env);
    expect(JSON.parse(stats.stdout).pairs).toBe(1997);
  });

  it('a server without the files: exit 3 and the manual-download message', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tokbench-cache-'));
    const r = await run(['fetch-corpus', 'flores200'], { TOKBENCH_CACHE_DIR: cache, TOKBENCH_CORPUS_MIRROR: `${base}/mirror` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/answered HTTP 404 \(offline\? download .* by hand and save it as .*flores200\/dev\/eng_Latn\.dev/);
  });
});
