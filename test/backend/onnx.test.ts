/**
 * The ONNX engines on a real network (YuNet yunet_s, installed by `facemask prepare`) and a real
 * photo: native onnxruntime-node and onnxruntime-web's wasm build agree; corrupt models, bad feeds,
 * unknown engine names and a native binding that does not load end in clear messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { createEngine, EngineError, type Engine, type TensorData } from '../../src/backend/onnx';
import { findAsset } from '../../src/assets';
import { projectPaths } from '../../src/paths';
import { demoPhoto } from '../detection/clips';

const REPO = path.resolve(__dirname, '../..');
const MODEL = path.join(findAsset('yunet').target(projectPaths()), 'yunet_s_dynamic.onnx');
/**
 * Largest difference allowed between the two runtimes' outputs (scores are probabilities in [0, 1],
 * offsets are in cells; measured ~3e-6): different kernels round differently, nothing more.
 */
const TOLERANCE = 1e-4;

function modelBytes(): Uint8Array {
  assert.ok(fs.existsSync(MODEL), `${MODEL} missing: run "npx facemask prepare --only yunet"`);
  return fs.readFileSync(MODEL);
}

/** face-api's demo photo 1 at 640x480 as the network wants it: BGR, 0–255, NCHW. */
async function photoInput(): Promise<TensorData> {
  const [W, H] = [640, 480];
  const rgb = await sharp(demoPhoto(1)).resize(W, H, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const data = new Float32Array(3 * W * H);
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) data[c * W * H + i] = rgb[i * 3 + 2 - c];
  return { data, dims: [1, 3, H, W] };
}

async function runOnce(engine: Engine, input: TensorData) {
  const net = await engine.load(modelBytes());
  try {
    return { names: net.outputNames, out: await net.run({ input }) };
  } finally {
    await net.dispose();
  }
}

test('onnxruntime-node and onnxruntime-web load YuNet and give the same outputs on a photo', async () => {
  const input = await photoInput();
  const native = await createEngine({ prefer: 'node', quiet: true });
  const web = await createEngine({ prefer: 'web', quiet: true });
  assert.equal(native.name, 'onnxruntime-node');
  assert.equal(web.name, 'onnxruntime-web');
  assert.match(native.description, /^onnxruntime-node 1\.\d+\.\d+ \(native CPU, 2 threads\)$/);
  assert.match(web.description, /^onnxruntime-web 1\.\d+\.\d+ \(wasm, \d+ threads?\)$/);
  const a = await runOnce(native, input);
  const b = await runOnce(web, input);
  assert.deepEqual(a.names, b.names);
  assert.equal(a.names.length, 12);
  let maxScore = 0;
  for (const k of a.names) {
    assert.deepEqual(a.out[k].dims, b.out[k].dims, k);
    assert.equal(a.out[k].data.length, a.out[k].dims.reduce((x, y) => x * y, 1), k);
    let worst = 0;
    for (let i = 0; i < a.out[k].data.length; i++) worst = Math.max(worst, Math.abs(a.out[k].data[i] - b.out[k].data[i]));
    assert.ok(worst <= TOLERANCE, `${k}: the runtimes differ by ${worst}`);
    if (k.startsWith('cls_')) maxScore = Math.max(maxScore, ...a.out[k].data);
  }
  assert.equal(a.out.cls_8.dims.join('x'), '1x4800x1', '640x480 at stride 8 is 80x60 cells');
  assert.ok(maxScore > 0.5, 'the photo has a face the network is sure of (not a blank run)');
});

test('a native engine without the memory arena (the pipelines\' engine) gives the same outputs as with it', async () => {
  const input = await photoInput();
  const a = await runOnce(await createEngine({ prefer: 'node', quiet: true }), input);
  const b = await runOnce(await createEngine({ prefer: 'node', quiet: true, memoryArena: false }), input);
  for (const k of a.names) assert.deepEqual(Array.from(b.out[k].data), Array.from(a.out[k].data), k);
});

