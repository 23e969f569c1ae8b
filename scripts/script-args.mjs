// Shared by the scripts in scripts/: the project root, built modules, and `--flag value` arguments.
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
export const argv = process.argv.slice(2);
export const flag = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
