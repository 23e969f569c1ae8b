import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { firstInvalidUtf8, normalizeLineText, readUtf8File, splitLines } from './read-text.js';
import type { Corpus, CorpusFile, CorpusSplit, Pair } from './types.js';
import { readZip } from './zip.js';

import type { ZhLang } from '../core/types.js';

export type { ZhLang };
export const ZH_LANGS: readonly ZhLang[] = ['zh-Hans', 'zh-Hant'];
export const FLORES_SPLITS = ['dev', 'devtest'] as const;
export type FloresSplit = (typeof FLORES_SPLITS)[number];

export interface FloresOptions {
  /** One split, or both in the order dev, devtest (the order petrov2023 needs). Default: both. */
  splits?: readonly FloresSplit[];
  lang?: ZhLang;
}

/** FLORES-200 uses zho_Hans / zho_Hant; FLORES+ renamed them cmn_Hans / cmn_Hant. Both are accepted. */
const ZH_CODES: Record<ZhLang, string[]> = { 'zh-Hans': ['zho_Hans', 'cmn_Hans'], 'zh-Hant': ['zho_Hant', 'cmn_Hant'] };
const EN_CODES = ['eng_Latn'];

export function parseFloresSplits(value: string | undefined): FloresSplit[] {
  if (value === undefined || value === 'dev+devtest' || value === 'all') return ['dev', 'devtest'];
  if (value === 'dev' || value === 'devtest') return [value];
  throw new UsageError(`unknown FLORES split "${value}"`, 'use dev, devtest or dev+devtest');
}

export function parseZhLang(value: string | undefined): ZhLang | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'zh-hans' || v === 'zho_hans' || v === 'hans') return 'zh-Hans';
  if (v === 'zh-hant' || v === 'zho_hant' || v === 'hant') return 'zh-Hant';
  throw new UsageError(`unknown --lang "${value}"`, 'use zh-Hans (Simplified) or zh-Hant (Traditional)');
}

/** Decode member bytes with the same strictness as files on disk (read-text.ts). */
export function decodeText(raw: Uint8Array, where: string): { text: string; notes: string[] } {
  const bad = firstInvalidUtf8(raw);
  if (bad >= 0) throw new DataError(`${where}: invalid UTF-8 at byte offset ${bad}`, 're-encode the file as UTF-8');
  const nul = raw.indexOf(0);
  if (nul >= 0) throw new DataError(`${where}: NUL byte at byte offset ${nul}`, 'this is probably not a text file');
  const notes: string[] = [];
  const text = normalizeLineText(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'), where, notes);
  return { text, notes };
}

interface Source {
  /** What the user passed: a directory or a zip path. */
  label: string;
  /** Relative member names ('/'-separated) that exist. */
  names: string[];
  read: (name: string) => Uint8Array;
  /** How a member is named in CorpusFile.path. */
  display: (name: string) => string;
}

function dirSource(dir: string): Source {
  const names: string[] = [];
  const walk = (rel: string, depth: number) => {
    // FLORES nests at most flores200_dataset/<split>/<file>; a shallow walk avoids crawling a home directory.
    if (depth > 3) return;
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r, depth + 1);
      else if (e.isFile()) names.push(r);
    }
  };
  walk('', 0);
  return {
    label: dir,
    names,
    read: (name) => readUtf8File(join(dir, name)).raw,
    display: (name) => join(dir, name),
  };
}

function zipSource(path: string): Source {
  const raw = readZipFile(path);
  const members = readZip(raw, { where: path, filter: (n) => /\.(dev|devtest)$/.test(n) });
  return { label: path, names: [...members.keys()], read: (n) => members.get(n)!, display: (n) => `${path}!${n}` };
}

function readZipFile(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new DataError(`${path} is a directory, not a zip`);
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`FLORES zip not found: ${path}`, 'check the path, or run `tokbench fetch-corpus flores200`');
    throw new DataError(`cannot read ${path}: ${code ?? String(err)}`);
  }
}

