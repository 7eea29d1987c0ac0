/** Shared set-up for the model tests: a real base and a randomly initialised head saved as a model. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/tf';
import { baseChecksum, MOBILENET_V2_035 } from '../../src/model/base';
import { buildHead } from '../../src/model/head';
import { saveClassifier, stackPixels } from '../../src/model/classifier';
import { decodeImage, resizeImage } from '../../src/util/images';
import type { tf } from '../../src/backend/tf';
import { type ModelManifest } from '../../src/model/manifest';
import { readManifest } from '../../src/model/manifest-files';
import type { Label } from '../../src/labels';
import { datasetDir } from '../../src/paths';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'model');

/** Two real photos of the installed `observations` dataset (installed by `facemask prepare`, never committed). */
export const WITH_MASK_JPG = path.join(datasetDir('observations'), 'with_mask', '0-with-mask.jpg');
export const WITHOUT_MASK_JPG = path.join(datasetDir('observations'), 'without_mask', '0.jpg');

/** The two fixture faces (with and without a mask) as a batch of 224 px pixels, the base's input. */
export async function facePixels(): Promise<tf.Tensor4D> {
  const imgs = await Promise.all([WITH_MASK_JPG, WITHOUT_MASK_JPG].map(async (f) => resizeImage(await decodeImage(f), 224, 224)));
  return stackPixels(imgs, 224);
}

export function tmpDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `facemask-${name}-`));
}

export function manifestFor(classes: Label[], sha256 = baseChecksum(MOBILENET_V2_035.name)): Omit<ModelManifest, 'head'> {
  return {
    format: 'facemask-classifier/1',
    classes,
    base: { name: MOBILENET_V2_035.name, sha256, alpha: 0.35, inputSize: 224, preprocessing: 'x/127.5-1' },
    training: { preset: 'test', seed: 7, splitSeed: 7, datasets: ['observations'], epochs: 0, views: 1 },
    test: {},
    createdAt: new Date(0).toISOString(),
  };
}

/** A model folder with a random head (seeded), ready for `loadClassifier`. */
export async function randomModel(dir: string, classes: Label[] = ['with_mask', 'without_mask'], seed = 7): Promise<string> {
  await initBackend({ quiet: true });
  const { head } = buildHead(classes.length, { seed });
  await saveClassifier(dir, head, manifestFor(classes));
  head.dispose();
  return dir;
}

/** A model folder's manifest rewritten so that its identity (`modelIdentity`) is another model's: a head, or a composite's first member, changed. */
export function changeModelIdentity(dir: string): void {
  const f = path.join(dir, 'manifest.json');
  const m = readManifest(dir);
  const changed = m.members ? { ...m, members: m.members.map((x, i) => (i === 0 ? { ...x, identity: '0'.repeat(64) } : x)) } : { ...m, head: { ...m.head!, sha256: '0'.repeat(64) } };
  fs.writeFileSync(f, JSON.stringify(changed));
}
