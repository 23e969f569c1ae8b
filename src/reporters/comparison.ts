import { describeTolerance, type Comparison, type MetricComparison, type TokenizerComparison } from '../core/compare.js';
import { UsageError, didYouMean } from '../core/errors.js';
import { renderGrid } from './table.js';

export const COMPARISON_FORMATS = ['table', 'markdown', 'json', 'github'] as const;
export type ComparisonFormat = (typeof COMPARISON_FORMATS)[number];

export function parseComparisonFormat(s: string): ComparisonFormat {
  const f = s === 'md' ? 'markdown' : s;
  if ((COMPARISON_FORMATS as readonly string[]).includes(f)) return f as ComparisonFormat;
  const hint = didYouMean(s, COMPARISON_FORMATS);
  throw new UsageError(`unknown format "${s}"${hint ? `; did you mean "${hint}"?` : ''}`, `use one of ${COMPARISON_FORMATS.join(', ')}`);
}

export function formatValue(v: number | null): string {
  if (v === null) return '–';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toFixed(4);
}

export function formatAbsolute(v: number | null): string {
  if (v === null) return '–';
  if (v === 0) return '0';
  const s = Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(4);
  return v > 0 ? `+${s}` : s;
}

export function formatRelative(v: number | null): string {
  if (v === null) return '–';
  if (v === 0) return '0%';
  const pct = v * 100;
  // Keep tiny but real changes visible instead of printing +0.00%.
  const s = Math.abs(pct) >= 0.01 ? pct.toFixed(2) : pct.toPrecision(2);
  return `${pct > 0 ? '+' : ''}${s}%`;
}

export function statusText(m: MetricComparison): string {
  switch (m.status) {
    case 'regressed': return m.gated ? 'REGRESSION' : 'worse (not gated)';
    case 'improved': return m.fails ? 'CHANGED (strict)' : 'improved';
    case 'within-tolerance': return 'worse, within tolerance';
    case 'incomparable': return 'UNDEFINED on one side';
    default: return 'unchanged';
  }
}

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : '–');

export function shaNote(t: TokenizerComparison): string {
  if (t.presence === 'added') return `new tokenizer (no baseline), sha256 ${short(t.new?.sha256)}`;
  if (t.presence === 'removed') return `not in the new results (baseline sha256 ${short(t.old?.sha256)})`;
  return t.sha256Changed ? `tokenizer file changed: sha256 ${short(t.old?.sha256)} → ${short(t.new?.sha256)}` : `same tokenizer file (sha256 ${short(t.old?.sha256)})`;
}

/** One sentence per failing metric: what, which tokenizer, how much, against which tolerance. */
export function failureLines(c: Comparison): string[] {
  const out: string[] = [];
  for (const t of c.tokenizers) {
    for (const m of t.metrics.filter((x) => x.fails)) {
      const verb = m.status === 'regressed' ? 'regressed' : m.status === 'incomparable' ? 'became undefined' : 'changed';
      out.push(`${t.id}: ${m.label} (${m.metric}, ${m.direction} is better) ${verb}: ${formatValue(m.old)} → ${formatValue(m.new)} (${formatRelative(m.relativeChange)}; tolerance ${describeTolerance(m.tolerance)})${t.sha256Changed ? `; ${shaNote(t)}` : ''}`);
    }
  }
  return out;
}

export function summaryLine(c: Comparison): string {
  const s = c.summary;
  const head = c.passed ? 'PASS' : 'FAIL';
  const ungated = c.tokenizers.flatMap((t) => t.metrics).filter((m) => m.status === 'regressed' && !m.gated).length;
  return `${head}: ${s.failing} failing; ${s.regressed} regressed${ungated ? ` (${ungated} in metrics that do not gate)` : ''}, ${s.improved} improved, ${s.withinTolerance} worse within tolerance, ${s.unchanged} unchanged${s.incomparable ? `, ${s.incomparable} undefined` : ''} (metrics over ${c.tokenizers.filter((t) => t.presence === 'compared').length} tokenizers${c.strict ? '; strict: any change fails' : ''})`;
}

function notes(c: Comparison): string[] {
  const out: string[] = [];
  if (!c.corpusMatches) out.push(`the corpora differ (sha256 ${short(c.old.corpusSha256)} → ${short(c.new.corpusSha256)}): changes mix corpus and tokenizer effects`);
  for (const d of c.protocolDifferences) out.push(`protocol differs: ${d}`);
  return out;
}

