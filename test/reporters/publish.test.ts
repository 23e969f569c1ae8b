import { describe, expect, it } from 'vitest';
import { get_encoding } from 'tiktoken';
import { runBenchmark } from '../../src/core/runner.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { renderCsv } from '../../src/reporters/csv.js';
import { renderJson } from '../../src/reporters/json.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderTable } from '../../src/reporters/table.js';
import { verdictSentence } from '../../src/reporters/publish.js';
import type { TokenizerResult } from '../../src/core/types.js';

/** Minimal RFC 4180 reader (quoted fields, doubled quotes), written here so the test does not trust the writer. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '', row: string[] = [], quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); records.push(row); row = []; field = ''; } else field += c;
  }
  const [head, ...body] = records;
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

const corpus = loadBundledCorpus();
const result = await runBenchmark({ corpus, tokenizers: ['cl100k_base', 'qwen3'], bootstrap: 300, seed: 9 });
const cl = result.results[0]!;

describe('every format shows intervals, domains, dated prices and the verdict', () => {
  it('per-domain premium equals tiktoken counts summed over that domain (independent reference)', () => {
    const enc = get_encoding('cl100k_base');
    const news = corpus.pairs.filter((p) => p.domain === 'news');
    const zh = news.reduce((s, p) => s + enc.encode_ordinary(p.zh).length, 0);
    const en = news.reduce((s, p) => s + enc.encode_ordinary(p.en).length, 0);
    enc.free();
    expect(cl.domains.news!.premium).toBeCloseTo(zh / en, 12);
    const md = renderMarkdown(result);
    const row = md.split('\n').find((l) => l.startsWith('| news |'))!;
    const headers = md.split('\n').find((l) => l.startsWith('| domain | pairs |'))!.split('|').map((s) => s.trim());
    expect(row.split('|').map((s) => s.trim())[headers.indexOf('cl100k_base')]).toBe(`${(zh / en).toFixed(2)}×`);
    expect(row.split('|').map((s) => s.trim())[headers.indexOf('pairs')]).toBe(String(news.length));
  });

  it('Markdown', () => {
    const md = renderMarkdown(result);
    expect(md).toContain(`cl100k_base: the same content costs ${cl.premium.toFixed(2)}× as many tokens in Chinese as in English (95% CI ${cl.intervals!.premium.low.toFixed(2)}–${cl.intervals!.premium.high.toFixed(2)})`);
    expect(md).toMatch(/300 resamples, mulberry32 seed 9/);
    expect(md).toMatch(/^\| gpt-4-turbo-2024-04-09 \| cl100k_base \| \$10\.00 \/ \$30\.00 \| 2024-04-09 \|/m);
    expect(md).toContain('**Premium (zh tokens ÷ en tokens) per domain**');
    expect(md).toContain(`Signature: \`${result.signature.text}\``);
  });

  it('terminal table', () => {
    const t = renderTable(result);
    expect(t).toContain(`${cl.intervals!.premium.low.toFixed(3)}–${cl.intervals!.premium.high.toFixed(3)}`);
    expect(t).toMatch(/^gpt-3\.5-turbo-0125 +cl100k_base .* 2024-01-25 /m);
    expect(t).toMatch(/^Premium \(zh tokens ÷ en tokens\) per domain:$/m);
    expect(t).toContain(verdictSentence(cl));
  });

  it('CSV: raw interval ends bracket the premium, per-domain columns, dated prices, verdict', () => {
    const rows = parseCsv(renderCsv(result));
    const r = rows.find((x) => x.tokenizer === 'cl100k_base')!;
    expect(Number(r.premium_ci95_low)).toBe(cl.intervals!.premium.low);
    expect(Number(r.premium_ci95_low)).toBeLessThan(Number(r.premium));
    expect(Number(r.premium_ci95_high)).toBeGreaterThan(Number(r.premium));
    expect(Number(r.premium_domain_software)).toBe(cl.domains.software!.premium);
    expect(r.prices).toMatch(/gpt-4-turbo-2024-04-09: USD 10\/30 per 1M tokens in\/out as of 2024-04-09/);
    expect(r.verdict).toBe(verdictSentence(cl));
    expect(rows.find((x) => x.tokenizer === 'qwen3')!.verdict).toBe(''); // verdicts are about Western tokenizers
  });

  it('JSON carries the structured intervals, bootstrap settings and prices', () => {
    const j = JSON.parse(renderJson(result));
    expect(j.bootstrap).toMatchObject({ status: 'ok', resamples: 300, seed: 9, level: 0.95, method: 'paired-bootstrap-percentile' });
    expect(j.results[0].intervals.premium.low).toBe(cl.intervals!.premium.low);
    expect(j.prices.rows.every((p: { asOf: string; source: string }) => /^\d{4}-\d{2}-\d{2}$/.test(p.asOf) && p.source.startsWith('https://'))).toBe(true);
    expect(j.corpus.pairUnits.zhChars).toHaveLength(corpus.pairs.length);
    // the verdict, structured: only Western tokenizers, side decided from the premium against [2, 3]
    expect(j.claim.range).toEqual([2, 3]);
    expect(j.claim.verdicts).toHaveLength(1);
    expect(j.claim.verdicts[0]).toMatchObject({ tokenizer: 'cl100k_base', side: cl.premium < 2 ? 'below' : cl.premium > 3 ? 'above' : 'within', sentence: verdictSentence(cl) });
    expect(j.claim.verdicts[0].settled).toBe(cl.intervals!.premium.high < 2 || cl.intervals!.premium.low > 3 || (cl.intervals!.premium.low >= 2 && cl.intervals!.premium.high <= 3));
  });
});

describe('verdict sentences are generated from the numbers', () => {
  const mk = (premium: number, low?: number, high?: number) => ({
    tokenizer: { id: 't' }, premium,
    ...(low !== undefined ? { intervals: { premium: { low, high } } } : {}),
  }) as unknown as TokenizerResult;
  it('within, below, above, and an interval crossing a boundary', () => {
    expect(verdictSentence(mk(2.43, 2.38, 2.49))).toBe('t: the same content costs 2.43× as many tokens in Chinese as in English (95% CI 2.38–2.49), within the claimed 2–3× range.');
    expect(verdictSentence(mk(1.5))).toMatch(/costs 1\.50× .*English, below the claimed 2–3× range\.$/);
    expect(verdictSentence(mk(3.2, 3.1, 3.3))).toMatch(/above the claimed 2–3× range\.$/);
    expect(verdictSentence(mk(1.98, 1.9, 2.05))).toMatch(/below the claimed 2–3× range; the interval crosses 2×, so the data do not settle which side\.$/);
  });
});
