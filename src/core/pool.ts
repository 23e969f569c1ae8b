import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * What the main process sends a worker: `hello` at once (what it needs to load tokenizers early), `init` when the
 * run is prepared (e.g. where the corpus texts are stored), then one message per task.
 */
export type PoolMessage<TIn> = { hello: unknown } | { init: unknown } | { id: number; input: TIn };

/** What a worker answers: the task's output, or an unexpected error (a bug, not a data problem). */
export interface PoolReply<TOut> {
  id: number;
  output?: TOut;
  error?: string;
}

/**
 * A task of the graph: its input is built when it is dispatched, so it can use the outputs of the tasks it waits for.
 * Among the ready tasks, the one with the lowest index is dispatched first.
 */
export interface PoolTask<TIn> {
  input: () => TIn;
  /** Indices of tasks that must have finished first. */
  after?: readonly number[];
  /** Settles when what the task needs outside the graph exists (e.g. its texts are written); a rejection fails the run. */
  ready?: Promise<unknown>;
  /**
   * What the task needs loaded in its worker (a tokenizer): a ready task whose key a worker holds (one of the last
   * keys it was sent, or was told to load at start) goes to that worker before lower-indexed tasks it would have to
   * load for.
   */
  key?: string;
}

export interface RunGraphOptions<TOut> {
  /** Sent to every worker once, before its first task. */
  workerData?: unknown;
  signal?: AbortSignal;
  /** Called in the main process as each task finishes, in completion order. */
  onOutput: (index: number, output: TOut) => void;
  /** Return true to drop a task that has not been dispatched yet (e.g. the rest of a tokenizer that failed). */
  skip?: (index: number) => boolean;
}

/**
 * A fixed-size pool of worker PROCESSES running a small task graph. Processes, not worker threads: the native HF
 * engine shares its thread pools and allocator inside one process; two threads encoding Qwen3 at once took 1.45 s
 * per unit of work against 1.25 s for two processes (2 cores; measured while building this, see the README).
 * Workers are long-lived (each keeps what it loaded, e.g. tokenizers, across tasks) and can be started before the
 * run is prepared, so their start-up overlaps reading the corpus. Results are handed to `onOutput` by task index,
 * so a caller that merges by index gets the same result for any number of jobs.
 */
export class ProcessPool {
  private readonly workers: { proc: ChildProcess; stderrTail: string }[] = [];
  private closed = false;

  /** Per worker, the keys it holds, most recent last (at most `holds`, as the worker keeps at most that many loaded). */
  private readonly held: string[][] = [];

