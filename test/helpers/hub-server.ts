/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1, serving only what @huggingface/hub's downloadFileToCacheDir
 * asks for: POST /api/models/{org}/{name}/paths-info/{rev} and GET/HEAD /{org}/{name}/resolve/{rev}/{file}
 * (honouring Range). Repos can be gated (401 without the right token) or drop the connection mid-response.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  files: Record<string, Buffer>;
  commit: string;
  /** Requests need `Authorization: Bearer <token>`. */
  gatedToken?: string;
  /** Destroy the socket instead of answering file downloads. */
  drop?: boolean;
}

export interface HubServer {
  url: string;
  requests: string[];
  close: () => Promise<void>;
}

function gitOid(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

export async function startHubServer(repos: Record<string, FakeRepo>): Promise<HubServer> {
  const requests: string[] = [];
  const deny = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code, 'x-error-message': message });
    res.end(JSON.stringify({ error: message }));
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    const info = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)\/paths-info\/([^/]+)$/);
    const resolve = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    const repoId = info?.[1] ?? resolve?.[1];
    const repo = repoId ? repos[repoId] : undefined;
    if (!repo) return deny(res, 404, 'RepoNotFound', `Repository ${repoId ?? url.pathname} not found`);
    if (repo.gatedToken && req.headers.authorization !== `Bearer ${repo.gatedToken}`) {
      return deny(res, 401, 'GatedRepo', `Access to model ${repoId} is restricted. You must have access to it and be authenticated.`);
    }
    if (info) {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        const params = new URLSearchParams(body);
        let paths: string[] = params.getAll('paths');
        if (!paths.length) {
          try { paths = (JSON.parse(body) as { paths: string[] }).paths; } catch { paths = []; }
        }
        const out = paths.filter((p) => repo.files[p]).map((p) => ({
          type: 'file', path: p, oid: gitOid(repo.files[p]!), size: repo.files[p]!.length,
          lastCommit: { id: repo.commit, title: 'upload', date: '2024-01-01T00:00:00.000Z' },
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out));
      });
      return;
    }
    const file = decodeURIComponent(resolve![3]!);
    const data = repo.files[file];
    if (!data) return deny(res, 404, 'EntryNotFound', `${file} does not exist on "${resolve![2]}"`);
    if (repo.drop) {
      req.socket.destroy();
      return;
    }
    const etag = `"${gitOid(data)}"`;
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    const headers = { etag, 'x-repo-commit': repo.commit, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${data.length}`, 'content-length': end - start + 1 });
      res.end(req.method === 'HEAD' ? undefined : data.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  };
  const server: Server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  // Never outlive the test file, even if a test forgets to close it.
  const timer = setTimeout(() => server.close(), 120_000);
  timer.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((ok) => { clearTimeout(timer); server.closeAllConnections(); server.close(() => ok()); }),
  };
}
