import { METRICS, metricValue, type Direction } from '../metrics/metrics.js';
import { UsageError, didYouMean } from './errors.js';
import type { BenchmarkResult, Protocol, TokenizerResult } from './types.js';

export const COMPARISON_SCHEMA_VERSION = 1;

/** A tolerance for how far a metric may move in its worse direction before it counts as a regression. */
export interface Tolerance {
  kind: 'relative' | 'absolute';
  /** Relative: a fraction of the old value (0.01 = 1%). Absolute: in the metric's own unit. */
  value: number;
}

export interface Tolerances {
  /** Applies to every metric without its own entry. */
  default: Tolerance;
  perMetric: Record<string, Tolerance>;
}

/** Counts must be identical to the reference engines, so by default any worsening is a regression. */
export const EXACT: Tolerance = { kind: 'relative', value: 0 };
export const DEFAULT_TOLERANCES: Tolerances = { default: EXACT, perMetric: {} };

export const METRIC_KEYS: readonly string[] = METRICS.map((m) => m.key);

/**
 * The efficiency metrics of the README table gate a check by default. Every other registered metric is
 * compared and shown but only gates when asked for (`--metrics all`, by name, or by giving it a tolerance):
 * diagnostics such as vocabulary use can move the "wrong" way on a genuine improvement (a larger vocabulary
 * is used more thinly), and must not fail every tokenizer upgrade.
 */
export const CORE_METRICS: readonly string[] = [
  'zh.tokensPerChar', 'zh.charsPerToken', 'zh.bytesPerToken', 'en.tokensPerChar', 'en.charsPerToken', 'en.bytesPerToken',
  'premium', 'effectiveContext.zhCharacters', 'effectiveContext.englishEquivalentShare', 'cost.vsBest',
];

/** Which metrics can fail a check: the core set, all, or the listed keys. */
export type Gate = 'core' | 'all' | readonly string[];

export function parseGate(input: string | readonly string[], where: string): Gate {
  const items = (typeof input === 'string' ? input.split(',') : [...input]).map((x) => x.trim()).filter(Boolean);
  if (items.length === 1 && (items[0] === 'core' || items[0] === 'all')) return items[0];
  if (!items.length) throw new UsageError(`${where}: no metrics given`, 'use core, all, or metric keys such as premium,zh.tokensPerChar');
  return items.map((k) => checkMetricKey(k, where));
}

export function isGated(gate: Gate, tolerances: Tolerances, metric: string): boolean {
  if (gate === 'all' || metric in tolerances.perMetric) return true;
  return (gate === 'core' ? CORE_METRICS : gate).includes(metric);
}

/**
 * Metrics are ratios of integer counts computed in floating point: a change smaller than this share of the
 * value is rounding noise (e.g. an exactly-1% change computes as 1.0000000000000009%), never a count change
 * (one token in a billion would be 1e-9).
 */
const NOISE = 1e-10;

/** `"1%"` / `"0.5 %"` → relative; `"0.002"` / `0.002` → absolute (in the metric's unit). */
export function parseTolerance(input: string | number, where: string): Tolerance {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UsageError(`${where}: tolerance must be a number ≥ 0, got ${input}`, 'e.g. 0.002 (absolute) or "1%" (relative)');
    return { kind: 'absolute', value: input };
  }
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(input);
  if (!m) throw new UsageError(`${where}: cannot read tolerance "${input}"`, 'use e.g. 1% (relative to the old value) or 0.002 (absolute, in the metric\'s unit)');
  const n = Number(m[1]);
  return m[2] ? { kind: 'relative', value: n / 100 } : { kind: 'absolute', value: n };
}

export function checkMetricKey(key: string, where: string): string {
  if (METRIC_KEYS.includes(key)) return key;
  const hint = didYouMean(key, METRIC_KEYS);
  throw new UsageError(`${where}: unknown metric "${key}"${hint ? `; did you mean "${hint}"?` : ''}`, `metrics: ${METRIC_KEYS.join(', ')}`);
}

/**
 * Tolerance specs as given on the command line or in a config: `1%` (every metric), `premium=0.5%`,
 * `zh.tokensPerChar=0.002`; `default=…` or `*=…` also set the default. Later entries override earlier ones.
 */
