// TF.js graph model (model.json + weight shards) → hetero Graph. Const nodes become constant tensors,
// Placeholders become graph inputs, every other node keeps its TF op name under domain 'tf' (shape
// and cost rules live in graph/ops/tf.ts). Control inputs (`^name`) only order execution, so they
// are dropped and counted in the notes.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { HeteroError } from '../../errors.js';
import type { AttrValue, ConstTensor, Dim, DType, Graph, Node, TensorInfo } from '../../graph/types.js';
import { dtypeOfTfEnum } from './dtypes.js';
import type { NodeJson, SignatureJson, TfjsModelJson } from './model-json.js';
import { parseModelJson, signatureOf, validateModelJson } from './model-json.js';
import { decodeAttrs, decodeShape, decodeTensor } from './parse-attrs.js';
import { readWeights, type ShardReader } from './weights.js';

export const TF_DOMAIN = 'tf';

/** Int constants up to this many elements carry `value` for shape arithmetic. */
const MAX_CONST_VALUE_ELEMS = 1024;

export interface TfjsImport {
  graph: Graph;
  /** Things the importer dropped or guessed, one line each. */
  notes: string[];
}

export interface TfjsImportOptions {
  /** Name for errors and Graph.name (usually the model.json path). */
  where?: string;
  /** Graph name; defaults to the file name without extension. */
  name?: string;
}

/** A tensor reference `node`, `node:k` (output k) or `^node` (control). */
interface TensorRef {
  node: string;
  index: number;
  control: boolean;
}

function parseRef(s: string): TensorRef {
  const control = s.startsWith('^');
  const body = control ? s.slice(1) : s;
  const m = /^(.*):(\d+)$/.exec(body);
  return m ? { node: m[1], index: Number(m[2]), control } : { node: body, index: 0, control };
}

/** Hetero's name for output `index` of a TF node: TF's own convention, with ':0' implied. */
export function tfTensorName(node: string, index: number): string {
  return index === 0 ? node : `${node}:${index}`;
}

function intAttr(n: NodeJson, name: string): number | undefined {
  const v = n.attr?.[name]?.i;
  return v === undefined ? undefined : Number(v);
}

/** Output count a node has by its op definition, where the attrs tell (consumers may use fewer). */
function declaredOutputs(n: NodeJson): number {
  switch (n.op) {
    case 'Unpack':
      return intAttr(n, 'num') ?? 1;
    case 'Split':
    case 'SplitV':
      return intAttr(n, 'num_split') ?? 1;
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
      return 5;
    case 'FusedBatchNormV3':
      return 6;
    case 'TopKV2':
    case 'Unique':
    case 'NonMaxSuppressionV4':
      return 2;
    case 'NonMaxSuppressionV5':
      return 3;
    case 'Switch':
      return 2;
    case 'Merge':
      return 2;
    default:
      return 1;
  }
}

/** Output dtype when the attrs name it (rules in graph/ops/tf.ts refine it during inference). */
function guessDType(attrs: Record<string, AttrValue>): DType {
  for (const k of ['DstT', 'out_type', 'dtype', 'T', 'Tparams']) {
    const v = attrs[k];
    if (typeof v === 'string') return v as DType;
  }
  return 'unknown';
}

function isIntDType(d: DType): boolean {
  return /^u?int/.test(d);
}

function intValues(t: ConstTensor): number[] | undefined {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (!isIntDType(t.dtype) || count > MAX_CONST_VALUE_ELEMS) return undefined;
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    switch (t.dtype) {
      case 'int32':
        out.push(view.getInt32(k * 4, true));
        break;
      case 'int64':
        out.push(Number(view.getBigInt64(k * 8, true)));
        break;
      case 'int16':
        out.push(view.getInt16(k * 2, true));
        break;
      case 'uint16':
        out.push(view.getUint16(k * 2, true));
        break;
      case 'int8':
        out.push(view.getInt8(k));
        break;
      case 'uint8':
        out.push(view.getUint8(k));
        break;
      default:
        return undefined;
    }
  }
  return out;
}

function constInfo(name: string, t: ConstTensor): TensorInfo {
  const info: TensorInfo = { name, shape: [...t.shape], dtype: t.dtype, constant: true, data: t.data };
  const value = intValues(t);
  if (value) info.value = value;
  return info;
}

/** Signature tensor name ("x:0") as a hetero tensor name ("x"). */
function signatureTensor(name: string): string {
  const r = parseRef(name);
  return tfTensorName(r.node, r.index);
}

function placeholderShape(n: NodeJson, sig: SignatureJson | undefined): Dim[] | null {
  const fromAttr = n.attr?.shape?.shape;
  let dims = fromAttr ? decodeShape(fromAttr) : null;
  if (!dims && sig?.inputs) {
    const entry = Object.values(sig.inputs).find((e) => e.name && parseRef(e.name).node === n.name);
    dims = entry?.tensorShape ? decodeShape(entry.tensorShape) : null;
  }
  if (!dims) return null;
  // A leading unknown dim of a batched input is the batch; other unknown dims get their own symbol.
  return dims.map((d, i) => (d >= 0 ? d : i === 0 && dims.length >= 2 ? 'batch' : `${n.name}:${i}`));
}

