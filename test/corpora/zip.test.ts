import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { extractZip, readZip, safeMemberPath } from '../../src/corpora/zip.js';
import { DataError } from '../../src/core/errors.js';

describe('zip reading and safe extraction', () => {
  it('reads members in memory, drops directories, honours the filter', () => {
    const z = zipSync({ 'a/x.dev': strToU8('一\n'), 'a/y.txt': strToU8('two'), 'a/sub/': new Uint8Array() });
    const all = readZip(z);
    expect([...all.keys()].sort()).toEqual(['a/x.dev', 'a/y.txt']);
    expect(Buffer.from(all.get('a/x.dev')!).toString('utf8')).toBe('一\n');
    expect([...readZip(z, { filter: (n) => n.endsWith('.dev') }).keys()]).toEqual(['a/x.dev']);
  });

  it('refuses a zip that inflates beyond the cap, before inflating it', () => {
    // 2 MB of zeros deflates to a few kB: a miniature zip bomb.
    const z = zipSync({ 'big.txt': new Uint8Array(2_000_000) });
    expect(z.length).toBeLessThan(20_000);
    expect(() => readZip(z, { maxUncompressedBytes: 1_000_000, where: 'bomb.zip' })).toThrow(/bomb\.zip: members inflate to more than 1000000 bytes/);
  });

  it('garbage is a DataError, not a crash', () => {
    expect(() => readZip(strToU8('this is not a zip'), { where: 'x.zip' })).toThrow(DataError);
  });

  it.each([
    ['../evil.txt', /contains "\.\."/],
    ['a/../../evil.txt', /contains "\.\."/],
    ['/etc/passwd', /absolute path/],
    ['C:/Windows/x', /absolute path/],
    ['a\\..\\evil', /backslash/],
  ])('rejects member name %s', (name, why) => {
    expect(() => safeMemberPath('/tmp/target', name)).toThrow(why);
  });

  it('extractZip writes nothing when any member would escape, and writes inside the target otherwise', () => {
    const target = mkdtempSync(join(tmpdir(), 'tokbench-zip-'));
    const hostile = zipSync({ 'ok.txt': strToU8('fine'), '../escape.txt': strToU8('bad') });
    expect(() => extractZip(hostile, target)).toThrow(/zip member "\.\.\/escape\.txt"/);
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(target, '..', 'escape.txt'))).toBe(false);
    const good = zipSync({ 'dev/a.dev': strToU8('x\n'), 'b.txt': strToU8('y') });
    const written = extractZip(good, target).sort();
    expect(written).toEqual([join(target, 'b.txt'), join(target, 'dev', 'a.dev')]);
    expect(readFileSync(join(target, 'dev', 'a.dev'), 'utf8')).toBe('x\n');
  });
});
