// Regenerates results/ from the built CLI, so published tables are never edited by hand.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const out = join(root, 'results');
mkdirSync(out, { recursive: true });

/** The README shows the headline columns; results/bundled.md has all of them. */
const README_COLUMNS = ['tokenizer', 'origin', 'vocab', 'zh_tokens', 'en_tokens', 'zh_tokens_per_char', 'premium', 'premium_ci95', 'zh_chars_in_window', 'english_equivalent_share', 'cost_vs_best'];

const jobs = [
  { name: 'bundled', args: [] },
];

// FLORES-200 (dev + devtest) when ../shared has it. Its maintainers ask that the text not be re-hosted, so the
// corpus is unpacked to a temp dir only, and these results go to test-output/ (gitignored), never to results/.
const floresZip = process.env.TOKBENCH_FLORES_ZIP ?? join(root, '..', 'shared', 'corpora', 'flores200', 'flores200-zh-en.zip');
if (existsSync(floresZip)) {
  const { unzipSync, strFromU8 } = await import('fflate');
  const files = unzipSync(readFileSync(floresZip));
  const side = (lang) => ['dev', 'devtest'].map((s) => strFromU8(files[`${s}/${lang}.${s}`])).join('');
  const tmp = mkdtempSync(join(tmpdir(), 'tokbench-flores-'));
  const zh = join(tmp, 'flores200.zho_Hans.txt');
  const en = join(tmp, 'flores200.eng_Latn.txt');
  writeFileSync(zh, side('zho_Hans'));
  writeFileSync(en, side('eng_Latn'));
  jobs.push({ name: 'flores200', args: ['--corpus', `${zh},${en}`], dir: join(root, 'test-output', 'results') });
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
} else {
  console.log(`FLORES-200 not found at ${floresZip}: only the bundled corpus is regenerated`);
}
// One run per corpus (JSON, through the CLI exactly as a user runs it); every other format is rendered from that one
// result model, so the files agree with each other to the last digit and timestamp.
const { REPORTERS, renderMarkdown } = await import(new URL('../dist/index.js', import.meta.url).href);
for (const job of jobs) {
  const dir = job.dir ?? out;
  mkdirSync(dir, { recursive: true });
  const jsonFile = join(dir, `${job.name}.json`);
  execFileSync(process.execPath, [cli, 'run', ...job.args, '--format', 'json', '--output', jsonFile, '--quiet'], { stdio: 'inherit' });
  const result = JSON.parse(readFileSync(jsonFile, 'utf8'));
  for (const [format, ext] of [['markdown', 'md'], ['csv', 'csv'], ['html', 'html']]) {
    writeFileSync(join(dir, `${job.name}.${ext}`), REPORTERS[format](result));
  }
  if (job.name === 'bundled') writeFileSync(join(dir, 'bundled.summary.md'), renderMarkdown(result, README_COLUMNS));
  console.log(`wrote ${job.name}.{json,md,csv,html} in ${dir}`);
}

// Embed the bundled Markdown table in the README between markers (generated, never hand-edited).
const readme = join(root, 'README.md');
const md = readFileSync(join(out, 'bundled.summary.md'), 'utf8').trim();
// A replacement function, not a string: prices such as "$10.00" would otherwise be read as "$1" + "0.00".
const text = readFileSync(readme, 'utf8').replace(
  /(<!-- results:bundled:start -->)[\s\S]*?(<!-- results:bundled:end -->)/,
  (_m, start, end) => `${start}\n${md.replace(/^### .*\n/, '### Default run on the bundled corpus\n')}\n\nAll metrics in [Markdown](results/bundled.md), [JSON](results/bundled.json), [CSV](results/bundled.csv) and a self-contained [HTML report](results/bundled.html) with charts.\n${end}`,
);
writeFileSync(readme, text);
console.log('updated README.md');
