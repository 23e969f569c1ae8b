/**
 * Publishing sections shared by every view (table, Markdown, CSV, HTML): intervals, the per-domain premium
 * table, dated prices and the verdict. Each view decides layout; the words and numbers come from here so the
 * formats cannot disagree.
 */
import type { BenchmarkResult, BootstrapInterval, ClaimVerdict, PriceRow, TokenizerResult } from '../core/types.js';
import type { ResultFinalizer } from '../core/passes.js';

export const CLAIM_LOW = 2;
export const CLAIM_HIGH = 3;

const finite = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

export function fmtInterval(iv: BootstrapInterval | undefined, digits: number, suffix = ''): string {
  if (!iv || !finite(iv.low) || !finite(iv.high)) return '';
  return `${iv.low.toFixed(digits)}${suffix}–${iv.high.toFixed(digits)}${suffix}`;
}

/** "(95% CI 2.38–2.49)", or '' when no interval was computed. */
export function ciPhrase(iv: BootstrapInterval | undefined, digits = 2): string {
  const s = fmtInterval(iv, digits);
  return s ? ` (95% CI ${s})` : '';
}

type Side = 'below' | 'within' | 'above';
export function claimSide(x: number): Side {
  return x < CLAIM_LOW ? 'below' : x > CLAIM_HIGH ? 'above' : 'within';
}

/**
 * One sentence on the "double or triple" claim for one tokenizer, generated from its premium and interval.
 * When the interval reaches across a boundary of [2, 3] the sentence says the data do not settle the side.
 */
export function verdictSentence(r: TokenizerResult): string {
  const p = r.premium;
  const iv = r.intervals?.premium;
  const side = claimSide(p);
  const where = side === 'within' ? 'within the claimed 2–3× range' : `${side} the claimed 2–3× range`;
  let tail = '';
  if (iv && finite(iv.low) && finite(iv.high)) {
    const crossed = [CLAIM_LOW, CLAIM_HIGH].filter((b) => iv.low < b && iv.high > b);
    if (crossed.length) tail = `; the interval crosses ${crossed.map((b) => `${b}×`).join(' and ')}, so the data do not settle which side`;
  }
  return `${r.tokenizer.id}: the same content costs ${p.toFixed(2)}× as many tokens in Chinese as in English${ciPhrase(iv)}, ${where}${tail}.`;
}

/** How intervals were made, in one line (or why they are missing). */
export function bootstrapNote(result: BenchmarkResult): string | undefined {
  const b = result.bootstrap;
  if (!b) return undefined;
  // A skipped bootstrap is already reported among the warnings, with its reason.
  if (b.status === 'skipped') return undefined;
  return `Intervals: ${Math.round(b.level * 100)}% percentile intervals from a paired bootstrap over ${b.unit}s (${b.resamples.toLocaleString('en-US')} resamples, ${b.prng} seed ${b.seed}).`;
}

export function domainNames(result: BenchmarkResult): string[] {
  const names = new Set<string>();
  for (const r of result.results) for (const d of Object.keys(r.domains)) names.add(d);
  return [...names].sort();
}

/** Per-domain premium grid (tokenizers × domains); null when the corpus has a single domain. */
export function domainPremiumGrid(result: BenchmarkResult): { domains: string[]; rows: { id: string; values: (number | null)[] }[] } | null {
  const domains = domainNames(result);
  if (domains.length < 2) return null;
  return {
    domains,
    rows: result.results.map((r) => ({ id: r.tokenizer.id, values: domains.map((d) => (r.domains[d] ? r.domains[d]!.premium : null)) })),
  };
}

/**
 * Which domains cost Chinese most: domains ranked by the mean, over tokenizers, of (domain premium ÷ the
 * tokenizer's overall premium), so one very inefficient tokenizer does not dominate the ranking.
 */
export function domainRanking(result: BenchmarkResult): { domain: string; relative: number }[] {
  const grid = domainPremiumGrid(result);
  if (!grid) return [];
  return grid.domains
    .map((domain, j) => {
      const rel = result.results
        .map((r, i) => (grid.rows[i]!.values[j] ?? Number.NaN) / r.premium)
        .filter((x) => Number.isFinite(x));
      return { domain, relative: rel.reduce((a, b) => a + b, 0) / (rel.length || 1) };
    })
    .filter((d) => Number.isFinite(d.relative) && d.relative > 0)
    .sort((a, b) => b.relative - a.relative);
}

