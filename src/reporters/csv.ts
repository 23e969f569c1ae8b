import { stringify } from 'csv-stringify/sync';
import type { BenchmarkResult } from '../core/types.js';
import { COLUMNS } from './columns.js';
import { csvPublishColumns } from './publish.js';

/** One row per tokenizer with raw (unrounded) values; provenance columns make each row self-describing. */
export function renderCsv(result: BenchmarkResult): string {
  const extra = csvPublishColumns(result);
  const header = [...COLUMNS.map((c) => c.key), ...extra.header, 'zh_characters', 'en_characters', 'zh_bytes', 'en_bytes', 'tokenizer_sha256', 'engine', 'corpus_sha256', 'signature'];
  const rows = result.results.map((r) => [
    ...COLUMNS.map((c) => c.value(r)),
    ...extra.row(r),
    r.languages.zh.characters, r.languages.en.characters, r.languages.zh.bytes, r.languages.en.bytes,
    r.tokenizer.sha256, r.tokenizer.engine, result.corpus.sha256, result.signature.text,
  ]);
  return stringify([header, ...rows]);
}
