/**
 * The body of a detector thread (./threaded.ts starts it): loads one registered detector with its own
 * ONNX engine, then answers frames with their detections. onnxruntime-node runs a network on the
 * thread that calls it, so a detector here runs beside the classifier on the main thread: video
 * detects the next frame while it classifies this one, on two cores at once.
 *
 * Messages in: `{ kind: 'detect', id, data, width, height }`; out: `{ kind: 'ready' }` once loaded
 * (`{ kind: 'failed', message }` when it cannot be), then `{ kind: 'faces', id, faces }` or
 * `{ kind: 'error', id, message }` per frame. The thread ends when the main
 * side terminates it (its engine and network go with it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine } from '../backend/onnx';
import { DETECTORS } from './detectors';
import type { FaceDetector } from './types';
import type { DetectorThreadInit, FromDetectorThread, ToDetectorThread } from './threaded';

async function start(port: NonNullable<typeof parentPort>, init: DetectorThreadInit): Promise<void> {
  const post = (m: FromDetectorThread) => port.postMessage(m);
  let detector: FaceDetector;
  try {
    const engine = await createEngine({ ...init.engine, quiet: true });
    detector = await DETECTORS.create(init.name, init.config, init.threshold, { modelDir: init.modelDir, engine, scales: init.scales });
  } catch (e) {
    post({ kind: 'failed', message: (e as Error).message });
    return;
  }
  port.on('message', (m: ToDetectorThread) => {
    detector.detectFaces({ data: m.data, width: m.width, height: m.height }).then(
      (faces) => post({ kind: 'faces', id: m.id, faces }),
      (e: unknown) => post({ kind: 'error', id: m.id, message: (e as Error).message }),
    );
  });
  post({ kind: 'ready' });
}

if (parentPort) void start(parentPort, workerData as DetectorThreadInit);
