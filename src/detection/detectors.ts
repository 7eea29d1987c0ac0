/**
 * The face detectors this project runs in Node, registered by name (src/detection/registry.ts):
 * each entry says what the detector is, its own threshold (its config section's `minConfidence`)
 * and how to load it at a threshold. (face-api's Tiny Face Detector and a two-detector consensus were
 * measured and retired: docs/experiments/detectors.md.) The detectors that run on tfjs are required
 * only when one is created, with the tfjs backend initialised first: YuNet and res10 run without tfjs.
 */
import { DetectorRegistry, type DetectorEntry } from './registry';
import { DetectorError } from './types';
import { createRes10 } from './res10';
import { yunetEntries } from './yunet';
import { loadYuNet } from './yunet-node';
import { createEngine } from '../backend/onnx';

/** The packages the tfjs detectors need: development dependencies of the repository, optional peers of the installed package. */
export const TFJS_DETECTOR_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@vladmandic/face-api', '@vladmandic/human'];

/** face-api's and BlazeFace's modules, required on first use (they load tfjs), with the tfjs backend ready. */
async function tfjsDetectors() {
  let modules;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports -- tfjs and its detectors load only when one of them is created */
    const { initBackend } = require('../backend/tf') as typeof import('../backend/tf');
    modules = { initBackend, faceapi: require('./faceapi') as typeof import('./faceapi'), blazeface: require('./blazeface') as typeof import('./blazeface') };
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new DetectorError(`this detector runs on tfjs, which is not installed (${(e as Error).message.split('\n')[0]}): npm install ${TFJS_DETECTOR_PACKAGES.join(' ')} — or use the default detector (yunet-n), which needs none of them`);
  }
  await modules.initBackend();
  return modules;
}

const ENTRIES: DetectorEntry[] = [
  {
    name: 'res10',
    summary: "OpenCV's ResNet-10 SSD, the tutorial's detector (opencv-wasm)",
    ownThreshold: (c) => c.res10.minConfidence,
    create: (c, t, ctx) => createRes10({ minConfidence: t, inputSize: c.res10.inputSize, nmsIou: c.nmsIou, dir: ctx.modelDir }),
  },
  {
    name: 'ssd-mobilenet',
    summary: "face-api's SSD MobileNetV1 (tfjs)",
    ownThreshold: (c) => c.ssdMobilenet.minConfidence,
    create: async (c, t) => (await tfjsDetectors()).faceapi.createSsdMobilenet({ minConfidence: t, nmsIou: c.nmsIou, maxResults: c.maxFaces }),
  },
  {
    name: 'blazeface',
    summary: "Google's BlazeFace 256 from @vladmandic/human (tfjs), about 6x faster than SSD",
    ownThreshold: (c) => c.blazeface.minConfidence,
    create: async (c, t) => (await tfjsDetectors()).blazeface.createBlazeFace({ minConfidence: t, nmsIou: c.nmsIou, maxResults: c.maxFaces }),
  },
  // YuNet on the context's engine (or a new one): the detector owns its network and releases it on dispose
  ...yunetEntries(async (variant, ctx) => loadYuNet(ctx.engine ?? (await createEngine()), variant, ctx.modelDir)),
];

/** The Node detectors. */
export const DETECTORS = new DetectorRegistry(ENTRIES);
