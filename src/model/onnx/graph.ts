/**
 * The ONNX graph being built (`onnx-proto`, no Python): nodes, float32 and int64 initialisers, unique
 * tensor names, and its encoding as a model with metadata. The layer translator (./layers.ts) and the
 * exporters (./export.ts) write into it. The output is deterministic: the same calls give the same
 * bytes (no timestamps, fixed order).
 */
import { onnx } from 'onnx-proto';
import { ONNX_INPUT } from '../classifier-net';

/** ONNX operator set (13: Clip takes its bounds as inputs, Softmax works along one axis). */
export const ONNX_OPSET = 13;
/** The IR version that goes with opset 13 (ONNX 1.8). */
export const ONNX_IR_VERSION = 7;
/** Name of the batch dimension in the graph's input and output shapes. */
export const ONNX_BATCH_DIM = 'N';

const PRODUCER = 'facemask onnx-export';
const PRODUCER_VERSION = '1';

/** A tensor of the ONNX graph: NCHW maps ([-1, c, h, w]) or flat vectors ([-1, f]); -1 is the batch. */
export interface Value {
  name: string;
  shape: number[];
  layout: 'nchw' | 'flat';
}

export type AttrValue = number | number[] | { float: number } | { str: string };

export class OnnxGraph {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>([ONNX_INPUT]);

  private fresh(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX export: duplicate tensor name "${name}"`);
    this.names.add(name);
    return name;
  }

  /** A float32 initializer; returns its name. */
  constant(name: string, dims: number[], data: ArrayLike<number>): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`ONNX export: constant "${name}" has ${data.length} values for shape [${dims.join(', ')}]`);
    const raw = new Uint8Array(4 * n);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i], true); // ONNX raw_data is little-endian
    this.initializers.push({ name: this.fresh(name), dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An int64 initializer (shapes and pads); returns its name. */
  int64Constant(name: string, data: number[]): string {
    this.initializers.push({ name: this.fresh(name), dims: [data.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: data });
    return name;
  }

  /** One node with one output named `output` (and the node too, unless `nodeName`); returns the output name. */
  node(op: string, inputs: string[], output: string, attrs: Record<string, AttrValue> = {}, nodeName = output): string {
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (typeof v === 'object' && 'str' in v) return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v.str) };
      if (typeof v === 'object') return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
    });
    this.nodes.push({ name: nodeName, opType: op, input: inputs, output: [this.fresh(output)], attribute });
    return output;
  }

  /** Rename a node output (and its uses): the graph's output gets its public name. */
  rename(from: string, to: string): void {
    this.fresh(to);
    for (const n of this.nodes) {
      n.output = n.output!.map((o) => (o === from ? to : o));
      n.input = n.input!.map((i) => (i === from ? to : i));
    }
  }

  encode(m: { name: string; input: [string, (number | string)[]]; output: [string, (number | string)[]]; doc: string; metadata: [string, string][] }): Uint8Array {
    const info = ([name, dims]: [string, (number | string)[]]): onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    const model = onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: PRODUCER,
      producerVersion: PRODUCER_VERSION,
      docString: m.doc,
      graph: { name: m.name, node: this.nodes, initializer: this.initializers, input: [info(m.input)], output: [info(m.output)] },
      metadataProps: m.metadata.map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Clip `x` to [min, max] (ReLU6 and a capped ReLU). */
export function clip(g: OnnxGraph, x: string, min: number, max: number, name: string): string {
  return g.node('Clip', [x, g.constant(name + '/min', [], [min]), g.constant(name + '/max', [], [max])], name);
}
