import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_PRICES, countEnglishWords, loadPriceTable, priceReport, validatePriceTable } from '../../src/core/prices.js';
import { DataError } from '../../src/core/errors.js';
import { findPreset } from '../../src/tokenizers/presets.js';
import type { BenchmarkResult } from '../../src/core/types.js';

const dir = mkdtempSync(join(tmpdir(), 'tokbench-prices-'));
const good = { model: 'm', vendor: 'v', tokenizer: 'cl100k_base', currency: 'USD', inputPer1M: 2, outputPer1M: 8, asOf: '2024-05-01', source: 'https://example.test/pricing' };

describe('bundled price table', () => {
  it('validates, dates every price, and maps every entry to a real preset id', () => {
    const t = loadPriceTable(BUNDLED_PRICES);
    expect(t.entries.length).toBeGreaterThan(0);
    for (const e of t.entries) {
      expect(e.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(e.source).toMatch(/^https:\/\//);
      expect(findPreset(e.tokenizer)?.id).toBe(e.tokenizer);
      // a price cannot be dated after the table was compiled
      expect(e.asOf <= t.compiled).toBe(true);
    }
    expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('price table validation', () => {
  const bad: [string, unknown, RegExp][] = [
    ['no date', { entries: [{ ...good, asOf: undefined }] }, /entries\[0\]\.asOf must be the date/],
    ['impossible date', { entries: [{ ...good, asOf: '2024-02-30' }] }, /entries\[0\]\.asOf/],
    ['currency', { entries: [good, { ...good, currency: 'usd' }] }, /entries\[1\]\.currency/],
    ['negative price', { entries: [{ ...good, inputPer1M: -1 }] }, /entries\[0\]\.inputPer1M/],
    ['no source URL', { entries: [{ ...good, source: 'the website' }] }, /entries\[0\]\.source/],
    ['empty', { entries: [] }, /non-empty array/],
    ['not an object', [good], /JSON object/],
  ];
  for (const [name, data, msg] of bad) {
    it(`rejects ${name} with a data error naming the file and field`, () => {
      expect(() => validatePriceTable(data, 'p.json', 'x')).toThrow(DataError);
      expect(() => validatePriceTable(data, 'p.json', 'x')).toThrow(msg);
      expect(() => validatePriceTable(data, 'p.json', 'x')).toThrow(/price table p\.json/);
    });
  }

  it('loads a user file; a missing or malformed file is a data error', () => {
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ entries: [good] }));
    const t = loadPriceTable(ok);
    expect(t.entries[0]).toMatchObject({ model: 'm', inputPer1M: 2, asOf: '2024-05-01' });
    expect(t.compiled).toBe('2024-05-01'); // defaults to the newest entry date
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"entries": [');
    expect(() => loadPriceTable(broken)).toThrow(/not valid JSON/);
    expect(() => loadPriceTable(join(dir, 'absent.json'))).toThrow(/cannot read price table .*ENOENT/);
  });
});

describe('cost arithmetic', () => {
  it('counts whitespace-delimited words', () => {
    expect(countEnglishWords('  The cat\tsat,  on the\nmat. ')).toBe(6);
    expect(countEnglishWords('')).toBe(0);
  });

  it('per 1M Chinese characters and per 1M English-equivalent words, computed by hand', () => {
    // zh: 150 tokens over 100 chars; en: 100 tokens; 80 English words. Price $2 in / $8 out per 1M tokens.
    const result = {
      corpus: { pairUnits: { zhChars: [60, 40], enChars: [0, 0], enWords: [50, 30] } },
      results: [{ tokenizer: { id: 'cl100k_base' }, languages: { zh: { tokens: 150, tokensPerChar: 1.5 }, en: { tokens: 100 } } }],
    } as unknown as BenchmarkResult;
    const rep = priceReport(result, validatePriceTable({ compiled: '2024-06-01', entries: [good, { ...good, tokenizer: 'other' }] }, 'p', 'abc'));
    expect(rep.rows).toHaveLength(1); // the entry for a tokenizer not in the run is left out
    const r = rep.rows[0]!;
    expect(r.perMillionZhChars.input).toBeCloseTo(3.0, 12); // 1.5 tok/char × $2
    expect(r.perMillionZhChars.output).toBeCloseTo(12.0, 12);
    expect(r.perMillionEnWords.zhInput).toBeCloseTo((150 / 80) * 2, 12);
    expect(r.perMillionEnWords.enInput).toBeCloseTo((100 / 80) * 2, 12);
    expect(r.asOf).toBe('2024-05-01');
    expect(rep.table).toEqual({ name: 'p', sha256: 'abc', asOf: '2024-06-01' });
  });
});
