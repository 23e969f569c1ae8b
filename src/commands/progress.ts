import type { CliContext } from '../cli-context.js';
import type { RunOptions } from '../core/runner.js';

const REDRAW_MS = 250;

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line: tokenizers done, pairs encoded (over all tokenizers), rate and ETA. Pure, for tests. */
export function progressLine(p: { tokenizersDone: number; tokenizers: number; current?: string; done: number; total: number; seconds: number }): string {
  const rate = p.seconds > 0 ? p.done / p.seconds : 0;
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 0;
  const width = 20;
  const filled = p.total ? Math.round((width * p.done) / p.total) : 0;
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const eta = rate > 0 ? clock((p.total - p.done) / rate) : '–';
  return `${bar} ${pct}% · tokenizers ${p.tokenizersDone}/${p.tokenizers}${p.current ? ` (${p.current})` : ''} · ${Math.round(rate).toLocaleString('en-US')} pairs/s · ETA ${eta}`;
}

/**
 * Progress callbacks for a run: a bar on stderr when it is a terminal (never in a pipe or a file, never with
 * --quiet), redrawn at most every 250 ms; data stays on stdout.
 */
export function runProgress(ctx: CliContext, quiet: boolean | undefined): Pick<RunOptions, 'onProgress' | 'onPairs'> {
  if (quiet || !ctx.stderrIsTTY) return {};
  const t0 = performance.now();
  let last = 0;
  let tokenizersDone = 0;
  let tokenizers = 0;
  let current: string | undefined;
  let pairs = { done: 0, total: 0 };
  const draw = (force: boolean) => {
    const now = performance.now();
    if (!force && now - last < REDRAW_MS) return;
    last = now;
    ctx.progress(progressLine({ tokenizersDone, tokenizers, ...(current ? { current } : {}), ...pairs, seconds: (now - t0) / 1000 }));
  };
  return {
    onProgress: (e) => {
      tokenizers = e.total;
      if (e.phase === 'start') current = e.tokenizer;
      else tokenizersDone++;
      if (tokenizersDone === tokenizers) ctx.progress('');
      else draw(true);
    },
    onPairs: (e) => {
      pairs = e;
      draw(false);
    },
  };
}
