// node scripts/bench-startup.mjs — tokenizer load time with an empty vs a filled tokenizer-facts cache
// (src/tokenizers/load-cache.ts), and the wall time of `tokbench list`. Needs `npm run build` first.
// Usage: node scripts/bench-startup.mjs [--presets qwen3,gemma2,llama3] [--runs 3]
// Every measurement is a fresh child process (a cold process: nothing in memory); the cache lives in a temp
// folder (TOKBENCH_CACHE_DIR), emptied before each "cold" run and left filled for the "warm" runs.
// Prints a Markdown table and writes results/bench-startup.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { argv, dist, flag, root } from './script-args.mjs';

// ---------------------------------------------------------------- child mode: one load in a fresh process
if (argv[0] === '--child') {
  const id = argv[1];
  const tImport = performance.now();
  const { loadTokenizer } = await import(dist('tokenizers/registry.js'));
  const { loadCacheStats } = await import(dist('tokenizers/load-cache.js'));
  const importMs = performance.now() - tImport;
  const t0 = performance.now();
  const tok = loadTokenizer(id, { engine: 'native', addSpecialTokens: false, warn: (m) => process.stderr.write(`warning: ${m}\n`) });
  const loadMs = performance.now() - t0;
  const counts = await tok.countBatch(['今天的天气很好，我们去公园散步吧。', 'The quick brown fox jumps over the lazy dog.']);
  console.log(JSON.stringify({ loadMs, importMs, ...loadCacheStats, sha256: tok.info.sha256, vocabSize: tok.info.vocabSize, normalization: tok.info.normalization, counts }));
  process.exit(0);
}

// ---------------------------------------------------------------- parent mode
const presets = flag('--presets', 'qwen3,gemma2,llama3').split(',');
const runs = Number(flag('--runs', '3'));
const cacheDir = mkdtempSync(join(tmpdir(), 'tokbench-bench-startup-'));
const env = { ...process.env, TOKBENCH_CACHE_DIR: cacheDir };
delete env.TOKBENCH_NO_CACHE;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function child(id) {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', id], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const processMs = performance.now() - t0;
  return { ...JSON.parse(out.trim().split('\n').pop()), processMs };
}

const rows = [];
try {
  for (const id of presets) {
    const cold = [];
    for (let i = 0; i < runs; i++) {
      rmSync(join(cacheDir, 'tokenizer-facts'), { recursive: true, force: true });
      const r = child(id);
      if (r.hits !== 0 || r.writes !== 1) throw new Error(`${id}: a cold run should miss and write one entry, got ${JSON.stringify(r)}`);
      cold.push(r);
    }
    // The last cold run filled the cache.
    const warm = [];
    for (let i = 0; i < runs; i++) {
      const r = child(id);
      if (r.hits !== 1) throw new Error(`${id}: a warm run should hit the cache, got ${JSON.stringify(r)}`);
      warm.push(r);
    }
    const key = (r) => JSON.stringify([r.sha256, r.vocabSize, r.normalization, r.counts]);
    if (![...cold, ...warm].every((r) => key(r) === key(cold[0]))) throw new Error(`${id}: cold and warm loads disagree`);
    rows.push({
      preset: id,
      sha256: cold[0].sha256,
      coldLoadMs: median(cold.map((r) => r.loadMs)),
      warmLoadMs: median(warm.map((r) => r.loadMs)),
      coldProcessMs: median(cold.map((r) => r.processMs)),
      warmProcessMs: median(warm.map((r) => r.processMs)),
      cold: cold.map((r) => ({ loadMs: r.loadMs, importMs: r.importMs, processMs: r.processMs })),
      warm: warm.map((r) => ({ loadMs: r.loadMs, importMs: r.importMs, processMs: r.processMs })),
    });
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}

const listRuns = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'list'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  listRuns.push(performance.now() - t0);
}

const f0 = (x) => x.toFixed(0);
const lines = [
  `Measured by \`node scripts/bench-startup.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}; median of ${runs} fresh processes each.`,
  '',
  '| tokenizer | cold load ms | warm load ms | load speed-up | cold process ms | warm process ms |',
  '|:---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.preset} | ${f0(r.coldLoadMs)} | ${f0(r.warmLoadMs)} | ${(r.coldLoadMs / r.warmLoadMs).toFixed(2)}× | ${f0(r.coldProcessMs)} | ${f0(r.warmProcessMs)} |`),
  '',
  `\`node dist/cli.js list\`: ${f0(median(listRuns))} ms wall (median of ${runs}).`,
  '',
  'load = `loadTokenizer()` alone (engine native); process = spawn to exit of a child that imports tokbench, loads the tokenizer and counts two sentences. Cold = empty cache (the run writes the entry), warm = the entry exists.',
];
console.log(lines.join('\n'));

if (!argv.includes('--no-write')) mkdirSync(join(root, 'results'), { recursive: true });
if (!argv.includes('--no-write')) writeFileSync(join(root, 'results', 'bench-startup.json'), `${JSON.stringify({
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? null,
  runs,
  tokenizers: rows,
  list: { medianMs: median(listRuns), runsMs: listRuns },
}, null, 2)}\n`);
