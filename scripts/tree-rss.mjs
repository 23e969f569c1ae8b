// Peak resident memory of a process together with all its descendants (the worker processes of `--jobs N`), for the
// bench. A process's own maxRSS (getrusage) leaves its children out, and the kernel's figure for children is the largest
// one, not their sum; so the tree is sampled from /proc while it runs. Linux only: elsewhere the peak is undefined.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pageBytes = (() => {
  try {
    return Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
  } catch {
    return 4096;
  }
})();

/**
 * The process and every descendant still alive. A child is listed under the thread that started it; Node starts child
 * processes from its main thread, so only that thread's list is read: reading every thread's (a node process has about
 * ten) made a sample of three processes cost 0.28 ms of CPU, taken from the run being measured.
 */
function treeOf(pid, allThreads = false) {
  const out = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop();
    out.push(p);
    let tasks;
    try {
      tasks = allThreads ? readdirSync(`/proc/${p}/task`) : [p];
    } catch {
      continue; // gone meanwhile
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) todo.push(Number(c));
      } catch { /* thread or process gone */ }
    }
  }
  return out;
}

/**
 * Resident bytes of the process tree rooted at `pid` now, or undefined when /proc cannot tell. `allThreads`: also find
 * children started by other threads than the main one.
 */
export function treeRssBytes(pid, allThreads = false) {
  let total = 0;
  let seen = false;
  for (const p of treeOf(pid, allThreads)) {
    try {
      // statm: size resident shared … in pages
      total += Number(readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1]) * pageBytes;
      seen = true;
    } catch { /* gone meanwhile */ }
  }
  return seen ? total : undefined;
}

/**
 * Samples the tree of `pid` every `everyMs` (memory grows over seconds, not milliseconds) until stop() is called;
 * stop() returns the peak in MB (undefined if never measured). The sum counts pages shared between processes (the
 * node binary, libraries) once per process, as `ps` does.
 */
export function sampleTreeRss(pid, everyMs = 50) {
  let peak;
  const tick = () => {
    const b = treeRssBytes(pid);
    if (b !== undefined && (peak === undefined || b > peak)) peak = b;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak === undefined ? undefined : peak / 1024 / 1024;
    },
  };
}
