/**
 * tiktoken's encode_ordinary called through its WASM exports, for counting. The JS binding (wasm-bindgen output)
 * does two things per call that a count does not need: it writes the text into WASM memory with a JS loop over its
 * ASCII prefix before handing the rest to TextEncoder.encodeInto, and it copies the ids out into a new Uint32Array
 * (garbage for every text). Here the whole text goes through encodeInto and the ids are read in place. Measured on
 * the 100 MB bench corpus, cl100k_base, one core: counting alone, in one process, 4 interleaved rounds, 11.33 s mean
 * through the binding and 10.90 s direct; a whole run (3 interleaved rounds) 12.62 → 12.07 s. The engine, and so
 * every id, is the same: the same WASM function gets the same UTF-8 bytes.
 *
 * The price is reliance on how wasm-bindgen named the exports in this build (`__wbindgen_export_1` is the allocator,
 * `_2` realloc, `_3` free), which can change with any tiktoken release. So the direct path is taken only for the
 * tiktoken versions in DIRECT_VERSIONS (checked by reading them here: tiktoken_bg.cjs), when every export is there,
 * and when probe texts, on a small encoder made for the check, get the binding's ids both ways; otherwise every call
 * goes through the binding (of the shared module: a failed probe may have left the private instance in any state).
 * A test fails when the installed tiktoken is not one of them, so an upgrade is looked at rather than slowed silently.
 *
 * The binding runs on a private copy of its glue module and WASM instance: the exports are only reachable from the
 * instance, and another `require('tiktoken')` in the same process (a test's reference encoder, say) would otherwise
 * re-point the shared glue at its own instance, under encoders made here.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Tiktoken } from 'tiktoken';
import type { IdSink } from './types.js';
import { packageVersion } from '../core/version.js';

type Binding = typeof import('tiktoken');

/** The part of the WebAssembly global used here (declared in the DOM lib, which this project does not load). */
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The tiktoken releases whose generated glue this file was checked against (tiktoken_bg.cjs, encode_ordinary). */
export const DIRECT_VERSIONS: readonly string[] = ['1.0.22'];

/** The WASM exports used here, as the binding's encode_ordinary uses them. */
interface Exports {
  memory: WasmMemory;
  tiktoken_encode_ordinary(retptr: number, self: number, ptr: number, len: number): void;
  /** malloc(size, align) */
  __wbindgen_export_1(size: number, align: number): number;
  /** realloc(ptr, oldSize, newSize, align) */
  __wbindgen_export_2(ptr: number, oldSize: number, newSize: number, align: number): number;
  /** free(ptr, size, align) */
  __wbindgen_export_3(ptr: number, size: number, align: number): void;
  __wbindgen_add_to_stack_pointer(delta: number): number;
}

const EXPORTS: readonly (keyof Exports)[] = ['tiktoken_encode_ordinary', '__wbindgen_export_1', '__wbindgen_export_2', '__wbindgen_export_3', '__wbindgen_add_to_stack_pointer'];

/** Texts whose ids must come out the same both ways before the direct path is used: ASCII, Han, astral, empty. */
const PROBES = ['Hello, world! 1234567 tokens', '汉字的编码效率，约为每字一到三个词元。', 'mixed 中文 and English — “quotes” 🙂🚀\n\tend', ''];

export interface TiktokenEngine {
  /** The binding (get_encoding, Tiktoken), on the instance below when `direct` is true. */
  readonly binding: Binding;
  /** Whether counts bypass the binding (a checked version, its exports there, the probes agreed). */
  readonly direct: boolean;
  /** encode_ordinary(text).length; the ids go to `sink` (a view valid during the call only). */
  countOrdinary(enc: Tiktoken, text: string, sink?: IdSink): number;
}

const require = createRequire(import.meta.url);

/** The binding on a fresh glue module and WASM instance, with the instance's exports; undefined if not possible. */
function privateInstance(versions: readonly string[]): { binding: Binding; exports: Exports } | undefined {
  const version = packageVersion('tiktoken');
  if (version === undefined || !versions.includes(version)) return undefined;
  const dir = dirname(require.resolve('tiktoken'));
  const gluePath = join(dir, 'tiktoken_bg.cjs');
  // A fresh module object for the glue (its `wasm` is module state); the cache entry is put back as it was, so that
  // `require('tiktoken')` anywhere else gets the shared one.
  const cache = require.cache;
  const shared = cache[gluePath];
  delete cache[gluePath];
  let glue: Binding & { __wbg_set_wasm(exports: Record<string, unknown>): void };
  try {
    glue = require(gluePath) as typeof glue;
  } finally {
    if (shared) cache[gluePath] = shared;
    else delete cache[gluePath];
  }
  const module = new wasmApi.Module(readFileSync(join(dir, 'tiktoken_bg.wasm')));
  const instance = new wasmApi.Instance(module, { './tiktoken_bg.js': glue });
  const exports = instance.exports as unknown as Exports;
  if (!(exports.memory instanceof wasmApi.Memory) || EXPORTS.some((name) => typeof exports[name] !== 'function')) return undefined;
  glue.__wbg_set_wasm(instance.exports);
  return { binding: glue, exports };
}

