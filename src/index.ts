/** Library entry point: `import { runBenchmark } from 'tokbench'`. */
export { runBenchmark, type RunOptions } from './core/runner.js';
export type { BenchmarkResult, TokenizerResult, TokenizerFailure, Protocol, CorpusSummary } from './core/types.js';
export { SCHEMA_VERSION } from './core/types.js';
export { ExitCode, TokbenchError, UsageError, DataError } from './core/errors.js';
export { countChars, countCodePoints, utf8Bytes, CHAR_UNITS, type CharUnit } from './core/text-units.js';
export { loadCorpus, loadBundledCorpus, loadJsonl, loadTsv, loadTextPair } from './corpora/loaders.js';
export type { Corpus, Pair } from './corpora/types.js';
export { loadTokenizer, parseTokenizerSpec } from './tokenizers/registry.js';
export { PRESETS, findPreset, defaultPresetIds, type Preset } from './tokenizers/presets.js';
export type { TokenizerAdapter, TokenizerInfo } from './tokenizers/types.js';
export { METRICS, languageStats, premium, effectiveContext, costMultipliers, metricValue } from './metrics/metrics.js';
export { REPORTERS, FORMATS, renderTable, renderMarkdown, renderCsv, renderJson } from './reporters/index.js';
export { makeSignature } from './core/signature.js';
