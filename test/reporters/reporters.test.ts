import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { renderGrid, renderTable } from '../../src/reporters/table.js';
import { renderCsv } from '../../src/reporters/csv.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderJson } from '../../src/reporters/json.js';
import { runBenchmark } from '../../src/core/runner.js';
import { loadBundledCorpus } from '../../src/corpora/loaders.js';

const result = await runBenchmark({ corpus: loadBundledCorpus(), tokenizers: ['gpt2', 'qwen3'] });

describe('reporters: views of one result model', () => {
  it('grid pads by display width: CJK cells take two columns', () => {
    const grid = renderGrid(['name', 'n'], [['中文名', '1'], ['abc', '22']], ['left', 'right']);
    const lines = grid.split('\n');
    const widths = lines.map((l) => stringWidth(l));
    // header, rule and both rows end at the same display column
    expect(new Set([widths[0], widths[2], widths[3]]).size).toBe(1);
    expect(lines[2]).toBe('中文名   1');
  });

  it('table has one row per tokenizer, the verdict and the signature', () => {
    const t = renderTable(result);
    expect(t).toMatch(/^gpt2 /m);
    expect(t).toMatch(/^qwen3 /m);
    expect(t).toMatch(/gpt2: the same content costs \d+\.\d\d× as many tokens in Chinese/);
    expect(t).toContain(`signature: ${result.signature.text}`);
  });

  it('CSV: header + one row per tokenizer with unrounded values', () => {
    const lines = renderCsv(result).trim().split('\n');
    expect(lines).toHaveLength(3);
    const header = lines[0]!.split(',');
    const row = lines[1]!.split(',');
    expect(row[header.indexOf('tokenizer')]).toBe('gpt2');
    expect(Number(row[header.indexOf('premium')])).toBe(result.results[0]!.premium);
    expect(Number(row[header.indexOf('zh_tokens')])).toBe(result.results[0]!.languages.zh.tokens);
  });

  it('Markdown: a table row per tokenizer and the protocol line', () => {
    const md = renderMarkdown(result);
    expect(md.split('\n').filter((l) => /^\| (gpt2|qwen3) \|/.test(l))).toHaveLength(2);
    expect(md).toMatch(/special tokens not added/);
    expect(md).toContain(result.corpus.sha256);
  });

  it('JSON round-trips the model and writes non-finite numbers as null', () => {
    expect(JSON.parse(renderJson(result)).results[1].languages.zh.tokens).toBe(result.results[1]!.languages.zh.tokens);
    expect(renderJson({ ...result, results: [{ ...result.results[0]!, premium: Infinity }] })).toMatch(/"premium": null/);
  });
});
