/**
 * Loading YuNet's ONNX files on Node: `<dir>/<variant>_dynamic.onnx` (installed by
 * `facemask prepare --only yunet` into `face_detector/yunet/`) onto an ONNX engine. The detector
 * itself is browser-safe (`./yunet.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine, Net } from '../backend/engine';
import { findAsset } from '../assets/catalog';
import { projectPaths, type ProjectPaths } from '../paths';
import { DetectorError } from './types';
import { YUNET_VARIANTS, type YuNetVariant } from './yunet';

export { YUNET_VARIANTS, type YuNetVariant } from './yunet';

/** Where `facemask prepare` installs the YuNet files (the `yunet` asset's folder). */
export function yunetModelDir(p: ProjectPaths = projectPaths()): string {
  return findAsset('yunet').target(p);
}

/**
 * Read `<dir>/<variant>_dynamic.onnx` and load it on `engine`. The caller owns the returned network
 * (or hands it to `createYuNet`, which then owns it). default `dir`: `yunetModelDir()`
 */
export async function loadYuNet(engine: Engine, variant: YuNetVariant, dir: string = yunetModelDir()): Promise<Net> {
  if (!(YUNET_VARIANTS as readonly string[]).includes(variant)) throw new DetectorError(`yunet: unknown variant "${variant}" (valid: ${YUNET_VARIANTS.join(', ')})`);
  const file = path.join(dir, `${variant}_dynamic.onnx`);
  if (!fs.existsSync(file)) throw new DetectorError(`yunet: ${file} is missing (run "npx facemask prepare --only yunet")`);
  try {
    return await engine.load(fs.readFileSync(file));
  } catch (e) {
    throw new DetectorError(`yunet: cannot load ${file}: ${(e as Error).message}`);
  }
}
