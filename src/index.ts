/** Library entry point: `import { runBenchmark } from 'tokbench'`. */
export { runBenchmark, type RunOptions } from './core/runner.js';
export type { BenchmarkResult, TokenizerResult, TokenizerFailure, Protocol, CorpusSummary } from './core/types.js';
export { SCHEMA_VERSION } from './core/types.js';
export { ExitCode, TokbenchError, UsageError, DataError } from './core/errors.js';
export { countChars, countCodePoints, utf8Bytes, CHAR_UNITS, type CharUnit } from './core/text-units.js';
export { loadCorpus, loadBundledCorpus, loadJsonl, loadTsv, loadTextPair } from './corpora/loaders.js';
export { loadFlores } from './corpora/flores.js';
export { loadNtrex } from './corpora/ntrex.js';
export { CORPUS_REGISTRY, findCorpusEntry, cacheRoot, type RegistryEntry } from './corpora/registry.js';
export { fetchCorpus } from './corpora/fetch.js';
export { joinedText, describeSegmentation } from './core/segmentation.js';
export type { Corpus, Pair } from './corpora/types.js';
export { loadTokenizer, parseTokenizerSpec } from './tokenizers/registry.js';
export { PRESETS, findPreset, defaultPresetIds, type Preset } from './tokenizers/presets.js';
export type { TokenizerAdapter, TokenizerInfo } from './tokenizers/types.js';
export { METRICS, languageStats, premium, effectiveContext, costMultipliers, metricValue } from './metrics/metrics.js';
// Literature metrics (docs/metrics.md), usable on counts from anywhere.
export { ratioOfTotals, meanOfPairRatios, tokensPerCharRatio } from './metrics/premium-estimators.js';
export { segmentWords, wordSideStats } from './metrics/words.js';
export { nsl } from './metrics/nsl.js';
export { renyiEntropy, renyiEfficiency, DEFAULT_RENYI_ALPHA } from './metrics/distribution.js';
export { gini, languageFairness } from './metrics/fairness.js';
export { REPORTERS, FORMATS, renderTable, renderMarkdown, renderCsv, renderJson } from './reporters/index.js';
export { makeSignature } from './core/signature.js';
export { compareResults, compareMetric, parseTolerance, applyToleranceSpecs, DEFAULT_TOLERANCES, type Comparison, type MetricComparison, type Tolerance, type Tolerances } from './core/compare.js';
export { parseResults, readResultsFile, resultsSchemaErrors, RESULTS_SCHEMA_PATH } from './core/schema.js';
export { loadConfig, type TokbenchConfig } from './core/config.js';
