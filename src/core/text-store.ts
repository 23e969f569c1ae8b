import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * Corpus texts in a file, for worker processes: the main process writes each chunk of pairs once, and a worker reads
 * the file of the chunk it counts (from the page cache) instead of receiving every string through a pipe. UTF-16
 * code units are stored as they are, so every string (lone surrogates included, for corpora built in code) comes
 * back identical.
 *
 * Layout: [count: f64][offsets: (count+1) × f64, in code units][units: UTF-16LE].
 */
export interface TextStore {
  path: string;
}

/**
 * Texts are written this many UTF-16 units at a time, joined: one write per group, not one encode call per text (a
 * Buffer.write per text cost 0.24 s per 100 MB corpus in call overhead alone). 64 KB keeps the joined string an
 * ordinary young object and the write's byte copy under malloc's mmap threshold, so both reuse memory; groups of
 * 8 MB made each a fresh mapping, every page of it a fault (100 MB of texts: 155–167 ms, 83–105 of them in the
 * kernel, against 90–99 ms).
 */
const GROUP_UNITS = 1 << 15;

export function writeTextStore(path: string, texts: readonly string[]): TextStore {
  const header = new Float64Array(texts.length + 2);
  header[0] = texts.length;
  let pos = 0;
  for (let i = 0; i < texts.length; i++) {
    header[i + 1] = pos;
    pos += texts[i]!.length;
  }
  header[texts.length + 1] = pos;
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, new Uint8Array(header.buffer));
    // One string for a whole segment could double a big segment's memory: groups (see GROUP_UNITS).
    let from = 0;
    let units = 0;
    for (let i = 0; i < texts.length; i++) {
      units += texts[i]!.length;
      if (units >= GROUP_UNITS || i === texts.length - 1) {
        writeSync(fd, texts.slice(from, i + 1).join(''), null, 'utf16le');
        from = i + 1;
        units = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { path };
}

/**
 * The read buffer, kept for the next file (it grows to the biggest segment, a few MB): a worker reads a segment file
 * per task, and a fresh buffer each time was a fresh mapping, every page of it a fault. Reading the 50 segment files
 * of a 100 MB corpus twice (two tokenizers): 0.28–0.40 s before, 0.20–0.27 s with this and the in-place header.
 */
let readBuffer = Buffer.allocUnsafeSlow(0);

/** The file's bytes, in readBuffer: valid until the next call. */
function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (readBuffer.length < size) readBuffer = Buffer.allocUnsafeSlow(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, readBuffer, got, size - got, got);
      if (n === 0) throw new Error(`${path}: the text store ended at byte ${got} of ${size}`);
      got += n;
    }
    return readBuffer.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

export class TextStoreReader {
  private readonly texts: PackedStrings;
  readonly count: number;

  constructor(store: TextStore) {
    const buf = readWhole(store.path);
    const count = buf.readDoubleLE(0);
    // The offsets, read in place as float64s (readBuffer is never pooled, so it is 8-byte aligned); those after the
    // first (always 0) are each text's end, copied out as the buffer is reused.
    const offsets = new Float64Array(buf.buffer, buf.byteOffset + 8, count + 1);
    const ends = new Int32Array(count);
    for (let i = 0; i < count; i++) ends[i] = offsets[i + 1]!;
    // One string for the file, each text a slice of it: a decode call per text cost more than the decoding.
    this.texts = { text: buf.toString('utf16le', 8 * (count + 2)), ends };
    this.count = count;
  }

  text(i: number): string {
    return packedAt(this.texts, i);
  }

  /** Texts [start, end). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start);
    for (let i = start; i < end; i++) out[i - start] = this.text(i);
    return out;
  }
}

/**
 * Many short strings as one string and the end offset of each: v8.serialize writes one string and one typed array
 * instead of an object per string (342,000 pair ids: 0.23 s to serialize as an array, and as long to read back).
 */
export interface PackedStrings {
  text: string;
  ends: Int32Array;
}

export function packStrings(xs: readonly string[]): PackedStrings {
  const ends = new Int32Array(xs.length);
  let pos = 0;
  for (let i = 0; i < xs.length; i++) ends[i] = pos += xs[i]!.length;
  return { text: xs.join(''), ends };
}

export function packedAt(p: PackedStrings, i: number): string {
  return p.text.slice(i === 0 ? 0 : p.ends[i - 1]!, p.ends[i]!);
}

/** Values drawn from a few distinct strings (pair domains): the distinct ones and each value's index among them. */
export interface InternedStrings {
  names: string[];
  of: Int32Array;
}

export function internStrings(xs: readonly string[]): InternedStrings {
  const index = new Map<string, number>();
  const names: string[] = [];
  const of = new Int32Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    let k = index.get(xs[i]!);
    if (k === undefined) {
      k = names.push(xs[i]!) - 1;
      index.set(xs[i]!, k);
    }
    of[i] = k;
  }
  return { names, of };
}
