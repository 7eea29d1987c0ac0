/**
 * A detector on its own thread (src/detection/threaded.ts): the registered detector loaded in a
 * worker thread gives the detections it gives on the main thread; the caller keeps its frame; a
 * detector that cannot load says why; once disposed, a detection pending or asked for rejects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveConfig } from '../../src/config';
import { createEngine } from '../../src/backend/onnx';
import { DETECTORS } from '../../src/detection/detectors';
import { threadedDetector } from '../../src/detection/threaded';
import { demoPhoto } from '../../src/detection/clips';
import { PIPELINE_ENGINE } from '../../src/detection/create';
import { decodeImage } from '../../src/util/images';

const cfg = resolveConfig();
const init = { name: 'yunet-n', config: cfg.detect, threshold: 0.5, engine: { ...PIPELINE_ENGINE, threads: 1 } };

test('the same detections as on the main thread, and the caller keeps its frame', async () => {
  const image = await decodeImage(demoPhoto(1));
  const before = Buffer.from(image.data);
  const here = await DETECTORS.create('yunet-n', cfg.detect, 0.5, { engine: await createEngine({ ...init.engine, quiet: true }) });
  const there = await threadedDetector(init);
  try {
    const want = await here.detectFaces(image);
    assert.ok(want.length >= 3, 'the photo has faces');
    // two frames in flight at once come back to their own callers
    const [a, b] = await Promise.all([there.detectFaces(image), there.detectFaces({ ...image, data: new Uint8Array(image.data.length).fill(128) })]);
    assert.deepEqual(a, want);
    assert.deepEqual(b, []);
    assert.equal(image.data.byteLength, before.length, 'the frame is not moved away');
    assert.ok(Buffer.from(image.data).equals(before), 'nor changed');
  } finally {
    here.dispose();
    there.dispose();
  }
});

test('a detector that cannot load rejects with its reason', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-threaded-'));
  try {
    await assert.rejects(threadedDetector({ ...init, modelDir: empty }), (e: Error) => e.message.includes(path.join(empty, 'yunet_n_dynamic.onnx')) && /is missing \(run "npx facemask prepare --only yunet"\)/.test(e.message));
    await assert.rejects(threadedDetector({ ...init, name: 'nope' }), /unknown detector "nope"/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test('disposed: a pending detection and any later one reject', async () => {
  const image = await decodeImage(demoPhoto(1));
  const d = await threadedDetector(init);
  const pending = d.detectFaces(image);
  d.dispose();
  await assert.rejects(pending, /thread was disposed/);
  await assert.rejects(d.detectFaces(image), /thread was disposed/);
});

test('a detector never disposed does not keep the process alive, and one awaited is answered first; from any working folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-threaded-'));
  try {
    const script = path.join(dir, 'forgets.ts');
    const src = (f: string) => JSON.stringify(path.resolve(__dirname, '../../src', f));
    fs.writeFileSync(
      script,
      `import { threadedDetector } from ${src('detection/threaded')};\nimport { resolveConfig } from ${src('config')};\nimport { decodeImage } from ${src('util/images')};\nimport { demoPhoto } from ${src('detection/clips')};\n` +
        `(async () => {\n  const d = await threadedDetector({ name: 'yunet-n', config: resolveConfig().detect, threshold: 0.5, engine: { threads: 1, memoryArena: false } });\n  console.log((await d.detectFaces(await decodeImage(demoPhoto(1)))).length);\n})();\n`,
    );
    // run from another folder: the thread finds its loader from the library, not from the working directory
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `the process was still running after 60 s: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Number(r.stdout.trim()) >= 3, `the faces were found before the process ended: ${r.stdout}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
