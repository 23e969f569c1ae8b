/**
 * The HTML report in a real browser: headless Debian Chromium driven by playwright-core. CI installs
 * chromium (.ci/run), so a missing browser fails this file; set TOKBENCH_SKIP_BROWSER=1 to skip it on purpose.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { tokbench } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = process.env.TOKBENCH_SKIP_BROWSER === '1';
if (skip) console.warn('html.browser.test: skipped because TOKBENCH_SKIP_BROWSER=1');

const OUT = join(ROOT, 'test-output');
const TOKENIZERS = ['gpt2', 'cl100k_base', 'o200k_base', 'qwen3', 'deepseek-v3'];

describe.skipIf(skip)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) or set TOKBENCH_SKIP_BROWSER=1`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    // The page exactly as users get it: the built CLI writing --format html to a file.
    mkdirSync(OUT, { recursive: true });
    file = join(OUT, 'report.browser.html');
    const r = tokbench(['run', '-t', TOKENIZERS.join(','), '--bootstrap', '300', '--format', 'html', '--output', file, '-q']);
    if (r.code !== 0) throw new Error(`tokbench run --format html failed (${r.code}): ${r.stderr}`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`loads with no console errors or network requests, one row and one bar per tokenizer (${scheme})`, async () => {
      const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
      await page.goto(`file://${file}`, { waitUntil: 'load' });

      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      const rowIds = await page.$$eval('#summary tbody tr', (rows) => rows.map((r) => r.getAttribute('data-tokenizer')));
      expect(rowIds).toEqual(TOKENIZERS);
      for (const chart of ['zh-tokens-per-char', 'premium', 'effective-context']) {
        const labels = await page.$$eval(`svg[data-chart="${chart}"] rect.bar`, (bars) => bars.map((b) => b.getAttribute('data-label')));
        expect(labels, chart).toEqual(TOKENIZERS);
        // every bar is actually drawn with a visible width
        const widths = await page.$$eval(`svg[data-chart="${chart}"] rect.bar`, (bars) => bars.map((b) => (b as SVGGraphicsElement).getBBox().width));
        expect(widths.every((w) => w > 1), chart).toBe(true);
      }
      expect(await page.locator('svg[data-chart="premium"] g.whisker').count()).toBe(TOKENIZERS.length);
      // heat map: tokenizers × the bundled corpus' 10 domains
      expect(await page.locator('svg[data-chart="domain-premium"] rect.cell').count()).toBe(TOKENIZERS.length * 10);
      // the premium bars are ordered like the premiums: gpt2's bar is the longest
      const premiumWidths = await page.$$eval('svg[data-chart="premium"] rect.bar', (bars) => bars.map((b) => Number(b.getAttribute('width'))));
      expect(Math.max(...premiumWidths)).toBe(premiumWidths[0]);
      // text and background differ in the chosen scheme (the dark theme is actually applied)
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe(scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
      expect(await page.locator('#signature').textContent()).toMatch(/^tokbench:1\|corpus:bundled@[0-9a-f]{8}\|/);
      await page.screenshot({ path: join(OUT, `report-${scheme}.png`), fullPage: true });
      await page.close();
    });
  }

  it('prints to PDF (printable) without errors', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(OUT, 'report.pdf'), pdf);
    await page.close();
  });
});
