import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { imageGrid, picture, fitText, escapeXml } from '../../src/charts/index';
import { ImageError, RgbImage } from '../../src/util/images';

const FACES = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** A solid-colour RGB image. */
function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, width, height };
}

async function rgbAt(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

test('imageGrid: the size follows columns, cell size, gap, captions and title; PNG has that size', async () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ image: solid(40, 20, [200, 10 * i, 0]), caption: `item ${i}` }));
  const g = imageGrid(items, { columns: 3, cellSize: 100, gap: 4 });
  // 3 columns, 2 rows; caption band ceil(12 * 1.6) = 20 px.
  assert.equal(g.width, 3 * 100 + 4 * 4);
  assert.equal(g.height, 2 * (100 + 20) + 3 * 4);
  const png = await g.png();
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.width, meta.height], [g.width, g.height]);
  // A 40x20 image in a 100x100 cell is enlarged to 100x50, centred vertically: cell 0 spans x 4..104, y 29..79.
  assert.deepEqual(await rgbAt(png, 50, 50), [200, 0, 0]);
  assert.deepEqual(await rgbAt(png, 50, 10), [255, 255, 255], 'white above the letterboxed image');
  // The caption band holds dark text pixels (fonts render).
  const { data, info } = await sharp(png).extract({ left: 4, top: 104, width: 100, height: 20 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (let i = 0; i < data.length; i += 3) if (data[i] < 120 && data[i + 1] < 120 && data[i + 2] < 120) dark++;
  assert.ok(dark > 40, `caption pixels: ${dark} of ${info.width * info.height} (no text rendered? install fonts-dejavu-core)`);

  const titled = imageGrid(items, { columns: 3, cellSize: 100, gap: 4, title: 'a title' });
  assert.equal(titled.height, g.height + Math.ceil(12 * 1.4 * 1.5));
});

test('imageGrid: boxes are drawn in their colour at the scaled position, on real photos', async () => {
  const file = path.join(FACES, 'sample1.jpg');
  const meta = await sharp(file).metadata();
  const box: [number, number, number, number] = [100, 100, 200, 200];
  const g = imageGrid([{ image: file, boxes: [{ box, colour: [0, 200, 0], text: 'Mask 99%' }] }], { columns: 1, cellSize: 300, gap: 0 });
  const png = await g.png();
  const s = Math.min(300 / meta.width!, 300 / meta.height!);
  const y0 = Math.floor((300 - Math.round(meta.height! * s)) / 2);
  // A point in the middle of the box's left edge.
  const [r, gr, b] = await rgbAt(png, Math.round(box[0] * s), Math.round(y0 + (box[1] + box[3] / 2) * s));
  assert.ok(r < 80 && gr > 120 && b < 80 && gr - r > 80, `box edge colour ${r},${gr},${b}`);
});

test('imageGrid: a bad image is an ImageError naming the item; bad input sizes refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-'));
  try {
    const bad = path.join(dir, 'broken.jpg');
    fs.writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const g = imageGrid([{ image: solid(10, 10, [0, 0, 0]) }, { image: bad }]);
    await assert.rejects(g.png(), (e: Error) => e instanceof ImageError && /item 1 \(.*broken\.jpg\): corrupt jpeg/.test(e.message));
    await assert.rejects(imageGrid([{ image: path.join(dir, 'missing.png') }]).png(), /item 0 .*cannot read file: ENOENT/);
    await assert.rejects(imageGrid([{ image: { data: new Uint8Array(5), width: 2, height: 2 } }]).png(), /RGB data has 5 bytes, expected 2x2x3/);
    assert.throws(() => imageGrid([]), /no images/);
    assert.throws(() => imageGrid([{ image: solid(2, 2, [0, 0, 0]) }], { cellSize: 2 }), /at least 8 pixels/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('picture and save(): own aspect ratio, .png/.jpg written atomically, other extensions refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pic-'));
  try {
    const p = await picture(solid(800, 400, [0, 0, 255]), { maxSize: 200 });
    assert.deepEqual([p.width, p.height], [200, 100]);
    await p.save(path.join(dir, 'p.png'));
    await p.save(path.join(dir, 'p.jpg'));
    assert.equal((await sharp(path.join(dir, 'p.png')).metadata()).width, 200);
    assert.equal((await sharp(path.join(dir, 'p.jpg')).metadata()).format, 'jpeg');
    await assert.rejects(p.save(path.join(dir, 'p.gif')), /use a \.png, \.jpg or \.jpeg/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['p.jpg', 'p.png']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('text helpers: fitText cuts with an ellipsis, escapeXml escapes markup', () => {
  assert.equal(fitText('abcdef', 10), 'abcdef');
  assert.equal(fitText('abcdef', 4), 'abc…');
  assert.equal(escapeXml('<a & "b">'), '&lt;a &amp; &quot;b&quot;&gt;');
});
