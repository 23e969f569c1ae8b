import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { writeFailure } from './limits.js';

const pendingTemps = new Set<string>();

/** Temp files still being written; removed by the interrupt handler so no partial file is left behind. */
export function cleanupPendingWrites(): void {
  for (const p of pendingTemps) rmSync(p, { force: true });
  pendingTemps.clear();
}

/**
 * Write via a temp file in the same directory + rename, so readers never see a half-written file
 * and a failure (full disk, permission) leaves the previous version intact.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    pendingTemps.add(tmp);
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    // The cleanup can fail for the same reason as the write (ENOTDIR, EACCES); the write's cause is the one to report.
    try { rmSync(tmp, { force: true }); } catch { /* nothing was created */ }
    throw writeFailure(err, path);
  } finally {
    pendingTemps.delete(tmp);
  }
}
