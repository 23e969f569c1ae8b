/**
 * The tokenizer engines, loaded on first use. Loading all of them took ~60 ms of every process (the CLI, the main
 * process of a run, each worker) that usually needs one or two; a run over cl100k_base alone never loads the HF
 * binding. tokenizers, tiktoken (its Node entry is CommonJS) and the JS engine's CommonJS build load synchronously
 * here, so the adapters' constructors stay synchronous; SentencePiece's package is ESM-only and is imported where
 * its adapter already waits for the engine to load.
 */

import { createRequire } from 'node:module';
import { loadTiktokenEngine, type TiktokenEngine } from './tiktoken-direct.js';

type NativeHf = typeof import('tokenizers');
type JsHf = typeof import('@huggingface/tokenizers');

const require = createRequire(import.meta.url);

let nativeHf: NativeHf | undefined;
let jsHf: JsHf | undefined;
let tiktoken: TiktokenEngine | undefined;

/** The HF `tokenizers` Rust engine (native binding). */
export function nativeHfEngine(): NativeHf {
  return (nativeHf ??= require('tokenizers') as NativeHf);
}

/** The pure-JS port of the HF engine. */
export function jsHfEngine(): JsHf {
  return (jsHf ??= require('@huggingface/tokenizers') as JsHf);
}

/** tiktoken (Rust compiled to WASM), with the direct count path of tiktoken-direct.ts. */
export function tiktokenEngine(): TiktokenEngine {
  return (tiktoken ??= loadTiktokenEngine());
}

/**
 * The engine packages this process has loaded, by package name. The module cache cannot tell for tiktoken: its glue
 * runs as a private copy that is kept out of the cache (tiktoken-direct.ts).
 */
export function loadedEngines(): string[] {
  return [['tokenizers', nativeHf], ['@huggingface/tokenizers', jsHf], ['tiktoken', tiktoken]].filter(([, e]) => e !== undefined).map(([name]) => name as string);
}
