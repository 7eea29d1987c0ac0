/**
 * `appendGraphOutputs` and `tensorFeeding` (src/model/onnx/outputs.ts) on a hand-made graph (on the
 * committed YuNet files, decoded and run: test/detection/yunet-features.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { appendGraphOutputs, graphOutputNames, tensorFeeding } from '../../../src/model/onnx/outputs';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const info = (name: string, dims?: number[]): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: FLOAT, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } } });

/** x → Conv(w) → c → Relu → r → Neg → y, with `c`'s shape recorded in value_info and `r`'s not. */
export function tinyModel(): Uint8Array {
  const w = new Float32Array([2]);
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'tiny',
        node: [
          { name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['c'] },
          { name: 'relu', opType: 'Relu', input: ['c'], output: ['r'] },
          { name: 'neg', opType: 'Neg', input: ['r'], output: ['y'] },
        ],
        initializer: [{ name: 'w', dims: [1, 1, 1, 1], dataType: FLOAT, rawData: new Uint8Array(w.buffer) }],
        input: [info('x', [1, 1, 2, 2])],
        output: [info('y', [1, 1, 2, 2])],
        valueInfo: [info('c', [1, 1, 2, 2])],
      },
    }),
  ).finish();
}

test('appendGraphOutputs: new outputs come after the old ones, each an Identity of its tensor, the rest unchanged', () => {
  const before = onnx.ModelProto.decode(tinyModel());
  const bytes = appendGraphOutputs(tinyModel(), [
    { tensor: 'r', as: 'relu_out' },
    { tensor: 'c', as: 'conv_out' },
  ]);
  const m = onnx.ModelProto.decode(bytes);
  assert.deepEqual(graphOutputNames(bytes), ['y', 'relu_out', 'conv_out']);
  const ids = m.graph!.node!.filter((n) => n.opType === 'Identity');
  assert.deepEqual(ids.map((n) => [n.input, n.output]), [[['r'], ['relu_out']], [['c'], ['conv_out']]]);
  // the original nodes, initializers and input are untouched
  assert.deepEqual(m.graph!.node!.slice(0, 3).map((n) => onnx.NodeProto.toObject(n as onnx.NodeProto)), before.graph!.node!.map((n) => onnx.NodeProto.toObject(n as onnx.NodeProto)));
  assert.deepEqual(m.graph!.initializer, before.graph!.initializer);
  assert.deepEqual(m.graph!.input, before.graph!.input);
  // the type: value_info's shape when recorded (c), float32 of unknown shape otherwise (r)
  const out = (n: string) => m.graph!.output!.find((o) => o.name === n)!.type!.tensorType!;
  assert.deepEqual(out('conv_out').shape!.dim!.map((d) => Number(d.dimValue)), [1, 1, 2, 2]);
  assert.equal(out('relu_out').elemType, FLOAT);
  assert.equal(out('relu_out').shape, null);
});

test('appendGraphOutputs refuses unknown tensors and names already used', () => {
  assert.throws(() => appendGraphOutputs(tinyModel(), [{ tensor: 'nope', as: 'a' }]), /no node produces a tensor "nope"/);
  assert.throws(() => appendGraphOutputs(tinyModel(), [{ tensor: 'x', as: 'a' }]), /no node produces a tensor "x"/); // an input, not a node's output
  for (const taken of ['y', 'w', 'x', 'c']) assert.throws(() => appendGraphOutputs(tinyModel(), [{ tensor: 'r', as: taken }]), new RegExp(`"${taken}" is already used`));
  assert.throws(() => appendGraphOutputs(tinyModel(), [{ tensor: 'r', as: 'a' }, { tensor: 'c', as: 'a' }]), /"a" is already used/);
  assert.throws(() => appendGraphOutputs(new Uint8Array([0xff, 0xff, 0xff]), []), /cannot decode/);
});

test('appendGraphOutputs with nothing to add gives an equivalent model', () => {
  assert.deepEqual(onnx.ModelProto.toObject(onnx.ModelProto.decode(appendGraphOutputs(tinyModel(), []))), onnx.ModelProto.toObject(onnx.ModelProto.decode(tinyModel())));
});

test('tensorFeeding: the data input of the node that takes a weight', () => {
  assert.equal(tensorFeeding(tinyModel(), 'w'), 'x');
  assert.throws(() => tensorFeeding(tinyModel(), 'x'), /0 nodes take the weight "x"/); // x is a data input, not a weight
  assert.throws(() => tensorFeeding(tinyModel(), 'missing'), /0 nodes take/);
});