export function applyToleranceSpecs(base: Tolerances, specs: readonly (readonly [string | undefined, string | number])[], where: string): Tolerances {
  const out: Tolerances = { default: base.default, perMetric: { ...base.perMetric } };
  for (const [key, value] of specs) {
    if (key === undefined || key === 'default' || key === '*') out.default = parseTolerance(value, where);
    else out.perMetric[checkMetricKey(key, where)] = parseTolerance(value, `${where} (${key})`);
  }
  return out;
}

/** Splits `--tolerance` flag values: each may hold a comma-separated list of `[metric=]value`. */
export function toleranceFlagSpecs(flags: readonly string[]): [string | undefined, string][] {
  const out: [string | undefined, string][] = [];
  for (const flag of flags) {
    for (const part of flag.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = part.indexOf('=');
      out.push(eq < 0 ? [undefined, part] : [part.slice(0, eq).trim(), part.slice(eq + 1)]);
    }
  }
  return out;
}

export function toleranceFor(tolerances: Tolerances, metric: string): Tolerance {
  return tolerances.perMetric[metric] ?? tolerances.default;
}

export function describeTolerance(t: Tolerance): string {
  if (t.value === 0) return 'exact';
  return t.kind === 'relative' ? `±${+(t.value * 100).toPrecision(6)}%` : `±${t.value}`;
}

export type MetricStatus = 'unchanged' | 'improved' | 'within-tolerance' | 'regressed' | 'incomparable';

export interface MetricComparison {
  metric: string;
  label: string;
  direction: Direction;
  old: number | null;
  new: number | null;
  /** new − old. */
  absoluteChange: number | null;
  /** (new − old) ÷ |old|; null when old is 0 and new is not. */
  relativeChange: number | null;
  tolerance: Tolerance;
  status: MetricStatus;
  /** Can this metric fail a check (see CORE_METRICS)? */
  gated: boolean;
  /** Does this metric fail a check? A gated regression; in strict mode any gated change beyond tolerance. */
  fails: boolean;
}

export interface TokenizerSide {
  id: string;
  name: string;
  sha256: string;
  vocabSize: number;
  zhTokens: number;
  enTokens: number;
}

export interface TokenizerComparison {
  id: string;
  /** compared: in both; removed: only in the old result; added: only in the new one. */
  presence: 'compared' | 'removed' | 'added';
  old: TokenizerSide | null;
  new: TokenizerSide | null;
  sha256Changed: boolean;
  metrics: MetricComparison[];
}

export interface RunSide {
  label: string;
  createdAt: string;
  corpusId: string;
  corpusSha256: string;
  signature: string;
  protocol: Protocol;
}

export interface ComparisonSummary {
  regressed: number;
  improved: number;
  withinTolerance: number;
  unchanged: number;
  incomparable: number;
  failing: number;
}

export interface Comparison {
  kind: 'tokbench-comparison';
  schemaVersion: typeof COMPARISON_SCHEMA_VERSION;
  old: RunSide;
  new: RunSide;
  corpusMatches: boolean;
  /** e.g. "specialTokens: false → true": the numbers were produced differently. */
  protocolDifferences: string[];
  strict: boolean;
  tolerances: Tolerances;
  /** Metric keys that can fail the comparison. */
  gatedMetrics: string[];
  tokenizers: TokenizerComparison[];
  summary: ComparisonSummary;
  passed: boolean;
}

export interface CompareOptions {
  tolerances?: Tolerances;
  /** Fail on any change beyond tolerance, better or worse (catches a dependency bump that changes counts). */
  strict?: boolean;
  /** Default 'core'. */
  gate?: Gate;
  oldLabel?: string;
  newLabel?: string;
  /** Maps a new result's tokenizer id to the old id it should be matched with (default: the same id). */
  matchId?: (newId: string) => string;
}

