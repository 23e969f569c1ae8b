/**
 * The JSON carries the definition of every metric it reports (label, direction, description, source), so a
 * result file can be read, and regressions judged, without this code at hand.
 */
import type { ResultFinalizer } from '../core/passes.js';
import type { BenchmarkResult } from '../core/types.js';
import { METRICS, metricValue, type MetricDef } from './metrics.js';

/** Definitions of the metrics that have a value in at least one result, keyed by metric key, in METRICS order. */
export function metricDefinitions(result: Pick<BenchmarkResult, 'results'>): Record<string, MetricDef> {
  const out: Record<string, MetricDef> = {};
  for (const m of METRICS) {
    if (result.results.some((r) => metricValue(r, m.key) !== null)) out[m.key] = { ...m };
  }
  return out;
}

export const metricDefinitionsFinalizer: ResultFinalizer = {
  name: 'metric-definitions',
  run: (result) => ({ ...result, metrics: metricDefinitions(result) }),
};
