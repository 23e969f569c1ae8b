import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { renderGrid } from '../reporters/table.js';
import { PRESETS } from '../tokenizers/presets.js';
import type { CliContext } from '../cli-context.js';
import { corpusListRows, renderCorpusList } from './list-corpora.js';

export function renderPresetList(): string {
  const rows = PRESETS.map((p) => [
    p.id + (p.default ? ' *' : ''),
    p.name,
    p.vendor,
    p.origin,
    p.vocabSize.toLocaleString('en-US'),
    p.contextWindow.toLocaleString('en-US'),
    p.source.kind === 'tiktoken-builtin' ? `tiktoken (built-in ${p.source.encoding})`
      : p.source.kind === 'npm-tokenizer-json' ? `${p.source.package}@${p.source.version}`
      : `local file${p.source.hub ? ` or hf:${p.source.hub.repo}` : ''} (${p.source.kind === 'tiktoken-file' ? 'tiktoken ranks' : 'SentencePiece'})`,
  ]);
  return (
    renderGrid(['id', 'name', 'vendor', 'origin', 'vocab', 'window', 'source'], rows, ['left', 'left', 'left', 'left', 'right', 'right', 'left']) +
    '\n\n* = in the default run. Any tokenizer.json path also works as an id, and <preset>=<path> loads a local copy under a preset\'s settings.\n'
  );
}

export function registerList(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .argument('[what]', 'presets | corpora', 'presets')
    .description('list the tokenizer presets, or the registered corpora (`list corpora`)')
    .option('--json', 'machine-readable output')
    .action((what: string, flags: { json?: boolean }) => {
      if (what === 'corpora' || what === 'corpus') {
        ctx.stdout(flags.json ? JSON.stringify(corpusListRows(), null, 2) + '\n' : renderCorpusList());
        return;
      }
      if (what !== 'presets' && what !== 'tokenizers') throw new UsageError(`unknown list "${what}"`, 'use `tokbench list presets` or `tokbench list corpora`');
      ctx.stdout(flags.json ? JSON.stringify(PRESETS, null, 2) + '\n' : renderPresetList());
    });
}
