/**
 * The interactive side of charts without a browser: the HTML output is self-contained (its only
 * script is inline; the library blob is exactly vega + vega-lite + vega-embed), the library is
 * inlined once per session, and each chart's interactive spec carries its tooltips, zoom and
 * selections while the static SVG stays free of them. The trade-off chart's rules are here too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  barChart, compileVegaLite, Figure, frontierIndices, heatmap, histogram, interactiveCharts, interactiveHtml, lineChart, libraryBundle, scatter, tradeoffChart, type TradeoffRow,
} from '../../src/charts/index';
import { nextHtmlOutput, scriptJson } from '../../src/charts/interactive';

type Spec = Record<string, unknown>;
/** Every object in a spec (depth first), to look for params and tooltip entries wherever they sit. */
function walk(x: unknown, out: Spec[] = []): Spec[] {
  if (Array.isArray(x)) x.forEach((y) => walk(y, out));
  else if (x && typeof x === 'object') {
    out.push(x as Spec);
    Object.values(x).forEach((y) => walk(y, out));
  }
  return out;
}
const params = (spec: unknown) => walk(spec).flatMap((o) => (Array.isArray(o.params) ? (o.params as Spec[]) : []));
const tooltipFieldsOf = (spec: unknown) => walk(spec).flatMap((o) => (Array.isArray(o.tooltip) ? (o.tooltip as Spec[]).map((t) => t.field ?? t.aggregate) : []));

const history = Array.from({ length: 6 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), val_loss: 1.2 / (i + 1), lr: 0.001 }));

