import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { didYouMean, UsageError } from '../core/errors.js';

/** One file of a registered corpus: where it comes from and the bytes it must have. */
export interface RegistryFile {
  /** Path inside the corpus's cache directory ('/'-separated). */
  path: string;
  url: string;
  /** sha256 of the file as stored in the cache. */
  sha256: string;
  bytes: number;
  /** When the stored bytes differ from the downloaded ones: the download's digest and the change made. */
  source?: { sha256: string; bytes: number; transform: 'crlf-to-lf' };
}

export interface RegistryEntry {
  id: string;
  name: string;
  description: string;
  /** FLORES-200 language codes of the sides. */
  languages: { zh: ('zho_Hans' | 'zho_Hant')[]; en: 'eng_Latn' };
  splits: { name: string; pairs: number }[];
  license: string;
  homepage: string;
  citation: string;
  /** How `--corpus <dir>` reads the cached directory. */
  layout: 'flores' | 'ntrex' | 'bundled';
  files: RegistryFile[];
}

const OPUS = 'https://raw.githubusercontent.com/Helsinki-NLP/OPUS-MT-testsets/d4522b6dc6a7d668ec636a4256c6b913671a9666';
const NTREX = 'https://raw.githubusercontent.com/MicrosoftTranslator/NTREX/8561f6a622db9edad1217683e5c83daefd8bb2bf';

/**
 * Registered corpora. Digests and sizes were checked against copies of the pinned upstream commits.
 * FLORES text comes from OPUS-MT-testsets at the commit that added the unpacked release (byte-identical to
 * the official tarball's files, renamed there to cmn_Hans, cmn_Hant and eng); it is stored back under FLORES-200 names.
 * WMT newstest zh–en is not registered: no licence covering the test-set text was found, and without a
 * verified file no digest can be pinned.
 */
