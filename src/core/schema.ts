import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { DataError } from './errors.js';
import { SCHEMA_VERSION, type BenchmarkResult } from './types.js';

/** Shipped in the package ("files": schema) so users can validate results without tokbench. */
export const RESULTS_SCHEMA_PATH = fileURLToPath(new URL('../../schema/results.schema.json', import.meta.url));
export const COMPARISON_SCHEMA_PATH = fileURLToPath(new URL('../../schema/comparison.schema.json', import.meta.url));

/**
 * Readers for results written under an older schemaVersion, upgrading them to the current one.
 * Version 1 is the first published format, so there is nothing to upgrade yet; when version 2 appears,
 * add `1: (r) => …` here and older baselines stay usable.
 */
const UPGRADES: Record<number, (r: Record<string, unknown>) => Record<string, unknown>> = {};

let validators: { results: ValidateFunction; comparison: ValidateFunction } | undefined;

function loadValidators(): { results: ValidateFunction; comparison: ValidateFunction } {
  if (!validators) {
    // Required on first use, not imported: ajv costs ~60 ms to load, which every `tokbench run` and every library
    // import paid without ever validating anything.
    const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
    // allErrors: a user fixing a hand-edited baseline wants every problem at once.
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as object;
    validators = { results: ajv.compile(read(RESULTS_SCHEMA_PATH)), comparison: ajv.compile(read(COMPARISON_SCHEMA_PATH)) };
  }
  return validators;
}

export function formatSchemaErrors(errors: ErrorObject[] | null | undefined, max = 3): string {
  const list = (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${e.keyword === 'const' ? ` ${JSON.stringify(e.params['allowedValue'])}` : ''}`);
  const shown = list.slice(0, max).join('; ');
  return list.length > max ? `${shown}; and ${list.length - max} more` : shown;
}

/** Validate against schema/results.schema.json; returns the problems (empty when valid). */
export function resultsSchemaErrors(data: unknown): string[] {
  const v = loadValidators().results;
  return v(data) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}

export function comparisonSchemaErrors(data: unknown): string[] {
  const v = loadValidators().comparison;
  return v(data) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}

/**
 * Check a parsed results JSON: version first (so an old or future file gets a message about versions, not
 * a list of schema errors), then the schema. `where` names the file in messages.
 */
export function parseResults(data: unknown, where: string): BenchmarkResult {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new DataError(`${where} is not a tokbench results file (expected a JSON object)`, 'write one with `tokbench run --format json --output FILE`');
  }
  let obj = data as Record<string, unknown>;
  const version = obj['schemaVersion'];
  if (version === undefined) {
    throw new DataError(`${where} has no schemaVersion, so it is not a tokbench results file`, 'write one with `tokbench run --format json --output FILE`');
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new DataError(`${where} has schemaVersion ${JSON.stringify(version)}, which no tokbench release ever wrote`, 'regenerate it with `tokbench run --format json --output FILE`');
  }
  if (version > SCHEMA_VERSION) {
    throw new DataError(`${where} uses results schemaVersion ${version}, newer than this tokbench reads (${SCHEMA_VERSION})`, 'upgrade tokbench (npm install tokbench@latest), or regenerate the file with this version');
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const up = UPGRADES[v];
    if (!up) throw new DataError(`${where} uses results schemaVersion ${v}, which this tokbench can no longer read`, 'regenerate it with `tokbench run --format json --output FILE`');
    obj = { ...up(obj), schemaVersion: v + 1 };
  }
  const v = loadValidators().results;
  if (!v(obj)) {
    throw new DataError(`${where} does not match the results schema (v${SCHEMA_VERSION}): ${formatSchemaErrors(v.errors)}`, 'regenerate it with `tokbench run --format json --output FILE` rather than editing it by hand');
  }
  return obj as unknown as BenchmarkResult;
}

/** Read, parse and validate a results file; every failure is a DataError naming the file. */
export function readResultsFile(path: string, role = 'results file'): BenchmarkResult {
  if (!existsSync(path)) throw new DataError(`${role} not found: ${path}`, 'check the path, or write one with `tokbench run --format json --output FILE`');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read ${role} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'check the file permissions', err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${role} ${path} is not valid JSON (${(err as Error).message})`, 'write it with `tokbench run --format json --output FILE`');
  }
  return parseResults(data, `${role} ${path}`);
}
