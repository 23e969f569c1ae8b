import { existsSync } from 'node:fs';
import { BUNDLED_HANT_PATH } from '../corpora/loaders.js';
import { CORPUS_REGISTRY, localPresence, type RegistryEntry } from '../corpora/registry.js';
import { renderGrid } from '../reporters/table.js';

export interface CorpusListRow {
  id: string;
  name: string;
  languages: string[];
  splits: { name: string; pairs: number }[];
  license: string;
  source: string;
  /** 'bundled', or how many of the registered files are in the cache. */
  local: { status: 'bundled' | 'present' | 'partial' | 'absent'; dir?: string; files?: number; of?: number };
  files: RegistryEntry['files'];
}

export function corpusListRows(env: NodeJS.ProcessEnv = process.env): CorpusListRow[] {
  return CORPUS_REGISTRY.map((e) => {
    const languages = [...e.languages.zh, e.languages.en];
    let local: CorpusListRow['local'];
    if (e.layout === 'bundled') {
      // zh-Hant.jsonl is generated; a checkout without it still has the Simplified side.
      local = { status: 'bundled' };
      if (!existsSync(BUNDLED_HANT_PATH)) languages.splice(languages.indexOf('zho_Hant'), 1);
    } else {
      const p = localPresence(e, env);
      local = { status: p.present === p.total ? 'present' : p.present ? 'partial' : 'absent', dir: p.dir, files: p.present, of: p.total };
    }
    return { id: e.id, name: e.name, languages, splits: e.splits, license: e.license, source: e.homepage, local, files: e.files };
  });
}

export function renderCorpusList(env: NodeJS.ProcessEnv = process.env): string {
  const rows = corpusListRows(env).map((r) => [
    r.id,
    r.name,
    r.languages.join(' '),
    r.splits.map((s) => `${s.name} ${s.pairs.toLocaleString('en-US')}`).join(', '),
    r.license,
    r.local.status === 'bundled' ? 'bundled' : r.local.status === 'absent' ? 'not fetched' : `${r.local.status} (${r.local.files}/${r.local.of} files) ${r.local.dir}`,
  ]);
  return (
    renderGrid(['id', 'name', 'languages', 'splits (pairs)', 'licence', 'local'], rows, ['left', 'left', 'left', 'left', 'left', 'left']) +
    '\n\n`tokbench fetch-corpus <id>` downloads a corpus into the cache (sha256-verified); `--corpus <id>` then reads it.\n' +
    'WMT newstest zh-en is not registered: no licence for the test-set text was found. NTREX-128 holds the WMT19 newstest English source.\n'
  );
}