export function domainRankingSentence(result: BenchmarkResult): string | undefined {
  const ranked = domainRanking(result);
  if (ranked.length < 2) return undefined;
  const show = (d: { domain: string; relative: number }) => `${d.domain} ${d.relative.toFixed(2)}×`;
  return `Domains that cost Chinese most (domain premium ÷ overall premium, averaged over tokenizers): ${ranked.slice(0, 3).map(show).join(', ')}; least: ${ranked.slice(-2).reverse().map(show).join(', ')}.`;
}

export function money(x: number, currency: string): string {
  if (!Number.isFinite(x)) return '–';
  const sym = currency === 'USD' ? '$' : `${currency} `;
  return `${sym}${x < 1 ? x.toFixed(3) : x.toFixed(2)}`;
}

export const PRICE_HEADERS = ['model', 'tokenizer', 'price in / out per 1M tokens', 'as of', 'input per 1M zh chars', 'input per 1M en-equiv. words: zh', 'en', 'source'];

export function priceCells(p: PriceRow): string[] {
  const ci = (iv: BootstrapInterval | undefined) => (iv ? ` (${money(iv.low, p.currency)}–${money(iv.high, p.currency)})` : '');
  return [
    p.model,
    p.tokenizer,
    `${money(p.inputPer1M, p.currency)} / ${money(p.outputPer1M, p.currency)}`,
    p.asOf,
    `${money(p.perMillionZhChars.input, p.currency)}${ci(p.intervals?.zhCharsInput)}`,
    `${money(p.perMillionEnWords.zhInput, p.currency)}${ci(p.intervals?.enWordsZhInput)}`,
    money(p.perMillionEnWords.enInput, p.currency),
    p.source,
  ];
}

export function priceNote(result: BenchmarkResult): string | undefined {
  if (!result.prices) return undefined;
  const t = result.prices.table;
  return `Prices: list prices as of the date on each row (table "${t.name}", compiled ${t.asOf}, sha256 ${t.sha256.slice(0, 8)}); they change, so check the source. ` +
    'Per 1M en-equiv. words = the cost of the Chinese text that says what 1M English words say (zh) and of the English words themselves (en), both as input.';
}

/** A compact one-cell description of a tokenizer's prices (for CSV rows). */
export function priceSummary(result: BenchmarkResult, id: string): string {
  return (result.prices?.rows ?? [])
    .filter((p) => p.tokenizer === id)
    .map((p) => `${p.model}: ${p.currency} ${p.inputPer1M}/${p.outputPer1M} per 1M tokens in/out as of ${p.asOf} → ${p.perMillionZhChars.input.toFixed(4)} per 1M zh chars (input) (${p.source})`)
    .join('; ');
}

export interface ReportSection {
  title: string;
  headers: string[];
  aligns: ('left' | 'right')[];
  rows: string[][];
  /** Sentences printed under the table. */
  notes: string[];
}

/** The per-domain premium table and the dated price table, as layout-free sections for table/Markdown. */
export function publishSections(result: BenchmarkResult): ReportSection[] {
  const out: ReportSection[] = [];
  const grid = domainPremiumGrid(result);
  if (grid) {
    const ranking = domainRankingSentence(result);
    const cell = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
    // One row per domain (tokenizers as columns): rows stay readable however many domains a corpus has, and
    // the summary table remains the only one whose rows start with a tokenizer id.
    out.push({
      title: 'Premium (zh tokens ÷ en tokens) per domain',
      headers: ['domain', 'pairs', ...grid.rows.map((r) => r.id)],
      aligns: ['left', 'right', ...grid.rows.map(() => 'right' as const)],
      rows: grid.domains.map((d, j) => [d, String(result.corpus.domains[d] ?? ''), ...grid.rows.map((r) => cell(r.values[j] ?? null))]),
      notes: ranking ? [ranking] : [],
    });
  }
  if (result.prices) {
    const note = priceNote(result);
    out.push({
      title: 'Cost at list prices (each price with its date)',
      headers: PRICE_HEADERS,
      aligns: ['left', 'left', 'right', 'left', 'right', 'right', 'right', 'left'],
      rows: result.prices.rows.map(priceCells),
      notes: result.prices.rows.length ? (note ? [note] : []) : ['No price in the table applies to the tokenizers in this run.'],
    });
  }
  return out;
}

