import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

// The bench's memory figure for `--jobs N` runs: the main process and its workers summed.
const { sampleTreeRss, treeRssBytes } = (await import(join(ROOT, 'scripts/tree-rss.mjs'))) as {
  sampleTreeRss: (pid: number, everyMs?: number) => { stop(): number | undefined };
  treeRssBytes: (pid: number, allThreads?: boolean) => number | undefined;
};

const MB = 1024 * 1024;
const onLinux = process.platform === 'linux';
const pageBytes = onLinux ? Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) : 4096;

/**
 * A parent that starts a grandchild holding `holdMB` of touched memory, prints "ready" when it is held, and both stay
 * until stdin closes.
 */
function spawnTree(holdMB: number) {
  const grandchild = `const b = Buffer.alloc(${holdMB} * 1024 * 1024, 1); console.log('held');
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const parent = `const { spawn } = require('node:child_process');
    const c = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: ['pipe', 'pipe', 'inherit'] });
    c.stdout.once('data', () => console.log('ready ' + c.pid));
    process.stdin.on('end', () => { c.stdin.end(); c.on('exit', () => process.exit(0)); }); process.stdin.resume();`;
  return spawn(process.execPath, ['-e', parent], { stdio: ['pipe', 'pipe', 'inherit'] });
}

describe.runIf(onLinux)('tree-rss (bench: memory of a process and its workers)', () => {
  it('counts a descendant’s memory, which the parent’s own RSS leaves out', async () => {
    const tree = spawnTree(200);
    const sampler = sampleTreeRss(tree.pid!, 10);
    const [line] = (await once(tree.stdout!, 'data')) as [Buffer];
    const grandchildPid = Number(/ready (\d+)/.exec(line.toString())![1]);
    const all = treeRssBytes(tree.pid!)!;
    const grandchild = treeRssBytes(grandchildPid)!;
    const allByEveryThread = treeRssBytes(tree.pid!, true)!;
    // The parent's own resident pages, read here from /proc independently of the module.
    const parentOnly = Number(readFileSync(`/proc/${tree.pid}/statm`, 'utf8').split(' ')[1]) * pageBytes;
    await new Promise((r) => setTimeout(r, 50));
    tree.stdin!.end();
    await once(tree, 'exit');
    const peakMB = sampler.stop()!;
    // The grandchild holds 200 MB of written pages; the parent is a bare node process far below that.
    expect(grandchild).toBeGreaterThan(200 * MB);
    expect(parentOnly).toBeLessThan(150 * MB);
    // Sampled a moment apart, so equal within a few MB.
    expect(Math.abs(all - (parentOnly + grandchild))).toBeLessThan(8 * MB);
    // Node started the grandchild from its main thread: reading that thread's list alone finds it.
    expect(Math.abs(allByEveryThread - all)).toBeLessThan(8 * MB);
    expect(peakMB).toBeGreaterThan(200 + 20); // node's own ~40 MB per process on top of the held buffer
  }, 30_000);

  it('gives undefined for a process that is gone', async () => {
    const p = spawn(process.execPath, ['-e', '0']);
    await once(p, 'exit');
    expect(treeRssBytes(p.pid!)).toBeUndefined();
  });
});
