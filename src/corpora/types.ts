import type { ScanColumns } from '../core/text-scan.js';

export interface Pair {
  id: string;
  domain: string;
  zh: string;
  en: string;
}

export interface CorpusFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** A run of consecutive pairs that came from one file per side (FLORES dev / devtest). */
export interface CorpusSplit {
  name: string;
  start: number;
  count: number;
  /** Did each side's file end with '\n'? Python's str.split('\n') then yields a final '' (petrov2023). */
  finalNewline: { zh: boolean; en: boolean };
}

export interface Corpus {
  /** Short name used in signatures: 'bundled' or the file name(s). */
  id: string;
  format: 'jsonl' | 'tsv' | 'text-pair' | 'flores' | 'ntrex';
  files: CorpusFile[];
  /** sha256 of the single file, or of the files' sha256 hex digests joined by '\n' (in zh, en order). */
  sha256: string;
  pairs: Pair[];
  /** Facts noticed while reading that change nothing but are worth reporting (BOM removed, CRLF …). */
  notes: string[];
  license?: string;
  description?: string;
  /** Script of the Chinese side, when known. */
  lang?: 'zh-Hans' | 'zh-Hant';
  /** Present when the corpus is the concatenation of several files per side (in this order). */
  splits?: CorpusSplit[];
  /**
   * The texts' scans, when the reader made them while reading (JSONL): they describe `pairs` only while `pairs` is
   * this very array (a corpus made from another by slicing its pairs does not carry them over by mistake).
   */
  textScans?: { pairs: readonly Pair[]; zh: ScanColumns; en: ScanColumns };
}
