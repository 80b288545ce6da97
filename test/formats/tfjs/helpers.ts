// Builders for small TF.js graph models written in the test itself, so every case shows its model.
import { importTfjsObject } from '../../../src/formats/tfjs/index.js';
import { inferShapes } from '../../../src/graph/shape-inference.js';
import { lookupOp } from '../../../src/graph/ops/registry.js';
import type { Dim, Graph, TensorInfo } from '../../../src/graph/types.js';

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

type AttrJson = Record<string, unknown>;
export interface NodeSpec {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrJson>;
}

/** AttrValue JSON helpers, as tensorflowjs_converter writes them. */
export const a = {
  s: (v: string): AttrJson => ({ s: b64(v) }),
  i: (v: number): AttrJson => ({ i: String(v) }),
  f: (v: number): AttrJson => ({ f: v }),
  b: (v: boolean): AttrJson => ({ b: v }),
  ints: (v: number[]): AttrJson => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): AttrJson => ({ list: { s: v.map(b64) } }),
  type: (v: string): AttrJson => ({ type: v }),
  shape: (dims: number[]): AttrJson => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

export const placeholder = (name: string, dims: number[], dtype = 'DT_FLOAT'): NodeSpec => ({
  name,
  op: 'Placeholder',
  attr: { dtype: a.type(dtype), shape: a.shape(dims) },
});

/** A Const whose int32 value is carried inline (converters put larger consts into the manifest). */
export const constInt = (name: string, values: number[], shape: number[] = [values.length]): NodeSpec => ({
  name,
  op: 'Const',
  attr: {
    dtype: a.type('DT_INT32'),
    value: {
      tensor: {
        dtype: 'DT_INT32',
        tensorShape: { dim: shape.map((d) => ({ size: String(d) })) },
        intVal: values.map(String),
      },
    },
  },
});

/** A float Const of the given shape whose data comes from the weights manifest (zeros). */
export const constWeight = (name: string): NodeSpec => ({
  name,
  op: 'Const',
  attr: { dtype: a.type('DT_FLOAT'), value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {} } } },
});

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: Record<string, unknown>;
  /** Stored bytes; zeros of the right size when omitted. */
  bytes?: Uint8Array;
}

const storedBytes: Record<string, number> = {
  float32: 4,
  int32: 4,
  uint8: 1,
  uint16: 2,
  float16: 2,
  bool: 1,
};

export interface BuiltModel {
  json: Record<string, unknown>;
  shards: Record<string, Uint8Array>;
}

export function buildModel(
  nodes: NodeSpec[],
  weights: WeightSpec[] = [],
  extra: Record<string, unknown> = {},
): BuiltModel {
  const chunks = weights.map((w) => {
    if (w.bytes) return w.bytes;
    const per = storedBytes[String(w.quantization?.dtype ?? w.dtype ?? 'float32')] ?? 4;
    return new Uint8Array(w.shape.reduce((x, y) => x * y, 1) * per);
  });
  const shard = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    shard.set(c, at);
    at += c.length;
  }
  const json = {
    format: 'graph-model',
    generatedBy: 'test',
    convertedBy: 'test',
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: weights.map((w) => ({
          name: w.name,
          shape: w.shape,
          dtype: w.dtype ?? 'float32',
          ...(w.quantization ? { quantization: w.quantization } : {}),
        })),
      },
    ],
    ...extra,
  };
  return { json, shards: { 'group1-shard1of1.bin': shard } };
}

/** Imports and infers shapes; fails the test on any inference warning unless allowed. */
export function inferred(
  m: BuiltModel,
  inputShapes?: Record<string, Dim[]>,
): { graph: Graph; warnings: string[] } {
  const { graph } = importTfjsObject(m.json, m.shards);
  return inferShapes(graph, inputShapes ? { inputShapes } : {});
}

export function shapeOf(g: Graph, name: string): Dim[] | null | undefined {
  return g.tensors.get(name)?.shape;
}

/** MACs/FLOPs of one node under its op rule. */
export function workOf(g: Graph, nodeId: string): { macs: number; flops: number } {
  const n = g.nodes.find((x) => x.id === nodeId);
  if (!n) throw new Error(`no node ${nodeId}`);
  const def = lookupOp(n.domain, n.op);
  if (!def?.work) throw new Error(`no work rule for ${n.op}`);
  const inputs = n.inputs.map((i) => g.tensors.get(i));
  const outs = n.outputs.map((o) => g.tensors.get(o) as TensorInfo);
  return def.work({ node: n, inputs, opset: 1, graph: g, value: (i) => inputs[i]?.value }, outs);
}

/** Total MACs over every node that has a work rule; throws if any node's cost is unknown. */
export function totalWork(g: Graph): { macs: number; flops: number } {
  let macs = 0;
  let flops = 0;
  for (const n of g.nodes) {
    if (!lookupOp(n.domain, n.op)?.work) continue;
    const w = workOf(g, n.id);
    macs += w.macs;
    flops += w.flops;
  }
  return { macs, flops };
}
