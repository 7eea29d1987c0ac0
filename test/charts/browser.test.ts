/**
 * The interactive charts in a real browser (headless Chromium, network cut off), one page holding
 * several chart outputs with the library inlined only in the first, as a notebook holds them:
 * ROC curve with the threshold under the pointer, the trade-off chart (hover, click highlight),
 * legend highlight and wheel zoom on training curves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lineChart, tradeoffChart, type TradeoffRow } from '../../src/charts/index';
import { launchChromium, openFile, tooltipAt, tooltipFields, waitForCharts } from './browser';

const history = Array.from({ length: 6 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), val_loss: 1.2 / (i + 1) }));
// Two classes' ROC points as rocFigure builds them (threshold Infinity first: nothing accepted).
const roc = ['with_mask 0.950', 'without_mask 0.900'].flatMap((cls, k) =>
  [Infinity, 0.9, 0.7, 0.5, 0.3, 0.1].map((threshold, i) => ({ fpr: i / 5, tpr: Math.min(1, (i / 5) ** (0.3 + k * 0.2)), threshold, class: cls })),
);
const grid: TradeoffRow[] = [0.3, 0.5, 0.7].flatMap((threshold) =>
  [0.5, 0.9].map((rejectAt) => ({ threshold, rejectAt, trustAbove: null, maskedRecall: 1 - threshold / 2 - rejectAt / 10, falsePerImage: (1 - threshold) * rejectAt, endToEnd: 0.6 })),
);

test('interactive charts in Chromium: tooltips, legend highlight, click highlight, zoom; offline, library once per page', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-browser-'));
  const browser = await launchChromium();
  try {
    const figs = [
      lineChart(history, { x: 'epoch', y: ['loss', 'val_loss'] }),
      lineChart(roc, { x: 'fpr', y: 'tpr', series: 'class', points: false, zero: true, tooltip: 'threshold' }),
      tradeoffChart(grid, { chosen: 2, maxFalse: 0.3 }),
    ];
    const file = path.join(dir, 'page.html');
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n${figs.map((f, i) => f.html({ library: i === 0 })).join('\n')}</body></html>`);
    const { page, blocked, errors } = await openFile(browser, file);
    await waitForCharts(page, 3);
    assert.deepEqual(blocked, [], 'no network request');
    assert.deepEqual(errors, []);
    const charts = page.locator('.facemask-chart');

    // ROC: the threshold of the point under the pointer (the hover layer's points are invisible).
    const rocPoints = charts.nth(1).locator('.mark-symbol.role-mark path');
    assert.equal(await rocPoints.count(), 12);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const tip = tooltipFields(await tooltipAt(page, rocPoints.nth(i)));
      const row = roc.find((r) => r.class === tip.class && String(r.fpr) === tip.fpr);
      assert.ok(row, `a row for ${JSON.stringify(tip)}`);
      assert.equal(tip.threshold, Number.isFinite(row.threshold) ? String(row.threshold) : 'Infinity', JSON.stringify(tip));
      seen.add(tip.threshold);
    }
    assert.equal(seen.size, 6, 'every threshold reachable under the pointer');

    // Trade-off: every field of the setting on hover; a click fades the settings of other thresholds.
    const tradePoints = charts.nth(2).locator('.mark-symbol.role-mark').first().locator('path');
    assert.equal(await tradePoints.count(), grid.length);
    const tip = tooltipFields(await tooltipAt(page, tradePoints.nth(3)));
    assert.equal(tip.setting, 'threshold 0.5 · reject ≥ 0.9 · trust ≥ off');
    assert.equal(Number(tip.falsePerImage), 0.45);
    assert.deepEqual(Object.keys(tip), ['setting', 'maskedRecall', 'falsePerImage', 'endToEnd', 'threshold', 'rejectAt', 'trustAbove']);
    const opacities = () => tradePoints.evaluateAll((els) => els.map((e) => Number(e.getAttribute('opacity') ?? 1)));
    assert.ok((await opacities()).every((o) => o > 0.5), 'nothing faded before a click');
    const box = (await tradePoints.nth(3).boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => document.querySelectorAll('.facemask-chart')[2].querySelectorAll('.mark-symbol.role-mark path[opacity="0.12"]').length > 0);
    const after = await opacities();
    assert.deepEqual(after.map((o) => o > 0.5), grid.map((r) => r.threshold === 0.5), 'only threshold 0.5 stays');

    // Training curves: a click on a legend entry fades the other line.
    const lineOpacity = () => charts.nth(0).locator('.mark-line path').evaluateAll((els) => els.map((e) => Number(e.getAttribute('opacity') ?? 1)));
    assert.deepEqual(await lineOpacity(), [1, 1]);
    await charts.nth(0).locator('.role-legend-label text', { hasText: 'val_loss' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.facemask-chart')[0].querySelector('.mark-line path[opacity="0.15"]') !== null);
    assert.deepEqual(await lineOpacity(), [0.15, 1]);

    // Wheel over the plot zooms: the x axis shows a narrower range.
    const xLabels = () => charts.nth(0).locator('.role-axis').filter({ hasText: 'epoch' }).locator('.role-axis-label text').allTextContents();
    const before = (await xLabels()).map(Number);
    const plot = (await charts.nth(0).locator('.mark-line path').nth(1).boundingBox())!;
    await page.mouse.move(plot.x + plot.width / 2, plot.y + plot.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -200);
    await page.waitForTimeout(300);
    const zoomed = (await xLabels()).map(Number);
    const span = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    assert.ok(span(zoomed) < span(before), `x axis ${before.join(' ')} → ${zoomed.join(' ')}`);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a chart output without the library on its page says where the library should be and leaves its PNG alone', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-nolib-'));
  const browser = await launchChromium();
  try {
    const fig = lineChart(history, { x: 'epoch', y: 'loss' });
    const png = (await fig.png()).toString('base64');
    // The markup of a classic-template notebook output: PNG output area, then the HTML one.
    const file = path.join(dir, 'page.html');
    fs.writeFileSync(file, `<!DOCTYPE html><html><body><div class="output">
<div class="output_area"><div class="output_png"><img src="data:image/png;base64,${png}"></div></div>
<div class="output_area"><div class="output_html">${fig.html({ library: false })}</div></div></div></body></html>`);
    const { page, errors } = await openFile(browser, file);
    await page.waitForFunction(() => /chart library is in the first chart output/.test(document.querySelector('.facemask-chart')?.textContent ?? ''), null, { timeout: 10_000 });
    assert.equal(await page.locator('img').isVisible(), true, 'the PNG stays');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