  /** `keys(k)`: what worker k loads on start (see PoolTask.key); `holds`: how many keys a worker keeps. */
  constructor(workerUrl: URL, size: number, hello: (k: number) => unknown, env: NodeJS.ProcessEnv = process.env, keys: (k: number) => readonly string[] = () => [], private readonly holds = 2) {
    for (let k = 0; k < Math.max(1, size); k++) {
      this.held.push(keys(k).slice(-holds));
      // No inherited exec flags (a test runner's loaders, --cpu-prof); stdout unused, stderr kept for crash reports.
      const proc = fork(fileURLToPath(workerUrl), [], { env, execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      const w = { proc, stderrTail: '' };
      proc.stderr?.setEncoding('utf8').on('data', (d: string) => { w.stderrTail = (w.stderrTail + d).slice(-2000); });
      // An 'error' before run() attaches its handlers (e.g. fork failing) must not crash the process; run() reports exits.
      proc.on('error', () => {});
      proc.send({ hello: hello(k) } satisfies PoolMessage<never>);
      this.workers.push(w);
    }
  }

  private prefetchNow: (() => void) | undefined;

  /**
   * Send each worker of the current run one more ready task, to start as soon as its current one ends: for a caller
   * about to keep this process busy (a worker finishing meanwhile would otherwise wait for it to answer). Tasks go
   * out in the usual order; a worker runs what it was sent one at a time.
   */
  prefetch(): void {
    this.prefetchNow?.();
  }

  get size(): number {
    return this.workers.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { proc } of this.workers) if (proc.exitCode === null && proc.signalCode === null) proc.kill();
  }

  async run<TIn, TOut>(tasks: readonly PoolTask<TIn>[], o: RunGraphOptions<TOut>): Promise<void> {
    const n = tasks.length;
    if (n === 0) return;
    if (this.closed) throw new Error('ProcessPool.run after close()');
    // An outside gate (`ready`) counts as one more thing to wait for, under the index -1.
    const waiting = tasks.map((t) => new Set([...(t.after ?? []), ...(t.ready ? [GATE] : [])]));
    const dependents: number[][] = tasks.map(() => []);
    tasks.forEach((t, i) => { for (const d of t.after ?? []) dependents[d]!.push(i); });
    const ready: number[] = [];
    const pushReady = (i: number) => {
      ready.push(i);
      ready.sort((a, b) => a - b);
    };
    tasks.forEach((_, i) => { if (waiting[i]!.size === 0) pushReady(i); });
    let finished = 0;
    const abort = () => this.close();
    o.signal?.addEventListener('abort', abort, { once: true });
    const listeners: (() => void)[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (err: unknown) => {
          if (failed) return;
          failed = true;
          this.close();
          reject(err);
        };
        // Tasks sent to each worker and not answered yet: one, or two after a prefetch (see prefetch()).
        const inflight = this.workers.map(() => 0);
        const unblock = (d: number, by: number) => {
          const w = waiting[d]!;
          w.delete(by);
          if (w.size === 0) pushReady(d);
        };
        const complete = (i: number) => {
          finished++;
          for (const d of dependents[i]!) unblock(d, i);
        };
        /** The next task for worker w: the lowest-indexed ready one it holds the key of, else the lowest-indexed. */
        const take = (w: number): number | undefined => {
          const keys = this.held[w]!;
          for (;;) {
            if (!ready.length) return undefined;
            const at = Math.max(0, ready.findIndex((i) => tasks[i]!.key !== undefined && keys.includes(tasks[i]!.key!)));
            const i = ready.splice(at, 1)[0]!;
            if (o.skip?.(i)) { complete(i); continue; }
            const key = tasks[i]!.key;
            if (key !== undefined) {
              const held = keys.indexOf(key);
              if (held >= 0) keys.splice(held, 1);
              keys.push(key);
              if (keys.length > this.holds) keys.shift();
            }
            return i;
          }
        };
        const dispatch = (depth = 1) => {
          if (failed) return;
          if (o.signal?.aborted) { fail(o.signal.reason); return; }
          for (let level = 0; level < depth; level++) {
            for (let w = 0; w < this.workers.length; w++) {
              if (inflight[w] !== level) continue;
              const i = take(w);
              if (i === undefined) break;
              let input: TIn;
              try { input = tasks[i]!.input(); } catch (err) { fail(err); return; }
              inflight[w]!++;
              this.workers[w]!.proc.send({ id: i, input } satisfies PoolMessage<TIn>);
            }
          }
          if (finished === n) resolve();
        };
        this.prefetchNow = () => dispatch(2);
        // Dispatch after the microtasks already queued: gates opened together all unblock first, so the lowest index wins.
        tasks.forEach((t, i) => t.ready?.then(() => { if (!failed) { unblock(i, GATE); queueMicrotask(dispatch); } }, fail));
        for (const [k, w] of this.workers.entries()) {
          const { proc } = w;
          if (proc.exitCode !== null || proc.signalCode !== null) { fail(new Error(`a worker process exited (${proc.signalCode ?? `code ${proc.exitCode}`}) before the run started${tail(w.stderrTail)}`)); return; }
          const onMessage = (msg: PoolReply<TOut>) => {
            if (msg.error !== undefined) { fail(new Error(msg.error)); return; }
            try { o.onOutput(msg.id, msg.output as TOut); } catch (err) { fail(err); return; }
            complete(msg.id);
            inflight[k]!--;
            dispatch();
          };
          const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
            if (finished < n && !failed) fail(new Error(`a worker process exited (${sig ?? `code ${code}`}) before the run finished${tail(w.stderrTail)}`));
          };
          proc.on('message', onMessage);
          proc.on('error', fail);
          proc.on('exit', onExit);
          listeners.push(() => { proc.off('message', onMessage); proc.off('error', fail); proc.off('exit', onExit); });
          proc.send({ init: o.workerData } satisfies PoolMessage<TIn>);
        }
        dispatch();
      });
    } finally {
      this.prefetchNow = undefined;
      o.signal?.removeEventListener('abort', abort);
      for (const off of listeners) off();
    }
  }
}

const GATE = -1;

function tail(stderr: string): string {
  const why = stderr.trim().split('\n').filter(Boolean).pop();
  return why ? `: ${why}` : '';
}

export function defaultJobs(): number {
  return Math.max(1, cpus().length);
}