const ROW_HEADERS = ['tokenizer', 'metric', 'better', 'old', 'new', 'change', 'rel. change', 'tolerance', 'status'];
const ROW_ALIGNS: ('left' | 'right')[] = ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'];

function metricRow(t: TokenizerComparison, m: MetricComparison): string[] {
  return [t.id, m.label, m.direction, formatValue(m.old), formatValue(m.new), formatAbsolute(m.absoluteChange), formatRelative(m.relativeChange), describeTolerance(m.tolerance), statusText(m)];
}

export interface ComparisonRenderOptions {
  /** Leave out unchanged metrics (check: a passing run over many metrics stays readable). */
  onlyChanged?: boolean;
  title?: string;
}

function rowsOf(c: Comparison, o: ComparisonRenderOptions): string[][] {
  return c.tokenizers.flatMap((t) => t.metrics.filter((m) => !o.onlyChanged || m.status !== 'unchanged').map((m) => metricRow(t, m)));
}

export function renderComparisonTable(c: Comparison, o: ComparisonRenderOptions = {}): string {
  const out = [`${o.title ?? 'tokbench compare'} — ${c.old.label} → ${c.new.label}`, ''];
  for (const n of notes(c)) out.push(`note: ${n}`);
  for (const t of c.tokenizers) out.push(`${t.id}: ${shaNote(t)}${t.old && t.new ? `; zh tokens ${t.old.zhTokens.toLocaleString('en-US')} → ${t.new.zhTokens.toLocaleString('en-US')}, en tokens ${t.old.enTokens.toLocaleString('en-US')} → ${t.new.enTokens.toLocaleString('en-US')}` : ''}`);
  out.push('');
  const rows = rowsOf(c, o);
  if (rows.length) out.push(renderGrid(ROW_HEADERS, rows, ROW_ALIGNS), '');
  else if (o.onlyChanged) out.push('every metric of every tokenizer is unchanged', '');
  const fails = failureLines(c);
  if (fails.length) out.push(...fails.map((f) => `✗ ${f}`), '');
  out.push(summaryLine(c));
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function renderComparisonMarkdown(c: Comparison, title = 'tokbench compare', o: ComparisonRenderOptions = {}): string {
  const out = [`### ${title}: ${c.passed ? '✅' : '❌'} ${esc(summaryLine(c))}`, '', `\`${esc(c.old.label)}\` → \`${esc(c.new.label)}\``, ''];
  for (const n of notes(c)) out.push(`> ${esc(n)}`, '');
  const fails = failureLines(c);
  if (fails.length) out.push(...fails.map((f) => `- ❌ ${esc(f)}`), '');
  out.push('| tokenizer | zh tokens | en tokens | tokenizer file |', '| :--- | ---: | ---: | :--- |');
  for (const t of c.tokenizers) {
    const tok = (a: number | undefined, b: number | undefined) => (a === undefined ? '–' : b === undefined ? a.toLocaleString('en-US') : a === b ? a.toLocaleString('en-US') : `${a.toLocaleString('en-US')} → ${b.toLocaleString('en-US')}`);
    out.push(`| ${esc(t.id)} | ${tok(t.old?.zhTokens ?? t.new?.zhTokens, t.old && t.new ? t.new.zhTokens : undefined)} | ${tok(t.old?.enTokens ?? t.new?.enTokens, t.old && t.new ? t.new.enTokens : undefined)} | ${esc(shaNote(t))} |`);
  }
  out.push('');
  const rows = rowsOf(c, o);
  if (rows.length) {
    out.push(`<details><summary>${o.onlyChanged ? 'Changed metrics' : 'All metrics'}</summary>`, '');
    out.push(`| ${ROW_HEADERS.join(' | ')} |`, `|${ROW_ALIGNS.map((a) => (a === 'right' ? ' ---: ' : ' :--- ')).join('|')}|`);
    for (const r of rows) out.push(`| ${r.map(esc).join(' | ')} |`);
    out.push('', '</details>', '');
  }
  return out.join('\n');
}

export function renderComparisonJson(c: Comparison, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...c, ...extra }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
