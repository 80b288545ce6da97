// ONNX ModelProto -> hetero Graph. Constant nodes are folded into constant tensors, graph-valued
// attributes become nested graphs, and every inconsistency is a one-line HeteroError naming the file.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { HeteroError } from '../../errors.js';
import type { AttrKind, AttrValue, Dim, Graph, Node, TensorInfo } from '../../graph/types.js';
import { decodeAttribute, tensorToConst } from './attributes.js';
import { decodeModel } from './decode.js';
import { folderExternalDataReader, type ExternalDataReader } from './external-data.js';
import {
  has,
  int64ToNumber,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.js';
import { densify } from './sparse.js';
import { decodeTensor, dtypeFromOnnx, smallIntValues } from './tensors.js';
import { onnxError } from './user-error.js';

export interface ImportOnnxOptions {
  /** Names the model in errors and is the graph name when the model has none (usually the file name). */
  name: string;
  /** The model's folder, where external tensor data is looked up. Without it, external data is refused. */
  baseDir?: string;
}

/** Shared across one model's graphs: error context, external data, the fresh-symbol counter. */
interface ImportContext {
  where: string;
  readExternal?: ExternalDataReader;
  nextSymbol: number;
}

/** The graph name a file implies: its base name without the .onnx extension. */
function nameFromFile(file: string): string {
  return (path.basename(file) || file).replace(/\.onnx$/i, '');
}

export function importOnnxFile(file: string): Graph {
  let bytes: Uint8Array;
  try {
    if (statSync(file).isDirectory()) throw onnxError(file, 'is a directory, not an ONNX model file');
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof HeteroError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable'
          : `cannot be read (${code ?? 'I/O error'})`;
    throw onnxError(file, why);
  }
  const reader = folderExternalDataReader(file, path.dirname(path.resolve(file)));
  return importWith(bytes, file, nameFromFile(file), reader);
}

export function importOnnxBytes(bytes: Uint8Array, opts: ImportOnnxOptions): Graph {
  const reader = opts.baseDir === undefined ? undefined : folderExternalDataReader(opts.name, opts.baseDir);
  return importWith(bytes, opts.name, nameFromFile(opts.name), reader);
}

function importWith(
  bytes: Uint8Array,
  where: string,
  fallbackName: string,
  read?: ExternalDataReader,
): Graph {
  const model = decodeModel(bytes, where);
  const ctx: ImportContext = { where, readExternal: read, nextSymbol: 1 };
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[normaliseDomain(o.domain)] = int64ToNumber(o.version);
  if (Object.keys(opsets).length === 0) opsets[''] = 1; // IR v1-2 models predate opset_import
  try {
    // Exporters fill graph.name with boilerplate ("main_graph", "Model from PaddlePaddle."): the
    // file's name is what a user recognises.
    const graph = importGraph(model.graph!, ctx, fallbackName, null);
    return { ...graph, opsets, source: 'onnx' };
  } catch (e) {
    // Pathologically deep nesting of graphs is malformed input too, not a crash.
    if (e instanceof RangeError && /call stack/i.test(e.message))
      throw onnxError(where, `is not a usable ONNX model (${e.message})`);
    throw e;
  }
}

function normaliseDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

function tensorInfoFromValueInfo(vi: ValueInfoProto, ctx: ImportContext): TensorInfo {
  const name = vi.name ?? '';
  const tensorType = vi.type?.tensorType;
  if (!tensorType) return { name, shape: null, dtype: 'unknown', constant: false };
  const dtype = dtypeFromOnnx(tensorType.elemType ?? 0);
  if (!tensorType.shape) return { name, shape: null, dtype, constant: false };
  const shape: Dim[] = (tensorType.shape.dim ?? []).map((d) => {
    if (d.dimParam) return d.dimParam;
    if (has(d, 'dimValue')) {
      const n = int64ToNumber(d.dimValue);
      if (!Number.isSafeInteger(n) || n < 0) {
        throw onnxError(ctx.where, `tensor "${name}" has an invalid dimension ${n}`);
      }
      return n;
    }
    return `?${ctx.nextSymbol++}`;
  });
  return { name, shape, dtype, constant: false };
}

function constantInfo(
  name: string,
  t: { dtype: TensorInfo['dtype']; shape: number[]; data?: Uint8Array },
): TensorInfo {
  const info: TensorInfo = { name, shape: t.shape, dtype: t.dtype, constant: true };
  if (t.data) {
    info.data = t.data;
    const value = smallIntValues(t.dtype, t.data);
    if (value) info.value = value;
  }
  return info;
}

function initializerInfo(t: TensorProto, ctx: ImportContext): TensorInfo {
  const name = t.name ?? '';
  return constantInfo(name, decodeTensor(t, ctx.where, name, ctx.readExternal));
}

/** The tensor a Constant node stands for, from whichever of its attribute forms it uses. */
function foldConstant(n: NodeProto, ctx: ImportContext, label: string): TensorInfo | undefined {
  const outputs = n.output ?? [];
  const name = outputs[0];
  if (outputs.length !== 1 || !name)
    throw onnxError(ctx.where, `Constant node ${label} must have exactly one output`);
  const attrs = n.attribute ?? [];
  if (attrs.length !== 1)
    throw onnxError(ctx.where, `Constant node ${label} must have exactly one attribute`);
  const a = attrs[0];
  const what = `${label}.${a.name ?? ''}`;
  switch (a.name) {
    case 'value':
      if (!a.t) break;
      if ((a.t.dataType ?? 0) === 8) return undefined; // string tensors stay a node
      return constantInfo(name, tensorToConst(a.t, ctx.where, what, ctx.readExternal));
    case 'sparse_value':
      if (!a.sparseTensor) break;
      return constantInfo(name, densify(a.sparseTensor, ctx.where, what));
    case 'value_float':
      return constantInfo(name, {
        dtype: 'float32',
        shape: [],
        data: new Uint8Array(Float32Array.of(a.f ?? 0).buffer),
      });
    case 'value_floats': {
      const v = a.floats ?? [];
      return constantInfo(name, {
        dtype: 'float32',
        shape: [v.length],
        data: new Uint8Array(Float32Array.from(v).buffer),
      });
    }
    case 'value_int': {
      const data = new Uint8Array(BigInt64Array.of(BigInt(Math.trunc(int64ToNumber(a.i)))).buffer);
      return constantInfo(name, { dtype: 'int64', shape: [], data });
    }
    case 'value_ints': {
      const v = (a.ints ?? []).map((x) => BigInt(Math.trunc(int64ToNumber(x))));
      return constantInfo(name, {
        dtype: 'int64',
        shape: [v.length],
        data: new Uint8Array(BigInt64Array.from(v).buffer),
      });
    }
    case 'value_string':
    case 'value_strings':
      return undefined; // strings have no byte form in the IR: the node stays
    default:
      throw onnxError(ctx.where, `Constant node ${label} has an unknown attribute "${a.name ?? ''}"`);
  }
  throw onnxError(ctx.where, `Constant node ${label}: attribute "${a.name}" carries no value`);
}

function isFoldable(n: NodeProto): boolean {
  return n.opType === 'Constant' && normaliseDomain(n.domain) === '';
}

/** Node ids: the node name when it is non-empty and unique, else `${op}_${index}` (made unique). */
function nodeIds(nodes: { proto: NodeProto; index: number }[]): string[] {
  const count = new Map<string, number>();
  for (const { proto } of nodes) if (proto.name) count.set(proto.name, (count.get(proto.name) ?? 0) + 1);
  const used = new Set<string>();
  for (const [name, c] of count) if (c === 1) used.add(name);
  return nodes.map(({ proto, index }) => {
    if (proto.name && count.get(proto.name) === 1) return proto.name;
    const base = `${proto.opType}_${index}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}_${k}`;
    used.add(id);
    return id;
  });
}

/**
 * Convert one graph. `outer` holds the names visible from enclosing graphs (null for the main graph), so
 * that a nested graph may read them without producing them.
 */
function importGraph(
  gp: GraphProto,
  ctx: ImportContext,
  name: string,
  outer: ReadonlySet<string> | null,
): Graph {
  const where = ctx.where;
  const scope = outer ? `graph "${name}": ` : '';
  const tensors = new Map<string, TensorInfo>();
  const defined = new Set<string>();
  const define = (tensor: string, by: string): void => {
    if (defined.has(tensor))
      throw onnxError(where, `${scope}tensor "${tensor}" is produced twice (again by ${by})`);
    defined.add(tensor);
  };

  for (const t of gp.initializer ?? []) {
    if (!t.name) throw onnxError(where, `${scope}an initializer has no name`);
    define(t.name, 'an initializer');
    tensors.set(t.name, initializerInfo(t, ctx));
  }
  for (const t of gp.sparseInitializer ?? []) {
    const tname = t.values?.name ?? '';
    if (!tname) throw onnxError(where, `${scope}a sparse initializer has no name`);
    define(tname, 'a sparse initializer');
    tensors.set(tname, constantInfo(tname, densify(t, where, tname)));
  }

  const inputs: string[] = [];
  for (const vi of gp.input ?? []) {
    if (!vi.name) throw onnxError(where, `${scope}a graph input has no name`);
    if (tensors.get(vi.name)?.constant) continue; // an initializer listed as input (IR < 4): a constant
    define(vi.name, 'a graph input');
    inputs.push(vi.name);
    tensors.set(vi.name, tensorInfoFromValueInfo(vi, ctx));
  }

  const nodesProto = gp.node ?? [];
  // First pass: who produces what, so nested graphs can see every name of this graph.
  for (const [i, n] of nodesProto.entries()) {
    if (!n.opType) throw onnxError(where, `${scope}node ${i} has no op_type`);
    for (const out of n.output ?? []) if (out) define(out, `node ${n.name || `${n.opType}_${i}`}`);
  }
  const visible = new Set(outer ?? []);
  for (const d of defined) visible.add(d);

  const kept: { proto: NodeProto; index: number }[] = [];
  for (const [i, n] of nodesProto.entries()) {
    const folded = isFoldable(n) ? foldConstant(n, ctx, n.name || `Constant_${i}`) : undefined;
    if (folded) tensors.set(folded.name, folded);
    else kept.push({ proto: n, index: i });
  }
  const ids = nodeIds(kept);
  const nodes = kept.map(({ proto }, k) => importNode(proto, ids[k], ctx, visible));

  for (const [i, n] of nodes.entries()) {
    for (const input of n.inputs) {
      if (input && !defined.has(input) && !(outer && outer.has(input))) {
        throw onnxError(where, `${scope}node ${n.id} (#${i}) reads tensor "${input}" that nothing produces`);
      }
    }
    for (const out of n.outputs) {
      if (out && !tensors.has(out))
        tensors.set(out, { name: out, shape: null, dtype: 'unknown', constant: false });
    }
  }

  for (const vi of gp.valueInfo ?? []) {
    if (!vi.name || tensors.get(vi.name)?.constant || inputs.includes(vi.name)) continue;
    tensors.set(vi.name, tensorInfoFromValueInfo(vi, ctx));
  }
  const outputs: string[] = [];
  for (const vi of gp.output ?? []) {
    if (!vi.name) throw onnxError(where, `${scope}a graph output has no name`);
    if (!defined.has(vi.name) && !(outer && outer.has(vi.name))) {
      throw onnxError(where, `${scope}graph output "${vi.name}" is not produced by anything`);
    }
    outputs.push(vi.name);
    const existing = tensors.get(vi.name);
    if (existing?.constant || inputs.includes(vi.name)) continue;
    const info = tensorInfoFromValueInfo(vi, ctx);
    // An output declared without a type keeps what value_info said.
    if (!existing || info.dtype !== 'unknown' || info.shape) tensors.set(vi.name, info);
  }

  return { name, nodes, tensors, inputs, outputs };
}

function importNode(n: NodeProto, id: string, ctx: ImportContext, visible: ReadonlySet<string>): Node {
  const attrs: Record<string, AttrValue> = {};
  const attrKinds: Record<string, AttrKind> = {};
  const subgraphs: Record<string, Graph> = {};
  for (const a of n.attribute ?? []) {
    const attrName = a.name;
    if (!attrName) throw onnxError(ctx.where, `node ${id} has an attribute without a name`);
    if (attrName in attrs || attrName in subgraphs) {
      throw onnxError(ctx.where, `node ${id} has attribute "${attrName}" twice`);
    }
    const decoded = decodeAttribute(a, ctx.where, `${id}.${attrName}`, ctx.readExternal);
    if ('graph' in decoded) {
      subgraphs[attrName] = importGraph(
        decoded.graph,
        ctx,
        decoded.graph.name || `${id}/${attrName}`,
        visible,
      );
    } else {
      attrs[attrName] = decoded.value;
      attrKinds[attrName] = decoded.kind;
    }
  }
  const node: Node = {
    id,
    op: n.opType ?? '',
    domain: normaliseDomain(n.domain),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs,
    attrKinds,
  };
  if (Object.keys(subgraphs).length > 0) node.subgraphs = subgraphs;
  return node;
}
