/**
 * The native side of the speed figures: the tutorial's detector (OpenCV's ResNet-10 SSD) and its
 * video loop (read, detect on every frame, draw, write) in native OpenCV 4.6 (Debian's
 * python3-opencv), on a clip. bench/video.ts runs it beside Node's video and test/web/browser.test.ts
 * beside the page, in the same run, so the ratios hold while the machine's speed varies.
 */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectPaths } from '../src/paths';

/** The native side: the tutorial's detector and video loop in OpenCV (Python), on the same clip. */
export const NATIVE = String.raw`
import sys, time, json, statistics, cv2, numpy as np
clip, model, config, out = sys.argv[1:5]
runs = int(sys.argv[5])
net = cv2.dnn.readNetFromTensorflow(model, config)
cap = cv2.VideoCapture(clip)
frames = []
while True:
    ok, f = cap.read()
    if not ok: break
    frames.append(f)
def detect(f):
    h, w = f.shape[:2]
    blob = cv2.dnn.blobFromImage(f, 1.0, (300, 300), (104.0, 177.0, 123.0))
    net.setInput(blob)
    d = net.forward()
    boxes = []
    for i in range(d.shape[2]):
        if d[0, 0, i, 2] > 0.5:
            b = d[0, 0, i, 3:7] * np.array([w, h, w, h])
            boxes.append(b.astype(int))
    return boxes
for f in frames[:5]: detect(f)
ms = []
for f in frames:
    t = time.perf_counter(); detect(f); ms.append((time.perf_counter() - t) * 1000)
# the tutorial's loop: read, detect, draw, write (detector on every frame), runs times
def loop():
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(clip)
    h, w = frames[0].shape[:2]
    wr = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'), 25, (w, h))
    n = 0
    while True:
        ok, f = cap.read()
        if not ok: break
        for (x1, y1, x2, y2) in detect(f):
            cv2.rectangle(f, (x1, y1), (x2, y2), (0, 255, 0), 2)
            cv2.putText(f, 'Mask 99%', (x1, y1 - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 255, 0), 2)
        wr.write(f); n += 1
    wr.release()
    return n, n / (time.perf_counter() - t0)
loops = [loop() for _ in range(runs)]
# statistics.median: for an even count the mean of the two middle values, as bench/lib.ts's median
print(json.dumps({'opencv': cv2.__version__, 'threads': cv2.getNumThreads(), 'detectMs': statistics.median(ms), 'loopFps': statistics.median([f for _, f in loops]), 'loopFpsRuns': [f for _, f in loops], 'frames': loops[0][0]}))
`;

export type Native = { opencv: string; threads: number; detectMs: number; loopFps: number; loopFpsRuns: number[]; frames: number };

/** The tutorial's loop in native OpenCV on `clip`, `runs` times (null with the reason when it cannot run). */
export function nativeLoop(clip: string, runs: number, dir: string): { native: Native | null; error: string | null } {
  const fd = projectPaths().faceDetector;
  const py = spawnSync('/usr/bin/python3', ['-c', NATIVE, clip, path.join(fd, 'opencv_face_detector_uint8.pb'), path.join(fd, 'opencv_face_detector.pbtxt'), path.join(dir, 'native.mp4'), String(runs)], { encoding: 'utf8' });
  if (py.status === 0) return { native: JSON.parse(py.stdout.trim().split('\n').pop()!) as Native, error: null };
  const error = py.stderr.trim().split('\n').pop() ?? `exit ${py.status}`;
  console.error(`native OpenCV not run: ${error}`);
  return { native: null, error };
}