const mdEsc = (s: string) => s.replace(/\|/g, '\\|');

/** Markdown lines for the bootstrap note and the publishing sections. */
export function markdownPublishBlock(result: BenchmarkResult): string[] {
  const out: string[] = [];
  const note = bootstrapNote(result);
  if (note) out.push(note, '');
  for (const s of publishSections(result)) {
    out.push(`**${s.title}**`, '');
    if (s.rows.length) {
      out.push(`| ${s.headers.map(mdEsc).join(' | ')} |`, `|${s.aligns.map((a) => (a === 'right' ? ' ---: ' : ' :--- ')).join('|')}|`);
      out.push(...s.rows.map((r) => `| ${r.map(mdEsc).join(' | ')} |`), '');
    }
    if (s.notes.length) out.push(...s.notes, '');
  }
  return out;
}

/** Plain-text lines for the terminal table; `grid` is the table view's own grid renderer. */
export function textPublishBlock(result: BenchmarkResult, grid: (headers: string[], rows: string[][], aligns: ('left' | 'right')[]) => string): string[] {
  const out: string[] = [];
  const note = bootstrapNote(result);
  if (note) out.push('', note);
  for (const s of publishSections(result)) {
    out.push('', `${s.title}:`);
    if (s.rows.length) out.push(grid(s.headers, s.rows, s.aligns));
    out.push(...s.notes);
  }
  return out;
}

/** Extra CSV columns: raw interval ends, the verdict, per-domain premiums and dated prices (one row per tokenizer). */
export function csvPublishColumns(result: BenchmarkResult): { header: string[]; row: (r: TokenizerResult) => (string | number | null)[] } {
  const domains = domainPremiumGrid(result)?.domains ?? [];
  const ends = (iv: BootstrapInterval | undefined) => (iv ? [iv.low, iv.high] : [null, null]);
  const b = result.bootstrap?.status === 'ok' ? result.bootstrap : undefined;
  return {
    header: [
      'premium_ci95_low', 'premium_ci95_high', 'zh_tokens_per_char_ci95_low', 'zh_tokens_per_char_ci95_high',
      'english_equivalent_share_ci95_low', 'english_equivalent_share_ci95_high', 'bootstrap_resamples', 'bootstrap_seed',
      'verdict', ...domains.map((d) => `premium_domain_${d}`), 'prices',
    ],
    row: (r) => [
      ...ends(r.intervals?.premium), ...ends(r.intervals?.zhTokensPerChar), ...ends(r.intervals?.englishEquivalentShare),
      b && r.intervals ? b.resamples : null, b && r.intervals ? b.seed : null,
      r.tokenizer.origin === 'western' ? verdictSentence(r) : null,
      ...domains.map((d) => r.domains[d]?.premium ?? null),
      priceSummary(result, r.tokenizer.id) || null,
    ],
  };
}

/** Structured verdict for JSON consumers (the same sentences every other format prints). */
export function claimVerdict(result: BenchmarkResult): ClaimVerdict {
  return {
    statement: 'Western tokenizers double or triple the cost of Chinese',
    range: [CLAIM_LOW, CLAIM_HIGH],
    verdicts: result.results.filter((r) => r.tokenizer.origin === 'western').map((r) => {
      const iv = r.intervals?.premium;
      const settled = !iv || claimSide(iv.low) === claimSide(iv.high);
      return { tokenizer: r.tokenizer.id, premium: r.premium, ...(iv ? { interval: iv } : {}), side: claimSide(r.premium), settled, sentence: verdictSentence(r) };
    }),
  };
}

export const claimFinalizer: ResultFinalizer = {
  name: 'claim',
  run: (result) => ({ ...result, claim: claimVerdict(result) }),
};
