/**
 * A model's meaning is checked, not only its identity (src/model/integrity.ts, src/model/manifest-files.ts):
 * classes swapped in the manifest, a calibration edited to T = 0.001, or an activation edited in
 * `model.json` once ran silently with wrong labels or every score 1.0 — now each is refused by every
 * loader (tfjs, ONNX, `detect`, `classify`, the server and the page), and no verb seals it again.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectPaths } from '../../src/paths';
import { canonicalJson, integrityText } from '../../src/model/integrity';
import { IntegrityError, recordCalibration, sealModelFolder, verifyIntegrity, readManifest } from '../../src/model/manifest-files';
import { loadClassifier } from '../../src/model/classifier';
import { loadOnnxClassifier } from '../../src/model/load';
import { createEngine } from '../../src/backend/onnx';
import type { Calibration } from '../../src/model/calibration';
import { checkIntegrity } from '../../src/web/page/pipeline';
import { pageRoutes } from '../../src/web/server';
import { inProcess } from '../cli/helpers';

const P = projectPaths();
const ORIGINAL = path.join(P.models, 'original');
const FACE = path.join(P.fixtures, 'synth', 'one-face.jpg');
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-integrity-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the shipped single-network model, changed by `edit`. */
function tampered(name: string, edit: (dir: string, manifest: Record<string, unknown>) => void): string {
  const dir = path.join(tmp, name);
  fs.cpSync(ORIGINAL, dir, { recursive: true, dereference: true });
  const mf = path.join(dir, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
  edit(dir, m);
  fs.writeFileSync(mf, JSON.stringify(m, null, 2));
  return dir;
}

const CALIBRATION: Calibration = { temperature: 1.2, bias: { with_mask: 0, without_mask: 0 }, fittedOn: ['ilc2021-val'], n: 10, nllBefore: 0.3, nllAfter: 0.2, eceBefore: 0.1, eceAfter: 0.05 };

const EDITS: [string, (dir: string, m: Record<string, unknown>) => void, RegExp][] = [
  ['classes swapped', (_d, m) => void (m.classes = [...(m.classes as string[])].reverse()), /manifest\.json was changed since the model was sealed/],
  ['calibration T = 0.001', (_d, m) => void (m.calibration = { ...CALIBRATION, temperature: 0.001 }), /manifest\.json was changed since the model was sealed/],
  ['an activation edited in model.json', (d) => fs.writeFileSync(path.join(d, 'model.json'), fs.readFileSync(path.join(d, 'model.json'), 'utf8').replace('"activation":"relu"', '"activation":"sigmoid"')), /model\.json is not the file its manifest was sealed with/],
  ['weights changed', (d) => {
    const w = fs.readFileSync(path.join(d, 'weights.bin'));
    w[1000] ^= 0xff;
    fs.writeFileSync(path.join(d, 'weights.bin'), w);
  }, /weights\.bin is not the file its manifest was sealed with/],
];

test('the checksum covers what shapes the outputs, not provenance; its text is one canonical JSON', () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }], u: undefined }), '{"a":[2,{"c":"x","d":null}],"b":1}');
  const m = readManifest(ORIGINAL);
  const files = m.integrity!.files;
  assert.equal(integrityText({ ...m, test: { accuracy: 0.1 }, createdAt: 'now', training: { ...m.training, seed: 99 } }, files), integrityText(m, files), 'test numbers, dates and provenance are not meaning');
  assert.notEqual(integrityText({ ...m, classes: [...m.classes].reverse() }, files), integrityText(m, files));
  assert.equal(verifyIntegrity(ORIGINAL, m), true, 'the shipped model is sealed and whole');
  assert.equal(verifyIntegrity(path.join(P.models, 'default'), readManifest(path.join(P.models, 'default'))), true, 'the shipped composite and its members too');
});

test('each edit is refused by the tfjs and ONNX loaders, the server and the page', async () => {
  const engine = await createEngine();
  for (const [what, edit, why] of EDITS) {
    const dir = tampered(what.replace(/\W+/g, '-'), edit);
    await assert.rejects(loadClassifier(dir), (e: Error) => e instanceof IntegrityError && why.test(e.message), `tfjs: ${what}`);
    await assert.rejects(loadOnnxClassifier(dir, engine), why, `onnx: ${what}`);
    assert.throws(() => pageRoutes({ model: dir }), why, `serve: ${what}`);
    if (what.includes('manifest') || what.startsWith('classes') || what.startsWith('calibration')) {
      await assert.rejects(checkIntegrity(readManifest(dir)), /manifest\.json was changed since the model was sealed/, `page: ${what}`);
    }
  }
  await checkIntegrity(readManifest(ORIGINAL)); // the whole model passes the page's check
});

