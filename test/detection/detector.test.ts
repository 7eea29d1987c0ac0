/** Detectors behind one interface, on real photos (face-api's demo photos) with the real weights. (Names refused, the consensus score: detector.fast.test.ts.) */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DETECTORS } from '../../src/detection/detectors';
import { resolveConfig } from '../../src/config';
import { decodeImage, resizeImage, type RgbImage } from '../../src/util/images';
import { tf, initBackend } from '../../src/backend/tf';
import { demoPhoto } from './clips';

const cfg = resolveConfig().detect;

/** A picture without faces: smooth colour gradients. */
function noFace(width = 640, height = 480): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = (x * 255) / width;
      data[p + 1] = (y * 255) / height;
      data[p + 2] = 128;
    }
  return { data, width, height };
}

test('ssd-mobilenet finds the five faces of a group photo, nothing in a photo without faces, and leaks no tensors', async () => {
  await initBackend({ quiet: true });
  const det = await DETECTORS.create('ssd-mobilenet', cfg);
  const img = await resizeImage(await decodeImage(demoPhoto(5)), 960, 699);
  await det.detectFaces(img); // warm-up (kernels, weights on the backend)
  const before = tf.memory().numTensors;
  const faces = await det.detectFaces(img);
  assert.equal(tf.memory().numTensors, before, 'tensor count changed across a detection');
  assert.equal(faces.length, 5);
  for (const f of faces) {
    assert.ok(f.score >= cfg.ssdMobilenet.minConfidence && f.score <= 1);
    const [x, y, w, h] = f.box;
    assert.ok(x >= 0 && y >= 0 && x + w <= img.width + 1e-6 && y + h <= img.height + 1e-6, `box inside the image: ${f.box}`);
    assert.ok(w > 40 && h > 40, 'faces in this photo are large');
  }
  assert.deepEqual(await det.detectFaces(noFace()), []);
  assert.equal(tf.memory().numTensors, before);
  det.dispose();
});

test('res10 (opencv-wasm) finds faces in a group photo and none in a gradient', async () => {
  const det = await DETECTORS.create('res10', cfg);
  const img = await resizeImage(await decodeImage(demoPhoto(1)), 640, 427);
  const faces = await det.detectFaces(img);
  assert.ok(faces.length >= 2, `found ${faces.length}`);
  assert.deepEqual(await det.detectFaces(noFace(320, 240)), []);
  det.dispose();
});

test('res10 with a missing model folder names the missing file', async () => {
  await assert.rejects(DETECTORS.create('res10', cfg, undefined, { modelDir: '/nonexistent' }), /missing \/nonexistent\/opencv_face_detector_uint8\.pb/);
});

