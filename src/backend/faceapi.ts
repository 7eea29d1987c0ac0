/**
 * face-api (@vladmandic/face-api) on the project's one tfjs instance. Its node-wasm build requires
 * `@tensorflow/tfjs`, the same package `src/backend/tf.ts` uses, so models and face-api share tensors,
 * memory accounting and backend. Weights ship inside the npm package (`faceApiModelDir()`).
 *
 * No module-level model state: `loadFaceApi(nets)` returns the library with the requested nets loaded
 * (face-api keeps its nets on its own module object; loading twice is a no-op).
 */
import * as path from 'node:path';
import { initBackend } from './tf';
import { faceApiModelDir } from '../paths';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm');

export type FaceApiNet = 'ssdMobilenetv1' | 'tinyFaceDetector' | 'faceLandmark68Net' | 'faceLandmark68TinyNet';

/** Load face-api and the given nets from the weights in its package. */
export async function loadFaceApi(nets: FaceApiNet[] = ['ssdMobilenetv1']): Promise<FaceApi> {
  await initBackend();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- its node-wasm build is CommonJS only (the ESM build fails under Node)
  const faceapi: FaceApi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const dir = faceApiModelDir();
  for (const n of nets) {
    const net = faceapi.nets[n];
    if (!net.isLoaded) await net.loadFromDisk(path.join(dir));
  }
  return faceapi;
}
