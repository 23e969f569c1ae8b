import { serialize, deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { internStrings, packedAt, packStrings, TextStoreReader, writeTextStore, type InternedStrings, type PackedStrings } from '../../src/core/text-store.js';

describe('packed strings for the workers\' pair meta', () => {
  // The last two would join into one surrogate pair: offsets are UTF-16 units, so they come back apart.
  const ids = ['p1', '', 'news#0', '中文', '\ud83d\ude00x', 'a\u0000b', '\ud800', 'p1', '', '\ud83d', '\ude00'];

  it('packStrings gives every string back, empty ones and lone surrogates included, after a v8 round trip', () => {
    const packed = deserialize(serialize(packStrings(ids))) as PackedStrings;
    expect(ids.map((_, i) => packedAt(packed, i))).toEqual(ids);
    expect(packStrings([]).ends.length).toBe(0);
  });

  it('internStrings keeps each value and stores each distinct one once, in order of first use', () => {
    const domains = ['news', 'law', 'news', '', 'law', 'news'];
    const interned = deserialize(serialize(internStrings(domains))) as InternedStrings;
    expect(interned.names).toEqual(['news', 'law', '']);
    expect(Array.from(interned.of, (k) => interned.names[k])).toEqual(domains);
  });
});

describe('the text store workers read their texts from', () => {
  it('gives back every text unit for unit: empty, lone surrogates, astral, one longer than a write group, many', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokbench-store-'));
    const long = '中文'.repeat(2_500_000) + '\ud83d'; // 5M units: its own write group, ending in a lone high surrogate
    const texts = ['', 'plain', '\ude00 lone low', '\ud83d\ude00 astral', long, '\udc00', ...Array.from({ length: 5000 }, (_, i) => `pair ${i} 第${i}句`), ''];
    const store = writeTextStore(join(dir, 'seg.u16'), texts);
    const r = new TextStoreReader(store);
    expect(r.count).toBe(texts.length);
    const back = r.slice(0, r.count);
    expect(back.length).toBe(texts.length);
    // Compared one by one (a failure names the index, not a 10 MB diff).
    for (let i = 0; i < texts.length; i++) if (back[i] !== texts[i]) expect.fail(`text ${i} differs`);
    expect(r.text(4).length).toBe(long.length);
  });
});