export const CORPUS_REGISTRY: RegistryEntry[] = [
  {
    id: 'bundled',
    name: 'tokbench bundled corpus',
    description: 'original zh/en pairs written for tokbench, 10 domains; zh-Hant is an opencc-js rendering',
    languages: { zh: ['zho_Hans', 'zho_Hant'], en: 'eng_Latn' },
    splits: [{ name: 'all', pairs: 360 }],
    license: 'CC-BY-4.0',
    homepage: 'corpora/bundled/MANIFEST.json',
    citation: 'tokbench',
    layout: 'bundled',
    files: [],
  },
  {
    id: 'flores200',
    name: 'FLORES-200',
    description: 'Wikimedia sentences translated from English by professionals; dev 997 + devtest 1012 lines',
    languages: { zh: ['zho_Hans', 'zho_Hant'], en: 'eng_Latn' },
    splits: [{ name: 'dev', pairs: 997 }, { name: 'devtest', pairs: 1012 }],
    license: 'CC-BY-SA-4.0',
    homepage: 'https://github.com/facebookresearch/flores/tree/main/flores200',
    citation: 'NLLB Team et al. (2022), No Language Left Behind; Goyal et al. (2022), The FLORES-101 Evaluation Benchmark, TACL 10',
    layout: 'flores',
    files: [
      { path: 'dev/eng_Latn.dev', url: `${OPUS}/testsets/flores200_dataset/dev/eng.dev`, sha256: '51a25f527fd81f428b6933d85a2f5e5544af92aa82042c7fbf0c4120327fba0a', bytes: 126287 },
      { path: 'dev/zho_Hans.dev', url: `${OPUS}/testsets/flores200_dataset/dev/cmn_Hans.dev`, sha256: 'ae677073476a27d6d11db642df5c18b86ca5dfcbbeefeba7d99ec93b7f5bd177', bytes: 118256 },
      { path: 'dev/zho_Hant.dev', url: `${OPUS}/testsets/flores200_dataset/dev/cmn_Hant.dev`, sha256: '9bd43d865c6fd8da92f978c425f1ad8a07673cc989ce887fd00dd64cda35e789', bytes: 112476 },
      { path: 'devtest/eng_Latn.devtest', url: `${OPUS}/testsets/flores200_dataset/devtest/eng.devtest`, sha256: '612e9fbe87997617c0fa8fa8929654a4f49b728d96738112c2b86ef6a1d78d88', bytes: 133108 },
      { path: 'devtest/zho_Hans.devtest', url: `${OPUS}/testsets/flores200_dataset/devtest/cmn_Hans.devtest`, sha256: 'b30158b1b76f7cee08530d8127a9769f4512597c7eefe97ae1ccf630d5b6e7fd', bytes: 121818 },
      { path: 'devtest/zho_Hant.devtest', url: `${OPUS}/testsets/flores200_dataset/devtest/cmn_Hant.devtest`, sha256: '341a38f1b4a1a281d6cd9e8951c3d3d2324e94dad5049f85d7cf549a73b9c4bb', bytes: 117238 },
      { path: 'LICENSE', url: `${OPUS}/LICENSE-CC-BY-SA`, sha256: '387de84dbfb3abdbf918f748b5bf74f9c3d8ee64d13cd61af00fc68db88cdc35', bytes: 20146 },
    ],
  },
  {
    id: 'ntrex128',
    name: 'NTREX-128',
    description: 'WMT19 newstest English source (1997 lines) with human zho-CN and zho-TW translations',
    languages: { zh: ['zho_Hans', 'zho_Hant'], en: 'eng_Latn' },
    splits: [{ name: 'test', pairs: 1997 }],
    license: 'CC-BY-SA-4.0',
    homepage: 'https://github.com/MicrosoftTranslator/NTREX',
    citation: 'Federmann, Kocmi, Xin (2022), NTREX-128 – News Test References for MT Evaluation of 128 Languages, SUMEval',
    layout: 'ntrex',
    files: [
      {
        path: 'eng_Latn.txt', url: `${NTREX}/NTREX-128/newstest2019-src.eng.txt`, sha256: '3a62f94f5c42a395d4452ec890ca45afc75866b5b4b1d493429433cfe8469fe9', bytes: 249742,
        source: { sha256: '389e8f5796c66db4f646dfad33e1ec622d74767af5ef112b42a1f2cd814df3cc', bytes: 251739, transform: 'crlf-to-lf' },
      },
      {
        path: 'zho_Hans.txt', url: `${NTREX}/NTREX-128/newstest2019-ref.zho-CN.txt`, sha256: 'ae97b7f992cddeee52499862902197ee9e485670cc40519c68b8c1cdc6a6cc88', bytes: 239606,
        source: { sha256: '8bcd6f0868d33f26c8da12f55a82f66088a7b60a5f7b0b1a99dcec51daa8054a', bytes: 241603, transform: 'crlf-to-lf' },
      },
      {
        path: 'zho_Hant.txt', url: `${NTREX}/NTREX-128/newstest2019-ref.zho-TW.txt`, sha256: 'be348540244062021dfa9f81549895c7e6301cbb85a7bc3142493ae7b1cfde2a', bytes: 233542,
        source: { sha256: '2a8bf6effcd8fb62e9cacc9be82944ee917259d44d2365f1152ec175ff8fad03', bytes: 235539, transform: 'crlf-to-lf' },
      },
      { path: 'LICENSE', url: `${NTREX}/LICENSE.md`, sha256: '5e436ff8ffbb77d8607220e9bce20c8915d860010feeb6c1ebef5a85688e9b39', bytes: 20137 },
    ],
  },
];

export function findCorpusEntry(id: string): RegistryEntry | undefined {
  return CORPUS_REGISTRY.find((e) => e.id === id);
}

export function requireCorpusEntry(id: string): RegistryEntry {
  const e = findCorpusEntry(id);
  if (e) return e;
  const guess = didYouMean(id, CORPUS_REGISTRY.map((x) => x.id));
  throw new UsageError(`unknown corpus "${id}"${guess ? ` (did you mean ${guess}?)` : ''}`, `known corpora: ${CORPUS_REGISTRY.map((x) => x.id).join(', ')} (see \`tokbench list corpora\`)`);
}

/**
 * tokbench's cache root: $TOKBENCH_CACHE_DIR, else $XDG_CACHE_HOME/tokbench, else ~/.cache/tokbench.
 * Corpora live in <root>/corpora/<id>/ with the layout the loaders read.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TOKBENCH_CACHE_DIR) return env.TOKBENCH_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME;
  // XDG says relative values are invalid and must be ignored.
  if (xdg && xdg.startsWith('/')) return join(xdg, 'tokbench');
  return join(homedir(), '.cache', 'tokbench');
}

export function corpusCacheDir(id: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'corpora', id);
}

/** Which registered files are in the cache (by existence; fetch-corpus verifies digests when it writes them). */
export function localPresence(entry: RegistryEntry, env: NodeJS.ProcessEnv = process.env): { dir: string; present: number; total: number } {
  const dir = corpusCacheDir(entry.id, env);
  const present = entry.files.filter((f) => existsSync(join(dir, f.path))).length;
  return { dir, present, total: entry.files.length };
}