/** Find `<split>/<code>.<split>` anywhere in the tree (the official tarball nests it under flores200_dataset/). */
function findMember(src: Source, split: FloresSplit, codes: readonly string[]): string | undefined {
  for (const code of codes) {
    const suffix = `${split}/${code}.${split}`;
    const hits = src.names.filter((n) => n === suffix || n.endsWith(`/${suffix}`));
    if (hits.length > 1) throw new DataError(`${src.label}: ${hits.length} copies of ${suffix} (${hits.join(', ')})`, 'point --corpus at one FLORES directory');
    if (hits[0]) return hits[0];
  }
  return undefined;
}

/** Does this directory look like a FLORES release (a dev/ or devtest/ folder holding eng_Latn)? */
export function looksLikeFloresDir(dir: string): boolean {
  try {
    const src = dirSource(dir);
    return FLORES_SPLITS.some((s) => findMember(src, s, EN_CODES) !== undefined);
  } catch {
    return false;
  }
}

/**
 * Load FLORES-200 (zho ↔ eng_Latn) from a release directory or a zip of it, read in memory.
 * Lines are kept byte-exact (FLORES has a few Chinese lines with leading/trailing spaces).
 */
export function loadFlores(path: string, options: FloresOptions = {}): Corpus {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const src = isDir ? dirSource(path) : zipSource(path);
  const lang = options.lang ?? 'zh-Hans';
  const splits = options.splits ?? FLORES_SPLITS;
  const pairs: Pair[] = [];
  const files: CorpusFile[] = [];
  const corpusSplits: CorpusSplit[] = [];
  const notes: string[] = [];
  for (const split of splits) {
    const zhName = findMember(src, split, ZH_CODES[lang]);
    const enName = findMember(src, split, EN_CODES);
    if (!zhName || !enName) {
      const missing = !zhName ? `${split}/${ZH_CODES[lang][0]}.${split}` : `${split}/eng_Latn.${split}`;
      throw new DataError(`${src.label}: no ${missing} in this FLORES ${isDir ? 'directory' : 'zip'}`, 'expected the FLORES-200 layout dev/zho_Hans.dev, devtest/eng_Latn.devtest, …');
    }
    const sides = [zhName, enName].map((name) => {
      const raw = src.read(name);
      const decoded = decodeText(raw, src.display(name));
      notes.push(...decoded.notes);
      files.push({ path: src.display(name), sha256: sha256(raw), bytes: raw.length });
      return { lines: splitLines(decoded.text), finalNewline: decoded.text.endsWith('\n') };
    });
    const [zh, en] = sides as [typeof sides[0], typeof sides[0]];
    if (zh.lines.length !== en.lines.length) {
      throw new DataError(`misaligned FLORES ${split}: ${src.display(zhName)} has ${zh.lines.length} lines but ${src.display(enName)} has ${en.lines.length}`, 'the files must be line-aligned; re-download them');
    }
    corpusSplits.push({ name: split, start: pairs.length, count: zh.lines.length, finalNewline: { zh: zh.finalNewline, en: en.finalNewline } });
    zh.lines.forEach((z, i) => {
      const where = `${split} line ${i + 1}`;
      if (z.trim() === '' || en.lines[i]!.trim() === '') throw new DataError(`${src.label}: ${where} is empty on one side`, 'FLORES has no empty lines; the file is damaged');
      pairs.push({ id: `${split}:${i + 1}`, domain: 'general', zh: z, en: en.lines[i]! });
    });
  }
  return {
    id: splits.length === FLORES_SPLITS.length ? 'flores200' : `flores200:${splits.join('+')}`,
    format: 'flores',
    files,
    // Same convention as two-file corpora: sha256 of the member digests joined by '\n', in load order.
    sha256: sha256(files.map((f) => f.sha256).join('\n')),
    pairs,
    notes,
    license: 'CC-BY-SA-4.0',
    description: `FLORES-200 ${splits.join('+')}, ${ZH_CODES[lang][0]} / eng_Latn (NLLB Team et al. 2022; Goyal et al. 2022)`,
    lang,
    splits: corpusSplits,
  };
}
