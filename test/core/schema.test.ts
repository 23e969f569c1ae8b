import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { parseResults, readResultsFile, resultsSchemaErrors, RESULTS_SCHEMA_PATH } from '../../src/core/schema.js';
import { tokbench } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-schema-'));
const tsv = join(dir, 'c.tsv');
writeFileSync(tsv, '今天的会议改到下午三点。\tToday\'s meeting has moved to three in the afternoon.\n请把报告发到我的邮箱。\tPlease send the report to my email.\n');

/** One real result from the built CLI, shared by the tests below (cl100k_base: tiktoken; qwen3: HF native). */
const run = tokbench(['run', '--corpus', tsv, '-t', 'cl100k_base,qwen3', '--format', 'json']);
const real = (): Record<string, unknown> => JSON.parse(run.stdout) as Record<string, unknown>;

describe('results schema', () => {
  it('validates what `tokbench run --format json` writes', () => {
    expect(run.code).toBe(0);
    expect(resultsSchemaErrors(real())).toEqual([]);
  });

  it('validates every results JSON committed under results/', () => {
    // bench*.json are the benchmark scripts' timing reports, not results documents.
    const files = readdirSync(join(ROOT, 'results')).filter((f) => f.endsWith('.json') && !f.startsWith('bench'));
    expect(files).toContain('baseline.json');
    for (const f of files) {
      const data = JSON.parse(readFileSync(join(ROOT, 'results', f), 'utf8')) as { kind?: string };
      // Comparison reports have their own schema (see test/commands/compare.test.ts).
      if (data.kind === 'tokbench-comparison') continue;
      expect(resultsSchemaErrors(data), f).toEqual([]);
    }
  });

  it('requires the README "JSON contract" fields', () => {
    const schema = JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8'));
    // Listed here from the README, not read from the schema, so dropping one from the schema fails.
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'corpus', 'protocol', 'environment', 'results', 'failures', 'warnings', 'signature']));
    expect(schema.properties.corpus.required).toEqual(expect.arrayContaining(['id', 'sha256', 'files', 'pairs', 'domains']));
    expect(schema.properties.signature.required).toEqual(expect.arrayContaining(['text', 'fields']));
    const r = schema.definitions.tokenizerResult;
    expect(r.required).toEqual(expect.arrayContaining(['tokenizer', 'languages', 'premium', 'effectiveContext', 'cost', 'domains', 'pairCounts']));
    expect(r.properties.tokenizer.required).toEqual(expect.arrayContaining(['id', 'name', 'origin', 'vocabSize', 'contextWindow', 'sha256', 'source', 'engine']));
    expect(schema.definitions.languageStats.required).toEqual(expect.arrayContaining(['tokens', 'characters', 'bytes', 'tokensPerChar', 'charsPerToken', 'bytesPerToken']));
    // Removing a contract field from a real result is caught.
    const broken = real();
    delete (broken['corpus'] as Record<string, unknown>)['sha256'];
    expect(resultsSchemaErrors(broken).join('\n')).toMatch(/\/corpus must have required property 'sha256'/);
  });

  it('accepts fields it does not know (other features add optional fields)', () => {
    const r = real() as { results: Record<string, unknown>[]; corpus: Record<string, unknown> } & Record<string, unknown>;
    r['bootstrap'] = { samples: 1000 };
    r.corpus['origin'] = 'somewhere';
    r.results[0]!['sanity'] = { roundTrip: true };
    (r.results[0]!['languages'] as Record<string, Record<string, unknown>>)['zh']!['p90'] = 3;
    expect(resultsSchemaErrors(r)).toEqual([]);
  });

  it('writes undefined ratios as null and accepts them', () => {
    const r = real() as { results: { premium: unknown }[] };
    r.results[0]!.premium = null;
    expect(resultsSchemaErrors(r)).toEqual([]);
    r.results[0]!.premium = 'high';
    expect(resultsSchemaErrors(r).join('\n')).toMatch(/\/results\/0\/premium must be number,null/);
  });
});

describe('schema versions', () => {
  const withVersion = (v: unknown) => ({ ...real(), schemaVersion: v });
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      return (err as Error).message + ' | ' + ((err as DataError).hint ?? '');
    }
    throw new Error('expected a DataError');
  };

  it('reads the current version', () => {
    expect(parseResults(withVersion(1), 'x.json').results).toHaveLength(2);
  });

  it('refuses a newer version saying to upgrade tokbench', () => {
    expect(message(() => parseResults(withVersion(2), 'new.json'))).toMatch(/new\.json uses results schemaVersion 2, newer than this tokbench reads \(1\).*upgrade tokbench/);
  });

  it('refuses files without or with an impossible version, saying how to regenerate', () => {
    const { schemaVersion: _drop, ...noVersion } = real();
    expect(message(() => parseResults(noVersion, 'old.json'))).toMatch(/old\.json has no schemaVersion.*tokbench run --format json/);
    expect(message(() => parseResults(withVersion(0), 'v0.json'))).toMatch(/schemaVersion 0, which no tokbench release ever wrote/);
    expect(message(() => parseResults([1, 2], 'arr.json'))).toMatch(/not a tokbench results file/);
  });

  it('readResultsFile names the file for missing, non-JSON and invalid content', () => {
    expect(message(() => readResultsFile(join(dir, 'nope.json'), 'baseline'))).toMatch(/baseline not found: .*nope\.json/);
    writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 1,');
    expect(message(() => readResultsFile(join(dir, 'bad.json'), 'baseline'))).toMatch(/baseline .*bad\.json is not valid JSON/);
    writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ schemaVersion: 1, results: 'none' }));
    expect(message(() => readResultsFile(join(dir, 'invalid.json')))).toMatch(/invalid\.json does not match the results schema \(v1\): .*must have required property/);
  });
});
