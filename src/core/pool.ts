import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';

/** What the main thread sends a worker for one task. */
export interface PoolMessage<TIn> {
  id: number;
  input: TIn;
}

/** What a worker answers: the task's output, or an unexpected error (a bug, not a data problem). */
export interface PoolReply<TOut> {
  id: number;
  output?: TOut;
  error?: string;
}

/** A task of the graph: its input is built when it is dispatched, so it can use the outputs of the tasks it waits for. */
export interface PoolTask<TIn> {
  input: () => TIn;
  /** Indices of tasks that must have finished first. */
  after?: readonly number[];
  /** Tasks with a lower priority value are dispatched first among the ready ones (default: the task's index). */
  priority?: number;
}

export interface PoolOptions<TOut> {
  jobs: number;
  /** Passed to every worker once, at start (e.g. the corpus texts in shared memory). */
  workerData?: unknown;
  signal?: AbortSignal;
  /** Called in the main thread as each task finishes, in completion order. */
  onOutput: (index: number, output: TOut) => void;
  /** Return true to drop a task that has not been dispatched yet (e.g. the rest of a tokenizer that failed). */
  skip?: (index: number) => boolean;
}

/**
 * A fixed-size pool over node:worker_threads running a small task graph. Workers are long-lived (so each keeps what
 * it loaded, e.g. tokenizers, across tasks); results are handed to `onOutput` by task index, so whatever the
 * completion order, a caller that merges by index gets the same result for any number of jobs.
 */
export async function runTaskGraph<TIn, TOut>(workerUrl: URL, tasks: readonly PoolTask<TIn>[], o: PoolOptions<TOut>): Promise<void> {
  const n = tasks.length;
  if (n === 0) return;
  const waiting = tasks.map((t) => new Set(t.after ?? []));
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => { for (const d of t.after ?? []) dependents[d]!.push(i); });
  const ready: number[] = [];
  const priority = (i: number) => tasks[i]!.priority ?? i;
  const pushReady = (i: number) => {
    ready.push(i);
    ready.sort((a, b) => priority(a) - priority(b) || a - b);
  };
  tasks.forEach((_, i) => { if (waiting[i]!.size === 0) pushReady(i); });
  let finished = 0;
  const workers: Worker[] = [];
  const abortAll = () => { for (const w of workers) void w.terminate(); };
  o.signal?.addEventListener('abort', abortAll, { once: true });
  const size = Math.max(1, Math.min(o.jobs, n));
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        abortAll();
        reject(err);
      };
      const idle: Worker[] = [];
      const complete = (i: number) => {
        finished++;
        for (const d of dependents[i]!) {
          const w = waiting[d]!;
          w.delete(i);
          if (w.size === 0) pushReady(d);
        }
      };
      const dispatch = () => {
        if (failed) return;
        if (o.signal?.aborted) { fail(o.signal.reason); return; }
        while (idle.length && ready.length) {
          const i = ready.shift()!;
          if (o.skip?.(i)) { complete(i); continue; }
          const w = idle.pop()!;
          let input: TIn;
          try { input = tasks[i]!.input(); } catch (err) { fail(err); return; }
          w.postMessage({ id: i, input } satisfies PoolMessage<TIn>);
        }
        if (finished === n) resolve();
      };
      for (let k = 0; k < size; k++) {
        const w = new Worker(workerUrl, { workerData: o.workerData });
        workers.push(w);
        w.on('message', (msg: PoolReply<TOut>) => {
          if (msg.error !== undefined) { fail(new Error(msg.error)); return; }
          try { o.onOutput(msg.id, msg.output as TOut); } catch (err) { fail(err); return; }
          complete(msg.id);
          idle.push(w);
          dispatch();
        });
        w.on('error', fail);
        w.on('exit', (code) => { if (finished < n && !failed) fail(new Error(`a worker thread exited (code ${code}) before the run finished`)); });
        idle.push(w);
      }
      dispatch();
    });
  } finally {
    o.signal?.removeEventListener('abort', abortAll);
    abortAll();
  }
}

export function defaultJobs(): number {
  return Math.max(1, cpus().length);
}
