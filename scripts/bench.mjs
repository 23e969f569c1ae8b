// npm run bench — throughput and peak memory of tokbench against the raw engines, measured in one run.
// Usage: node scripts/bench.mjs [--sizes 1,10,100] [--big] [--tokenizers cl100k_base,qwen3] [--jobs N] [--reps N]
//        [--scaling-mix a,b,c,d] [--smoke]
//        node scripts/bench.mjs --stream-memory [--big | --stream-big MB]   (only the --stream peak-memory check)
// Each measurement runs in its own child process so that peak RSS (maxRSS) is its own. "One core" measurements
// (raw engine, tokbench --jobs 1) are pinned to one CPU with taskset when it exists, so an engine's own helper
// threads (the HF binding encodes on libuv/rayon threads) cannot make either side look faster than one core.
// Each figure is the median of --reps runs (default 3; the wider scaling mix runs once), taken in interleaved rounds.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { argv, dist, flag, root } from './script-args.mjs';
import { sampleTreeRss } from './tree-rss.mjs';

// ---------------------------------------------------------------- child mode: one measurement
if (argv[0] === '--child') {
  const [, mode, tokenizer, corpusPath, jobs] = argv;
  const t0 = performance.now();
  let zh = 0;
  let en = 0;
  if (mode === 'raw') {
    // The engine alone: texts already in memory, no parsing, no aggregation beyond a sum.
    const lines = readFileSync(corpusPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const zhT = lines.map((p) => p.zh);
    const enT = lines.map((p) => p.en);
    const tStart = performance.now();
    const { findPreset } = await import(dist('tokenizers/presets.js'));
    const preset = findPreset(tokenizer);
    if (preset.source.kind === 'tiktoken-builtin') {
      const { get_encoding } = await import('tiktoken');
      const enc = get_encoding(preset.source.encoding);
      for (const t of zhT) zh += enc.encode_ordinary(t).length;
      for (const t of enT) en += enc.encode_ordinary(t).length;
      enc.free();
    } else {
      const { Tokenizer } = await import('tokenizers');
      const { packageRoot } = await import(dist('core/version.js'));
      const tok = Tokenizer.fromFile(join(packageRoot(preset.source.package), preset.source.file));
      for (const [texts, side] of [[zhT, 'zh'], [enT, 'en']]) {
        for (let i = 0; i < texts.length; i += 1024) {
          const encs = await tok.encodeBatch(texts.slice(i, i + 1024), { addSpecialTokens: false });
          let s = 0;
          for (const e of encs) s += e.getIds().length;
          if (side === 'zh') zh += s; else en += s;
        }
      }
    }
    const seconds = (performance.now() - tStart) / 1000;
    console.log(JSON.stringify({ seconds, total: (performance.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, zh, en }));
  } else {
    const { runBenchmark } = await import(dist('index.js'));
    const engine = mode === 'tokbench-js' ? 'js' : 'native';
    const r = await runBenchmark({ corpus: corpusPath, tokenizers: tokenizer.split(','), engine, bootstrap: 0, prices: false, wordMetrics: false, distributionMetrics: false, jobs: Number(jobs ?? 1), stream: mode === 'tokbench-stream' });
    const seconds = (performance.now() - t0) / 1000;
    for (const x of r.results) { zh += x.languages.zh.tokens; en += x.languages.en.tokens; }
    console.log(JSON.stringify({ seconds, total: seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, zh, en, failures: r.failures }));
  }
  process.exit(0);
}

// ---------------------------------------------------------------- parent mode
const smoke = argv.includes('--smoke');
const streamOnly = argv.includes('--stream-memory');
const sizes = (flag('--sizes', smoke ? '0.2' : argv.includes('--big') ? '1,10,100,500' : '1,10,100')).split(',').map(Number);
const tokenizers = flag('--tokenizers', 'cl100k_base,qwen3').split(',');
const jobs = Number(flag('--jobs', String(cpus().length)));
const bundled = readFileSync(join(root, 'corpora/bundled/zh-en.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const dir = join(tmpdir(), 'tokbench-bench');
mkdirSync(dir, { recursive: true });

function corpusOf(mb) {
  const path = join(dir, `corpus-${mb}MB.jsonl`);
  if (existsSync(path) && statSync(path).size >= mb * 1e6) return path;
  // Repeat the bundled pairs with fresh ids until the file reaches the size (written in blocks: flat memory).
  const lines = [];
  let bytes = 0;
  let i = 0;
  writeFileSync(path, '');
  while (bytes < mb * 1e6) {
    const p = bundled[i % bundled.length];
    const line = JSON.stringify({ id: `${p.id}#${Math.floor(i / bundled.length)}`, domain: p.domain, zh: p.zh, en: p.en }) + '\n';
    lines.push(line);
    bytes += Buffer.byteLength(line);
    i++;
    if (lines.length === 10000) { writeFileSync(path, lines.join(''), { flag: 'a' }); lines.length = 0; }
  }
  writeFileSync(path, lines.join(''), { flag: 'a' });
  return path;
}

const canPin = (() => {
  try { execFileSync('taskset', ['-c', '0', 'true']); return true; } catch { return false; }
})();

/** Node's arguments for one measurement in a child process (child mode, at the top of this file). */
function childArgs(mode, tok, corpus, j) {
  return ['--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', mode, tok, corpus, String(j)];
}

/** A child measurement's result: the JSON line it prints last. */
function childResult(out) {
  return JSON.parse(out.trim().split('\n').pop());
}

function measureOnce(mode, tok, corpus, j, pin) {
  const args = childArgs(mode, tok, corpus, j);
  const [cmd, full] = pin && canPin ? ['taskset', ['-c', String(cpus().length - 1), process.execPath, ...args]] : [process.execPath, args];
  return childResult(execFileSync(cmd, full, { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

/**
 * One unpinned run whose process tree (the main process and its workers) is sampled for resident memory while it runs:
 * `treeRssMB` is the peak of the sum, where maxRssMB is the main process's own peak.
 */
function measureTreeOnce(mode, tok, corpus, j) {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, childArgs(mode, tok, corpus, j), { encoding: 'utf8', maxBuffer: 1 << 26 }, (err, out) => {
      const treeRssMB = sampler.stop();
      if (err) reject(err);
      else resolve({ ...childResult(out), treeRssMB });
    });
    const sampler = sampleTreeRss(child.pid);
  });
}

/**
 * The machine's own ceiling for N jobs: N one-core runs at once, each pinned to its own CPU. A core runs slower while
 * the others are busy (shared caches and memory bandwidth, lower boost clocks); this measures how much, without tokbench's
 * parallel machinery in the way. Returns the seconds of the slowest run (all N corpora are done by then).
 */
async function measureConcurrentOnce(mode, tok, corpus, n) {
  const runs = Array.from({ length: n }, (_, k) => new Promise((resolve, reject) => {
    const args = ['-c', String(k), process.execPath, ...childArgs(mode, tok, corpus, 1)];
    execFile('taskset', args, { encoding: 'utf8', maxBuffer: 1 << 26 }, (err, out) => (err ? reject(err) : resolve(childResult(out))));
  }));
  const all = await Promise.all(runs);
  return { ...all[0], seconds: Math.max(...all.map((r) => r.seconds)) };
}

/** Median (by seconds) of runs; counts must agree across runs. */
function median(mode, tok, runs) {
  for (const r of runs) if (r.zh !== runs[0].zh || r.en !== runs[0].en) throw new Error(`${mode} ${tok}: counts differ between runs`);
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const totals = runs.map((r) => r.total).sort((a, b) => a - b);
  return { ...sorted[sorted.length >> 1], allSeconds: sorted.map((r) => +r.seconds.toFixed(2)), medianTotal: totals[totals.length >> 1] };
}

function measure(mode, tok, corpus, j = 1, { pin = false, reps = 1 } = {}) {
  return median(mode, tok, Array.from({ length: reps }, () => measureOnce(mode, tok, corpus, j, pin)));
}

/**
 * Several measurements compared with each other, repeated in rounds (A B C, A B C, …) rather than one after the
 * other (A A, B B, C C): this machine's speed drifts by several percent over minutes, and interleaving keeps the
 * drift out of the ratios. Each entry: [name, () => run]; returns the median of each by name.
 */
async function interleaved(entries, reps, tok) {
  const runs = Object.fromEntries(entries.map(([name]) => [name, []]));
  for (let i = 0; i < reps; i++) for (const [name, run] of entries) runs[name].push(await run());
  return Object.fromEntries(entries.map(([name]) => [name, median(name, tok, runs[name])]));
}

const rows = [];
for (const mb of streamOnly ? [] : sizes) {
  const corpus = corpusOf(mb);
  const bytes = statSync(corpus).size;
  const pairs = Number(execFileSync('wc', ['-l', corpus], { encoding: 'utf8' }).trim().split(' ')[0]);
  const reps = Number(flag('--reps', '3'));
  for (const tok of tokenizers) {
    const { raw, one } = await interleaved([['raw', () => measureOnce('raw', tok, corpus, 1, true)], ['one', () => measureOnce('tokbench', tok, corpus, 1, true)]], reps, tok);
    if (one.zh !== raw.zh || one.en !== raw.en) throw new Error(`${tok}: tokbench counts ${one.zh}/${one.en} differ from the raw engine ${raw.zh}/${raw.en}`);
    const row = { corpusMB: +(bytes / 1e6).toFixed(1), pairs, tokenizer: tok,
      rawMBs: bytes / 1e6 / raw.seconds, tokbench1MBs: bytes / 1e6 / one.seconds,
      overheadRatio: raw.seconds / one.seconds, overheadRatioWithReading: raw.medianTotal / one.seconds, rawRssMB: raw.maxRssMB, tokbenchRssMB: one.maxRssMB,
      pinned: canPin, rawSeconds: raw.allSeconds, tokbenchSeconds: one.allSeconds, rawMedianSeconds: raw.seconds, tokbenchMedianSeconds: one.seconds };
    if (!tok.includes('k_base') && !tok.startsWith('gpt2') && mb <= 10) {
      const js = measure('tokbench-js', tok, corpus, 1, { pin: true });
      row.jsMBs = bytes / 1e6 / js.seconds;
      row.jsVsNative = one.seconds / js.seconds;
    }
    rows.push(row);
    console.error(`${mb} MB ${tok}: raw ${row.rawMBs.toFixed(2)} MB/s, tokbench ${row.tokbench1MBs.toFixed(2)} MB/s (ratio ${row.overheadRatio.toFixed(3)}; ${row.overheadRatioWithReading.toFixed(3)} against a raw script that also reads the file), RSS ${row.tokbenchRssMB.toFixed(0)} MB`);
  }
  // Scaling runs: the tokenizers above together, and (largest size only) a wider mix of tiktoken and HF engines.
  const mixes = [tokenizers.join(',')];
  if (mb === Math.max(...sizes) && !smoke) mixes.push(flag('--scaling-mix', 'cl100k_base,qwen3,o200k_base,deepseek-v3'));
  for (const all of jobs > 1 ? [...new Set(mixes)].filter((m) => m.includes(',')) : []) {
    const r = all === mixes[0] ? reps : 1;
    // Scaling is against the single-core throughput (--jobs 1 pinned to one CPU); --jobs 1 unpinned is shown too.
    // Ceiling: `jobs` pinned one-core runs at once finish `jobs` corpora; per corpus, that is the best N jobs could do.
    const withCeiling = canPin && jobs <= cpus().length;
    const m = await interleaved([
      ['one', () => measureOnce('tokbench', all, corpus, 1, true)],
      ['oneFree', () => measureOnce('tokbench', all, corpus, 1, false)],
      ['many', () => measureTreeOnce('tokbench', all, corpus, jobs)],
      ...(withCeiling ? [['ceiling', () => measureConcurrentOnce('tokbench', all, corpus, jobs)]] : []),
    ], r, all);
    const { one, oneFree, many, ceiling } = m;
    if (one.zh !== many.zh || one.en !== many.en) throw new Error(`--jobs ${jobs} changed the counts`);
    const ceilingScaling = ceiling ? (jobs * one.seconds) / ceiling.seconds : undefined;
    rows.push({
      corpusMB: +(bytes / 1e6).toFixed(1), pairs, tokenizer: all, jobs, tokbench1MBs: bytes / 1e6 / one.seconds, tokbenchNMBs: bytes / 1e6 / many.seconds,
      scaling: one.seconds / many.seconds, scalingVsUnpinned: oneFree.seconds / many.seconds, tokbenchRssMB: many.maxRssMB, treeRssMB: many.treeRssMB,
      ceilingScaling, efficiency: ceilingScaling ? one.seconds / many.seconds / ceilingScaling : undefined,
      pinned: canPin, oneSeconds: one.allSeconds, oneUnpinnedSeconds: oneFree.allSeconds, manySeconds: many.allSeconds, ceilingSeconds: ceiling?.allSeconds,
    });
    console.error(`${mb} MB ${all}: --jobs 1 (one core) ${one.seconds.toFixed(1)} s, --jobs 1 (unpinned) ${oneFree.seconds.toFixed(1)} s, --jobs ${jobs} ${many.seconds.toFixed(1)} s, scaling ${(one.seconds / many.seconds).toFixed(2)}× (${(oneFree.seconds / many.seconds).toFixed(2)}× vs unpinned)` +
      (ceiling ? `; ${jobs} one-core runs at once: ${ceiling.seconds.toFixed(1)} s, ceiling ${ceilingScaling.toFixed(2)}×` : ''));
  }
}

// Memory (issue 8): `run --stream` (bootstrap 0) on a small and a large corpus. Peak RSS must not grow with the
// corpus: the large run's peak within 20% of the small one's. Counts are checked against the in-memory run at the small size.
const memSizes = smoke ? [0.2, 1] : [5, argv.includes('--big') ? 500 : Number(flag('--stream-big', '100'))];
const streamTok = flag('--stream-tokenizer', tokenizers[0]);
// Peak RSS of a garbage-collected runtime depends on when the major GCs fall: measure several times, report the median.
const reps = Number(flag('--stream-reps', smoke ? '1' : '3'));
if (!smoke && reps % 2 === 0) console.error(`--stream-reps ${reps}: with an even number of runs the reported "median" is the upper middle run`);
const memory = [];
for (const [k, mb] of memSizes.entries()) {
  const corpus = corpusOf(mb);
  const bytes = statSync(corpus).size;
  const runs = Array.from({ length: reps }, () => measure('tokbench-stream', streamTok, corpus, 1)).sort((a, b) => a.maxRssMB - b.maxRssMB);
  const m = runs[runs.length >> 1];
  m.allRssMB = runs.map((x) => Math.round(x.maxRssMB));
  if (k === 0) {
    const ref = measure('tokbench', streamTok, corpus, 1);
    if (ref.zh !== m.zh || ref.en !== m.en) throw new Error(`--stream counts ${m.zh}/${m.en} differ from the in-memory run ${ref.zh}/${ref.en}`);
    memory.push({ corpusMB: +(bytes / 1e6).toFixed(1), tokenizer: streamTok, mode: 'in-memory', seconds: ref.seconds, MBs: bytes / 1e6 / ref.seconds, peakRssMB: ref.maxRssMB });
  }
  memory.push({ corpusMB: +(bytes / 1e6).toFixed(1), tokenizer: streamTok, mode: 'stream', seconds: m.seconds, MBs: bytes / 1e6 / m.seconds, peakRssMB: m.maxRssMB, runsRssMB: m.allRssMB });
  console.error(`${mb} MB ${streamTok} --stream: ${m.seconds.toFixed(1)} s, peak RSS median ${m.maxRssMB.toFixed(0)} MB (runs: ${m.allRssMB.join(', ')})`);
}
// Steady-state throughput: between the two largest corpora, fixed costs (module and tokenizer loads, the bounded
// sanity re-check) cancel out, leaving what each extra megabyte costs tokbench against the raw engine.
const marginal = [];
const bySize = [...new Set(rows.filter((r) => r.rawMedianSeconds !== undefined).map((r) => r.corpusMB))].sort((a, b) => a - b);
if (bySize.length >= 2) {
  const [small, large] = bySize.slice(-2);
  for (const tok of tokenizers) {
    const a = rows.find((r) => r.corpusMB === small && r.tokenizer === tok && r.rawMedianSeconds !== undefined);
    const b = rows.find((r) => r.corpusMB === large && r.tokenizer === tok && r.rawMedianSeconds !== undefined);
    if (!a || !b) continue;
    marginal.push({ tokenizer: tok, fromMB: small, toMB: large, ratio: (b.rawMedianSeconds - a.rawMedianSeconds) / (b.tokbenchMedianSeconds - a.tokbenchMedianSeconds) });
  }
}
const streamRows = memory.filter((r) => r.mode === 'stream');
const rssRatio = streamRows[streamRows.length - 1].peakRssMB / streamRows[0].peakRssMB;
console.error(`--stream peak RSS: ${streamRows.map((r) => `${r.peakRssMB.toFixed(0)} MB at ${r.corpusMB} MB`).join(', ')}; ratio ${rssRatio.toFixed(2)} (target ≤ 1.20)`);

// Start-up (issue 8): tokenizer load with an empty vs a filled facts cache, and `tokbench list` (scripts/bench-startup.mjs).
let startup;
if (!streamOnly) {
  const out = execFileSync(process.execPath, [join(root, 'scripts/bench-startup.mjs'), ...(smoke ? ['--presets', 'qwen3', '--runs', '1', '--no-write'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
  startup = out.trim();
}

const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, date: new Date().toISOString().slice(0, 10) };
const f = (x, d = 2) => (x === undefined ? '–' : x.toFixed(d));
const md = [
  `Measured by \`npm run bench\` on ${machine.date}: ${machine.cpus} cores (${machine.model}), Node ${machine.node}; corpora are the bundled pairs repeated to size. ` +
    `"One core" figures (raw engine, tokbench 1 job) ran pinned to one CPU${canPin ? ' (taskset)' : ' — taskset was missing, so NOT pinned'}; each figure is the median of its runs (seconds listed), taken in interleaved rounds (raw, tokbench, raw, tokbench…) so that the machine's drift stays out of the ratios. ` +
    'tokbench time includes reading, parsing, validating and scanning the corpus, sanity checks and aggregation; raw is the engine alone on texts already in memory (tokenizer load included in both; tiktoken through its binding\'s encode_ordinary, where tokbench calls the same WASM function through its exports, src/tokenizers/tiktoken-direct.ts); "raw script" is the same engine run as the simplest script would run it on the same file: read, split into lines, JSON.parse, encode, sum. ' +
    'Scaling = tokbench --jobs N (all cores) ÷ --jobs 1 on one core; in brackets, ÷ --jobs 1 unpinned. ' +
    'Peak RSS of an N-job run: the main process and its workers together (their resident memory summed, sampled every 50 ms from /proc; pages shared between them counted in each), in brackets the main process alone. ' +
    'Ceiling = what N one-core runs at once (each pinned to its own CPU, each on the whole corpus) achieve against one alone: the most any parallel run could scale on this machine, since a core slows down when the others are busy.',
  '',
  '| corpus MB | pairs | tokenizer | raw engine MB/s | tokbench 1 job MB/s | tokbench/raw | tokbench/raw script | jobs | N-job MB/s | scaling | ceiling | JS engine MB/s | peak RSS MB | seconds (runs) |',
  '|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|',
  ...rows.map((r) => `| ${r.corpusMB} | ${r.pairs} | ${r.tokenizer} | ${f(r.rawMBs)} | ${f(r.tokbench1MBs)} | ${f(r.overheadRatio, 3)} | ${f(r.overheadRatioWithReading, 3)} | ${r.jobs ?? 1} | ${f(r.tokbenchNMBs)} | ${r.scaling === undefined ? '–' : `${f(r.scaling)} (${f(r.scalingVsUnpinned)})`} | ${f(r.ceilingScaling)} | ${f(r.jsMBs)} | ${r.jobs && r.treeRssMB !== undefined ? `${f(r.treeRssMB, 0)} (main ${f(r.tokbenchRssMB, 0)})` : f(r.tokbenchRssMB, 0)} | ${r.jobs ? `1 job ${r.oneSeconds.join('/')}; ${r.jobs} jobs ${r.manySeconds.join('/')}${r.ceilingSeconds ? `; ${r.jobs} one-core runs at once ${r.ceilingSeconds.join('/')}` : ''}` : `raw ${r.rawSeconds.join('/')}; tokbench ${r.tokbenchSeconds.join('/')}`} |`),
  ...(marginal.length ? ['', `Steady-state throughput, tokbench ÷ raw on one core for the megabytes from ${marginal[0].fromMB} MB to ${marginal[0].toMB} MB (fixed costs cancel): ` +
    `${marginal.map((m) => `${m.tokenizer} ${m.ratio.toFixed(3)}`).join(', ')}.`] : []),
  '',
  `Peak memory of \`tokbench run --stream\` (bootstrap 0, one tokenizer): ${rssRatio.toFixed(2)}× from the smallest to the largest corpus (target ≤ 1.20).`,
  '',
  '| corpus MB | tokenizer | mode | seconds | MB/s | peak RSS MB (median) | runs |',
  '|---:|:---|:---|---:|---:|---:|:---|',
  ...memory.map((r) => `| ${r.corpusMB} | ${r.tokenizer} | ${r.mode} | ${f(r.seconds, 1)} | ${f(r.MBs)} | ${f(r.peakRssMB, 0)} | ${r.runsRssMB?.join(', ') ?? '–'} |`),
  ...(startup ? ['', startup] : []),
].join('\n');
if (!smoke && !streamOnly) {
  writeFileSync(join(root, 'results/bench.json'), JSON.stringify({ machine, rows, marginal, streamMemory: { rows: memory, rssRatio } }, null, 2) + '\n');
  writeFileSync(join(root, 'results/bench.md'), md + '\n');
  const readme = join(root, 'README.md');
  writeFileSync(readme, readFileSync(readme, 'utf8').replace(/(<!-- bench:start -->)[\s\S]*?(<!-- bench:end -->)/, `$1\n${md}\n$2`));
}
console.log(md);
