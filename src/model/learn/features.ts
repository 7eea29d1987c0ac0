/**
 * Base features for training and evaluation, fast: photos decoded in parallel, the base run in
 * batches, optionally on worker threads (each with its own tfjs wasm instance, so both cores
 * work), K views per training item (`ViewMaker`, src/model/views.ts) computed once and reused
 * across epochs — and one on-disk cache of them (`.cache/features/`), keyed by the base's
 * checksum and every parameter of the views, so a stale entry can never be returned.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { tf, backendName } from '../../backend/tf';
import { decodeImage, type RgbImage } from '../../util/images';
import { mapLimit } from '../../util/files';
import { writeFileAtomic } from '../../util/atomic';
import { projectPaths } from '../../paths';
import { type LoadedBase, featureFn, mapLayerOf, type FeatureKind } from '../base';
import type { ViewItem, ViewMaker } from './views';
import type { Engine, Net } from '../../backend/engine';
import { createEngine } from '../../backend/onnx';
import { exportBaseOnnx, ONNX_FEATURES, ONNX_INPUT } from '../onnx/export';

/** Runs the base: raw pixels of n images (n*s*s*3 bytes) → pooled features (n*C floats). */
export interface BaseRunner {
  readonly slots: number;
  /** Where the base runs: features differ in their last digits between runtimes (part of the cache key). */
  readonly runtime: 'tfjs' | 'onnx';
  embed(pixels: Uint8Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The base on the calling thread. */
export class LocalBaseRunner implements BaseRunner {
  readonly slots = 1;
  readonly runtime = 'tfjs' as const;
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
  readonly runtime = 'tfjs' as const;
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
 * The base on ONNX Runtime (native, its own threads): the base's pooled-features export, its band
 * features (`bands`), or an inner layer's map for a `map:<layer>` kind (src/model/onnx-export.ts `exportBaseOnnx`), written
 * once per base and output to `.cache/onnx/`.
 */
export class OnnxBaseRunner implements BaseRunner {
  readonly slots = 1;
  readonly runtime = 'onnx' as const;
  private constructor(
    private readonly net: Net,
    private readonly size: number,
  ) {}

  static async start(base: LoadedBase, engine?: Engine, kind: 'pooled' | 'bands' | `map:${string}` = 'pooled'): Promise<OnnxBaseRunner> {
    const mapLayer = mapLayerOf(kind) ?? undefined;
    const pool = kind === 'bands' ? 'bands' : 'mean';
    const file = path.join(projectPaths().cache, 'onnx', `base-${base.sha256.slice(0, 16)}-${base.spec.inputSize}-${mapLayer ? `map-${mapLayer}` : pool === 'bands' ? 'bands' : 'features'}.onnx`);
    if (!fs.existsSync(file)) writeFileAtomic(file, exportBaseOnnx(base.model, { inputSize: base.spec.inputSize, baseSha256: base.sha256, mapLayer, pool }));
    const net = await (engine ?? (await createEngine({ quiet: true }))).load(fs.readFileSync(file));
    return new OnnxBaseRunner(net, base.spec.inputSize);
  }

  async embed(pixels: Uint8Array, n: number): Promise<Float32Array> {
    const s = this.size;
    const out = await this.net.run({ [ONNX_INPUT]: { data: Float32Array.from(pixels), dims: [n, s, s, 3] } });
    return out[ONNX_FEATURES].data;
  }

  async close(): Promise<void> {
    await this.net.dispose();
  }
}

/**
 * A runner for this machine: on ONNX Runtime (`runtime` 'onnx', pooled features or an inner map),
 * else tfjs on `workers` threads (default: one per core, at most 2) or the calling thread when
 * `workers` is 0.
 */
export async function startBaseRunner(base: LoadedBase, workers: number = Math.min(2, os.cpus().length), kind: FeatureKind = 'pooled', runtime: 'onnx' | 'tfjs' = 'tfjs'): Promise<BaseRunner> {
  if (runtime === 'onnx') return OnnxBaseRunner.start(base, undefined, kind);
  if (workers <= 0) return new LocalBaseRunner(base, kind);
  return WorkerBaseRunner.start(base, workers, kind);
}

/** Features of `views` x `n` views: row (v * n + i) is view v of item i. */
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

export interface EmbedOptions {
  /** How views are made (and whether they are augmented). */
  views: ViewMaker;
  /** Views per item. */
  count: number;
  seed: number;
  /** The base's input side. */
  size: number;
  /** The base's checksum: part of the cache key. */
  baseSha256: string;
  /** What is computed when it is not the pooled or rich features (`bands`, a `map:<layer>` kind): part of the cache key. default: none */
  kind?: FeatureKind;
  /** Feature cache folder, or null for none. default: `.cache/features` */
  cacheDir?: string | null;
  /** Called with the number of views just embedded (or found in the cache). */
  onProgress?: (n: number) => void;
}

/** The cache folder key: everything the features depend on except the item. */
export function featureCacheKey(o: EmbedOptions, dim: number, runtime: BaseRunner['runtime'] = 'tfjs'): string {
  const h = createHash('sha256');
  const map = o.kind ? mapLayerOf(o.kind) : null;
  h.update(JSON.stringify({ v: 2, kind: o.views.name, views: o.count, augment: o.views.key, seed: o.seed, size: o.size, base: o.baseSha256, dim, ...(runtime === 'tfjs' ? {} : { runtime }), ...(map ? { map } : {}), ...(o.kind === 'bands' ? { pool: 'bands' } : {}) }));
  return h.digest('hex').slice(0, 24);
}

/** An item's key in the cache: its photo, box and copy (and its landmarks when it has them: the aligned crop depends on them). */
export function itemKey(it: ViewItem): string {
  const lm = it.landmarks ? `|${it.landmarks.map(([x, y]) => `${x},${y}`).join(';')}` : '';
  return createHash('sha256').update(`${it.sha256}|${it.box ? it.box.join(',') : ''}|${it.copy ?? 0}${lm}`).digest('hex').slice(0, 32);
}

/**
 * Base features of `count` views of every item (row v * n + i = view v of item i), photos decoded
 * once per chunk, views embedded on the runner, cached on disk per item (another mix of the same
 * items costs nothing).
 */
export async function embedItems(items: ViewItem[], runner: BaseRunner, dim: number, o: EmbedOptions): Promise<FeatureMatrix> {
  const n = items.length;
  const views = o.count;
  const cacheRoot = o.cacheDir === undefined ? path.join(projectPaths().cache, 'features') : o.cacheDir;
  const dir = cacheRoot ? path.join(cacheRoot, `${o.views.name}-${featureCacheKey(o, dim, runner.runtime)}`) : null;
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const data = new Float32Array(n * views * dim);
  const todo: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = dir ? path.join(dir, itemKey(items[i]) + '.f32') : null;
    if (f && fs.existsSync(f)) {
      const buf = fs.readFileSync(f);
      if (buf.length === views * dim * 4) {
        const row = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
        for (let v = 0; v < views; v++) data.set(row.subarray(v * dim, (v + 1) * dim), (v * n + i) * dim);
        continue;
      }
    }
    todo.push(i);
  }
  o.onProgress?.((n - todo.length) * views);
  const size = o.size;
  const chunk = 16;
  const chunks: number[][] = [];
  for (let s = 0; s < todo.length; s += chunk) chunks.push(todo.slice(s, s + chunk));
  await mapLimit(chunks, runner.slots * 2, async (idx) => {
    const photos = new Map<string, Promise<RgbImage>>();
    const photo = (p: string) => {
      let d = photos.get(p);
      if (!d) photos.set(p, (d = decodeImage(p)));
      return d;
    };
    const own = new Float32Array(idx.length * views * dim);
    for (let v = 0; v < views; v++) {
      const imgs = await mapLimit(idx, 4, async (i) => {
        try {
          return await o.views.view(await photo(items[i].file), items[i], v, size, o.seed);
        } catch (e) {
          throw new Error(`${items[i].file}: ${(e as Error).message}`);
        }
      });
      const pixels = new Uint8Array(idx.length * size * size * 3);
      imgs.forEach((im, k) => pixels.set(im.data, k * size * size * 3));
      const f = await runner.embed(pixels, idx.length);
      for (let k = 0; k < idx.length; k++) {
        const row = f.subarray(k * dim, (k + 1) * dim);
        data.set(row, (v * n + idx[k]) * dim);
        own.set(row, (k * views + v) * dim);
      }
      o.onProgress?.(idx.length);
    }
    if (dir) idx.forEach((i, k) => writeFileAtomic(path.join(dir, itemKey(items[i]) + '.f32'), Buffer.from(own.buffer, k * views * dim * 4, views * dim * 4)));
  });
  return { n, views, dim, data };
}