export function compareMetric(metric: { key: string; label: string; direction: Direction }, oldV: number | null, newV: number | null, tolerance: Tolerance, strict = false, gated = true): MetricComparison {
  const base = { metric: metric.key, label: metric.label, direction: metric.direction, old: oldV, new: newV, tolerance, gated };
  if (oldV === null || newV === null) {
    const same = oldV === newV;
    return { ...base, absoluteChange: null, relativeChange: null, status: same ? 'unchanged' : 'incomparable', fails: gated && !same };
  }
  const absoluteChange = newV - oldV;
  const relativeChange = oldV === 0 ? (newV === 0 ? 0 : null) : absoluteChange / Math.abs(oldV);
  const noise = NOISE * Math.max(Math.abs(oldV), Math.abs(newV));
  // Metrics summed in a different order (e.g. over a hash map) differ in the last bits: that is no change.
  if (Math.abs(absoluteChange) <= noise) return { ...base, absoluteChange, relativeChange, status: 'unchanged', fails: false };
  const allowed = tolerance.kind === 'relative' ? tolerance.value * Math.abs(oldV) : tolerance.value;
  const beyond = Math.abs(absoluteChange) > allowed + noise;
  const worse = metric.direction === 'lower' ? absoluteChange > 0 : absoluteChange < 0;
  const status: MetricStatus = !worse ? 'improved' : beyond ? 'regressed' : 'within-tolerance';
  return { ...base, absoluteChange, relativeChange, status, fails: gated && beyond && (worse || strict) };
}

function side(r: TokenizerResult): TokenizerSide {
  return { id: r.tokenizer.id, name: r.tokenizer.name, sha256: r.tokenizer.sha256, vocabSize: r.tokenizer.vocabSize, zhTokens: r.languages.zh.tokens, enTokens: r.languages.en.tokens };
}

function runSide(r: BenchmarkResult, label: string): RunSide {
  return { label, createdAt: r.createdAt, corpusId: r.corpus.id, corpusSha256: r.corpus.sha256, signature: r.signature.text, protocol: r.protocol };
}

export function protocolDifferences(a: Protocol, b: Protocol): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort() as (keyof Protocol)[];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k}: ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`);
}

/**
 * Compare two results tokenizer by tokenizer and metric by metric (the METRICS registry, each with its
 * direction). Tokenizers are matched by id; a changed tokenizer file is expected and only reported.
 */
export function compareResults(oldR: BenchmarkResult, newR: BenchmarkResult, options: CompareOptions = {}): Comparison {
  const tolerances = options.tolerances ?? DEFAULT_TOLERANCES;
  const strict = options.strict ?? false;
  const matchId = options.matchId ?? ((id: string) => id);
  const gate = options.gate ?? 'core';
  const oldById = new Map(oldR.results.map((r) => [r.tokenizer.id, r]));
  const seenOld = new Set<string>();
  const tokenizers: TokenizerComparison[] = [];
  for (const n of newR.results) {
    const oldId = matchId(n.tokenizer.id);
    const o = oldById.get(oldId);
    if (!o) {
      tokenizers.push({ id: n.tokenizer.id, presence: 'added', old: null, new: side(n), sha256Changed: false, metrics: [] });
      continue;
    }
    seenOld.add(oldId);
    const metrics = METRICS.map((m) => compareMetric(m, metricValue(o, m.key), metricValue(n, m.key), toleranceFor(tolerances, m.key), strict, isGated(gate, tolerances, m.key)));
    tokenizers.push({ id: oldId, presence: 'compared', old: side(o), new: side(n), sha256Changed: o.tokenizer.sha256 !== n.tokenizer.sha256, metrics });
  }
  for (const o of oldR.results) {
    if (!seenOld.has(o.tokenizer.id)) tokenizers.push({ id: o.tokenizer.id, presence: 'removed', old: side(o), new: null, sha256Changed: false, metrics: [] });
  }
  const all = tokenizers.flatMap((t) => t.metrics);
  const count = (s: MetricStatus) => all.filter((m) => m.status === s).length;
  const summary: ComparisonSummary = {
    regressed: count('regressed'),
    improved: count('improved'),
    withinTolerance: count('within-tolerance'),
    unchanged: count('unchanged'),
    incomparable: count('incomparable'),
    failing: all.filter((m) => m.fails).length,
  };
  return {
    kind: 'tokbench-comparison',
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    old: runSide(oldR, options.oldLabel ?? 'old'),
    new: runSide(newR, options.newLabel ?? 'new'),
    corpusMatches: oldR.corpus.sha256 === newR.corpus.sha256,
    protocolDifferences: protocolDifferences(oldR.protocol, newR.protocol),
    strict,
    tolerances,
    gatedMetrics: METRIC_KEYS.filter((k) => isGated(gate, tolerances, k)),
    tokenizers,
    summary,
    passed: summary.failing === 0,
  };
}
