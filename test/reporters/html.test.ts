import { describe, expect, it } from 'vitest';
import { runBenchmark } from '../../src/core/runner.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';
import { renderHtml } from '../../src/reporters/html.js';
import { verdictLines } from '../../src/reporters/columns.js';
import { barChart, divergingColor, escapeXml, heatMap, niceStep } from '../../src/reporters/svg.js';
import type { BenchmarkResult } from '../../src/core/types.js';

const result = await runBenchmark({ corpus: loadBundledCorpus(), tokenizers: ['gpt2', 'cl100k_base', 'qwen3'], bootstrap: 200 });
const html = renderHtml(result);

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const chart = (id: string) => html.slice(html.indexOf(`data-chart="${id}"`), html.indexOf('</svg>', html.indexOf(`data-chart="${id}"`)));

describe('HTML report (markup)', () => {
  it('is self-contained: no script, no external reference, a CSP that blocks fetches, light and dark styles, print styles', () => {
    expect(html).not.toMatch(/<script|<link|<iframe|<img/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).toMatch(/@media \(prefers-color-scheme:dark\)/);
    expect(html).toMatch(/@media print/);
  });

  it('has one summary row and one bar per tokenizer in each chart, and whiskers when intervals exist', () => {
    expect(count(html, /<tr data-tokenizer=/g)).toBe(3);
    for (const id of ['zh-tokens-per-char', 'premium', 'effective-context']) {
      expect(count(chart(id), /<rect class="bar /g)).toBe(3);
      expect(count(chart(id), /<g class="whisker"/g)).toBe(3);
    }
    expect(count(chart('domain-premium'), /<rect class="cell"/g)).toBe(3 * Object.keys(result.corpus.domains).length);
  });

  it('bar lengths are proportional to the values (premium chart)', () => {
    const widths = [...chart('premium').matchAll(/<rect class="bar [^"]*" data-label="([^"]+)"[^>]* width="([\d.]+)"/g)].map((m) => [m[1], Number(m[2])] as const);
    const w = Object.fromEntries(widths);
    const p = Object.fromEntries(result.results.map((r) => [r.tokenizer.id, r.premium]));
    // widths are rounded to 0.01 px on a 420 px plot
    expect(w.gpt2! / w.qwen3!).toBeCloseTo(p.gpt2! / p.qwen3!, 2);
  });

  it('states the verdict, the signature, the corpus hash, the bootstrap settings and dated prices', () => {
    for (const v of verdictLines(result)) expect(html).toContain(escapeXml(v));
    expect(html).toContain(escapeXml(result.signature.text));
    expect(html).toContain(result.corpus.sha256);
    expect(html).toMatch(/200 resamples, mulberry32 seed \d+/);
    for (const row of result.prices!.rows) {
      const tr = html.slice(html.indexOf(`<td>${escapeXml(row.model)}</td>`));
      expect(tr.slice(0, tr.indexOf('</tr>'))).toContain(row.asOf);
    }
  });

  it('escapes names that come from user files', () => {
    const evil: BenchmarkResult = { ...result, results: [{ ...result.results[0]!, tokenizer: { ...result.results[0]!.tokenizer, id: '<img src=x onerror=alert(1)>' } }] };
    const out = renderHtml(evil);
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('SVG helpers', () => {
  it('niceStep picks 1, 2 or 5 × 10^k', () => {
    expect(niceStep(3)).toBe(1); // 3/5 = 0.6 → 1
    expect(niceStep(140)).toBe(50); // 28 → 50
    expect(niceStep(2)).toBeCloseTo(0.5, 12); // 0.4 → 0.5
    expect(niceStep(0.9)).toBeCloseTo(0.2, 12); // 0.18 → 0.2
  });

  it('diverging colours: blue below parity, red above, neutral is the lightest', () => {
    expect(divergingColor(0.7, 1, 3)).toMatch(/^hsl\(215 /);
    expect(divergingColor(2.5, 1, 3)).toMatch(/^hsl\(5 /);
    const light = (c: string) => Number(/ (\d+)%\)$/.exec(c)![1]);
    expect(light(divergingColor(1, 1, 3))).toBe(92);
    expect(light(divergingColor(3, 1, 3))).toBeLessThan(light(divergingColor(1.5, 1, 3)));
    // symmetric on a log scale: ×2 and ÷2 are equally dark
    expect(light(divergingColor(2, 1, 3))).toBe(light(divergingColor(0.5, 1, 3)));
  });

  it('a bar without interval has no whisker; missing heat-map values render as "–"', () => {
    const svg = barChart({ id: 'x', title: 't', bars: [{ label: 'a', value: 1, group: 'western' }, { label: 'b', value: 2, group: 'chinese', low: 1.5, high: 2.5 }], format: String });
    expect(count(svg, /<g class="whisker"/g)).toBe(1);
    const hm = heatMap({ id: 'h', title: 't', rows: ['a'], cols: ['x', 'y'], values: [[1.2, null]], format: (n) => n.toFixed(1), neutral: 1 });
    expect(count(hm, /<rect class="cell"/g)).toBe(2);
    expect(hm).toMatch(/>–<\/text>/);
  });
});
