import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { packageRoot } from '../../src/core/version.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { tokbenchAsync } from '../helpers/cli-async.js';

describe('tokbench inspect', () => {
  it('cl100k_base: Han entries and corpus coverage equal what the rank file and tiktoken say', async () => {
    const r = await tokbenchAsync(['inspect', 'cl100k_base', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    // Independent: read the rank file itself (base64 byte strings), decode each as UTF-8, classify.
    const ranks = (JSON.parse(readFileSync(join(packageRoot('tiktoken')!, 'encoders', 'cl100k_base.json'), 'utf8')) as { bpe_ranks: string }).bpe_ranks;
    let single = 0;
    let multi = 0;
    for (const line of ranks.split('\n')) {
      for (const b64 of line.split(' ').slice(2)) {
        const s = new TextDecoder().decode(Buffer.from(b64, 'base64'));
        if (!/^\p{Script=Han}+$/u.test(s)) continue;
        if ([...s].length === 1) single++;
        else multi++;
      }
    }
    expect(report.singleHanEntries).toBe(single);
    expect(report.multiHanEntries).toBe(multi);
    // Independent: a Han character is one token when tiktoken encodes it alone as one token.
    const enc = get_encoding('cl100k_base');
    const distinct = [...new Set(loadBundledCorpus().pairs.flatMap((p) => p.zh.match(/\p{Script=Han}/gu) ?? []))];
    const one = distinct.filter((ch) => enc.encode_ordinary(ch).length === 1).length;
    enc.free();
    expect(report.corpus.distinctHan).toBe(distinct.length);
    expect(report.corpus.singleTokenHan).toBe(one);
    expect(report.byteFallback).toBe(false);
  });

  it('a SentencePiece-style vocabulary (chatglm3) reports byte fallback, and an unknown id is a usage error', async () => {
    const r = await tokbenchAsync(['inspect', 'chatglm3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.byteFallback).toBe(true);
    expect(report.singleHanEntries).toBeGreaterThan(1000);
    const bad = await tokbenchAsync(['inspect', 'chatglm33']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean "chatglm3"/);
  });
});
