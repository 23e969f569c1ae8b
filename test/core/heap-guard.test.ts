import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fullGc, HeapGuard, oldGenerationBytes } from '../../src/core/heap-guard.js';

describe('HeapGuard: a full collection each time the old generation grew by the slack', () => {
  it('collects only once the growth reaches the slack, and measures the next growth from after the collection', () => {
    let used = 100;
    const at: number[] = [];
    const guard = new HeapGuard({ slackBytes: 50, usedBytes: () => used, collect: () => { at.push(used); used = 120; } });
    used = 149;
    guard.check();
    expect(at).toEqual([]);
    used = 150;
    guard.check();
    expect(at).toEqual([150]);
    // The base is now 120 (what the collection left), not 100 nor 150.
    used = 169;
    guard.check();
    used = 170;
    guard.check();
    expect(at).toEqual([150, 170]);
    expect(guard.collections).toBe(2);
  });

  it('does nothing where no collection is available', () => {
    let used = 0;
    const guard = new HeapGuard({ slackBytes: 1, usedBytes: () => used, collect: null });
    used = 1e9;
    guard.check();
    expect(guard.collections).toBe(0);
  });

  it('measures the old generation by default: it grows by what survives a full collection', () => {
    const gc = fullGc()!;
    gc();
    const before = oldGenerationBytes();
    const kept = Array.from({ length: 8 }, (_, i) => new Array<number>(1 << 18).fill(i)); // 8 × 2^18 slots: ≥ 8 MiB at 4 or 8 bytes a slot
    gc(); // survivors of the young generation are promoted
    expect(oldGenerationBytes() - before).toBeGreaterThan(7 << 20);
    expect(kept[7]![0]).toBe(7);
  });
});

describe('fullGc', () => {
  it('returns a collection that frees unreachable objects, without leaving `gc` in any global scope', async () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const gc = fullGc();
    expect(gc).toBeTypeOf('function');
    let ref: WeakRef<object> | undefined;
    (() => { ref = new WeakRef({ big: new Array(1000).fill(1) }); })();
    // A WeakRef target is kept alive until the end of the job that created or dereferenced it.
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
    expect(ref!.deref()).toBeUndefined();
    expect(typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(hadGc);
    // The flag was hidden again: a context created now has no `gc` (unless the process was started with it).
    if (!hadGc) expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
