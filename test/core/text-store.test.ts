import { serialize, deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { internStrings, packedAt, packStrings, type InternedStrings, type PackedStrings } from '../../src/core/text-store.js';

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
