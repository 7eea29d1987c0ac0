import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadFaceApi } from '../../src/backend/faceapi';
import { synthesise, readSynthManifest, MANIFEST } from '../../src/synth/synth';
import { main } from '../../src/cli/main';
import { projectPaths } from '../../src/paths';
import { OUTPUT_MARKER } from '../../src/util/output';
import { resolveConfig } from '../../src/config';

const FIX = path.join(projectPaths().fixtures, 'synth');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-synth-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

test('same inputs and seed give the same bytes, manifest included; another seed differs', async () => {
  const faceapi = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net']);
  // input folder: the two real photos plus a truncated JPEG (an error, not a crash)
  const inDir = path.join(tmp, 'photos');
  fs.mkdirSync(inDir);
  for (const f of ['two-faces.jpg', 'one-face.jpg', 'truncated.jpg']) fs.copyFileSync(path.join(FIX, f), path.join(inDir, f));
  const opts = { modes: ['correct', 'nose', 'chin'] as const, perFace: 3, seed: 7, faceapi, quiet: true };
  const a = await synthesise([inDir], { config: resolveConfig(), ...opts, modes: [...opts.modes], output: path.join(tmp, 'a') });
  const b = await synthesise([inDir], { config: resolveConfig(), ...opts, modes: [...opts.modes], output: path.join(tmp, 'b') });
  const fa = filesOf(path.join(tmp, 'a')), fb = filesOf(path.join(tmp, 'b'));
  assert.deepEqual([...fa.keys()].sort(), [...fb.keys()].sort());
  for (const [k, v] of fa) assert.ok(v.equals(fb.get(k)!), `${k} differs between two runs`);
  assert.ok(fa.has(MANIFEST));
  assert.equal(a.faces.used, 3, `faces used ${JSON.stringify(a.faces)}`);
  assert.equal(a.generated, 9);
  assert.deepEqual(a.byMode, { correct: 3, nose: 3, chin: 3, scarf: 0, collar: 0, hand: 0, object: 0, beard: 0 });
  assert.deepEqual(a.byLabel, { with_mask: 3, incorrect_mask: 6, without_mask: 0 });
  assert.equal(a.imagesSkipped.unreadable, 1);
  assert.match(a.errors[0].error, /corrupt jpeg/);
  assert.deepEqual(b.faces, a.faces);
  // the manifest: relative sources, no absolute paths, no timestamps, labels match folders
  const m = readSynthManifest(path.join(tmp, 'a'));
  assert.equal(m.length, 9);
  const text = fs.readFileSync(path.join(tmp, 'a', MANIFEST), 'utf8');
  assert.ok(!text.includes(tmp) && !text.includes(os.tmpdir()), 'no absolute paths');
  assert.ok(!/\d{4}-\d\d-\d\dT/.test(text), 'no timestamps');
  for (const e of m) {
    assert.ok(['photos/two-faces.jpg', 'photos/one-face.jpg'].includes(e.source), e.source);
    assert.ok(e.file.startsWith(e.label + '/'));
    assert.equal(e.label, e.mode === 'correct' ? 'with_mask' : 'incorrect_mask');
    assert.equal(e.seed, 7);
    assert.ok(fa.has(e.file));
  }
  // another seed: other styles
  await synthesise([inDir], { config: resolveConfig(), ...opts, modes: [...opts.modes], seed: 8, output: path.join(tmp, 'c') });
  const mc = readSynthManifest(path.join(tmp, 'c'));
  assert.notDeepEqual(mc.map((e) => e.style), m.map((e) => e.style));
  // replacing an earlier output is fine, a foreign non-empty folder is refused
  const foreign = path.join(tmp, 'foreign');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'precious.txt'), 'x');
  await assert.rejects(synthesise([inDir], { config: resolveConfig(), ...opts, modes: ['correct'], output: foreign }), /already exists and was not made by facemask synth: it is left as it is/);
  assert.ok(fs.existsSync(path.join(foreign, 'precious.txt')));
});

test('CLI: bad usage exits 2 with the valid form; missing inputs are reported', async () => {
  const err: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    assert.equal(await main(['synth', path.join(FIX, 'one-face.jpg')]), 2);
    assert.match(err.join('\n'), /--output DIR is required/);
    assert.equal(await main(['synth', path.join(FIX, 'one-face.jpg'), '--output', path.join(tmp, 'x'), '--modes', 'sideways']), 2);
    assert.match(err.join('\n'), /"sideways" is not one of correct, nose, chin/);
    assert.equal(await main(['synth', path.join(FIX, 'one-face.jpg'), '--output', path.join(tmp, 'x'), '--styles', 'gas']), 2);
    assert.match(err.join('\n'), /unknown mask style "gas"/);
    const log = console.log;
    console.log = () => {};
    try {
      assert.equal(await main(['synth', path.join(FIX, 'one-face.jpg'), path.join(tmp, 'missing.jpg'), '--output', path.join(tmp, 'cli')]), 1);
    } finally {
      console.log = log;
    }
    assert.match(err.join('\n'), /missing\.jpg: no such file or folder/);
    assert.equal(readSynthManifest(path.join(tmp, 'cli')).length, 1);
  } finally {
    console.error = orig;
  }
});

