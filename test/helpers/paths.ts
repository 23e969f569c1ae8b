import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');
/** ../shared beside the project: present on developer machines and in CI, never needed by the product. */
export const SHARED = join(ROOT, '..', 'shared');
export const NTREX_DIR = join(SHARED, 'corpora', 'ntrex128');
export const hasNtrex = existsSync(join(NTREX_DIR, 'zho_Hans.txt'));
