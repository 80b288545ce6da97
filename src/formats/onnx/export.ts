// hetero Graph -> ONNX ModelProto bytes that onnxruntime loads. Constant tensors become initializers
// (weightless ones get generated weights), nested graphs become graph attributes.
import { writeFileAtomic } from '../../write-atomic.js';
import { inlineDecidedIfs } from '../../graph/inline-if.js';
import type { Graph, Node, TensorInfo } from '../../graph/types.js';
import { inferAttrKind } from './attr-kinds.js';
import { encodeAttribute } from './attributes.js';
import {
  onnx,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
import { byteLength, bytesFromValues, dtypeToOnnx, isIntDType } from './tensors.js';
import { GENERATED_FLOAT_DTYPES, generateWeights, weightRole, type WeightRole } from './weights.js';
import { onnxError } from './user-error.js';
import { expandFusedActivations } from './fused.js';

export interface ExportOnnxOptions {
  /** Seed for generated weights of constant tensors without data (default 0). */
  seed?: number;
  /** ai.onnx opset to declare, overriding graph.opsets[''] (default 17 when the graph names none). */
  opsetVersion?: number;
}

const DEFAULT_OPSET = 17;
/** protobuf messages cannot exceed 2 GiB, so neither can one generated tensor. */
const MAX_GENERATED_BYTES = 2 ** 31 - 1;

/** Newest IR version each ai.onnx opset shipped with (ONNX versioning table). */
function irVersionFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

interface ExportContext {
  where: string;
  seed: number;
  /** First consumer's role for every tensor name read anywhere in the model. */
  roles: Map<string, WeightRole>;
}

export function exportOnnx(fusedGraph: Graph, opts: ExportOnnxOptions = {}): Uint8Array {
  // Ifs that inference decided go out as their taken branch: the untaken one was inferred at sizes
  // it cannot run at, and ORT's checker rejects the whole model for it (see graph/inline-if.ts).
  const graph = inlineDecidedIfs(expandFusedActivations(fusedGraph));
  const where = graph.name || 'graph';
  const opsets: Record<string, number> = { ...(graph.opsets ?? {}) };
  if (opts.opsetVersion !== undefined) opsets[''] = opts.opsetVersion;
  opsets[''] ??= DEFAULT_OPSET;
  for (const domain of usedDomains(graph)) opsets[domain] ??= 1;

  const roles = new Map<string, WeightRole>();
  collectRoles(graph, roles);
  const ctx: ExportContext = { where, seed: opts.seed ?? 0, roles };
  const model = {
    irVersion: irVersionFor(opsets['']),
    producerName: 'hetero',
    opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
    graph: graphToProto(graph, ctx),
  };
  try {
    return onnx.ModelProto.encode(model).finish();
  } catch (e) {
    if (e instanceof RangeError) throw onnxError(where, 'is too large for one ONNX protobuf (2 GiB limit)');
    throw e;
  }
}

/** Writes next to `file` first and renames, so a failure never leaves a half-written model behind. */
export function exportOnnxFile(graph: Graph, file: string, opts: ExportOnnxOptions = {}): void {
  writeFileAtomic(file, exportOnnx(graph, opts), onnxError);
}

function usedDomains(g: Graph, out = new Set<string>()): Set<string> {
  for (const n of g.nodes) {
    if (n.domain && n.domain !== 'ai.onnx') out.add(n.domain);
    for (const sub of Object.values(n.subgraphs ?? {})) usedDomains(sub, out);
  }
  return out;
}

function collectRoles(g: Graph, roles: Map<string, WeightRole>): void {
  for (const n of g.nodes) {
    n.inputs.forEach((name, i) => {
      if (name && !roles.has(name)) roles.set(name, weightRole(n.op, i));
    });
    for (const sub of Object.values(n.subgraphs ?? {})) collectRoles(sub, roles);
  }
}

/** Names a graph reads but does not define: what it takes from enclosing graphs. */
function freeNames(g: Graph): Set<string> {
  const defined = new Set<string>(g.inputs);
  for (const t of g.tensors.values()) if (t.constant) defined.add(t.name);
  for (const n of g.nodes) for (const o of n.outputs) defined.add(o);
  const free = new Set<string>();
  for (const name of readNames(g)) if (name && !defined.has(name)) free.add(name);
  return free;
}

function readNames(g: Graph): Set<string> {
  const read = new Set<string>(g.outputs);
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i) read.add(i);
    for (const sub of Object.values(n.subgraphs ?? {})) for (const f of freeNames(sub)) read.add(f);
  }
  return read;
}

/** Symbols minted for unnamed dims at import (`?1`, `?2`...) go back out as anonymous dims. */
const ANONYMOUS_DIM = /^\?\d+$/;