/**
 * Builds a Graph from a validated model.json and a reader for its shards. `where` names the file in
 * errors about the model itself; shard errors name the shard.
 */
export function importTfjsModel(
  model: TfjsModelJson,
  readShard: ShardReader,
  opts: TfjsImportOptions = {},
): TfjsImport {
  const where = opts.where ?? 'model.json';
  const notes: string[] = [];
  const weights = readWeights(model.weightsManifest, readShard, where);
  const sig = signatureOf(model);
  const nodesJson = model.modelTopology.node;

  const byName = new Map<string, NodeJson>();
  for (const n of nodesJson) {
    if (byName.has(n.name)) throw new HeteroError(where, `two nodes are named "${n.name}"`);
    byName.set(n.name, n);
  }

  // Output counts: what the op declares, widened by what consumers actually read.
  const outputCount = new Map<string, number>();
  for (const n of nodesJson) outputCount.set(n.name, declaredOutputs(n));
  const consumed = new Set<string>();
  let controlInputs = 0;
  for (const n of nodesJson) {
    for (const s of n.input ?? []) {
      const r = parseRef(s);
      if (!byName.has(r.node)) {
        throw new HeteroError(where, `node "${n.name}" input "${s}" refers to no node`);
      }
      if (r.control) {
        controlInputs++;
        continue;
      }
      consumed.add(r.node);
      outputCount.set(r.node, Math.max(outputCount.get(r.node) ?? 1, r.index + 1));
    }
  }
  if (controlInputs > 0)
    notes.push(`dropped ${controlInputs} control input(s) (^name): they only order execution`);

  const tensors = new Map<string, TensorInfo>();
  const inputs: string[] = [];
  const nodes: Node[] = [];
  let noOps = 0;
  const libraryFunctions = Object.keys(model.modelTopology.library ?? {}).length;

  for (const n of nodesJson) {
    if (n.op === 'Const') {
      const w = weights.get(n.name);
      const attrTensor = n.attr?.value?.tensor;
      const t = w ?? (attrTensor ? decodeTensor(attrTensor) : undefined);
      if (!t) throw new HeteroError(where, `Const node "${n.name}" has neither a weight nor a value`);
      tensors.set(n.name, constInfo(n.name, t));
      continue;
    }
    if (n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault') {
      const dtypeName = n.attr?.dtype?.type;
      tensors.set(n.name, {
        name: n.name,
        shape: placeholderShape(n, sig),
        dtype: dtypeName ? dtypeOfTfEnum(dtypeName) : 'float32',
        constant: false,
      });
      if (n.op === 'Placeholder') {
        inputs.push(n.name);
        continue;
      }
    }
    if (n.op === 'NoOp') {
      noOps++;
      continue;
    }
    const { attrs, dropped } = decodeAttrs(n.attr);
    if (dropped.length > 0) notes.push(`node "${n.name}": attrs ${dropped.join(', ')} not kept`);
    const count = outputCount.get(n.name) ?? 1;
    const outputs = Array.from({ length: count }, (_, k) => tfTensorName(n.name, k));
    const node: Node = {
      id: n.name,
      op: n.op,
      domain: TF_DOMAIN,
      inputs: (n.input ?? [])
        .map(parseRef)
        .filter((r) => !r.control)
        .map((r) => tfTensorName(r.node, r.index)),
      outputs,
      attrs,
    };
    const dtype = guessDType(attrs);
    for (const [k, o] of outputs.entries()) {
      if (n.op === 'PlaceholderWithDefault' && k === 0) continue; // declared above
      tensors.set(o, { name: o, shape: null, dtype: k === 0 ? dtype : 'unknown', constant: false });
    }
    nodes.push(node);
  }
  const backEdges = cutLoopBackEdges(nodes);
  if (backEdges > 0) notes.push(`cut ${backEdges} while-loop back edge(s) (NextIteration → Merge)`);
  if (noOps > 0) notes.push(`dropped ${noOps} NoOp node(s)`);
  if (libraryFunctions > 0) notes.push(`${libraryFunctions} library function(s) not imported`);

  // Weights no Const node names (rare) still become constants, so nothing in the manifest is lost.
  for (const [name, t] of weights) if (!tensors.has(name)) tensors.set(name, constInfo(name, t));

  // A Const consumed through `name:k` with k > 0 does not exist.
  for (const node of nodes) {
    for (const i of node.inputs) {
      if (!tensors.has(i))
        throw new HeteroError(where, `node "${node.id}" reads "${i}", which no node produces`);
    }
  }

  const outputs = graphOutputs(sig, nodes, consumed, tensors, where);
  const graph: Graph = {
    name: opts.name ?? graphName(where),
    nodes,
    tensors,
    inputs,
    outputs,
    opsets: { [TF_DOMAIN]: 1 },
    source: 'tfjs',
  };
  return { graph, notes };
}

