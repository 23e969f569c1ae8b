/**
 * Exit codes are part of the CLI contract (documented in README "Errors").
 * Keep them stable: CI pipelines branch on them.
 */
export const ExitCode = {
  ok: 0,
  /** `tokbench check`: a metric regressed beyond tolerance. */
  regression: 1,
  /** Bad flags or arguments: the command line itself is wrong. */
  usage: 2,
  /** Input data or environment is wrong: missing/corrupt corpus, unreadable tokenizer, unwritable output. */
  data: 3,
  /** The run finished but at least one tokenizer failed; the others' results were kept. */
  partial: 4,
  /** Interrupted by SIGINT/SIGTERM; no partial output file was left. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error meant for the user: one line saying what is wrong, where, and what to do.
 * Anything else reaching the top-level handler is a bug and is reported as such.
 */
export class TokbenchError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, options: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokbenchError';
    this.exitCode = options.exitCode ?? ExitCode.data;
    this.hint = options.hint;
  }
}

export class UsageError extends TokbenchError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.usage, ...(hint === undefined ? {} : { hint }) });
    this.name = 'UsageError';
  }
}

export class DataError extends TokbenchError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: ExitCode.data, ...(hint === undefined ? {} : { hint }), cause });
    this.name = 'DataError';
  }
}

export function formatUserError(err: TokbenchError): string {
  return err.hint ? `tokbench: ${err.message} (${err.hint})` : `tokbench: ${err.message}`;
}

/** Levenshtein distance, for "did you mean …?" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_.\s]/g, '');
  const target = norm(input);
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const nc = norm(c);
    const d = nc === target ? 0 : nc.startsWith(target) || target.startsWith(nc) ? 1 : editDistance(target, nc);
    if (!best || d < best.d) best = { name: c, d };
  }
  if (!best) return undefined;
  return best.d <= Math.max(2, Math.floor(target.length / 3)) ? best.name : undefined;
}
