/**
 * Interactive charts end to end: a small generated notebook with chart cells is executed headless
 * by nbconvert with the project's tslab kernel (as `npm run notebooks` does), its outputs are
 * checked (each chart: a PNG, then an HTML output; the chart library inlined once), then it is
 * exported with `jupyter nbconvert --to html` and opened in headless Chromium with the network cut
 * off: the charts render, replace their PNGs, and moving the pointer over a mark shows a tooltip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { executeNotebook, installKernel, jupyterEnv } from '../../scripts/run-notebooks';
import { launchChromium, openFile, tooltipAt, tooltipFields, waitForCharts } from './browser';

const root = path.resolve(__dirname, '..', '..');

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (facemask tslab)', language: 'typescript' }, language_info: { name: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}
const str = (x: unknown) => (Array.isArray(x) ? x.join('') : typeof x === 'string' ? x : '');
/** The MIME type of each display output, in order ('image/png', 'text/html'). */
const kinds = (outs: Output[]) => outs.filter((o) => o.data).map((o) => Object.keys(o.data!).filter((k) => k !== 'text/plain').join('+'));

test('notebook: each chart is a PNG plus an interactive HTML output; the nbconvert HTML export shows tooltips in Chromium', { timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-charts-'));
  try {
    // Like notebooks/: src/ reachable by a relative import, packages found from there.
    fs.symlinkSync(path.join(root, 'src'), path.join(dir, 'src'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const nb = path.join(dir, 'charts.ipynb');
    fs.writeFileSync(nb, notebook([
      "import { lineChart, heatmap, liveChart } from './src/charts/index';",
      "const history = [1, 2, 3, 4, 5].map((epoch) => ({ epoch, loss: 1 / epoch, val_loss: 1.3 / epoch, lr: 0.001 * epoch }));\n" +
        "await lineChart(history, { x: 'epoch', y: ['loss', 'val_loss'], title: 'training curves', tooltip: 'lr' }).show();",
      "await heatmap([[40, 2], [3, 55]], ['with_mask', 'without_mask'], ['with_mask', 'without_mask'], {\n" +
        "  title: 'confusion', percent: true,\n" +
        "  cellItems: [[[], ['a1.jpg (97%)', 'a2.jpg (80%)']], [['b1.png (91%)', 'b2.png (77%)', 'b3.png (60%)'], []]], maxItems: 2,\n" +
        "}).show();",
      "const live = liveChart({ x: 'epoch', y: 'accuracy', title: 'live' });\nfor (let epoch = 1; epoch <= 3; epoch++) await live.push({ epoch, accuracy: 0.5 + epoch / 10 });",
    ]));
    const env = jupyterEnv(root, installKernel(root));
    const r = await executeNotebook(nb, path.join(dir, 'executed'), { timeout: 300, env });
    assert.ok(r.ok, JSON.stringify(r.failure));

    // The executed notebook: PNG then HTML per chart; the library only in the first HTML output.
    const executed = JSON.parse(fs.readFileSync(r.executed, 'utf8')) as { cells: { outputs: Output[] }[] };
    const [, line, heat, live] = executed.cells.map((c) => c.outputs);
    assert.deepEqual(kinds(line), ['image/png', 'text/html']);
    assert.deepEqual(kinds(heat), ['image/png', 'text/html']);
    assert.deepEqual(kinds(live), ['image/png', 'text/html'], 'a live chart: two entries, each updated in place');
    const html = [line, heat, live].map((outs) => str(outs.find((o) => o.data?.['text/html'])!.data!['text/html']));
    const withLibrary = html.map((h) => h.includes('DecompressionStream'));
    assert.deepEqual(withLibrary, [true, false, false], 'the library travels once, in the first chart');
    assert.ok(html[0].length > 300_000 && html[1].length < 20_000, `sizes ${html.map((h) => h.length).join(', ')}`);
    for (const h of html) assert.doesNotMatch(h, /<script[^>]*\ssrc=|<link\b|<iframe\b/i, 'nothing loaded by URL');
    assert.match(html[2], /"accuracy":0\.8/, 'the live HTML output holds the last update');

    // nbconvert's HTML export (the default lab template), opened offline in Chromium.
    const exp = spawnSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', dir, r.executed], { env, encoding: 'utf8' });
    assert.equal(exp.status, 0, exp.stderr);
    const page = path.join(dir, 'charts.html');
    const browser = await launchChromium();
    try {
      const { page: p, blocked, errors } = await openFile(browser, page);
      await waitForCharts(p, 3);
      assert.deepEqual(errors, [], 'no script errors');
      // The template itself asks for require.js/MathJax on a CDN; the charts ask for nothing.
      assert.ok(blocked.every((u) => !/vega|facemask/i.test(u)), `blocked: ${blocked.join(', ')}`);
      // Where the interactive chart renders, the PNG before it is hidden.
      const visiblePngs = await p.locator('img[src^="data:image/png"]').evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length);
      assert.equal(visiblePngs, 0, 'PNGs replaced by their interactive charts');

      const charts = p.locator('.facemask-chart');
      // Training curves: the nearest point's series, epoch, value and the extra field.
      // (whichever point it is: its fields must be those of one row of `history`).
      const tip1 = tooltipFields(await tooltipAt(p, charts.nth(0).locator('.mark-symbol path').nth(7)));
      const epoch = Number(tip1.epoch);
      assert.ok(epoch >= 1 && epoch <= 5 && ['loss', 'val_loss'].includes(tip1.series), JSON.stringify(tip1));
      assert.equal(Number(tip1.value), Number(((tip1.series === 'loss' ? 1 : 1.3) / epoch).toPrecision(4)), JSON.stringify(tip1));
      assert.equal(Number(tip1.lr), 0.001 * epoch, JSON.stringify(tip1));
      // Confusion matrix: the cell's count, share and the first two file names, the rest counted.
      const cells = charts.nth(1).locator('.mark-rect path');
      assert.equal(await cells.count(), 4);
      const tip2 = await tooltipAt(p, cells.nth(2));
      assert.match(tip2, /true\nwithout_mask/, tip2);
      assert.match(tip2, /count\n3\b/, tip2);
      assert.match(tip2, /file 1\nb1\.png \(91%\)/, tip2);
      assert.match(tip2, /file 2\nb2\.png \(77%\)/, tip2);
      assert.match(tip2, /more\n\+1 more/, tip2);
      assert.doesNotMatch(tip2, /b3\.png|undefined/, tip2);
      const tip3 = await tooltipAt(p, cells.nth(0));
      assert.match(tip3, /count\n40/, tip3);
      assert.doesNotMatch(tip3, /file|more|undefined/, 'a cell without items lists none');
      // The live chart rendered its final state: three points.
      assert.equal(await charts.nth(2).locator('.mark-symbol path').count() >= 3, true);
    } finally {
      await browser.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
