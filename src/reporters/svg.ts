/**
 * Small SVG chart builders for the HTML report. Charts are plain markup styled by the page's CSS classes
 * (so light/dark and print follow the page), with no script and no external resource.
 */

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const r2 = (n: number) => (Math.round(n * 100) / 100).toString();

export interface Bar {
  label: string;
  value: number;
  /** CSS class suffix, e.g. the tokenizer origin: bar-western. */
  group: string;
  low?: number;
  high?: number;
}

export interface BarChartSpec {
  id: string;
  title: string;
  bars: Bar[];
  format: (n: number) => string;
  /** Shaded band on the value axis (e.g. the claimed 2–3× range) with its caption. */
  band?: { from: number; to: number; label: string };
  /** Reference lines (e.g. parity at 1×). */
  refs?: { at: number; label: string }[];
  /** Axis maximum; default: a rounded value above every bar, whisker, band and reference line. */
  max?: number;
}

/** A "nice" axis step (1, 2 or 5 × 10^k) giving about `target` ticks. */
export function niceStep(max: number, target = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Horizontal bar chart: one bar per item, optional interval whiskers, band and reference lines. */
export function barChart(spec: BarChartSpec): string {
  const labelW = 120;
  const valueW = 150;
  const plotW = 420;
  const rowH = 24;
  const top = 34;
  const bottom = 28;
  const width = labelW + plotW + valueW;
  const height = top + spec.bars.length * rowH + bottom;
  const finite = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);
  const extent = Math.max(
    0,
    ...spec.bars.flatMap((b) => [b.value, b.high].filter(finite)),
    spec.band ? spec.band.to : 0,
    ...(spec.refs ?? []).map((r) => r.at),
  );
  const step = niceStep(spec.max ?? extent);
  // Round up to a whole step; the epsilon keeps an extent that is already a whole step (e.g. the 3× band) as is.
  const max = spec.max ?? Math.max(step, Math.ceil(extent / step - 1e-9) * step);
  const x = (v: number) => labelW + (Math.min(Math.max(v, 0), max) / max) * plotW;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(spec.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${escapeXml(spec.id)}-title">`);
  parts.push(`<title id="${escapeXml(spec.id)}-title">${escapeXml(spec.title)}</title>`);
  if (spec.band) {
    const bx = x(spec.band.from);
    parts.push(`<rect class="band" x="${r2(bx)}" y="${top - 6}" width="${r2(x(spec.band.to) - bx)}" height="${spec.bars.length * rowH + 6}"/>`);
    parts.push(`<text class="band-label" x="${r2((bx + x(spec.band.to)) / 2)}" y="${top - 12}" text-anchor="middle">${escapeXml(spec.band.label)}</text>`);
  }
  for (let t = 0; t <= max + step / 1e6; t += step) {
    const tx = x(t);
    parts.push(`<line class="grid" x1="${r2(tx)}" x2="${r2(tx)}" y1="${top - 4}" y2="${top + spec.bars.length * rowH}"/>`);
    parts.push(`<text class="tick" x="${r2(tx)}" y="${height - 10}" text-anchor="middle">${escapeXml(spec.format(t))}</text>`);
  }
  spec.bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = finite(b.value) ? x(b.value) - labelW : 0;
    parts.push(`<text class="label" x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${escapeXml(b.label)}</text>`);
    parts.push(`<rect class="bar bar-${escapeXml(b.group)}" data-label="${escapeXml(b.label)}" data-value="${finite(b.value) ? b.value : ''}" x="${labelW}" y="${y + 4}" width="${r2(w)}" height="${rowH - 8}"><title>${escapeXml(`${b.label}: ${finite(b.value) ? spec.format(b.value) : 'n/a'}`)}</title></rect>`);
    let valueText = finite(b.value) ? spec.format(b.value) : 'n/a';
    if (finite(b.low) && finite(b.high)) {
      const cy = y + rowH / 2;
      const x1 = x(b.low);
      const x2 = x(b.high);
      parts.push(`<g class="whisker" data-label="${escapeXml(b.label)}"><line x1="${r2(x1)}" x2="${r2(x2)}" y1="${cy}" y2="${cy}"/><line x1="${r2(x1)}" x2="${r2(x1)}" y1="${cy - 5}" y2="${cy + 5}"/><line x1="${r2(x2)}" x2="${r2(x2)}" y1="${cy - 5}" y2="${cy + 5}"/></g>`);
      valueText += ` (${spec.format(b.low)}–${spec.format(b.high)})`;
    }
    parts.push(`<text class="value" x="${labelW + plotW + 6}" y="${y + rowH / 2 + 4}">${escapeXml(valueText)}</text>`);
  });
  for (const ref of spec.refs ?? []) {
    const rx = x(ref.at);
    parts.push(`<line class="ref" x1="${r2(rx)}" x2="${r2(rx)}" y1="${top - 6}" y2="${top + spec.bars.length * rowH}"/>`);
    parts.push(`<text class="ref-label" x="${r2(rx)}" y="${top - 12}" text-anchor="middle">${escapeXml(ref.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface HeatMapSpec {
  id: string;
  title: string;
  rows: string[];
  cols: string[];
  /** values[row][col]; null = no data. */
  values: (number | null)[][];
  format: (n: number) => string;
  /** Value shown as neutral (e.g. premium 1 = parity); colours run on a log scale away from it. */
  neutral: number;
}

/**
 * Diverging colour on a log scale around `neutral`: blue below, red above, saturating at ×/÷ `span`.
 * Returned as an HSL string so the same hue reads on light and dark backgrounds.
 */
export function divergingColor(v: number, neutral: number, span: number): string {
  const t = Math.max(-1, Math.min(1, Math.log(v / neutral) / Math.log(span)));
  const hue = t < 0 ? 215 : 5;
  const sat = Math.round(20 + 60 * Math.abs(t));
  const light = Math.round(92 - 47 * Math.abs(t));
  return `hsl(${hue} ${sat}% ${light}%)`;
}

export function heatMap(spec: HeatMapSpec): string {
  const labelW = 120;
  const cellW = Math.max(64, ...spec.cols.map((c) => c.length * 7 + 10));
  const cellH = 26;
  const top = 30;
  const width = labelW + spec.cols.length * cellW + 4;
  const height = top + spec.rows.length * cellH + 4;
  const all = spec.values.flat().filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  const span = Math.max(1.5, ...all.map((v) => Math.max(v / spec.neutral, spec.neutral / v)));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" data-chart="${escapeXml(spec.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${escapeXml(spec.id)}-title">`);
  parts.push(`<title id="${escapeXml(spec.id)}-title">${escapeXml(spec.title)}</title>`);
  spec.cols.forEach((c, j) => {
    parts.push(`<text class="col-label" x="${labelW + j * cellW + cellW / 2}" y="${top - 10}" text-anchor="middle">${escapeXml(c)}</text>`);
  });
  spec.rows.forEach((row, i) => {
    const y = top + i * cellH;
    parts.push(`<text class="label" x="${labelW - 8}" y="${y + cellH / 2 + 4}" text-anchor="end">${escapeXml(row)}</text>`);
    spec.cols.forEach((col, j) => {
      const v = spec.values[i]?.[j] ?? null;
      const ok = v !== null && Number.isFinite(v) && v > 0;
      const fill = ok ? divergingColor(v, spec.neutral, span) : 'none';
      const cx = labelW + j * cellW;
      parts.push(`<rect class="cell" data-row="${escapeXml(row)}" data-col="${escapeXml(col)}" x="${cx + 1}" y="${y + 1}" width="${cellW - 2}" height="${cellH - 2}" style="fill:${fill}"><title>${escapeXml(`${row} · ${col}: ${ok ? spec.format(v) : 'n/a'}`)}</title></rect>`);
      // Cells are light near the neutral value and dark at the extremes: pick the text colour to match.
      const dark = ok && Math.abs(Math.log(v / spec.neutral) / Math.log(span)) > 0.55;
      parts.push(`<text class="cell-text${dark ? ' on-dark' : ''}" x="${cx + cellW / 2}" y="${y + cellH / 2 + 4}" text-anchor="middle">${ok ? escapeXml(spec.format(v)) : '–'}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}
