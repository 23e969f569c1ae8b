import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { inspectTokenizer, type InspectReport } from '../core/inspect.js';
import { loadCorpus } from '../corpora/loaders.js';
import { renderGrid } from '../reporters/table.js';
import { loadTokenizer } from '../tokenizers/registry.js';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

export function renderInspect(r: InspectReport): string {
  const rows: [string, string][] = [
    ['tokenizer', r.tokenizer.id],
    ['engine', r.tokenizer.engine],
    ['vocab size', r.tokenizer.vocabSize.toLocaleString('en-US')],
    ['entries = one Han character', r.singleHanEntries.toLocaleString('en-US')],
    ['entries = Han words (≥ 2 characters)', r.multiHanEntries.toLocaleString('en-US')],
    ['longest Han entry', r.longestHanEntry ? `${r.longestHanEntry.characters} characters (${r.longestHanEntry.example})` : '–'],
    ['byte fallback', r.byteFallback ? 'yes' : 'no (or byte-level BPE)'],
    [`distinct Han characters in ${r.corpus.id} corpus`, r.corpus.distinctHan.toLocaleString('en-US')],
    ['… that are one token', `${r.corpus.singleTokenHan.toLocaleString('en-US')} (${pct(r.corpus.singleTokenHanShare)})`],
    ['most frequent that are not', r.corpus.examplesNotSingle.join('') || '–'],
  ];
  const note = r.idsNotDecodable ? `\n${r.idsNotDecodable} ids could not be decoded alone and were skipped.` : '';
  return renderGrid(['', ''], rows, ['left', 'left']).split('\n').slice(2).join('\n') + note + '\n';
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .argument('<tokenizer>', 'preset id, tokenizer file, or <preset>=<path>')
    .description("a tokenizer's Chinese coverage: Han entries in the vocabulary, byte fallback, corpus characters that are one token")
    .option('-c, --corpus <spec>', 'corpus whose distinct Han characters are checked (default: bundled)')
    // js by default: it decodes ids synchronously, and per-id async decodes through the native binding were seen to
    // fail intermittently ("take ownership of Rust value while it was borrowed"); both engines share one vocabulary.
    .option('--engine <engine>', 'engine for tokenizer.json files: js | native', 'js')
    .option('--json', 'machine-readable output')
    .action(async (id: string, flags: { corpus?: string; engine: string; json?: boolean }) => {
      const corpus = loadCorpus(flags.corpus);
      const tok = loadTokenizer(id, { engine: flags.engine === 'js' ? 'js' : 'native', addSpecialTokens: false, warn: (m) => ctx.stderr(`warning: ${m}`) });
      try {
        const report = await inspectTokenizer(tok, corpus);
        ctx.stdout(flags.json ? JSON.stringify(report, null, 2) + '\n' : renderInspect(report));
      } finally {
        tok.dispose();
      }
    });
}
