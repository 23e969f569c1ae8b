import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { renderGrid } from '../reporters/table.js';
import { PRESETS } from '../tokenizers/presets.js';
import type { CliContext } from '../cli-context.js';

export function renderPresetList(): string {
  const rows = PRESETS.map((p) => [
    p.id + (p.default ? ' *' : ''),
    p.name,
    p.vendor,
    p.origin,
    p.vocabSize.toLocaleString('en-US'),
    p.contextWindow.toLocaleString('en-US'),
    p.source.kind === 'tiktoken-builtin' ? `tiktoken (built-in ${p.source.encoding})` : `${p.source.package}@${p.source.version}`,
  ]);
  return (
    renderGrid(['id', 'name', 'vendor', 'origin', 'vocab', 'window', 'source'], rows, ['left', 'left', 'left', 'left', 'right', 'right', 'left']) +
    '\n\n* = in the default run. Any tokenizer.json path also works as an id, and <preset>=<path> loads a local copy under a preset\'s settings.\n'
  );
}

export function registerList(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .argument('[what]', 'presets', 'presets')
    .description('list the tokenizer presets')
    .option('--json', 'machine-readable output')
    .action((what: string, flags: { json?: boolean }) => {
      if (what !== 'presets' && what !== 'tokenizers') throw new UsageError(`unknown list "${what}"`, 'use `tokbench list presets`');
      ctx.stdout(flags.json ? JSON.stringify(PRESETS, null, 2) + '\n' : renderPresetList());
    });
}
