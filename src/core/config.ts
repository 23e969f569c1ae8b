import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Project settings for `tokbench check`, from `tokbench.config.json` or the `tokbench` key of package.json:
 *
 *   { "check": { "baseline": "results/baseline.json", "strict": false,
 *                "tolerance": { "default": "0%", "premium": "0.5%", "zh.tokensPerChar": 0.002 } } }
 *
 * Flags override the config. Paths in the config are relative to the file that holds them, so the
 * check behaves the same from any working directory.
 */
export interface CheckConfig {
  baseline?: string;
  strict?: boolean;
  /** Metrics that can fail the check: "core" (default), "all", or a list of metric keys. */
  metrics?: string | string[];
  /** metric key (or "default" / "*") → "N%" (relative) or N / "N" (absolute). */
  tolerance?: Record<string, string | number>;
}

export interface TokbenchConfig {
  check?: CheckConfig;
}

export interface LoadedConfig {
  config: TokbenchConfig;
  /** Where it came from, for messages ("tokbench.config.json", "package.json#tokbench"), or undefined. */
  source: string | undefined;
}

export const CONFIG_FILE = 'tokbench.config.json';

function readJson(path: string, where: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'check the path and permissions');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${where} is not valid JSON (${(err as Error).message})`, 'fix the file or remove it');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Shape check with messages naming the exact key; the metric names and values are checked by compare.ts. */
export function validateConfig(raw: unknown, where: string, baseDir: string): TokbenchConfig {
  if (!isObject(raw)) throw new UsageError(`${where}: expected a JSON object`, 'e.g. { "check": { "baseline": "results/baseline.json" } }');
  const out: TokbenchConfig = {};
  const check = raw['check'];
  if (check === undefined) return out;
  if (!isObject(check)) throw new UsageError(`${where}: "check" must be an object`, 'e.g. { "check": { "baseline": "results/baseline.json" } }');
  const known = ['baseline', 'strict', 'metrics', 'tolerance'];
  for (const k of Object.keys(check)) {
    if (!known.includes(k)) throw new UsageError(`${where}: unknown key "check.${k}"`, `known keys: ${known.join(', ')}`);
  }
  const c: CheckConfig = {};
  if (check['baseline'] !== undefined) {
    if (typeof check['baseline'] !== 'string' || !check['baseline']) throw new UsageError(`${where}: "check.baseline" must be a file path`);
    c.baseline = resolve(baseDir, check['baseline']);
  }
  if (check['strict'] !== undefined) {
    if (typeof check['strict'] !== 'boolean') throw new UsageError(`${where}: "check.strict" must be true or false`);
    c.strict = check['strict'];
  }
  const metrics = check['metrics'];
  if (metrics !== undefined) {
    if (typeof metrics !== 'string' && !(Array.isArray(metrics) && metrics.every((m) => typeof m === 'string'))) {
      throw new UsageError(`${where}: "check.metrics" must be "core", "all" or a list of metric keys`);
    }
    c.metrics = metrics as string | string[];
  }
  const tol = check['tolerance'];
  if (tol !== undefined) {
    if (!isObject(tol)) throw new UsageError(`${where}: "check.tolerance" must map metric names to tolerances`, 'e.g. { "default": "0%", "premium": "0.5%" }');
    const t: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(tol)) {
      if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`${where}: "check.tolerance.${k}" must be "N%" or a number`);
      t[k] = v;
    }
    c.tolerance = t;
  }
  out.check = c;
  return out;
}

/**
 * `explicit` (a --config path) wins; otherwise tokbench.config.json in `cwd`, otherwise package.json's
 * "tokbench" key in `cwd`. No config at all is normal.
 */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`config file not found: ${path}`, 'check the --config path');
    return { config: validateConfig(readJson(path, path), path, dirname(path)), source: path };
  }
  const file = join(cwd, CONFIG_FILE);
  if (existsSync(file)) return { config: validateConfig(readJson(file, file), file, cwd), source: file };
  const pkg = join(cwd, 'package.json');
  if (existsSync(pkg)) {
    const json = readJson(pkg, pkg);
    if (isObject(json) && json['tokbench'] !== undefined) {
      const where = `${pkg} ("tokbench" key)`;
      return { config: validateConfig(json['tokbench'], where, cwd), source: where };
    }
  }
  return { config: {}, source: undefined };
}
