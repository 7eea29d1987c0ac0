/**
 * A worker thread that runs the frozen base on its own tfjs (wasm) instance: raw pixels in,
 * features out (`FeatureKind`: pooled [n, 1280] by default). Started by `WorkerBaseRunner` (features.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tf, initBackend } from '../../backend/tf';
import { loadBase, featureFn, type FeatureKind } from '../base';

interface Init {
  baseName: string;
  baseDir: string;
  backend: string;
  kind?: FeatureKind;
}

async function main() {
  const init = workerData as Init;
  await initBackend({ quiet: true, prefer: init.backend === 'tensorflow' ? 'node' : init.backend });
  const base = await loadBase(init.baseName, init.baseDir);
  const size = base.spec.inputSize;
  const features = featureFn(init.kind ?? 'pooled', base.model);
  parentPort!.on('message', async (msg: { id: number; pixels: Uint8Array; n: number } | 'close') => {
    if (msg === 'close') {
      base.model.dispose();
      parentPort!.close();
      return;
    }
    try {
      const x = tf.tensor4d(Int32Array.from(msg.pixels), [msg.n, size, size, 3], 'int32');
      const f = features(x);
      const data = (await f.data()) as Float32Array;
      x.dispose();
      f.dispose();
      parentPort!.postMessage({ id: msg.id, features: data }, [data.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ id: msg.id, error: (e as Error).message });
    }
  });
  parentPort!.postMessage({ ready: true, sha256: base.sha256, backend: tf.getBackend() });
}

main().catch((e) => parentPort!.postMessage({ fatal: (e as Error).message }));
