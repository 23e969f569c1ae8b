import { describe, expect, it } from 'vitest';
import { IdHistogram } from '../../src/core/id-histogram.js';

describe('IdHistogram', () => {
  it('counts ids, grows past its size hint, and merges by addition in any split', () => {
    const ids = [5, 3, 5, 70000, 0, 5, 3, 123456];
    const whole = new IdHistogram(8);
    whole.add(ids);
    const expected = new Map<number, number>();
    for (const id of ids) expected.set(id, (expected.get(id) ?? 0) + 1);
    expect(whole.toMap()).toEqual(new Map([...expected].sort((a, b) => a[0] - b[0])));
    expect(whole.total).toBe(ids.length);
    const a = new IdHistogram(4);
    const b = new IdHistogram(200000);
    a.add(ids.slice(0, 3));
    b.add(ids.slice(3));
    const merged = new IdHistogram(1);
    merged.merge(b.counts); // raw counts, as a worker thread sends them
    merged.merge(a);
    expect(merged.toMap()).toEqual(whole.toMap());
  });
});
