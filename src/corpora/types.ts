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

export interface Corpus {
  /** Short name used in signatures: 'bundled' or the file name(s). */
  id: string;
  format: 'jsonl' | 'tsv' | 'text-pair';
  files: CorpusFile[];
  /** sha256 of the single file, or of the files' sha256 hex digests joined by '\n' (in zh, en order). */
  sha256: string;
  pairs: Pair[];
  /** Facts noticed while reading that change nothing but are worth reporting (BOM removed, CRLF …). */
  notes: string[];
  license?: string;
  description?: string;
}
