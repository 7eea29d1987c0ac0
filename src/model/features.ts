/**
 * Base features for training and evaluation, fast: images decoded in parallel, the base run in
 * batches, optionally on worker threads (each with its own tfjs wasm instance, so both cores
 * work), and K augmented views per training image computed once and reused across epochs.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { tf, backendName } from '../backend/tf';
import { decodeImage, type RgbImage } from '../util/images';
import { mapLimit } from '../util/files';
import { type LoadedBase, featureFn, type FeatureKind } from './base';
import { augmentView, type AugmentParams } from './augment';
import { toModelInput } from './classifier';

/** Runs the base: raw pixels of n images (n*s*s*3 bytes) → pooled features (n*C floats). */
export interface BaseRunner {
  readonly slots: number;
  embed(pixels: Uint8Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The base on the calling thread. */
export class LocalBaseRunner implements BaseRunner {
  readonly slots = 1;
  private readonly features: (x: tf.Tensor4D) => tf.Tensor2D;
  constructor(private readonly base: LoadedBase, kind: FeatureKind = 'pooled') {
    this.features = featureFn(kind, base.model);
  }
  async embed(pixels: Uint8Array, n: number): Promise<Float32Array> {
    const s = this.base.spec.inputSize;
    const x = tf.tensor4d(Int32Array.from(pixels), [n, s, s, 3], 'int32');
    const f = this.features(x);
    const d = (await f.data()) as Float32Array;
    x.dispose();
    f.dispose();
    return d;
  }
  async close(): Promise<void> {}
}

interface Pending {
  resolve: (f: Float32Array) => void;
  reject: (e: Error) => void;
}

/** The base on `n` worker threads; each embed goes to the least busy worker. */
export class WorkerBaseRunner implements BaseRunner {
  private readonly pending = new Map<number, Pending>();
  private readonly busy: number[];
  private nextId = 0;
  private constructor(private readonly workers: Worker[]) {
    this.busy = workers.map(() => 0);
    workers.forEach((w) => {
      w.on('message', (m: { id: number; features?: Float32Array; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(`base worker: ${m.error}`));
        else p.resolve(m.features!);
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    });
  }
  get slots(): number {
    return this.workers.length;
  }

  static async start(base: LoadedBase, count: number, kind: FeatureKind = 'pooled'): Promise<WorkerBaseRunner> {
    const script = path.join(__dirname, 'base-worker.ts');
    const backend = backendName();
    const workers = await Promise.all(
      Array.from({ length: count }, () => {
        const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, {
          eval: true,
          workerData: { baseName: base.spec.name, baseDir: base.dir, backend, kind },
        });
        return new Promise<Worker>((resolve, reject) => {
          const onMsg = (m: { ready?: boolean; sha256?: string; fatal?: string }) => {
            if (m.fatal) reject(new Error(`base worker failed to start: ${m.fatal}`));
            else if (m.ready) {
              w.off('message', onMsg);
              if (m.sha256 !== base.sha256) reject(new Error('base worker loaded a different base'));
              else resolve(w);
            }
          };
          w.on('message', onMsg);
          w.once('error', reject);
        });
      }),
    );
    return new WorkerBaseRunner(workers);
  }

  embed(pixels: Uint8Array, n: number): Promise<Float32Array> {
    let k = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.busy[i] < this.busy[k]) k = i;
    const id = this.nextId++;
    this.busy[k]++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (f) => {
          this.busy[k]--;
          resolve(f);
        },
        reject: (e) => {
          this.busy[k]--;
          reject(e);
        },
      });
      this.workers[k].postMessage({ id, pixels, n }, [pixels.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * A runner for this machine: `workers` threads (default: one per core, at most 2) or the calling
 * thread when `workers` is 0.
 */
export async function startBaseRunner(base: LoadedBase, workers: number = Math.min(2, os.cpus().length), kind: FeatureKind = 'pooled'): Promise<BaseRunner> {
  if (workers <= 0) return new LocalBaseRunner(base, kind);
  return WorkerBaseRunner.start(base, workers, kind);
}

/** Decode image files and resize them to the model's input, in parallel. Failures throw with the file name. */
export async function decodeForModel(files: string[], size: number, concurrency = 4, onProgress?: () => void): Promise<RgbImage[]> {
  return mapLimit(files, concurrency, async (f) => {
    try {
      const img = await toModelInput(await decodeImage(f), size);
      onProgress?.();
      return img;
    } catch (e) {
      throw new Error(`${f}: ${(e as Error).message}`);
    }
  });
}

export interface FeatureOptions {
  /** Augmented views per image; 1 view without augmentation is the plain image. default: 1 */
  views?: number;
  /** Augmentation, or null for the plain images. default: null */
  augment?: AugmentParams | null;
  seed?: number;
  /** Images per base call. default: 32 */
  batchSize?: number;
  /** Called with the number of views just embedded. */
  onProgress?: (n: number) => void;
}

/** Features of `views` x `n` views: row (v * n + i) is view v of image i. */
export interface FeatureMatrix {
  n: number;
  views: number;
  dim: number;
  data: Float32Array;
}

export function featureRow(m: FeatureMatrix, view: number, i: number): Float32Array {
  const r = view * m.n + i;
  return m.data.subarray(r * m.dim, (r + 1) * m.dim);
}

/**
 * Embed every view of every image. `keys` name the images for the augmentation seed (use the
 * SHA-256 so a view does not depend on the order of the list).
 */
export async function embedViews(images: RgbImage[], keys: string[], runner: BaseRunner, dim: number, opts: FeatureOptions = {}): Promise<FeatureMatrix> {
  const views = opts.views ?? 1;
  const augment = opts.augment ?? null;
  const seed = opts.seed ?? 42;
  const bs = opts.batchSize ?? 32;
  const n = images.length;
  const total = n * views;
  const data = new Float32Array(total * dim);
  if (n === 0) return { n, views, dim, data };
  const size = images[0].width;
  const batches: number[][] = [];
  for (let r = 0; r < total; r += bs) batches.push(Array.from({ length: Math.min(bs, total - r) }, (_, k) => r + k));
  // Up to two batches in flight per runner slot: the next batch is prepared while one runs.
  await mapLimit(batches, runner.slots * 2, async (rows) => {
    const pixels = new Uint8Array(rows.length * size * size * 3);
    rows.forEach((r, k) => {
      const v = Math.floor(r / n);
      const i = r % n;
      const img = augment ? augmentView(images[i], seed, keys[i], v, augment) : images[i];
      pixels.set(img.data, k * size * size * 3);
    });
    const f = await runner.embed(pixels, rows.length);
    data.set(f, rows[0] * dim);
    opts.onProgress?.(rows.length);
  });
  return { n, views, dim, data };
}
