import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';

/** A job for a worker: run one tokenizer of a run (options are structured-cloned). */
export interface PoolTask<TIn> {
  index: number;
  input: TIn;
}

/**
 * A minimal fixed-size pool over node:worker_threads: tasks are handed out in order, results are returned by task
 * index so the merged output never depends on which worker finished first.
 */
export async function runInPool<TIn, TOut>(workerUrl: URL, inputs: TIn[], jobs: number, signal?: AbortSignal): Promise<TOut[]> {
  const size = Math.max(1, Math.min(jobs, inputs.length));
  const results = new Array<TOut>(inputs.length);
  let next = 0;
  const workers: Worker[] = [];
  const abortAll = () => { for (const w of workers) void w.terminate(); };
  signal?.addEventListener('abort', abortAll, { once: true });
  try {
    await Promise.all(
      Array.from({ length: size }, () => new Promise<void>((resolve, reject) => {
        const worker = new Worker(workerUrl);
        workers.push(worker);
        const feed = () => {
          if (signal?.aborted) { void worker.terminate(); reject(signal.reason); return; }
          if (next >= inputs.length) { void worker.terminate().then(() => resolve()); return; }
          const index = next++;
          worker.postMessage({ index, input: inputs[index]! } satisfies PoolTask<TIn>);
        };
        worker.on('message', (msg: { index: number; output?: TOut; error?: string }) => {
          if (msg.error !== undefined) { void worker.terminate(); reject(new Error(msg.error)); return; }
          results[msg.index] = msg.output as TOut;
          feed();
        });
        worker.on('error', (err) => reject(err));
        feed();
      })),
    );
  } finally {
    signal?.removeEventListener('abort', abortAll);
    abortAll();
  }
  return results;
}

export function defaultJobs(): number {
  return Math.max(1, cpus().length);
}