test('classify and detect refuse a tampered model with exit 2 and the reason', async () => {
  const dir = tampered('cli-swapped', EDITS[0][1]);
  for (const verb of ['classify', 'detect']) {
    const r = await inProcess(verb, FACE, '--model', dir);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /was changed since the model was sealed/);
    assert.equal(r.out, '', 'no line with wrong labels');
  }
});

test('a verb that changes a manifest verifies first: a tampered model is never sealed again', () => {
  const dir = tampered('reseal', EDITS[0][1]);
  const before = fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  assert.throws(() => recordCalibration(dir, CALIBRATION, 'argmax'), IntegrityError);
  assert.throws(() => sealModelFolder(dir), IntegrityError);
  assert.equal(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'), before);
});

test('a model made before integrity records loads as it is and gets one from prepare or promote (sealModelFolder), once', () => {
  const dir = tampered('unsealed', (_d, m) => void delete m.integrity);
  assert.equal(verifyIntegrity(dir, readManifest(dir)), false);
  assert.equal(sealModelFolder(dir), true);
  assert.equal(verifyIntegrity(dir, readManifest(dir)), true);
  assert.deepEqual(readManifest(dir).integrity, readManifest(ORIGINAL).integrity, 'the same files and meaning give the same checksum');
  assert.equal(sealModelFolder(dir), false, 'a sealed model is left as it is');
});

test('an ONNX-only load (the installed package: model.onnx and the manifests, no tfjs files) checks what is there and refuses what changed', async () => {
  // the shipped composite as the package carries it
  const dir = path.join(tmp, 'package-default');
  fs.cpSync(P.defaultModel, dir, { recursive: true, dereference: true });
  const bands = path.join(dir, 'members', 'rw-bands');
  const tfjsFiles = new Map<string, Buffer>();
  for (const member of fs.readdirSync(path.join(dir, 'members'))) {
    for (const f of fs.readdirSync(path.join(dir, 'members', member))) {
      if (f === 'manifest.json') continue;
      const file = path.join(dir, 'members', member, f);
      tfjsFiles.set(file, fs.readFileSync(file));
      fs.rmSync(file);
    }
  }
  const m = readManifest(dir);
  assert.throws(() => verifyIntegrity(dir, m), /model\.json is missing/, 'a full check wants every file');
  assert.equal(verifyIntegrity(dir, m, { onnxOnly: true }), true);
  const engine = await createEngine({ quiet: true });
  (await loadOnnxClassifier(dir, engine)).dispose();

  // a member's manifest edited: its integrity no longer matches the composite's record
  const memberManifest = path.join(bands, 'manifest.json');
  const original = fs.readFileSync(memberManifest, 'utf8');
  const mm = JSON.parse(original);
  mm.classes = [...mm.classes].reverse();
  fs.writeFileSync(memberManifest, JSON.stringify(mm));
  assert.throws(() => verifyIntegrity(dir, readManifest(dir), { onnxOnly: true }), /manifest\.json was changed since the model was sealed/);
  fs.writeFileSync(memberManifest, original);

  // a folder with some of its tfjs files is checked in full: one missing, or one changed, is refused
  fs.writeFileSync(path.join(bands, 'weights.bin'), tfjsFiles.get(path.join(bands, 'weights.bin'))!);
  assert.throws(() => verifyIntegrity(dir, readManifest(dir), { onnxOnly: true }), /model\.json is missing/);
  fs.writeFileSync(path.join(bands, 'model.json'), tfjsFiles.get(path.join(bands, 'model.json'))!);
  assert.equal(verifyIntegrity(dir, readManifest(dir), { onnxOnly: true }), true);
  fs.writeFileSync(path.join(bands, 'weights.bin'), 'not the weights');
  assert.throws(() => verifyIntegrity(dir, readManifest(dir), { onnxOnly: true }), /weights\.bin is not the file its manifest was sealed with/);
  for (const f of ['weights.bin', 'model.json']) fs.rmSync(path.join(bands, f));

  // and model.onnx must be the export the manifest records
  const onnx = fs.readFileSync(path.join(dir, 'model.onnx'));
  onnx[onnx.length - 10] ^= 0xff;
  fs.writeFileSync(path.join(dir, 'model.onnx'), onnx);
  assert.throws(() => verifyIntegrity(dir, readManifest(dir), { onnxOnly: true }), /model\.onnx is not the export its manifest records/);
  await assert.rejects(loadOnnxClassifier(dir, engine), /model\.onnx is not the export its manifest records/);
});