/** The encoder's handle in WASM memory (the binding keeps it in a field of its own). */
function handle(enc: Tiktoken): number {
  return (enc as unknown as { __wbg_ptr: number }).__wbg_ptr;
}

class DirectEngine implements TiktokenEngine {
  readonly direct = true;
  private bytes = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));
  private readonly utf8 = new TextEncoder();

  constructor(readonly binding: Binding, private readonly w: Exports) {}

  /** Do the probe texts get the binding's ids, on a small encoder (256 byte tokens and a few merges)? */
  agrees(): boolean {
    const merges = ['he', 'll', 'hell', 'hello', ' w', '汉', '字'].map((t) => Buffer.from(t).toString('base64'));
    const ranks = [...Array.from({ length: 256 }, (_, b) => Buffer.from([b]).toString('base64')), ...merges].map((t, i) => `${t} ${i}`).join('\n');
    const enc = new this.binding.Tiktoken(ranks, {}, String.raw`\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+|\s+`);
    try {
      return PROBES.every((text) => {
        let direct: number[] = [];
        const n = this.countOrdinary(enc, text, { add: (ids) => (direct = Array.from(ids)) });
        const expected = enc.encode_ordinary(text);
        return n === expected.length && direct.length === n && direct.every((id, i) => id === expected[i]);
      });
    } finally {
      enc.free();
    }
  }

  private memory(): Uint8Array {
    // Views die when the memory grows (its buffer is replaced).
    if (this.bytes.buffer !== this.w.memory.buffer) {
      this.bytes = new Uint8Array(this.w.memory.buffer);
      this.view = new DataView(this.w.memory.buffer);
    }
    return this.bytes;
  }

  countOrdinary(enc: Tiktoken, text: string, sink?: IdSink): number {
    const self = handle(enc);
    if (!self) throw new Error('tiktoken encoder used after free()');
    const w = this.w;
    // At most 3 UTF-8 bytes per UTF-16 unit; the block is then shrunk to what was written, as the binding does,
    // because the Rust side takes ownership of it and frees it with that size.
    const capacity = text.length * 3;
    let ptr = w.__wbindgen_export_1(capacity, 1) >>> 0;
    const { written } = this.utf8.encodeInto(text, this.memory().subarray(ptr, ptr + capacity));
    if (written !== capacity) ptr = w.__wbindgen_export_2(ptr, capacity, written, 1) >>> 0;
    const ret = w.__wbindgen_add_to_stack_pointer(-16);
    try {
      w.tiktoken_encode_ordinary(ret, self, ptr, written);
      this.memory();
      const idsAt = this.view.getInt32(ret, true) >>> 0;
      const n = this.view.getInt32(ret + 4, true);
      try {
        if (sink) sink.add(new Uint32Array(w.memory.buffer, idsAt, n));
      } finally {
        w.__wbindgen_export_3(idsAt, n * 4, 4);
      }
      return n;
    } finally {
      w.__wbindgen_add_to_stack_pointer(16);
    }
  }
}

function countThroughBinding(enc: Tiktoken, text: string, sink?: IdSink): number {
  const ids = enc.encode_ordinary(text);
  sink?.add(ids);
  return ids.length;
}

/** tiktoken used through its binding only (an unknown version). */
class BindingEngine implements TiktokenEngine {
  readonly direct = false;
  constructor(readonly binding: Binding) {}
  countOrdinary(enc: Tiktoken, text: string, sink?: IdSink): number {
    return countThroughBinding(enc, text, sink);
  }
}

/** tiktoken, direct where `versions` (the releases checked) allow it, through the binding otherwise. */
export function loadTiktokenEngine(versions: readonly string[] = DIRECT_VERSIONS): TiktokenEngine {
  try {
    const own = privateInstance(versions);
    const engine = own && new DirectEngine(own.binding, own.exports);
    if (engine?.agrees()) return engine;
  } catch {
    // Any failure (a file moved, an export that traps) leaves the private instance unused.
  }
  return new BindingEngine(require('tiktoken') as Binding);
}
