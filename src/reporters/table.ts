import stringWidth from 'string-width';
import type { BenchmarkResult } from '../core/types.js';
import { TABLE_COLUMN_KEYS, pickColumns, verdictLines, type Column } from './columns.js';
import { textPublishBlock } from './publish.js';

/** Pad by display width (CJK = 2 columns), not by string length. */
function pad(s: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - stringWidth(s)));
  return align === 'left' ? s + fill : fill + s;
}

export function renderGrid(headers: string[], rows: string[][], aligns: ('left' | 'right')[]): string {
  const widths = headers.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, aligns[i]!)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderTable(result: BenchmarkResult, columnKeys: readonly string[] = TABLE_COLUMN_KEYS): string {
  const cols: Column[] = pickColumns(columnKeys);
  const grid = renderGrid(cols.map((c) => c.header), result.results.map((r) => cols.map((c) => c.format(r))), cols.map((c) => c.align));
  const out = [
    `tokbench — ${result.corpus.id} corpus, ${result.corpus.pairs} pairs, ${result.protocol.segmentation}, special tokens ${result.protocol.specialTokens ? 'added' : 'not added'}, chars = ${result.protocol.charUnit}`,
    '',
    grid,
  ];
  for (const f of result.failures) out.push(`FAILED ${f.tokenizer.id}: ${f.error}`);
  const verdict = verdictLines(result);
  if (verdict.length) out.push('', 'On "Western tokenizers double or triple the cost of Chinese":', ...verdict.map((v) => `  ${v}`));
  out.push(...textPublishBlock(result, renderGrid));
  if (result.warnings.length) out.push('', ...result.warnings.map((w) => `warning: ${w}`));
  out.push('', `signature: ${result.signature.text}`);
  return out.join('\n') + '\n';
}
