// Regenerates corpora/bundled/MANIFEST.json from the corpus file (never edited by hand).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../corpora/bundled/', import.meta.url);
const raw = readFileSync(new URL('zh-en.jsonl', dir));
const pairs = raw.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const domains = {};
for (const p of pairs) domains[p.domain] = (domains[p.domain] ?? 0) + 1;
const files = { 'zh-en.jsonl': createHash('sha256').update(raw).digest('hex') };
let variants;
try {
  const hant = readFileSync(new URL('zh-Hant.jsonl', dir));
  files['zh-Hant.jsonl'] = createHash('sha256').update(hant).digest('hex');
  // make-hant.mjs owns the conversion settings; opencc-js is a devDependency, present where this runs.
  const { HANT_CONVERSION, openccVersion } = await import('./make-hant.mjs');
  variants = {
    'zh-Hant': {
      file: 'zh-Hant.jsonl',
      languages: { zh: 'zho_Hant', en: 'eng_Latn' },
      derivedFrom: 'zh-en.jsonl',
      method: 'Chinese side converted by machine; ids, domains and English unchanged',
      converter: HANT_CONVERSION.converter,
      converterVersion: openccVersion(),
      config: HANT_CONVERSION.config,
      corrections: HANT_CONVERSION.corrections,
      script: 'scripts/make-hant.mjs',
    },
  };
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
const manifest = {
  id: 'bundled',
  description: 'Original Chinese (Simplified) / English sentence pairs written for tokbench. Not taken from any dataset.',
  license: 'CC-BY-4.0',
  languages: { zh: 'zho_Hans', en: 'eng_Latn' },
  pairs: pairs.length,
  domains,
  format: 'JSONL, one {"id","domain","zh","en"} object per line, UTF-8, LF',
  sha256: files,
  ...(variants ? { variants } : {}),
};
writeFileSync(new URL('MANIFEST.json', dir), JSON.stringify(manifest, null, 2) + '\n');
console.log(`MANIFEST.json: ${pairs.length} pairs, ${Object.keys(domains).length} domains`);
