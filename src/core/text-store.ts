/**
 * The corpus texts in shared memory, for worker threads: written once by the main thread, read by every worker
 * without a copy per worker or per task (structured-cloning 100 MB of strings to each worker cost more than the
 * parallel speed-up). UTF-16 code units are stored as they are, so every string (lone surrogates included, for
 * corpora built in code) comes back identical to the one the main thread holds.
 */
export interface TextStore {
  units: SharedArrayBuffer;
  /** Text i is code units [offsets[i], offsets[i+1]). */
  offsets: SharedArrayBuffer;
  count: number;
}

export function writeTextStore(texts: readonly string[]): TextStore {
  let total = 0;
  for (const t of texts) total += t.length;
  const units = new SharedArrayBuffer(Math.max(2, total * 2));
  const offsets = new SharedArrayBuffer((texts.length + 1) * 8);
  const buf = Buffer.from(units);
  const off = new Float64Array(offsets);
  let pos = 0;
  for (let i = 0; i < texts.length; i++) {
    off[i] = pos;
    const t = texts[i]!;
    buf.write(t, pos * 2, t.length * 2, 'utf16le');
    pos += t.length;
  }
  off[texts.length] = pos;
  return { units, offsets, count: texts.length };
}

export class TextStoreReader {
  private readonly buf: Buffer;
  private readonly off: Float64Array;

  constructor(readonly store: TextStore) {
    this.buf = Buffer.from(store.units);
    this.off = new Float64Array(store.offsets);
  }

  get count(): number {
    return this.store.count;
  }

  text(i: number): string {
    return this.buf.toString('utf16le', this.off[i]! * 2, this.off[i + 1]! * 2);
  }

  /** Texts [start, end). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start);
    for (let i = start; i < end; i++) out[i - start] = this.text(i);
    return out;
  }
}