test('finding faces leaks no tensors and reports landmarks in the photo\'s own pixels (also on the padded second look)', async () => {
  const { findLandmarkedFaces } = await import('../../src/synth/landmarks');
  const { decodeImage } = await import('../../src/util/images');
  const { tf } = await import('../../src/backend/tf');
  const faceapi = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net']);
  const img = await decodeImage(path.join(FIX, 'one-face.jpg'));
  const o = { minScore: 0.5, minFaceSize: 24, maxRoll: 40, maxYaw: 45 };
  await findLandmarkedFaces(faceapi, img, o); // warm-up
  const before = tf.memory().numTensors;
  const faces = await findLandmarkedFaces(faceapi, img, o);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(faces.length, 1);
  const [x, y, w, h] = faces[0].box;
  assert.ok(x >= -1 && y >= -1 && x + w <= img.width + 1 && y + h <= img.height + 1, `box ${faces[0].box} inside ${img.width}x${img.height}`);
  // the eyes lie in the upper half of the box, the mouth in the lower half
  const eyeY = (faces[0].landmarks[36][1] + faces[0].landmarks[45][1]) / 2, mouthY = faces[0].landmarks[57][1];
  assert.ok(eyeY < y + h / 2 && mouthY > y + h / 2);
  // a photo with no face at all: nothing found, nothing leaked
  const blank = { width: 120, height: 120, data: new Uint8Array(120 * 120 * 3).fill(90) };
  const n0 = tf.memory().numTensors;
  assert.deepEqual(await findLandmarkedFaces(faceapi, blank, o), []);
  assert.equal(tf.memory().numTensors, n0);
});

test('confuser modes write without_mask images named for what was drawn; --start takes the photos --every leaves', async () => {
  const faceapi = await loadFaceApi(['ssdMobilenetv1', 'faceLandmark68Net']);
  const inDir = path.join(tmp, 'confuser-photos');
  fs.mkdirSync(inDir);
  for (const f of ['one-face.jpg', 'two-faces.jpg']) fs.copyFileSync(path.join(FIX, f), path.join(inDir, f));
  const out = path.join(tmp, 'confusers');
  const s = await synthesise([inDir], { config: resolveConfig(), modes: ['scarf', 'hand'], perFace: 2, seed: 3, faceapi, quiet: true, output: out });
  assert.equal(s.generated, 2 * s.faces.used);
  assert.deepEqual([s.byLabel.without_mask, s.byMode.scarf, s.byMode.hand], [s.generated, s.faces.used, s.faces.used]);
  const m = readSynthManifest(out);
  for (const e of m) {
    assert.equal(e.label, 'without_mask');
    assert.ok(e.file.startsWith('without_mask/'), e.file);
    assert.ok(e.style.startsWith(e.mode + '-'), `${e.mode}: ${e.style}`);
    assert.ok(fs.existsSync(path.join(out, e.file)));
  }
  assert.deepEqual(fs.readdirSync(out).sort(), ['incorrect_mask', MANIFEST, OUTPUT_MARKER, 'with_mask', 'without_mask'].sort());
  // --every 2 takes the first photo (in the order found), --start 1 the other
  const first = await synthesise([inDir], { config: resolveConfig(), modes: ['beard'], every: 2, faceapi, quiet: true, output: path.join(tmp, 'every0') });
  const second = await synthesise([inDir], { config: resolveConfig(), modes: ['beard'], every: 2, start: 1, faceapi, quiet: true, output: path.join(tmp, 'every1') });
  const sourcesOf = (d: string) => [...new Set(readSynthManifest(d).map((e) => e.source))];
  assert.equal(first.inputs + second.inputs, 2);
  assert.deepEqual([...sourcesOf(path.join(tmp, 'every0')), ...sourcesOf(path.join(tmp, 'every1'))].sort(), ['confuser-photos/one-face.jpg', 'confuser-photos/two-faces.jpg']);
  await assert.rejects(synthesise([inDir], { config: resolveConfig(), modes: ['beard'], every: 2, start: 2, faceapi, quiet: true, output: path.join(tmp, 'bad') }), /start must be a whole number from 0 to every - 1/);
});
