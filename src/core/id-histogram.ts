/**
 * Token-id frequencies of one corpus side, filled while the side is counted: the engines hand us the ids anyway,
 * so distribution metrics (Rényi efficiency, vocabulary use) no longer need a second encoding pass over the
 * corpus. A dense array indexed by id (vocabularies are ≤ a few hundred thousand ids) merges across chunks and
 * worker processes by plain addition, so any split of the corpus gives the same histogram.
 */
export class IdHistogram {
  private buf: Float64Array;

  constructor(sizeHint = 1024, counts?: Float64Array) {
    this.buf = counts ?? new Float64Array(Math.max(16, sizeHint));
  }

  private grow(id: number): void {
    let n = this.buf.length;
    while (n <= id) n *= 2;
    const next = new Float64Array(n);
    next.set(this.buf);
    this.buf = next;
  }

  add(ids: ArrayLike<number>): void {
    let buf = this.buf;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id >= buf.length) {
        this.grow(id);
        buf = this.buf;
      }
      buf[id]! += 1;
    }
  }

  /** Add another histogram (or its raw counts, as sent back by a worker process). */
  merge(other: IdHistogram | Float64Array): void {
    const src = other instanceof IdHistogram ? other.buf : other;
    if (src.length > this.buf.length) this.grow(src.length - 1);
    const dst = this.buf;
    for (let i = 0; i < src.length; i++) if (src[i] !== 0) dst[i]! += src[i]!;
  }

  /** The raw counts (for transfer to another thread). */
  get counts(): Float64Array {
    return this.buf;
  }

  get total(): number {
    let s = 0;
    for (let i = 0; i < this.buf.length; i++) s += this.buf[i]!;
    return s;
  }

  /** Non-zero entries as id → count, in id order. */
  toMap(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < this.buf.length; i++) if (this.buf[i] !== 0) m.set(i, this.buf[i]!);
    return m;
  }
}
