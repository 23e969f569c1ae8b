import type { BenchmarkResult } from '../core/types.js';

/** Infinity/NaN are not JSON: write them as null rather than letting JSON.stringify silently do so elsewhere. */
export function renderJson(result: BenchmarkResult): string {
  return JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
