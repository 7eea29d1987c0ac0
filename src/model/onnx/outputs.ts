/**
 * Editing an existing ONNX model's graph outputs (`onnx-proto`, no Python): ONNX Runtime returns only
 * a graph's outputs, so to read an intermediate tensor (a detector's feature maps) the tensor must be
 * made an output. `appendGraphOutputs` adds outputs after the existing ones, each an `Identity` of an
 * intermediate tensor under a public name, and leaves every other node, initializer and output as it
 * was: the network computes the same values. Pure: bytes in, bytes out.
 *
 * `tensorFeeding` finds a tensor by the weights it meets: the data input of the node that takes a
 * named initializer (exports name weights after their layers; activations are numbered).
 */
import { onnx } from 'onnx-proto';

/** An intermediate tensor to expose, and the name of the graph output it becomes. */
export interface ExtraOutput {
  /** The tensor's name inside the graph (a node's output). */
  tensor: string;
  /** The new graph output's name (unused in the graph so far). */
  as: string;
}

function decode(bytes: Uint8Array): onnx.ModelProto {
  let m: onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`ONNX: cannot decode the model (${bytes.length} bytes): ${(e as Error).message}`);
  }
  if (!m.graph) throw new Error('ONNX: the model has no graph');
  return m;
}

/** Every tensor name the graph already uses: inputs, initializers, node outputs, graph outputs. */
function usedNames(g: onnx.IGraphProto): Set<string> {
  const names = new Set<string>();
  for (const v of g.input ?? []) names.add(v.name!);
  for (const t of g.initializer ?? []) names.add(t.name!);
  for (const n of g.node ?? []) for (const o of n.output ?? []) names.add(o);
  for (const v of g.output ?? []) names.add(v.name!);
  return names;
}

/** The output's type: the tensor's recorded `value_info` when the export kept one, else float32 of unknown shape. */
function outputType(g: onnx.IGraphProto, tensor: string): onnx.ITypeProto {
  const info = (g.valueInfo ?? []).find((v) => v.name === tensor);
  if (info?.type?.tensorType) return info.type;
  return { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } };
}

/**
 * The model with `extra` appended to its graph outputs, in that order. Refuses a tensor no node
 * produces, a public name already used, and a name asked for twice.
 */
export function appendGraphOutputs(bytes: Uint8Array, extra: readonly ExtraOutput[]): Uint8Array {
  const m = decode(bytes);
  const g = m.graph!;
  const produced = new Set((g.node ?? []).flatMap((n) => n.output ?? []));
  const used = usedNames(g);
  for (const x of extra) {
    if (!produced.has(x.tensor)) throw new Error(`ONNX: no node produces a tensor "${x.tensor}"`);
    if (used.has(x.as)) throw new Error(`ONNX: the name "${x.as}" is already used in the graph`);
    used.add(x.as);
  }
  for (const x of extra) {
    g.node!.push(onnx.NodeProto.create({ name: `expose/${x.as}`, opType: 'Identity', input: [x.tensor], output: [x.as] }));
    g.output!.push(onnx.ValueInfoProto.create({ name: x.as, type: outputType(g, x.tensor) }));
  }
  return onnx.ModelProto.encode(m).finish();
}

/** The graph's output names, in order. */
export function graphOutputNames(bytes: Uint8Array): string[] {
  return (decode(bytes).graph!.output ?? []).map((v) => v.name!);
}

/**
 * The data input (the first input) of the one node that takes the initializer `weight`: the tensor a
 * layer with those weights reads. Refuses a weight no node takes, or more than one takes.
 */
export function tensorFeeding(bytes: Uint8Array, weight: string): string {
  const nodes = (decode(bytes).graph!.node ?? []).filter((n) => (n.input ?? []).slice(1).includes(weight));
  if (nodes.length !== 1) throw new Error(`ONNX: ${nodes.length} nodes take the weight "${weight}" (expected one)`);
  return nodes[0].input![0];
}
