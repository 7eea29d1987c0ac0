/** Decoding what really arrives: grey, alpha, CMYK, EXIF-rotated, empty, corrupt, huge, not an image. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, sniffImageFormat, cropResize, encodeImage, ImageError, mirrorImage, mirrorBox } from '../../src/util/images';

const raw = (w: number, h: number, ch: 1 | 3 | 4, fill: (x: number, y: number, c: number) => number) => {
  const b = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) b[(y * w + x) * ch + c] = fill(x, y, c);
  return sharp(b, { raw: { width: w, height: h, channels: ch } });
};

test('formats are recognised by content', async () => {
  const png = await raw(4, 4, 3, () => 1).png().toBuffer();
  const jpg = await raw(4, 4, 3, () => 1).jpeg().toBuffer();
  const webp = await raw(4, 4, 3, () => 1).webp().toBuffer();
  assert.equal(sniffImageFormat(png), 'png');
  assert.equal(sniffImageFormat(jpg), 'jpeg');
  assert.equal(sniffImageFormat(webp), 'webp');
  assert.equal(sniffImageFormat(Buffer.from('hello world, not an image')), null);
});

test('grey, alpha and CMYK become 3-channel sRGB', async () => {
  const grey = await decodeImage(await raw(8, 6, 1, () => 100).png().toBuffer());
  assert.deepEqual([grey.width, grey.height, grey.data.length], [8, 6, 8 * 6 * 3]);
  assert.deepEqual([...grey.data.subarray(0, 3)], [100, 100, 100]);
  // Fully transparent pixels are flattened on white.
  const alpha = await decodeImage(await raw(4, 4, 4, (_x, _y, c) => (c === 3 ? 0 : 10)).png().toBuffer());
  assert.deepEqual([...alpha.data.subarray(0, 3)], [255, 255, 255]);
  const cmyk = await decodeImage(await raw(4, 4, 3, (_x, _y, c) => [200, 30, 30][c]).jpeg().toColourspace('cmyk').toBuffer());
  assert.equal(cmyk.data.length, 4 * 4 * 3);
  assert.ok(cmyk.data[0] > cmyk.data[1] + 80, 'red stays red through CMYK');
});

test('EXIF orientation is applied', async () => {
  const wide = await raw(20, 10, 3, () => 50).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const img = await decodeImage(wide);
  assert.deepEqual([img.width, img.height], [10, 20]);
});

test('empty, corrupt, non-image and oversized inputs give clear errors', async () => {
  await assert.rejects(decodeImage(Buffer.alloc(0)), (e: Error) => e instanceof ImageError && /empty file/.test(e.message));
  const jpg = await raw(64, 64, 3, (x) => x * 4).jpeg().toBuffer();
  await assert.rejects(decodeImage(jpg.subarray(0, 40)), (e: Error) => e instanceof ImageError && /corrupt jpeg/.test(e.message));
  await assert.rejects(decodeImage(Buffer.from('<html>not an image</html>')), /not an image/);
  await assert.rejects(decodeImage('/nonexistent/file.jpg'), /cannot read file: ENOENT/);
  await assert.rejects(decodeImage(jpg, { maxPixels: 1000 }), /image too large: 64x64 = 4096 pixels \(limit 1000\)/);
});

test('crop and resize, encode round trip', async () => {
  const img = await decodeImage(await raw(40, 30, 3, (x, y, c) => (c === 0 ? x * 6 : c === 1 ? y * 8 : 0)).png().toBuffer());
  const crop = await cropResize(img, [10, 5, 20, 20], 10);
  assert.deepEqual([crop.width, crop.height], [10, 10]);
  const back = await decodeImage(await encodeImage(crop, 'png'));
  assert.deepEqual(back.data, crop.data);
  // a box reaching past an edge is cut at the edge (not shifted inside the image)
  assert.deepEqual((await cropResize(img, [-10, -5, 20, 15], 10)).data, (await cropResize(img, [0, 0, 10, 10], 10)).data);
  assert.deepEqual((await cropResize(img, [30, 20, 20, 20], 10)).data, (await cropResize(img, [30, 20, 10, 10], 10)).data);
  assert.notDeepEqual((await cropResize(img, [-10, -5, 20, 15], 10)).data, (await cropResize(img, [0, 0, 20, 15], 10)).data);
});

test('mirroring: a pixel at x goes to width-1-x, twice is the image again, the box follows the pixels', async () => {
  const img = await decodeImage(await raw(5, 3, 3, (x, y, c) => x * 40 + y * 7 + c).png().toBuffer());
  const m = mirrorImage(img);
  assert.equal(m.width, 5);
  assert.equal(m.height, 3);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) assert.equal(m.data[(y * 5 + x) * 3 + c], img.data[(y * 5 + 4 - x) * 3 + c]);
  assert.deepEqual(mirrorImage(m).data, img.data);
  assert.notDeepEqual(m.data, img.data, 'the input is untouched and the mirror differs');
  // the pixels inside box [1, 0, 2, 3] (columns 1–2) are columns 2–3 of the mirror
  const box = mirrorBox([1, 0, 2, 3], 5);
  assert.deepEqual(box, [2, 0, 2, 3]);
  const a = await cropResize(img, [1, 0, 2, 3], 2);
  const b = await cropResize(m, box, 2);
  assert.deepEqual(b.data, mirrorImage(a).data);
});
