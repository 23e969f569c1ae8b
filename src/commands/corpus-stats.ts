import type { Command } from 'commander';
import { loadCorpus } from '../corpora/loaders.js';
import { parseZhLang } from '../corpora/flores.js';
import type { Corpus } from '../corpora/types.js';
import { countCodePoints, countHan, utf8Bytes } from '../core/text-units.js';
import { renderGrid } from '../reporters/table.js';
import type { CliContext } from '../cli-context.js';

export interface SideStats {
  characters: number;
  bytes: number;
  han: number;
  /** Han code points ÷ all code points (spaces and punctuation included). */
  hanShare: number;
  meanCharsPerPair: number;
}

export interface CorpusStats {
  id: string;
  format: string;
  lang?: string;
  license?: string;
  description?: string;
  pairs: number;
  zh: SideStats;
  en: SideStats;
  domains: Record<string, number>;
  splits?: { name: string; pairs: number }[];
  sha256: string;
  files: Corpus['files'];
  notes: string[];
}

function side(texts: string[]): SideStats {
  let characters = 0; let bytes = 0; let han = 0;
  for (const t of texts) {
    characters += countCodePoints(t);
    bytes += utf8Bytes(t);
    han += countHan(t);
  }
  return { characters, bytes, han, hanShare: characters ? han / characters : 0, meanCharsPerPair: texts.length ? characters / texts.length : 0 };
}

/** The numbers a paper's data section needs; text only, no line terminators (as `run` counts them). */
export function corpusStats(c: Corpus): CorpusStats {
  const domains: Record<string, number> = {};
  for (const p of c.pairs) domains[p.domain] = (domains[p.domain] ?? 0) + 1;
  return {
    id: c.id, format: c.format,
    ...(c.lang ? { lang: c.lang } : {}), ...(c.license ? { license: c.license } : {}), ...(c.description ? { description: c.description } : {}),
    pairs: c.pairs.length,
    zh: side(c.pairs.map((p) => p.zh)),
    en: side(c.pairs.map((p) => p.en)),
    domains: Object.fromEntries(Object.entries(domains).sort(([a], [b]) => a.localeCompare(b))),
    ...(c.splits?.length ? { splits: c.splits.map((s) => ({ name: s.name, pairs: s.count })) } : {}),
    sha256: c.sha256, files: c.files, notes: c.notes,
  };
}

const n = (x: number) => x.toLocaleString('en-US');

export function renderCorpusStats(s: CorpusStats): string {
  const out: string[] = [];
  out.push(`corpus ${s.id} (${s.format}${s.lang ? `, Chinese ${s.lang}` : ''}${s.license ? `, ${s.license}` : ''}): ${n(s.pairs)} pairs`);
  if (s.description) out.push(s.description);
  out.push('');
  out.push(renderGrid(
    ['side', 'characters', 'bytes', 'Han chars', 'Han share', 'chars/pair'],
    (['zh', 'en'] as const).map((k) => [k, n(s[k].characters), n(s[k].bytes), n(s[k].han), `${(s[k].hanShare * 100).toFixed(1)}%`, s[k].meanCharsPerPair.toFixed(1)]),
    ['left', 'right', 'right', 'right', 'right', 'right'],
  ));
  out.push('', 'characters = Unicode code points, bytes = UTF-8, line terminators excluded; Han share = Han code points ÷ all code points', '');
  out.push(renderGrid(['domain', 'pairs'], Object.entries(s.domains).map(([d, c]) => [d, n(c)]), ['left', 'right']));
  if (s.splits) out.push('', `splits: ${s.splits.map((x) => `${x.name} ${n(x.pairs)}`).join(', ')}`);
  out.push('', `sha256 ${s.sha256}`);
  for (const f of s.files) out.push(`  ${f.sha256}  ${f.bytes} bytes  ${f.path}`);
  for (const note of s.notes) out.push(`note: ${note}`);
  return out.join('\n') + '\n';
}

export function registerCorpusStats(program: Command, ctx: CliContext): void {
  program
    .command('corpus-stats')
    .argument('[corpus]', 'a --corpus spec: bundled, flores200, ntrex128, a file, a FLORES dir/zip, an NTREX dir', 'bundled')
    .description('pairs, characters and bytes per side, Han share, per-domain counts and sha256 of a corpus')
    .option('--lang <script>', 'Chinese side for corpora that have both: zh-Hans | zh-Hant')
    .option('--split <split>', 'FLORES split: dev | devtest | dev+devtest (default)')
    .option('--json', 'machine-readable output')
    .action((spec: string, flags: { lang?: string; split?: string; json?: boolean }) => {
      const lang = parseZhLang(flags.lang);
      const c = loadCorpus(spec, { ...(lang ? { lang } : {}), ...(flags.split !== undefined ? { split: flags.split } : {}) });
      const stats = corpusStats(c);
      ctx.stdout(flags.json ? JSON.stringify(stats, null, 2) + '\n' : renderCorpusStats(stats));
    });
}
