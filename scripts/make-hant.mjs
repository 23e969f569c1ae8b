// Regenerates corpora/bundled/zh-Hant.jsonl: the bundled corpus with its Chinese side converted to
// Traditional Chinese (Taiwan standard, with Taiwan phrasing) by opencc-js. Ids, domains and English
// are copied unchanged so the two files stay pair-aligned. Run `node scripts/corpus-manifest.mjs` after.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Recorded in corpora/bundled/MANIFEST.json; changing it changes the file, so both live here. */
export const HANT_CONVERSION = {
  converter: 'opencc-js',
  // 'cn' → 'twp': Mainland characters to Taiwan characters plus Taiwan vocabulary (e.g. 软件 → 軟體),
  // which is what the zho_Hant sides of FLORES-200 and NTREX-128 (zho-TW) are written in.
  config: { from: 'cn', to: 'twp' },
  // Applied after conversion, each checked by reading the sentence: OpenCC's phrase table reads 台笔 as
  // 檯筆 (desk pen), but here 台 is the measure word of 这台笔记本 (this laptop).
  corrections: [['這檯筆記本', '這臺筆記本']],
};

export function openccVersion() {
  // Its "exports" hide package.json, so find it above the resolved entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('opencc-js'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'opencc-js') return pkg.version;
    } catch {}
    if (dirname(dir) === dir) throw new Error('opencc-js package.json not found');
    dir = dirname(dir);
  }
}

async function main() {
  const { Converter } = await import('opencc-js');
  const convert = Converter(HANT_CONVERSION.config);
  const dir = new URL('../corpora/bundled/', import.meta.url);
  const lines = readFileSync(new URL('zh-en.jsonl', dir), 'utf8').split('\n').filter(Boolean);
  const out = lines.map((l) => {
    const p = JSON.parse(l);
    let zh = convert(p.zh);
    for (const [from, to] of HANT_CONVERSION.corrections) zh = zh.replaceAll(from, to);
    return JSON.stringify({ id: p.id, domain: p.domain, zh, en: p.en });
  });
  writeFileSync(new URL('zh-Hant.jsonl', dir), out.join('\n') + '\n');
  console.log(`zh-Hant.jsonl: ${out.length} pairs converted with opencc-js ${openccVersion()} (${HANT_CONVERSION.config.from} → ${HANT_CONVERSION.config.to})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

