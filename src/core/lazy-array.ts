/**
 * An array of `length` items, each made by `make(i)` when first read, then kept. Indexing, `length`, iteration and
 * the array methods all work (through a Proxy), but each read costs a trap: for data read sparsely, where building
 * every item up front would cost more than the reads.
 */
export function lazyArray<T>(length: number, make: (i: number) => T): T[] {
  const made: T[] = new Array<T>(length);
  const index = (key: string | symbol): number | undefined => {
    if (typeof key !== 'string') return undefined;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < length && String(i) === key ? i : undefined;
  };
  return new Proxy(made, {
    get(target, key, receiver) {
      const i = index(key);
      return i === undefined ? (Reflect.get(target, key, receiver) as unknown) : (target[i] ??= make(i));
    },
    // forEach, map, slice… skip the indices an array does not have: every index below length has an item.
    has(target, key) {
      return index(key) !== undefined || Reflect.has(target, key);
    },
  });
}