test('a truncated, corrupt or empty model file is refused with a clear error, by both engines', async () => {
  const bytes = modelBytes();
  for (const prefer of ['node', 'web'] as const) {
    const engine = await createEngine({ prefer, quiet: true });
    const truncated = bytes.subarray(0, bytes.length >> 1);
    await assert.rejects(engine.load(truncated), (e: Error) => e instanceof EngineError && new RegExp(`^${engine.name}: cannot load the model \\(${truncated.length} bytes; corrupt, truncated or not ONNX\\?\\)`).test(e.message));
    const jpeg = fs.readFileSync(demoPhoto(2));
    await assert.rejects(engine.load(jpeg), /cannot load the model .*corrupt, truncated or not ONNX/);
    await assert.rejects(engine.load(new Uint8Array(0)), /cannot load the model: it is empty \(0 bytes\)/);
  }
});

test('bad feeds and a disposed network give clear errors', async () => {
  const engine = await createEngine({ prefer: 'node', quiet: true });
  const net = await engine.load(modelBytes());
  assert.deepEqual(net.inputNames, ['input']);
  const x = { data: new Float32Array(3 * 32 * 32), dims: [1, 3, 32, 32] };
  await assert.rejects(net.run({ image: x }), /unknown input "image" \(the network's inputs: input\)/);
  await assert.rejects(net.run({}), /input "input" is missing/);
  await assert.rejects(net.run({ input: { data: new Float32Array(10), dims: [1, 3, 32, 32] } }), /has 10 values but dims \[1, 3, 32, 32\] need 3072/);
  await assert.rejects(net.run({ input: { data: new Float32Array(4 * 32 * 32), dims: [1, 4, 32, 32] } }), /onnxruntime-node: run failed: /);
  const ok = await net.run({ input: x });
  assert.deepEqual(ok.cls_32.dims, [1, 1, 1]);
  await net.dispose();
  await net.dispose();
  await assert.rejects(net.run({ input: x }), /the network was disposed/);
});

function child(env: Record<string, string>, preload = false) {
  const args = [...(preload ? ['--require', path.join(__dirname, 'break-native-ort.cjs')] : []), '--import', 'tsx', path.join(__dirname, 'engine-child.ts'), MODEL];
  const r = spawnSync(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { ...(JSON.parse(r.stdout) as { name?: string; description?: string; outputs?: string[]; error?: string }), stderr: r.stderr };
}

test('native by default; onnxruntime-web when the native binding does not load; FACEMASK_ENGINE forces one', () => {
  const def = child({ FACEMASK_ENGINE: '' });
  assert.equal(def.name, 'onnxruntime-node');
  assert.match(def.stderr, /^onnx engine: onnxruntime-node .*\(native CPU, 2 threads\)$/m);
  const fallback = child({ FACEMASK_ENGINE: '' }, true);
  assert.equal(fallback.name, 'onnxruntime-web', fallback.error);
  assert.equal(fallback.outputs?.length, 12);
  assert.match(fallback.stderr, /onnx engine: onnxruntime-web .*\(wasm, .*onnxruntime-node did not load: .*cannot open shared object file/);
  const forcedWeb = child({ FACEMASK_ENGINE: 'web' });
  assert.equal(forcedWeb.name, 'onnxruntime-web');
  const forcedNode = child({ FACEMASK_ENGINE: 'node' }, true);
  assert.match(forcedNode.error!, /onnxruntime-node was asked for but does not load: .*cannot open shared object file/);
});

test('unknown engine names and thread counts are refused, naming the valid ones', async () => {
  assert.match(child({ FACEMASK_ENGINE: 'gpu' }).error!, /^FACEMASK_ENGINE must be one of node, web \(got "gpu"\)$/);
  await assert.rejects(createEngine({ prefer: 'cuda' as never, quiet: true }), /prefer \}\) must be one of node, web \(got "cuda"\)/);
  await assert.rejects(createEngine({ threads: 0, quiet: true }), /threads must be a positive whole number, got 0/);
});
