import type { BenchmarkResult } from '../core/types.js';
import { UsageError, didYouMean } from '../core/errors.js';
import { renderCsv } from './csv.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderTable } from './table.js';
import { renderHtml } from './html.js';

export const FORMATS = ['table', 'markdown', 'csv', 'json', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** Every exporter is a pure function of the one result model. */
export const REPORTERS: Record<Format, (r: BenchmarkResult) => string> = {
  table: renderTable,
  markdown: renderMarkdown,
  csv: renderCsv,
  json: renderJson,
  html: renderHtml,
};

export function parseFormat(s: string): Format {
  const f = s === 'md' ? 'markdown' : s;
  if ((FORMATS as readonly string[]).includes(f)) return f as Format;
  const hint = didYouMean(s, FORMATS);
  throw new UsageError(`unknown format "${s}"${hint ? `; did you mean "${hint}"?` : ''}`, `use one of ${FORMATS.join(', ')}`);
}

export function formatFromPath(path: string): Format | undefined {
  const ext = path.toLowerCase().split('.').pop();
  return ext === 'json' ? 'json' : ext === 'csv' ? 'csv' : ext === 'md' ? 'markdown' : ext === 'html' || ext === 'htm' ? 'html' : undefined;
}

export { renderCsv, renderJson, renderMarkdown, renderTable, renderHtml };