function valueInfo(t: TensorInfo): ValueInfoProto {
  if (t.dtype === 'unknown') return { name: t.name };
  const tensorType: { elemType: number; shape?: { dim: object[] } } = { elemType: dtypeToOnnx(t.dtype) };
  if (t.shape) {
    tensorType.shape = {
      dim: t.shape.map((d) =>
        typeof d === 'number' ? { dimValue: d } : ANONYMOUS_DIM.test(d) ? {} : { dimParam: d },
      ),
    };
  }
  return { name: t.name, type: { tensorType } };
}

/** Bytes for a constant tensor of known `shape`: its data, else its known values, else generated weights. */
function constantBytes(t: TensorInfo, shape: number[], ctx: ExportContext): Uint8Array {
  const fail = (problem: string): never => {
    throw onnxError(ctx.where, `constant tensor "${t.name}" ${problem}`);
  };
  const numel = shape.reduce((a, b) => a * b, 1);
  if (t.dtype === 'string' || t.dtype === 'unknown') fail(`has dtype ${t.dtype}, which cannot be exported`);
  const expected = byteLength(t.dtype, numel);
  if (t.data) {
    if (t.data.byteLength !== expected)
      fail(`holds ${t.data.byteLength} bytes but its shape needs ${expected}`);
    return t.data;
  }
  if (t.value) {
    if (t.value.length !== numel) fail(`has ${t.value.length} known values but its shape needs ${numel}`);
    try {
      return bytesFromValues(t.dtype, t.value);
    } catch {
      fail(`has known values of dtype ${t.dtype}, which cannot be written`);
    }
  }
  if (isIntDType(t.dtype)) fail(`is an ${t.dtype} tensor with neither data nor known values`);
  if (expected > MAX_GENERATED_BYTES)
    fail(`needs ${expected} bytes of generated weights, more than the 2 GiB limit`);
  if (!GENERATED_FLOAT_DTYPES.has(t.dtype))
    fail(`has dtype ${t.dtype}, for which no weights can be generated`);
  return generateWeights(t.name, t.dtype, shape, ctx.roles.get(t.name) ?? 'weight', ctx.seed);
}

function graphToProto(g: Graph, ctx: ExportContext): GraphProto {
  const info = (name: string): TensorInfo => {
    const t = g.tensors.get(name);
    if (!t) throw onnxError(ctx.where, `graph "${g.name}" has no tensor info for "${name}"`);
    return t;
  };
  const outputs = new Set(g.outputs);
  const read = readNames(g);
  const initializer: TensorProto[] = [];
  const constantNodes: NodeProto[] = [];
  for (const t of g.tensors.values()) {
    if (!t.constant || !read.has(t.name)) continue;
    if (!t.shape || t.shape.some((d) => typeof d !== 'number')) {
      throw onnxError(ctx.where, `constant tensor "${t.name}" has no fully known shape`);
    }
    const shape = t.shape as number[];
    const tensor: TensorProto = {
      name: t.name,
      dataType: dtypeToOnnx(t.dtype),
      dims: shape,
      rawData: constantBytes(t, shape, ctx),
    };
    // A graph output that is an initializer confuses some runtimes inside If branches; a Constant node does not.
    if (outputs.has(t.name)) {
      constantNodes.push({
        name: `${t.name}_constant`,
        opType: 'Constant',
        output: [t.name],
        attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor }],
      });
    } else initializer.push(tensor);
  }

  const inputs = g.inputs
    .filter((name) => !g.tensors.get(name)?.constant)
    .map((name) => valueInfo(info(name)));
  const inputSet = new Set(g.inputs);
  const produced = new Set<string>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) produced.add(o);
  const intermediates: ValueInfoProto[] = [];
  for (const t of g.tensors.values()) {
    if (t.constant || !t.shape || t.dtype === 'unknown' || outputs.has(t.name) || inputSet.has(t.name))
      continue;
    if (produced.has(t.name)) intermediates.push(valueInfo(t));
  }

  return {
    name: g.name,
    node: [...constantNodes, ...g.nodes.map((n) => nodeToProto(n, ctx))],
    initializer,
    input: inputs,
    output: g.outputs.map((name) =>
      valueInfo(g.tensors.get(name) ?? { name, shape: null, dtype: 'unknown', constant: false }),
    ),
    valueInfo: intermediates,
  };
}

function nodeToProto(n: Node, ctx: ExportContext): NodeProto {
  const attribute: AttributeProto[] = Object.entries(n.attrs).map(([name, value]) =>
    encodeAttribute(
      name,
      n.attrKinds?.[name] ?? inferAttrKind(n.op, name, value),
      value,
      `${ctx.where} node ${n.id}`,
    ),
  );
  for (const [name, sub] of Object.entries(n.subgraphs ?? {})) {
    attribute.push({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g: graphToProto(sub, ctx) });
  }
  return {
    name: n.id,
    opType: n.op,
    domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
    input: n.inputs,
    output: n.outputs,
    attribute,
  };
}
