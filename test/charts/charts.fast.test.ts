import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import {
  barChart, compileVegaLite, Figure, svgToPng, heatmap, histogram, lineChart, liveChart, renderVega, scatter, vegaLite, inNotebook,
} from '../../src/charts/index';
import { DISPLAY } from '../../src/labels';

/** Decoded RGB pixels of a PNG. */
async function pixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Pixels in a rectangle that are close to `rgb` (each channel within `tol`). */
function countNear(p: { data: Buffer; width: number }, rgb: number[], tol: number, rect?: [number, number, number, number]): number {
  const [x0, y0, w, h] = rect ?? [0, 0, p.width, p.data.length / 3 / p.width];
  let n = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const i = (y * p.width + x) * 3;
      if (Math.abs(p.data[i] - rgb[0]) <= tol && Math.abs(p.data[i + 1] - rgb[1]) <= tol && Math.abs(p.data[i + 2] - rgb[2]) <= tol) n++;
    }
  }
  return n;
}

/** The text content of every `<text>` element of an SVG. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([\s\S]*?)<\/text>/g)].map((m) => m[1].replace(/<[^>]+>/g, '|'));
}

const counts = [
  { dataset: 'observations', label: 'with_mask', count: 690 },
  { dataset: 'observations', label: 'without_mask', count: 686 },
  { dataset: 'chandrikadeb7', label: 'with_mask', count: 2164 },
  { dataset: 'chandrikadeb7', label: 'without_mask', count: 1930 },
];

test('the synchronous renderer gives exactly what vega View.toSVG() gives', async () => {
  const spec = compileVegaLite({ data: { values: counts }, mark: 'bar', encoding: { x: { field: 'dataset', type: 'nominal' }, y: { field: 'count', type: 'quantitative' } } });
  const official = await new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG();
  assert.equal(renderVega(spec), official);
});

test('fonts render real glyphs, not empty boxes (CI needs fonts-dejavu-core)', async () => {
  // Missing fonts draw every character as the same box: "iiiiiiii" and "WWWWWWWW" would then
  // cover the same number of pixels. With a real font W covers several times more than i.
  const ink = async (text: string) => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/><text x="5" y="28" font-size="24" font-family="DejaVu Sans, sans-serif">${text}</text></svg>`;
    return countNear(await pixels(await svgToPng(svg, 1)), [0, 0, 0], 128);
  };
  const narrow = await ink('iiiiiiii');
  const wide = await ink('WWWWWWWW');
  assert.ok(narrow > 20, `some ink for "i" (${narrow})`);
  assert.ok(wide > 2.5 * narrow, `"W" x8 covers ${wide} px, "i" x8 ${narrow} px: glyphs look like boxes, install fonts-dejavu-core`);
});

test('barChart: SVG carries the categories and value labels; PNG is twice the size, with text and label colours', async () => {
  const fig = barChart(counts, { x: 'dataset', y: 'count', colour: 'label', title: 'Images per dataset' });
  assert.ok(fig instanceof Figure);
  assert.ok(fig.width > 400 && fig.height > 250, `${fig.width}x${fig.height}`);
  const texts = svgTexts(fig.svg);
  for (const t of ['observations', 'chandrikadeb7', '690', '686', '2164', '1930', 'Images per dataset', 'with_mask', 'without_mask']) {
    assert.ok(texts.includes(t), `"${t}" among the SVG texts`);
  }
  const png = await fig.png();
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, Math.round(fig.width * 2));
  assert.equal(meta.height, Math.round(fig.height * 2));
  const px = await pixels(png);
  // The title is rendered (fonts present): dark pixels in the top-left strip where it sits.
  const titleDark = countNear(px, [0, 0, 0], 60, [0, 0, 400, 50]);
  assert.ok(titleDark > 300, `title pixels: ${titleDark} (no text rendered? install fonts-dejavu-core)`);
  // Bars in the conventions' label colours.
  assert.ok(countNear(px, DISPLAY.with_mask.colour, 10) > 5000);
  assert.ok(countNear(px, DISPLAY.without_mask.colour, 10) > 5000);
  assert.ok(countNear(px, [255, 255, 255], 0) > px.width * px.height * 0.3, 'white background');
});

test('lineChart: several y fields become one line each, named in the legend', () => {
  const history = Array.from({ length: 8 }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), val_loss: 1.2 / (i + 1) }));
  const fig = lineChart(history, { x: 'epoch', y: ['loss', 'val_loss'], title: 'loss' });
  const lines = fig.svg.match(/aria-roledescription="line mark"/g) ?? [];
  assert.equal(lines.length, 2, 'two line paths');
  const texts = svgTexts(fig.svg);
  assert.ok(texts.includes('loss') && texts.includes('val_loss'));
  assert.throws(() => lineChart(history, { x: 'epoch', y: 'acc' }), /no row has the field "acc"/);
  assert.throws(() => lineChart(history, { x: 'epoch', y: ['loss', 'val_loss'], series: 'epoch' }), /either several y fields or a series/);
});

test('histogram: bars whose counts add up to the number of values; bad values refused', () => {
  const values = Array.from({ length: 200 }, (_, i) => (i % 20) / 20);
  const fig = histogram(values, { bins: 10, title: 'scores' });
  const rects = fig.svg.split('mark-rect role-mark')[1]?.split('</g>')[0].match(/<path /g) ?? [];
  assert.ok(rects.length >= 5 && rects.length <= 20, `${rects.length} bars`);
  const grouped = histogram({ with_mask: [0.9, 0.8], without_mask: [0.1] });
  assert.ok(svgTexts(grouped.svg).includes('without_mask'));
  assert.throws(() => histogram([1, NaN]), /finite numbers/);
});

test('heatmap: every cell carries its count; rows are the true class, columns the predicted', async () => {
  const m = [[95, 5, 0], [3, 97, 0], [4, 6, 2]];
  const labels = ['with_mask', 'without_mask', 'incorrect_mask'];
  const fig = heatmap(m, labels, labels, { title: 'confusion' });
  const texts = svgTexts(fig.svg);
  for (const v of m.flat()) assert.ok(texts.includes(String(v)), `cell ${v}`);
  assert.ok(texts.includes('true') && texts.includes('predicted'));
  // 3x3 cells of 70 px by default.
  const cells = fig.svg.split('mark-rect role-mark')[1]?.split('</g>')[0].match(/<path /g) ?? [];
  assert.equal(cells.length, 9);
  const withPct = heatmap(m, labels, labels, { percent: true });
  assert.ok(svgTexts(withPct.svg).some((t) => t.includes('95%')));
  assert.throws(() => heatmap([[1, 2]], ['a'], ['x']), /row 0 has 2 cells but there are 1 column labels/);
  assert.throws(() => heatmap([[1]], ['a', 'b'], ['x']), /1 rows but 2 row labels/);
  const png = await fig.png();
  assert.equal((await sharp(png).metadata()).width, fig.width * 2);
});

test('scatter and vegaLite: one point per row; an invalid spec is a clear error', () => {
  const rows = Array.from({ length: 12 }, (_, i) => ({ a: i, b: i * i, label: i % 2 ? 'with_mask' : 'without_mask' }));
  const fig = scatter(rows, { x: 'a', y: 'b', colour: 'label' });
  const pts = fig.svg.split('mark-symbol role-mark')[1]?.split('</g>')[0].match(/<path /g) ?? [];
  assert.equal(pts.length, 12);
  const v = vegaLite({ data: { values: rows }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
  assert.ok(v.svg.startsWith('<svg'));
  assert.throws(() => vegaLite({ data: { values: rows }, mark: 'nonsense' } as never), /invalid Vega-Lite spec|nonsense/);
});

test('save(): by extension, atomically, no temporary files left; unknown extension refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-'));
  try {
    const fig = barChart(counts, { x: 'dataset', y: 'count' });
    await fig.save(path.join(dir, 'a.svg'));
    assert.equal(fs.readFileSync(path.join(dir, 'a.svg'), 'utf8'), fig.svg);
    const target = path.join(dir, 'sub', 'a.png');
    await fig.save(target);
    assert.deepEqual([...fs.readFileSync(target).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // Overwriting replaces the whole file.
    fs.writeFileSync(target, Buffer.alloc(5_000_000, 1));
    await fig.save(target);
    assert.ok((await fig.png()).equals(fs.readFileSync(target)));
    await assert.rejects(fig.save(path.join(dir, 'a.pdf')), /use a \.svg, \.png or \.html/);
    assert.ok(!fs.existsSync(path.join(dir, 'a.pdf')));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a.svg', 'sub']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), ['a.png']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('show() outside a notebook draws nothing and says so in one line', async () => {
  assert.equal(inNotebook(), false);
  const writes: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stderr.write;
  try {
    await barChart(counts, { x: 'dataset', y: 'count' }).show();
  } finally {
    process.stderr.write = orig;
  }
  assert.equal(writes.length, 1);
  assert.match(writes[0], /not in a notebook/);
});

test('liveChart: each push redraws with every row so far and rewrites the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-'));
  try {
    const file = path.join(dir, 'curves.svg');
    const live = liveChart({ x: 'epoch', y: ['loss', 'val_loss'], file });
    for (let e = 1; e <= 3; e++) {
      const fig = await live.push({ epoch: e, loss: 1 / e, val_loss: 1.1 / e });
      assert.equal(fs.readFileSync(file, 'utf8'), fig.svg);
    }
    assert.equal(live.rows.length, 3);
    const points = live.figure!.svg.split('mark-symbol role-mark')[1]?.split('</g>')[0].match(/<path /g) ?? [];
    assert.equal(points.length, 6, 'two series x three epochs');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
