/**
 * The face detectors this project runs in Node, registered by name (src/detection/registry.ts):
 * each entry says what the detector is, its own threshold (its config section's `minConfidence`)
 * and how to load it at a threshold. (face-api's Tiny Face Detector and a two-detector consensus were
 * measured and retired: docs/experiments/detectors.md.)
 */
import { DetectorRegistry, type DetectorEntry } from './registry';
import { createRes10 } from './res10';
import { createSsdMobilenet } from './faceapi';
import { createBlazeFace } from './blazeface';
import { yunetEntries } from './yunet';
import { loadYuNet } from './yunet-node';
import { createEngine } from '../backend/onnx';

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
    create: (c, t) => createSsdMobilenet({ minConfidence: t, nmsIou: c.nmsIou, maxResults: c.maxFaces }),
  },
  {
    name: 'blazeface',
    summary: "Google's BlazeFace 256 from @vladmandic/human (tfjs), about 6x faster than SSD",
    ownThreshold: (c) => c.blazeface.minConfidence,
    create: (c, t) => createBlazeFace({ minConfidence: t, nmsIou: c.nmsIou, maxResults: c.maxFaces }),
  },
  // YuNet on the context's engine (or a new one): the detector owns its network and releases it on dispose
  ...yunetEntries(async (variant, ctx) => loadYuNet(ctx.engine ?? (await createEngine()), variant, ctx.modelDir)),
];

/** The Node detectors. */
export const DETECTORS = new DetectorRegistry(ENTRIES);
