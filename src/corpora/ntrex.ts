import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../core/errors.js';
import type { ZhLang } from '../core/types.js';
import { loadTextPair } from './loaders.js';
import type { Corpus } from './types.js';

/**
 * NTREX-128 file names: the FLORES-style names used by tokbench's cache (and ../shared), then the upstream
 * names in MicrosoftTranslator/NTREX's NTREX-128/ folder. English is the WMT19 newstest source, not a
 * re-translation (eng-GB/eng-US/eng-IN exist upstream but are different texts).
 */
const LAYOUTS: { en: string; zh: Record<ZhLang, string> }[] = [
  { en: 'eng_Latn.txt', zh: { 'zh-Hans': 'zho_Hans.txt', 'zh-Hant': 'zho_Hant.txt' } },
  { en: 'newstest2019-src.eng.txt', zh: { 'zh-Hans': 'newstest2019-ref.zho-CN.txt', 'zh-Hant': 'newstest2019-ref.zho-TW.txt' } },
];

function findLayout(dir: string): (typeof LAYOUTS)[number] | undefined {
  for (const base of [dir, join(dir, 'NTREX-128')]) {
    for (const l of LAYOUTS) {
      if (existsSync(join(base, l.en))) return { en: join(base, l.en), zh: { 'zh-Hans': join(base, l.zh['zh-Hans']), 'zh-Hant': join(base, l.zh['zh-Hant']) } };
    }
  }
  return undefined;
}

export function looksLikeNtrexDir(dir: string): boolean {
  return findLayout(dir) !== undefined;
}

/** Load NTREX-128 English ↔ Chinese from a directory; CRLF originals are read as LF (and noted). */
export function loadNtrex(dir: string, options: { lang?: ZhLang } = {}): Corpus {
  const lang = options.lang ?? 'zh-Hans';
  const layout = findLayout(dir);
  if (!layout) throw new DataError(`${dir}: no eng_Latn.txt or newstest2019-src.eng.txt`, 'expected an NTREX-128 directory (run `tokbench fetch-corpus ntrex128`)');
  const zhPath = layout.zh[lang];
  if (!existsSync(zhPath)) throw new DataError(`${dir}: no ${lang} side (${zhPath} is missing)`, `download the NTREX-128 ${lang} file or choose the other --lang`);
  const c = loadTextPair(zhPath, layout.en);
  return {
    ...c,
    id: 'ntrex128',
    format: 'ntrex',
    pairs: c.pairs.map((p) => ({ ...p, domain: 'news' })),
    license: 'CC-BY-SA-4.0',
    description: `NTREX-128 (Federmann et al. 2022): WMT19 newstest English source with its ${lang === 'zh-Hans' ? 'zho-CN' : 'zho-TW'} human translation`,
    lang,
  };
}
