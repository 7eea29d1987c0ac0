/**
 * Interactive charts in the classic Jupyter Notebook 6 (Debian's `jupyter-notebook`), the
 * front-end the project documents: a real server, the tslab kernel, headless Chromium.
 * - an executed notebook that is not trusted: scripts stripped, the PNGs show, nothing breaks;
 * - the same notebook trusted (`python3 -m nbformat.sign`, what `jupyter trust` runs): the charts
 *   are interactive, their PNGs hidden, tooltips work;
 * - run live in the browser (Run All): the outputs Notebook 6 renders while the kernel sends them.
 * Skipped, saying why, where Notebook 6 is not installed (apt-get install -y jupyter-notebook).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { executeNotebook, installKernel, jupyterEnv } from '../../scripts/run-notebooks';
import { launchChromium, tooltipAt, tooltipFields } from './browser';
import { skipOrFail } from '../skip';

const root = path.resolve(__dirname, '..', '..');
const hasNotebook6 = spawnSync('jupyter', ['notebook', '--version'], { encoding: 'utf8' }).stdout?.trim().startsWith('6.');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** What Notebook 6 shows of a notebook's chart outputs. */
async function look(browser: Browser, url: string, runAll: boolean) {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  try {
    const blocked: string[] = [];
    await ctx.route(/^https?:/, (r) => (r.request().url().startsWith(url.slice(0, url.indexOf('/notebooks/'))) ? r.continue() : (blocked.push(r.request().url()), r.abort())));
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    type Nb = { notebook: { _fully_loaded: boolean; trusted: boolean; kernel?: { is_connected(): boolean }; execute_all_cells(): void } };
    await page.waitForFunction(() => (window as unknown as { Jupyter?: Nb }).Jupyter?.notebook?._fully_loaded === true, null, { timeout: 60_000 });
    if (runAll) {
      await page.waitForFunction(() => (window as unknown as { Jupyter: Nb }).Jupyter.notebook.kernel?.is_connected() === true, null, { timeout: 60_000 });
      await page.evaluate(() => (window as unknown as { Jupyter: Nb }).Jupyter.notebook.execute_all_cells());
      await page.waitForFunction(() => document.querySelectorAll('.output_png').length >= 2, null, { timeout: 180_000 });
    }
    const htmlOutputs = await page.locator('.output_html').count();
    // Give scripts (if they run) time to unpack the library and render.
    await page.waitForFunction((n) => document.querySelectorAll('.facemask-chart[data-rendered]').length >= n, htmlOutputs, { timeout: 8_000 }).catch(() => undefined);
    const rendered = await page.locator('.facemask-chart[data-rendered]').count();
    const visiblePngs = await page.locator('.output_png img').evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length);
    const trusted = await page.evaluate(() => (window as unknown as { Jupyter: Nb }).Jupyter.notebook.trusted);
    const tip = rendered ? tooltipFields(await tooltipAt(page, page.locator('.facemask-chart').nth(1).locator('.mark-rect path').nth(1))) : {};
    return { trusted, htmlOutputs, rendered, visiblePngs, tip, errors, blocked };
  } finally {
    await ctx.close();
  }
}

test('Notebook 6: untrusted shows the PNGs; trusted and live runs show interactive charts with tooltips', { timeout: 600_000 }, async (t) => {
  if (skipOrFail(t, hasNotebook6 ? false : 'classic Notebook 6 is not installed (apt-get install -y jupyter-notebook)')) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb6-charts-'));
  let server: ReturnType<typeof spawn> | undefined;
  let browser: Browser | undefined;
  try {
    fs.symlinkSync(path.join(root, 'src'), path.join(dir, 'src'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const cells = [
      "import { lineChart, heatmap } from './src/charts/index';",
      "await lineChart([1, 2, 3, 4].map((epoch) => ({ epoch, loss: 1 / epoch, val_loss: 1.3 / epoch })), { x: 'epoch', y: ['loss', 'val_loss'] }).show();",
      "await heatmap([[4, 1], [2, 5]], ['a', 'b'], ['a', 'b'], { cellItems: [[[], ['x.jpg']], [['y.jpg'], []]] }).show();",
    ];
    const nb = { cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })), metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }, nbformat: 4, nbformat_minor: 5 };
    fs.writeFileSync(path.join(dir, 'live.ipynb'), JSON.stringify(nb));
    // Signatures live in a private data dir: this test trusts nothing of the user's.
    const env = { ...jupyterEnv(root, installKernel(root)), JUPYTER_CONFIG_DIR: path.join(dir, '.config'), JUPYTER_DATA_DIR: path.join(dir, '.data'), JUPYTER_RUNTIME_DIR: path.join(dir, '.runtime') };
    const r = await executeNotebook(path.join(dir, 'live.ipynb'), path.join(dir, 'executed'), { timeout: 300, env });
    assert.ok(r.ok, JSON.stringify(r.failure));
    // Two copies that differ (a signature is stored by content: identical copies share trust).
    const executed = JSON.parse(fs.readFileSync(r.executed, 'utf8'));
    fs.writeFileSync(path.join(dir, 'untrusted.ipynb'), JSON.stringify({ ...executed, metadata: { ...executed.metadata, copy: 'untrusted' } }));
    fs.writeFileSync(path.join(dir, 'trusted.ipynb'), JSON.stringify(executed));
    const sign = spawnSync('/usr/bin/python3', ['-m', 'nbformat.sign', path.join(dir, 'trusted.ipynb')], { env, encoding: 'utf8' });
    assert.equal(sign.status, 0, sign.stderr);

    const port = await freePort();
    server = spawn('jupyter', ['notebook', '--no-browser', '--allow-root', `--port=${port}`, '--NotebookApp.token=t0k', `--notebook-dir=${dir}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    server.stderr!.on('data', (d) => (log += d));
    const t0 = Date.now();
    while (!/is running at/.test(log)) {
      if (server.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`jupyter notebook did not start:\n${log}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    browser = await launchChromium();
    const url = (name: string) => `http://127.0.0.1:${port}/notebooks/${name}.ipynb?token=t0k`;

    const untrusted = await look(browser, url('untrusted'), false);
    assert.equal(untrusted.trusted, false);
    assert.equal(untrusted.htmlOutputs, 2, 'the HTML outputs are there, sanitised');
    assert.equal(untrusted.rendered, 0, 'no script runs');
    assert.equal(untrusted.visiblePngs, 2, 'the PNGs show');
    assert.deepEqual(untrusted.errors, []);

    for (const [name, runAll] of [['trusted', false], ['live', true]] as const) {
      const seen = await look(browser, url(name), runAll);
      assert.equal(seen.rendered, 2, `${name}: both charts interactive (${JSON.stringify(seen)})`);
      assert.equal(seen.visiblePngs, 0, `${name}: PNGs hidden`);
      assert.equal(seen.tip.count, '1', `${name}: ${JSON.stringify(seen.tip)}`);
      assert.equal(seen.tip['file 1'], 'x.jpg');
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.blocked, [], 'nothing asked of the network');
    }
  } finally {
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((res) => setTimeout(res, 1500));
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
