import { appendFileSync } from 'node:fs';
import { describeTolerance, type Comparison } from '../core/compare.js';
import { DataError } from '../core/errors.js';
import { formatRelative, formatValue, shaNote, summaryLine } from './comparison.js';

/**
 * GitHub Actions workflow commands (`::error …::message`), read by the runner from stdout.
 * Data and properties have different escaping rules: the message may contain ':' and ',', properties not.
 */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(level: 'error' | 'warning' | 'notice', message: string, props: Record<string, string | undefined>): string {
  const p = Object.entries(props).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${escapeProperty(v)}`).join(',');
  return `::${level}${p ? ' ' + p : ''}::${escapeData(message)}`;
}

/**
 * One annotation per failing metric (error), per metric worse but within tolerance (warning), and a notice
 * per tokenizer that improved; `file` (the baseline) anchors them in the pull request's file view.
 */
export function renderGithubAnnotations(c: Comparison, file?: string): string {
  const lines: string[] = [];
  for (const d of c.protocolDifferences) lines.push(command('warning', `protocol differs from the baseline: ${d}`, { file, title: 'tokbench: protocol differs' }));
  if (!c.corpusMatches) lines.push(command('warning', `corpus differs from the baseline (sha256 ${c.old.corpusSha256.slice(0, 12)} → ${c.new.corpusSha256.slice(0, 12)})`, { file, title: 'tokbench: corpus differs' }));
  for (const t of c.tokenizers) {
    const improved: string[] = [];
    for (const m of t.metrics) {
      const what = `${t.id} ${m.label}: ${formatValue(m.old)} → ${formatValue(m.new)} (${formatRelative(m.relativeChange)}, ${m.direction} is better; tolerance ${describeTolerance(m.tolerance)}). ${shaNote(t)}`;
      if (m.fails) lines.push(command('error', what, { file, title: `tokbench ${m.status === 'regressed' ? 'regression' : 'change'}: ${t.id} ${m.metric}` }));
      else if (m.status === 'within-tolerance' || m.status === 'regressed') lines.push(command('warning', what, { file, title: `tokbench: ${t.id} ${m.metric} worse (${m.gated ? 'within tolerance' : 'not gated'})` }));
      else if (m.status === 'improved') improved.push(`${m.label} ${formatRelative(m.relativeChange)}`);
    }
    if (improved.length) lines.push(command('notice', `${t.id} improved: ${improved.join(', ')}. ${shaNote(t)}`, { file, title: `tokbench: ${t.id} improved` }));
    if (t.presence !== 'compared') lines.push(command('notice', `${t.id}: ${shaNote(t)}`, { file, title: `tokbench: ${t.id} ${t.presence}` }));
  }
  lines.push(command(c.passed ? 'notice' : 'error', summaryLine(c), { title: 'tokbench check' }));
  return lines.join('\n') + '\n';
}

/**
 * Append Markdown to the job summary when running on GitHub Actions (the runner sets GITHUB_STEP_SUMMARY to
 * a file path). Appending, not replacing: other steps write to the same file. Returns whether it wrote.
 */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = env['GITHUB_STEP_SUMMARY'];
  if (!path) return false;
  try {
    appendFileSync(path, markdown.endsWith('\n') ? markdown : markdown + '\n');
  } catch (err) {
    throw new DataError(`cannot append the job summary to GITHUB_STEP_SUMMARY=${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'unset GITHUB_STEP_SUMMARY or make the path writable', err);
  }
  return true;
}