/**
 * TF1 while loops are cycles: NextIteration feeds the loop's Merge. hetero's graphs are DAGs (one
 * pass through the body is costed), so the back edge is dropped and Merge keeps its entry input.
 */
function cutLoopBackEdges(nodes: Node[]): number {
  const nextIteration = new Set(
    nodes.filter((n) => n.op === 'NextIteration' || n.op === 'RefNextIteration').flatMap((n) => n.outputs),
  );
  let cut = 0;
  for (const n of nodes) {
    if (n.op !== 'Merge' && n.op !== 'RefMerge') continue;
    const kept = n.inputs.filter((i) => !nextIteration.has(i));
    cut += n.inputs.length - kept.length;
    n.inputs = kept;
  }
  return cut;
}

/** "blazeface.json" → "blazeface"; "mobilenet/model.json" → "mobilenet". */
function graphName(where: string): string {
  const file = basename(where).replace(/\.json$/i, '');
  return file === 'model' ? basename(dirname(resolve(where))) || file : file;
}

function graphOutputs(
  sig: SignatureJson | undefined,
  nodes: readonly Node[],
  consumed: ReadonlySet<string>,
  tensors: ReadonlyMap<string, TensorInfo>,
  where: string,
): string[] {
  const declared = Object.values(sig?.outputs ?? {})
    .map((e) => e.name)
    .filter((s): s is string => s !== undefined)
    .map(signatureTensor);
  if (declared.length > 0) {
    for (const o of declared) {
      if (!tensors.has(o)) throw new HeteroError(where, `signature output "${o}" is produced by no node`);
    }
    return declared;
  }
  // No signature: whatever nobody reads is a result.
  return nodes.filter((n) => !consumed.has(n.id)).flatMap((n) => n.outputs);
}

/** Reads shards beside model.json, refusing paths that leave its folder. */
export function folderShardReader(modelJsonPath: string): ShardReader {
  const dir = dirname(resolve(modelJsonPath));
  return (p: string) => {
    const full = resolve(dir, p);
    const rel = relative(dir, full);
    if (isAbsolute(p) || rel.startsWith('..') || isAbsolute(rel)) {
      throw new HeteroError(modelJsonPath, `weight shard path "${p}" leaves the model folder`);
    }
    let target = full;
    try {
      statSync(target);
    } catch {
      // Manifest paths are URLs relative to model.json: try their decoded form too.
      target = resolve(dir, decodeURIComponent(p));
      try {
        statSync(target);
      } catch {
        throw new HeteroError(full, 'weight shard is missing');
      }
    }
    return new Uint8Array(readFileSync(target));
  };
}

function memoryShardReader(shards: Readonly<Record<string, Uint8Array>>, where: string): ShardReader {
  return (p) => {
    if (p.split('/').includes('..') || p.startsWith('/')) {
      throw new HeteroError(where, `weight shard path "${p}" leaves the model folder`);
    }
    const bytes = shards[p];
    if (!bytes) throw new HeteroError(p, 'weight shard is missing');
    return bytes;
  };
}

/** Imports a model.json given as text/bytes with its shards in memory (keyed by manifest path). */
export function importTfjsBytes(
  modelJson: string | Uint8Array,
  shards: Readonly<Record<string, Uint8Array>>,
  opts: TfjsImportOptions = {},
): TfjsImport {
  const where = opts.where ?? 'model.json';
  return importTfjsModel(parseModelJson(modelJson, where), memoryShardReader(shards, where), {
    ...opts,
    where,
  });
}

/** Imports an already-parsed model.json object (tests, or JSON from elsewhere). */
export function importTfjsObject(
  modelJson: unknown,
  shards: Readonly<Record<string, Uint8Array>>,
  opts: TfjsImportOptions = {},
): TfjsImport {
  const where = opts.where ?? 'model.json';
  return importTfjsModel(validateModelJson(modelJson, where), memoryShardReader(shards, where), {
    ...opts,
    where,
  });
}

/** Imports model.json and its shards from disk, with notes. */
export function importTfjsFileWithNotes(modelJsonPath: string): TfjsImport {
  let text: Uint8Array;
  try {
    text = new Uint8Array(readFileSync(modelJsonPath));
  } catch (e) {
    throw new HeteroError(modelJsonPath, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const model = parseModelJson(text, modelJsonPath);
  return importTfjsModel(model, folderShardReader(modelJsonPath), { where: modelJsonPath });
}

/** Imports a TF.js graph model from its model.json path (shards are read from the same folder). */
export function importTfjsFile(modelJsonPath: string): Graph {
  return importTfjsFileWithNotes(modelJsonPath).graph;
}
