/**
 * One self-contained HTML page: inline CSS and inline SVG only, no script, and a CSP that forbids every
 * network fetch, so the file reads the same offline, in a mail attachment or in an archive years later.
 */
import type { BenchmarkResult, TokenizerResult } from '../core/types.js';
import { pickColumns, verdictLines } from './columns.js';
import { bootstrapNote, domainPremiumGrid, domainRankingSentence, fmtInterval, priceCells, priceNote, PRICE_HEADERS } from './publish.js';
import { barChart, escapeXml as esc, heatMap } from './svg.js';

const SUMMARY_KEYS = ['tokenizer', 'origin', 'vocab', 'zh_tokens', 'en_tokens', 'zh_tokens_per_char', 'zh_chars_per_token', 'premium', 'context_window', 'zh_chars_in_window', 'english_equivalent_share', 'cost_vs_best'];

/** Intervals go under their value in the same cell, which keeps the table narrow enough to print. */
const CELL_INTERVALS: Record<string, (r: TokenizerResult) => string> = {
  zh_tokens_per_char: (r) => fmtInterval(r.intervals?.zhTokensPerChar, 3),
  premium: (r) => fmtInterval(r.intervals?.premium, 3),
  english_equivalent_share: (r) => fmtInterval(r.intervals && { low: r.intervals.englishEquivalentShare.low * 100, high: r.intervals.englishEquivalentShare.high * 100 }, 0, '%'),
};

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--western:#d1495b;--chinese:#2e86ab;--unknown:#8c8c8c;--band:rgba(237,174,73,.28);--ref:#57606a;--whisker:#1b1f24}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--panel:#161b22;--line:#30363d;--western:#f47c8a;--chinese:#5ab4dc;--unknown:#a0a0a0;--band:rgba(237,174,73,.22);--ref:#9da7b3;--whisker:#e6edf3}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:24px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
.muted,figcaption,.note{color:var(--muted);font-size:.9em}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.88em;margin:.4em 0}
th,td{border:1px solid var(--line);padding:3px 7px;vertical-align:top}th{background:var(--panel);text-align:left}
td.num{text-align:right;white-space:nowrap}.ci{color:var(--muted);font-size:.85em}td.nowrap{white-space:nowrap}
.scroll{overflow-x:auto}
code,.sig{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
.sig{background:var(--panel);border:1px solid var(--line);padding:8px;border-radius:6px}
ul.verdict li{margin:.25em 0}
figure{margin:1em 0;break-inside:avoid}
svg.chart{max-width:100%;height:auto;font-size:12px}
svg .label,svg .value,svg .tick,svg .col-label,svg .band-label,svg .ref-label{fill:var(--fg)}
svg .tick,svg .band-label,svg .ref-label{fill:var(--muted);font-size:11px}
svg .grid{stroke:var(--line);stroke-width:1}
svg .bar-western{fill:var(--western)}svg .bar-chinese{fill:var(--chinese)}svg .bar-unknown{fill:var(--unknown)}
svg .band{fill:var(--band)}
svg .ref{stroke:var(--ref);stroke-dasharray:4 3;stroke-width:1.2}
svg .whisker line{stroke:var(--whisker);stroke-width:1.6}
svg .cell-text{fill:#111;font-size:11px}svg .cell-text.on-dark{fill:#fff}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .9em;vertical-align:-.1em;border-radius:2px}
.warn{border-left:3px solid #e0a800;padding-left:8px}
@media print{:root{--fg:#000;--muted:#333;--bg:#fff;--panel:#f2f2f2;--line:#bbb}body{max-width:none;padding:0;font-size:11pt}.scroll{overflow:visible}h2{break-after:avoid}table,figure{break-inside:avoid}}
`;

const num = (s: string) => `<td class="num">${esc(s)}</td>`;

function legend(): string {
  return '<p class="legend muted">Bars: <span style="background:var(--western)"></span>Western tokenizer <span style="background:var(--chinese)"></span>Chinese-centric tokenizer. Whiskers: 95% interval.</p>';
}

function summaryTable(result: BenchmarkResult): string {
  const cols = pickColumns(SUMMARY_KEYS);
  const head = cols.map((c) => `<th>${esc(c.header)}</th>`).join('');
  const cell = (c: (typeof cols)[number], r: TokenizerResult) => {
    const ci = CELL_INTERVALS[c.key]?.(r);
    if (c.align !== 'right') return `<td>${esc(c.format(r))}</td>`;
    return ci ? `<td class="num">${esc(c.format(r))}<br><span class="ci">${esc(ci)}</span></td>` : num(c.format(r));
  };
  const rows = result.results.map((r) => `<tr data-tokenizer="${esc(r.tokenizer.id)}">${cols.map((c) => cell(c, r)).join('')}</tr>`);
  return `<div class="scroll"><table id="summary"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

const group = (r: TokenizerResult) => r.tokenizer.origin;

function charts(result: BenchmarkResult): string {
  const rs = result.results;
  const out: string[] = [];
  out.push('<h2>Tokens per Chinese character</h2>', legend(), '<figure>', barChart({
    id: 'zh-tokens-per-char',
    title: 'Chinese tokens per Chinese character (lower is better)',
    bars: rs.map((r) => ({ label: r.tokenizer.id, value: r.languages.zh.tokensPerChar, group: group(r), ...(r.intervals ? { low: r.intervals.zhTokensPerChar.low, high: r.intervals.zhTokensPerChar.high } : {}) })),
    format: (n) => n.toFixed(2),
    refs: [{ at: 1, label: '1 token per character' }],
  }), '<figcaption>Chinese tokens ÷ Chinese characters; lower is better.</figcaption></figure>');
  out.push('<h2>Premium: Chinese tokens ÷ English tokens for the same content</h2>', '<figure>', barChart({
    id: 'premium',
    title: 'Premium (zh tokens ÷ en tokens), with 95% intervals',
    bars: rs.map((r) => ({ label: r.tokenizer.id, value: r.premium, group: group(r), ...(r.intervals ? { low: r.intervals.premium.low, high: r.intervals.premium.high } : {}) })),
    format: (n) => `${n.toFixed(2)}×`,
    band: { from: 2, to: 3, label: 'claimed 2–3×' },
    refs: [{ at: 1, label: 'parity' }],
  }), '<figcaption>1× means Chinese and English cost the same number of tokens; the shaded band is the claim "double or triple".</figcaption></figure>');
  out.push('<h2>Effective context</h2>', '<figure>', barChart({
    id: 'effective-context',
    title: 'Share of the content that fits the same window in Chinese, relative to English',
    bars: rs.map((r) => ({ label: r.tokenizer.id, value: r.effectiveContext.englishEquivalentShare * 100, group: group(r), ...(r.intervals ? { low: r.intervals.englishEquivalentShare.low * 100, high: r.intervals.englishEquivalentShare.high * 100 } : {}) })),
    format: (n) => `${n.toFixed(0)}%`,
    refs: [{ at: 100, label: 'same as English' }],
  }), '<figcaption>English tokens ÷ Chinese tokens: above 100%, a window holds more content in Chinese than in English.</figcaption></figure>');
  const grid = domainPremiumGrid(result);
  if (grid) {
    const ranking = domainRankingSentence(result);
    out.push('<h2>Premium per domain</h2>', '<figure><div class="scroll">', heatMap({
      id: 'domain-premium',
      title: 'Premium (zh ÷ en tokens) per tokenizer and domain',
      rows: grid.rows.map((r) => r.id),
      cols: grid.domains,
      values: grid.rows.map((r) => r.values),
      format: (n) => `${n.toFixed(2)}×`,
      neutral: 1,
    }), `</div><figcaption>Blue: Chinese cheaper than English in that domain; red: dearer; white: parity.${ranking ? ` ${esc(ranking)}` : ''}</figcaption></figure>`);
  }
  return out.join('\n');
}

function pricesSection(result: BenchmarkResult): string {
  if (!result.prices) return '';
  const rows = result.prices.rows.map((p) => {
    const cells = priceCells(p);
    const src = cells.pop()!;
    return `<tr>${cells.map((c, i) => (i >= 2 && i !== 3 ? num(c) : `<td${i === 3 ? ' class="nowrap"' : ''}>${esc(c)}</td>`)).join('')}<td><code>${esc(src)}</code></td></tr>`;
  });
  const note = priceNote(result);
  return ['<h2>Cost at list prices</h2>',
    rows.length
      ? `<div class="scroll"><table id="prices"><thead><tr>${PRICE_HEADERS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p class="muted">No price in the table applies to the tokenizers in this run.</p>',
    note ? `<p class="note">${esc(note)}</p>` : ''].join('\n');
}

function provenance(result: BenchmarkResult): string {
  const p = result.protocol;
  const c = result.corpus;
  const toks = result.results.map((r) => {
    const s = r.tokenizer.source;
    const from = s.package ? `${s.package}${s.version ? `@${s.version}` : ''}` : s.path ?? s.kind;
    return `<tr><td>${esc(r.tokenizer.id)}</td><td>${esc(r.tokenizer.name)}</td><td>${esc(r.tokenizer.vendor)}</td><td>${esc(r.tokenizer.engine)}</td><td><code>${esc(from)}</code></td><td><code>${esc(r.tokenizer.sha256)}</code></td></tr>`;
  });
  const files = c.files.map((f) => `<li><code>${esc(f.path)}</code> — ${f.bytes.toLocaleString('en-US')} bytes, sha256 <code>${esc(f.sha256)}</code></li>`);
  return [
    '<h2>Protocol and reproducibility</h2>',
    `<p>Segmentation <b>${esc(p.segmentation)}</b> (each side of each pair encoded alone, counts summed); special tokens <b>${p.specialTokens ? 'added' : 'not added'}</b>; normalisation ${esc(p.normalization)}; characters = ${esc(p.charUnit)}; HF engine ${esc(p.hfEngine)}.</p>`,
    `<p>Signature:</p><p class="sig" id="signature">${esc(result.signature.text)}</p>`,
    '<h2>Corpus</h2>',
    `<p><b>${esc(c.id)}</b> (${esc(c.format)}), ${c.pairs.toLocaleString('en-US')} pairs${c.license ? `, licence ${esc(c.license)}` : ''}. sha256 <code>${esc(c.sha256)}</code>.${c.description ? ` ${esc(c.description)}` : ''}</p>`,
    files.length ? `<ul>${files.join('')}</ul>` : '',
    '<h2>Tokenizers</h2>',
    `<div class="scroll"><table id="tokenizers"><thead><tr><th>id</th><th>name</th><th>vendor</th><th>engine</th><th>source</th><th>sha256</th></tr></thead><tbody>${toks.join('')}</tbody></table></div>`,
    `<p class="muted">${Object.entries(result.environment.packages).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}; Node ${esc(result.environment.node)} on ${esc(result.environment.platform)}; created ${esc(result.createdAt)}.</p>`,
  ].join('\n');
}

export function renderHtml(result: BenchmarkResult): string {
  const verdict = verdictLines(result);
  const title = `tokbench: ${result.corpus.id} corpus (${result.corpus.pairs} pairs)`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="muted">How many more tokens the same content costs in Chinese than in English, per tokenizer. ${result.results.length} tokenizers${result.failures.length ? `, ${result.failures.length} failed` : ''}.</p>`,
    verdict.length ? `<h2>The claim that Western tokenizers "double or triple" the cost of Chinese</h2><ul class="verdict">${verdict.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>` : '',
    '<h2>Summary</h2>',
    summaryTable(result),
    bootstrapNote(result) ? `<p class="note">${esc(bootstrapNote(result)!)}</p>` : '',
    ...result.failures.map((f) => `<p class="warn">Failed: <code>${esc(f.tokenizer.id)}</code>: ${esc(f.error)}</p>`),
    charts(result),
    pricesSection(result),
    ...(result.warnings.length ? ['<h2>Warnings</h2>', `<ul>${result.warnings.map((w) => `<li class="warn">${esc(w)}</li>`).join('')}</ul>`] : []),
    provenance(result),
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="tokbench ${esc(result.tool.version)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
