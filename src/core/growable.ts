/** A plain array of the values (Array.from walks an iterator: several times slower on a million values). */
export function toNumbers(xs: Int32Array | Uint32Array | Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) out.push(xs[i]!);
  return out;
}

/**
 * A typed array filled one value at a time (the count is not known in advance), doubled as needed: 4 or 8 bytes a
 * value instead of a boxed array slot.
 */
export class Growable<T extends Int32Array | Uint32Array | Float64Array> {
  private buf: T;
  length = 0;

  constructor(private readonly make: new (n: number) => T) {
    this.buf = new make(1024);
  }

  push(x: number): void {
    if (this.length === this.buf.length) {
      const next = new this.make(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = x;
  }

  /** The i-th value pushed (i < length). */
  at(i: number): number {
    return this.buf[i]!;
  }

  /** The values pushed so far: a view, valid until the next push that grows the array. */
  view(): T {
    return this.buf.subarray(0, this.length) as T;
  }

  toArray(): number[] {
    return toNumbers(this.view());
  }
}
