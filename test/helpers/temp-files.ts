import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder removed after the test file's tests, and a writer of numbered files (`f0.<ext>`, `f1.<ext>`, …) in it. */
export function tempFiles(prefix: string, ext: string): { dir: string; file: (content: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    dir,
    file: (content) => {
      const path = join(dir, `f${n++}.${ext}`);
      writeFileSync(path, content);
      return path;
    },
  };
}
