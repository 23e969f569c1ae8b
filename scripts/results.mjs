// Regenerates results/ from the built CLI, so published tables are never edited by hand.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const out = join(root, 'results');
mkdirSync(out, { recursive: true });

const jobs = [
  { name: 'bundled', args: [] },
];
for (const job of jobs) {
  for (const [format, ext] of [['json', 'json'], ['markdown', 'md'], ['csv', 'csv']]) {
    const file = join(out, `${job.name}.${ext}`);
    execFileSync(process.execPath, [cli, 'run', ...job.args, '--format', format, '--output', file, '--quiet'], { stdio: 'inherit' });
    console.log(`wrote ${file}`);
  }
}

// Embed the bundled Markdown table in the README between markers (generated, never hand-edited).
import { readFileSync, writeFileSync } from 'node:fs';
const readme = join(root, 'README.md');
const md = readFileSync(join(out, 'bundled.md'), 'utf8').trim();
const text = readFileSync(readme, 'utf8').replace(
  /(<!-- results:bundled:start -->)[\s\S]*?(<!-- results:bundled:end -->)/,
  `$1\n${md.replace(/^### .*\n/, '### Default run on the bundled corpus\n')}\n\nAlso as [JSON](results/bundled.json) and [CSV](results/bundled.csv).\n$2`,
);
writeFileSync(readme, text);
console.log('updated README.md');