test('the HTML output is self-contained: inline scripts only, the library blob is vega + vega-lite + vega-embed', () => {
  const fig = lineChart(history, { x: 'epoch', y: ['loss', 'val_loss'] });
  const html = fig.html();
  assert.doesNotMatch(html, /<script[^>]*\ssrc\s*=|<link\b|<iframe\b|@import|url\(/i);
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 2, 'the library loader and the chart');
  const blob = /atob\('([A-Za-z0-9+/=]+)'\)/.exec(scripts[0]);
  assert.ok(blob, 'the library is inline, base64');
  const code = zlib.gunzipSync(Buffer.from(blob[1], 'base64'));
  const expected = Buffer.concat(['vega', 'vega-lite', 'vega-embed'].flatMap((p) => [fs.readFileSync(path.join(path.dirname(require.resolve(p)), `${p}.min.js`)), Buffer.from(';\n')]));
  assert.ok(code.equals(expected), 'the blob unpacks to the three UMD builds, unchanged');
  // Outside the blob, the only URL is the spec's $schema (an identifier vega-embed reads, not a load).
  const urls = html.replace(blob[1], '').match(/https?:\/\/[^\s"'\\)]+/g) ?? [];
  assert.deepEqual([...new Set(urls)], ['https://vega.github.io/schema/vega-lite/v5.json']);
  // Without the library: one script, no blob.
  const bare = fig.html({ library: false });
  assert.equal([...bare.matchAll(/<script\b/g)].length, 1);
  assert.ok(bare.length < 20_000 && html.length > 300_000, `${bare.length} / ${html.length} characters`);
  const lib = libraryBundle();
  assert.ok(lib.rawBytes > 700_000 && lib.base64.length < lib.rawBytes * 0.6, `raw ${lib.rawBytes}, inlined ${lib.base64.length}`);
});

test('spec data cannot end the script early; non-finite numbers survive as text', () => {
  const json = scriptJson({ a: '</script><script>alert(1)</script>', b: '<!--', c: Infinity, d: -Infinity, e: NaN, f: '\u2028' });
  assert.doesNotMatch(json, /<|\u2028/);
  assert.deepEqual(JSON.parse(json), { a: '</script><script>alert(1)</script>', b: '<!--', c: 'Infinity', d: '-Infinity', e: 'NaN', f: '\u2028' });
  const html = interactiveHtml({ data: { values: [{ name: '</script>' }] }, mark: 'point' }, { library: false, id: 'x1' });
  assert.equal(html.split('</script>').length - 1, 1, 'only the closing tag of the chart script');
  assert.throws(() => interactiveHtml({}, { id: 'a"b' }), /not a plain HTML id/);
});

test('the library goes into the first chart output of a session only (mode once), every one (every), or none (off)', () => {
  try {
    interactiveCharts('once');
    assert.deepEqual([nextHtmlOutput(), nextHtmlOutput(), nextHtmlOutput()], [{ library: true }, { library: false }, { library: false }]);
    assert.deepEqual(nextHtmlOutput(true), { library: true }, 'an output that carried it keeps it');
    interactiveCharts('every');
    assert.deepEqual([nextHtmlOutput(), nextHtmlOutput()], [{ library: true }, { library: true }]);
    interactiveCharts('off');
    assert.equal(nextHtmlOutput(), null);
    interactiveCharts('once');
    assert.deepEqual(nextHtmlOutput(), { library: true }, 'switching to once starts over');
    assert.throws(() => interactiveCharts('sometimes' as never), /unknown mode "sometimes" \(valid: once, every, off\)/);
  } finally {
    interactiveCharts('once');
  }
});

test('lineChart: zoom on both axes, legend highlight, nearest-point tooltip with the extra fields; the SVG has none of it', () => {
  const fig = lineChart(history, { x: 'epoch', y: ['loss', 'val_loss'], tooltip: 'lr' });
  const ps = params(fig.interactiveSpec);
  assert.deepEqual(ps.map((p) => p.name).sort(), ['hover', 'pick', 'zoom']);
  assert.equal(ps.find((p) => p.name === 'zoom')!.bind, 'scales');
  assert.equal(ps.find((p) => p.name === 'pick')!.bind, 'legend');
  assert.equal((ps.find((p) => p.name === 'hover')!.select as Spec).nearest, true);
  assert.deepEqual(tooltipFieldsOf(fig.interactiveSpec), ['series', 'epoch', 'value', 'lr']);
  // The extra field travels into the long rows the wide ones become.
  const values = ((fig.interactiveSpec as Spec).data as { values: Spec[] }).values;
  assert.ok(values.every((v) => v.lr === 0.001), 'lr kept on every long row');
  assert.deepEqual(params(fig.spec), []);
  assert.doesNotMatch(fig.svg, /voronoi/);
  assert.throws(() => lineChart(history, { x: 'epoch', y: 'loss', tooltip: 'nope' }), /lineChart tooltip: no row has the field "nope"/);
  // A single series: no legend to click, still zoom and hover.
  assert.deepEqual(params(lineChart(history, { x: 'epoch', y: 'loss' }).interactiveSpec).map((p) => p.name).sort(), ['hover', 'zoom']);
});

test('barChart, histogram, scatter: tooltips with the row fields; legend highlight when coloured; zoom where both axes are continuous', () => {
  const rows = [{ d: 'a', n: 3, label: 'with_mask', note: 'x' }, { d: 'a', n: 4, label: 'without_mask', note: 'y' }];
  const bar = barChart(rows, { x: 'd', y: 'n', colour: 'label', tooltip: ['note', 'n'] });
  assert.deepEqual(params(bar.interactiveSpec).map((p) => p.name), ['pick']);
  assert.ok(tooltipFieldsOf(bar.interactiveSpec).join().startsWith('d,n,label,note'));
  const hist = histogram({ with_mask: [0.1, 0.5, 0.9], without_mask: [0.2] });
  assert.deepEqual(tooltipFieldsOf(hist.interactiveSpec), ['group', 'value', 'count']);
  const sc = scatter(rows.map((r, i) => ({ ...r, i })), { x: 'i', y: 'n', colour: 'label', tooltip: 'note' });
  assert.deepEqual(params(sc.interactiveSpec).map((p) => p.name), ['zoom', 'pick']);
  assert.deepEqual(tooltipFieldsOf(sc.interactiveSpec), ['i', 'n', 'label', 'note']);
  // Numbers are formatted by their values: whole numbers with separators, others to 4 significant digits.
  const tips = walk(sc.interactiveSpec).flatMap((o) => (Array.isArray(o.tooltip) ? (o.tooltip as Spec[]) : []));
  assert.deepEqual(tips.map((t) => t.format ?? t.type), [',', ',', 'nominal', 'nominal']);
  for (const f of [bar, hist, sc]) compileVegaLite(f.interactiveSpec!);
});

test('heatmap: each cell carries its count, row share and up to maxItems items with the rest counted', () => {
  const names = [[[], ['a.jpg', 'b.jpg', 'c.jpg']], [['d.jpg'], []]];
  const fig = heatmap([[9, 3], [1, 7]], ['with_mask', 'without_mask'], ['with_mask', 'without_mask'], { cellItems: names, maxItems: 2 });
  const cells = ((fig.interactiveSpec as Spec).data as { values: Spec[] }).values;
  const c01 = cells.find((c) => c.row === 'with_mask' && c.col === 'without_mask')!;
  assert.equal(c01['file 1'], 'a.jpg');
  assert.equal(c01['file 2'], 'b.jpg');
  assert.equal(c01['file 3'], undefined);
  assert.equal(c01.more, '+1 more');
  assert.equal(c01.share, 0.25);
  const expr = walk(fig.interactiveSpec).find((o) => o.type === 'rect')!.tooltip as { expr: string };
  assert.match(expr.expr, /"count": format\(datum\.value, ","\).*"file 1": datum\["file 1"\], "file 2": datum\["file 2"\], "more": datum\.more/);
  assert.deepEqual(params(fig.interactiveSpec).map((p) => p.name), ['cell']);
  assert.throws(() => heatmap([[1, 2]], ['a'], ['x', 'y'], { cellItems: [[[]]] }), /cellItems must have the matrix's shape \(1 rows of 2 lists/);
  assert.throws(() => heatmap([[1]], ['a'], ['x'], { maxItems: -1 }), /maxItems must be a whole number >= 0/);
  assert.throws(() => heatmap([[1]], ['a'], ['x'], { tooltip: 'x' }), /heatmap: no tooltip fields; list things per cell with cellItems/);
  assert.throws(() => histogram([1, 2], { tooltip: 'x' }), /histogram: no tooltip fields/);
});

const grid: TradeoffRow[] = [
  { threshold: 0.3, rejectAt: 0.5, trustAbove: null, maskedRecall: 0.8, falsePerImage: 0.3, endToEnd: 0.7 },
  { threshold: 0.3, rejectAt: 0.7, trustAbove: 0.9, maskedRecall: 0.85, falsePerImage: 0.4, endToEnd: 0.72 },
  { threshold: 0.5, rejectAt: 0.5, trustAbove: null, maskedRecall: 0.7, falsePerImage: 0.05, endToEnd: 0.66 },
  { threshold: 0.5, rejectAt: 0.7, trustAbove: null, maskedRecall: 0.75, falsePerImage: 0.08, endToEnd: 0.68 },
  { threshold: 0.6, rejectAt: 0.5, trustAbove: null, maskedRecall: 0.6, falsePerImage: 0.1, endToEnd: 0.6 },
];

test('tradeoffChart: frontier, budget and chosen setting drawn; every field on hover; click highlights a threshold', () => {
  assert.deepEqual(frontierIndices(grid), [2, 3, 0, 1], 'best recall so far, by false boxes ascending (row 4 is dominated)');
  const fig = tradeoffChart(grid, { chosen: { threshold: 0.5, rejectAt: 0.7, trustAbove: null }, maxFalse: 0.1, title: 'tune' });
  assert.ok(fig.svg.includes('threshold 0.5 · reject ≥ 0.7 · trust ≥ off'), 'the chosen setting is labelled (1.01 reads "off")');
  assert.ok(fig.svg.includes('budget 0.1 / image'));
  assert.equal(JSON.stringify(tradeoffChart(grid, { chosen: 3 }).spec), JSON.stringify(tradeoffChart(grid, { chosen: { threshold: 0.5, rejectAt: 0.7, trustAbove: null } }).spec));
  assert.deepEqual(tooltipFieldsOf(fig.interactiveSpec), ['setting', 'maskedRecall', 'falsePerImage', 'endToEnd', 'threshold', 'rejectAt', 'trustAbove']);
  const same = params(fig.interactiveSpec).find((p) => p.name === 'same')!;
  assert.deepEqual((same.select as Spec).fields, ['threshold']);
  assert.throws(() => tradeoffChart([]), /no rows/);
  assert.throws(() => tradeoffChart(grid, { chosen: 5 }), /chosen is row 5, but there are 5 rows \(0…4\)/);
  assert.throws(() => tradeoffChart(grid, { chosen: { threshold: 0.9, rejectAt: 0.5, trustAbove: null } }), /no row has the chosen setting \(threshold 0.9/);
  assert.throws(() => tradeoffChart([{ ...grid[0], endToEnd: NaN }]), /row 0 needs a finite number in "endToEnd"/);
  assert.throws(() => tradeoffChart(grid, { maxFalse: -1 }), /maxFalse must be a number >= 0/);
});

test('save(".html") writes a page with the interactive chart; a figure from an SVG alone has none', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-html-'));
  try {
    const file = await lineChart(history, { x: 'epoch', y: 'loss' }).save(path.join(dir, 'curves.html'));
    const page = fs.readFileSync(file, 'utf8');
    assert.match(page, /^<!DOCTYPE html>[\s\S]*<title>curves<\/title>[\s\S]*class="facemask-chart"[\s\S]*<\/html>\n$/);
    const bare = new Figure('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>');
    assert.throws(() => bare.html(), /no Vega-Lite spec/);
    await assert.rejects(bare.save(path.join(dir, 'x.html')), /cannot save this figure as \.html/);
    assert.deepEqual(fs.readdirSync(dir), ['curves.html']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
