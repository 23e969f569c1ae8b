import type { BenchmarkResult } from '../core/types.js';
import { COLUMNS, pickColumns, verdictLines } from './columns.js';
import { markdownPublishBlock } from './publish.js';
import { describeSegmentation } from '../core/segmentation.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');

/** `columns` (keys) narrows the summary table, e.g. for a README; by default every metric is a column. */
export function renderMarkdown(result: BenchmarkResult, columns?: readonly string[]): string {
  const cols = columns ? pickColumns(columns) : COLUMNS;
  const head = `| ${cols.map((c) => esc(c.header)).join(' | ')} |`;
  const sep = `|${cols.map((c) => (c.align === 'right' ? ' ---: ' : ' :--- ')).join('|')}|`;
  const rows = result.results.map((r) => `| ${cols.map((c) => esc(c.format(r))).join(' | ')} |`);
  const p = result.protocol;
  const out = [
    `### tokbench: ${result.corpus.id} corpus (${result.corpus.pairs} pairs)`,
    '',
    head,
    sep,
    ...rows,
    '',
  ];
  for (const f of result.failures) out.push(`- **failed** \`${esc(f.tokenizer.id)}\`: ${esc(f.error)}`);
  const verdict = verdictLines(result);
  if (verdict.length) out.push('**On the claim that Western tokenizers "double or triple" the cost of Chinese:**', '', ...verdict.map((v) => `- ${v}`), '');
  out.push(...markdownPublishBlock(result));
  out.push(
    `Protocol: ${p.segmentation} (${describeSegmentation(p)})${p.lang === 'zh-Hant' ? '; Chinese side Traditional (zh-Hant)' : ''}; special tokens ${p.specialTokens ? 'added' : 'not added'}; ` +
      `normalisation ${p.normalization}; characters = ${p.charUnit}; HF engine ${p.hfEngine}. ` +
      `Corpus sha256 \`${result.corpus.sha256}\`. Packages: ${Object.entries(result.environment.packages).map(([k, v]) => `${k} ${v}`).join(', ')}; Node ${result.environment.node}.`,
    '',
  );
  if (result.warnings.length) out.push(...result.warnings.map((w) => `> warning: ${esc(w)}`), '');
  out.push(`Signature: \`${result.signature.text}\``, '');
  return out.join('\n');
}
