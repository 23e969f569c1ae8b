import { describe, expect, it } from 'vitest';
import { lazyArray } from '../../src/core/lazy-array.js';

function counted(length: number) {
  const calls: number[] = [];
  const xs = lazyArray(length, (i) => {
    calls.push(i);
    return { i };
  });
  return { xs, calls };
}

describe('lazyArray (a worker\'s corpus for the checks: pairs made when read)', () => {
  it('makes only the items that are read, each once, and keeps them', () => {
    const { xs, calls } = counted(1000);
    expect(xs.length).toBe(1000);
    const a = xs[17];
    expect(a).toEqual({ i: 17 });
    expect(xs[17]).toBe(a);
    expect(xs[999]).toEqual({ i: 999 });
    expect(calls).toEqual([17, 999]);
  });

  it('makes nothing for keys that are not indices below its length', () => {
    const { xs, calls } = counted(10);
    const loose = xs as unknown as Record<string, unknown>;
    expect(xs[10]).toBeUndefined();
    expect(xs[-1]).toBeUndefined();
    for (const key of ['01', '1.5', '1e0', ' 1', 'NaN']) expect(loose[key]).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('reads like the array it stands for: iteration and the array methods see every item', () => {
    const { xs, calls } = counted(5);
    const plain = Array.from({ length: 5 }, (_, i) => ({ i }));
    expect([...xs]).toEqual(plain);
    expect(xs.map((x) => x.i)).toEqual([0, 1, 2, 3, 4]);
    const seen: number[] = [];
    xs.forEach((x) => seen.push(x.i));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(xs.slice(1, 3)).toEqual(plain.slice(1, 3));
    expect(xs.filter((x) => x.i % 2 === 0).map((x) => x.i)).toEqual([0, 2, 4]);
    expect(2 in xs).toBe(true);
    expect(5 in xs).toBe(false);
    expect(Array.isArray(xs)).toBe(true);
    expect(calls).toEqual([0, 1, 2, 3, 4]); // each made once, whatever read it
  });
});
