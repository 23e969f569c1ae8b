import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { corpusStats } from '../../src/commands/corpus-stats.js';
import { loadCorpus } from '../../src/corpora/loaders.js';
import { CORPUS_REGISTRY, cacheRoot } from '../../src/corpora/registry.js';
import { tokbench } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-stats-'));

describe('corpus-stats', () => {
  it('hand-counted characters, bytes, Han share and domains', () => {
    const p = join(dir, 'c.jsonl');
    const text = '{"domain":"x","zh":"你好，AI。","en":"Hi, AI."}\n{"domain":"y","zh":"𠮷野","en":"Yoshino"}\n{"domain":"x","zh":"三","en":"three"}\n';
    writeFileSync(p, text);
    const s = corpusStats(loadCorpus(p));
    // zh: 你好，AI。 = 6 code points (2 Han), 𠮷野 = 2 (2 Han, 𠮷 is one code point), 三 = 1 (1 Han) → 9 code points, 5 Han
    // bytes: 你好，。 = 4×3, AI = 2 → 14; 𠮷 4 + 野 3 = 7; 三 3 → 24
    expect(s.zh).toEqual({ characters: 9, bytes: 24, han: 5, hanShare: 5 / 9, meanCharsPerPair: 3 });
    expect(s.en.characters).toBe(7 + 7 + 5);
    expect(s.en.han).toBe(0);
    expect(s.domains).toEqual({ x: 2, y: 1 });
    expect(s.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('CLI: JSON on stdout, exit 0; an unknown corpus spec is a usage error (exit 2)', () => {
    const r = tokbench(['corpus-stats', 'bundled', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.pairs).toBe(360);
    expect(Object.values(s.domains as Record<string, number>).every((n) => n === 36)).toBe(true);
    expect(tokbench(['corpus-stats', 'no-such-thing']).code).toBe(2);
  });
});

describe('registry and list corpora', () => {
  it('every downloadable file pins a 64-hex sha256 and a size; transformed files pin both digests', () => {
    for (const e of CORPUS_REGISTRY) {
      for (const f of e.files) {
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(f.bytes).toBeGreaterThan(0);
        expect(f.url).toMatch(/^https:\/\//);
        if (f.source) expect(f.source.sha256).not.toBe(f.sha256);
      }
    }
  });

  it('cache dir: TOKBENCH_CACHE_DIR, else XDG_CACHE_HOME/tokbench, else ~/.cache/tokbench', () => {
    expect(cacheRoot({ TOKBENCH_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c' })).toBe('/x/y');
    expect(cacheRoot({ XDG_CACHE_HOME: '/c' })).toBe('/c/tokbench');
    expect(cacheRoot({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toMatch(/\.cache\/tokbench$/);
  });

  it('`list corpora` reports local presence from the cache', () => {
    const cache = mkdtempSync(join(tmpdir(), 'tokbench-list-'));
    mkdirSync(join(cache, 'corpora', 'flores200', 'dev'), { recursive: true });
    writeFileSync(join(cache, 'corpora', 'flores200', 'dev', 'eng_Latn.dev'), 'x\n');
    const r = tokbench(['list', 'corpora'], { env: { TOKBENCH_CACHE_DIR: cache } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/flores200 .* partial \(1\/7 files\)/);
    expect(r.stdout).toMatch(/ntrex128 .* not fetched/);
    expect(r.stdout).toMatch(/bundled .* bundled/);
  });
});
