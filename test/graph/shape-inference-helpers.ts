// Hand-built test graphs for the shape-inference, op and cost tests.
import type { AttrValue, Dim, DType, Graph, Node, TensorInfo } from '../../src/graph/types.js';

export type Const = { dtype: DType; shape: number[]; values: number[] };

/** Encodes constants as raw LE bytes (as the ONNX importer does) so that decoding is exercised too. */
function bytesOf(c: Const): Uint8Array {
  if (c.dtype === 'int64') {
    // ±2^63 as JS numbers round past the int64 range: clamp them like exporters' INT64_MAX/MIN.
    const max = 2n ** 63n - 1n;
    const clamp = (v: bigint) => (v > max ? max : v < -max - 1n ? -max - 1n : v);
    return new Uint8Array(BigInt64Array.from(c.values.map((v) => clamp(BigInt(v)))).buffer);
  }
  if (c.dtype === 'int32') return new Uint8Array(Int32Array.from(c.values).buffer);
  if (c.dtype === 'bool') return Uint8Array.from(c.values);
  return new Uint8Array(Float32Array.from(c.values).buffer);
}

export function graphOf(spec: {
  inputs: Record<string, Dim[] | [Dim[], DType]>;
  consts?: Record<string, Const>;
  weights?: Record<string, number[]>;
  nodes: {
    op: string;
    in: string[];
    out: string[];
    attrs?: Record<string, AttrValue>;
    subgraphs?: Record<string, Graph>;
  }[];
  outputs?: string[];
  opset?: number;
}): Graph {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, s] of Object.entries(spec.inputs)) {
    const [shape, dtype] = Array.isArray(s[0]) ? (s as [Dim[], DType]) : [s as Dim[], 'float32' as DType];
    tensors.set(name, { name, shape, dtype, constant: false });
  }
  for (const [name, c] of Object.entries(spec.consts ?? {})) {
    tensors.set(name, { name, shape: c.shape, dtype: c.dtype, constant: true, data: bytesOf(c) });
  }
  // Weights without data (weightless, like zoo models).
  for (const [name, shape] of Object.entries(spec.weights ?? {})) {
    tensors.set(name, { name, shape, dtype: 'float32', constant: true });
  }
  const nodes: Node[] = spec.nodes.map((n, i) => ({
    id: `${n.op}_${i}`,
    op: n.op,
    inputs: n.in,
    outputs: n.out,
    attrs: n.attrs ?? {},
    subgraphs: n.subgraphs,
  }));
  const last = nodes[nodes.length - 1];
  return {
    name: 'test',
    nodes,
    tensors,
    inputs: Object.keys(spec.inputs),
    outputs: spec.outputs ?? last?.outputs ?? [],
    opsets: { '': spec.opset ?? 17 },
  };
}

export const i64 = (...values: number[]): Const => ({ dtype: 'int64', shape: [values.length], values });
export const f32 = (...values: number[]): Const => ({ dtype: 'float32', shape: [values.length], values });
export const scalar64 = (v: number): Const => ({ dtype: 'int64', shape: [], values: [v] });

/** x.squeeze(-1) as torch exports it: If(shape(x)[2] == 1, Squeeze(x, 2), Identity(x)), then Unsqueeze. */
export function squeezeIfGraph(): Graph {
  const then = graphOf({
    inputs: {},
    consts: { ax2: i64(2) },
    nodes: [{ op: 'Squeeze', in: ['x', 'ax2'], out: ['sq'] }],
  });
  const els = graphOf({ inputs: {}, nodes: [{ op: 'Identity', in: ['x'], out: ['id'] }] });
  return graphOf({
    inputs: { x: [1, 4, 'T'] },
    consts: { two: scalar64(2), one: i64(1), ax0: i64(0) },
    nodes: [
      { op: 'Shape', in: ['x'], out: ['s'] },
      { op: 'Gather', in: ['s', 'two'], out: ['t'] },
      { op: 'Equal', in: ['t', 'one'], out: ['c'] },
      { op: 'If', in: ['c'], out: ['y'], subgraphs: { then_branch: then, else_branch: els } },
      { op: 'Unsqueeze', in: ['y', 'ax0'], out: ['z'] },
    ],
  });
}

/** squeezeIfGraph's nodes inside the then branch of an If on a scalar input `sr` (silero's layout). */
export function nestedSqueezeIfGraph(): Graph {
  const inner = squeezeIfGraph();
  const other = graphOf({ inputs: {}, nodes: [{ op: 'Identity', in: ['x'], out: ['other'] }] });
  const then: Graph = {
    ...inner,
    inputs: [],
    tensors: new Map([...inner.tensors].filter(([n]) => n !== 'x')),
  };
  return graphOf({
    inputs: { x: [1, 4, 'T'], sr: [[], 'int64'] },
    consts: { k: scalar64(16000) },
    nodes: [
      { op: 'Equal', in: ['sr', 'k'], out: ['c0'] },
      { op: 'If', in: ['c0'], out: ['out'], subgraphs: { then_branch: then, else_branch: other } },
    ],
    outputs: ['out'],
  });
}
