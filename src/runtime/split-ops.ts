// Split ops made real: a node the plan divides between processors (H, W, C, N or OC) becomes, per
// part, the slices of its inputs and a copy of the node computing only its share, then one Concat of
// the parts' outputs. H/W parts of convs and pools read their halo rows and get their own pads.
// Supported: Conv (OC incl. grouped/depthwise, H, W, N, C when depthwise), Gemm and MatMul (OC),
// MaxPool / AveragePool (H, W, C, N), BatchNormalization (C, H, W, N), element-wise ops (any axis).
import { HeteroError } from '../errors.js';
import { nodeCost } from '../graph/cost.js';
import type { AttrValue, Graph, Node } from '../graph/types.js';
import type { SplitAxis, SplitPart } from '../plan/types.js';
import {
  addConcat,
  addSlice,
  fixedShape,
  partRanges,
  sliceConstant,
  type GraphDraft,
  type Range,
} from './slice-tensors.js';

export interface SplitSpec {
  axis: SplitAxis;
  parts: SplitPart[];
}

/** Node ids the rewrite appended for one part, and the processor that runs them. */
export interface SplitPartNodes {
  proc: string;
  nodes: string[];
}

export interface SplitResult {
  parts: SplitPartNodes[];
  /** The Concat node id (runs on the first part's processor). */
  concat: string;
}

const SPATIAL_AXIS = { N: 0, C: 1, H: 2, W: 3 } as const;

function ints(node: Node, name: string): number[] | undefined {
  const v = node.attrs[name];
  if (typeof v === 'number') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/** Output axis the parts are concatenated along. */
function concatAxis(node: Node, axis: SplitAxis, rank: number): number {
  if (axis !== 'OC') return SPATIAL_AXIS[axis];
  return node.op === 'Conv' ? 1 : rank - 1;
}

/**
 * Rewrites `node` into parts appended to `draft`. Throws a one-line HeteroError for a split the
 * executor cannot build (validation allows a few the executor does not, e.g. ConvTranspose).
 */
export function splitNode(draft: GraphDraft, graph: Graph, node: Node, split: SplitSpec): SplitResult {
  const where = `node ${node.id}`;
  if (node.outputs.filter((o) => o !== '').length !== 1)
    throw new HeteroError(where, `${node.op} has several outputs and cannot be split by the executor`);
  const outName = node.outputs[0];
  const outShape = fixedShape(graph.tensors.get(outName), where);
  const axis = concatAxis(node, split.axis, outShape.length);
  const quantum = split.axis === 'OC' || split.axis === 'C' ? channelQuantum(node, graph) : 1;
  const ranges = partRanges(
    outShape[axis],
    split.parts.map((p) => p.fraction),
    quantum,
    where,
  );
  const builder = partBuilder(node, graph, split.axis, where);
  const result: SplitResult = { parts: [], concat: `${node.id}#concat` };
  const partOutputs: string[] = [];
  ranges.forEach((range, k) => {
    const first = draft.nodes.length;
    const id = `${node.id}#p${k}`;
    const output = `${outName}#p${k}`;
    const part = builder(draft, range, id);
    draft.nodes.push({ ...part, id, outputs: [output] });
    const shape = outShape.map((d, i) => (i === axis ? range.end - range.start : d));
    const info = graph.tensors.get(outName);
    draft.tensors.set(output, { name: output, shape, dtype: info?.dtype ?? 'float32', constant: false });
    partOutputs.push(output);
    result.parts.push({ proc: split.parts[k].proc, nodes: draft.nodes.slice(first).map((n) => n.id) });
  });
  addConcat(draft, partOutputs, outName, axis, result.concat);
  return result;
}

/** Grouped convs split output channels at group boundaries. */
function channelQuantum(node: Node, graph: Graph): number {
  if (node.op !== 'Conv') return 1;
  const group = Number(node.attrs.group ?? 1);
  if (group <= 1) return 1;
  const w = fixedShape(graph.tensors.get(node.inputs[1]), `node ${node.id}`);
  return w[0] / group;
}

type PartBuilder = (draft: GraphDraft, range: Range, id: string) => Node;

function partBuilder(node: Node, graph: Graph, axis: SplitAxis, where: string): PartBuilder {
  const unsupported = (): never => {
    throw new HeteroError(where, `the executor cannot split ${node.op} along ${axis}`);
  };
  const category = nodeCost(node, graph).category;
  const elementwise = category === 'elementwise' || category === 'activation';
  if (axis === 'OC') {
    if (node.op === 'Conv') return convChannels(node, graph);
    if (node.op === 'Gemm') return gemmColumns(node, graph);
    if (node.op === 'MatMul') return matmulColumns(node, graph);
    return unsupported();
  }
  const a = SPATIAL_AXIS[axis];
  if (elementwise) return broadcastSlices(node, graph, a);
  switch (node.op) {
    case 'Conv':
      if (axis === 'C') return category === 'depthwise-conv' ? convChannels(node, graph) : unsupported();
      return axis === 'N' ? dataSlice(node, 0) : windowed(node, graph, a);
    case 'MaxPool':
    case 'AveragePool':
      if (axis === 'H' || axis === 'W') return windowed(node, graph, a);
      return dataSlice(node, a);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return axis === 'C' || axis === 'N' ? dataSlice(node, a) : unsupported();
    case 'BatchNormalization':
      return axis === 'C' ? batchNormChannels(node, graph) : dataSlice(node, a);
    default:
      return unsupported();
  }
}

/** Slices input 0 along `axis` (output and input positions coincide), other inputs whole. */
function dataSlice(node: Node, axis: number): PartBuilder {
  return (draft, range, id) => {
    const x = addSlice(draft, node.inputs[0], axis, range, `${id}/x`);
    return { ...node, inputs: [x, ...node.inputs.slice(1)] };
  };
}

/** Element-wise: each input is sliced where its (broadcast-aligned) dim spans the output's. */
function broadcastSlices(node: Node, graph: Graph, axis: number): PartBuilder {
  const rank = fixedShape(graph.tensors.get(node.outputs[0]), `node ${node.id}`).length;
  const outDim = fixedShape(graph.tensors.get(node.outputs[0]), `node ${node.id}`)[axis];
  return (draft, range, id) => {
    const inputs = node.inputs.map((name, i) => {
      if (name === '') return name;
      const t = draft.tensors.get(name);
      const shape = fixedShape(t, `node ${node.id}`);
      const aligned = axis - (rank - shape.length);
      if (aligned < 0 || shape[aligned] !== outDim || outDim === 1) return name;
      if (t?.constant) {
        const sliced = sliceConstant(t, aligned, range, `${id}/in${i}`);
        draft.tensors.set(sliced.name, sliced);
        return sliced.name;
      }
      return addSlice(draft, name, aligned, range, `${id}/in${i}`);
    });
    return { ...node, inputs };
  };
}

/** Constant input `i` sliced along `axis`, or a Slice node when it is computed at run time. */
function sliceInput(
  draft: GraphDraft,
  node: Node,
  i: number,
  axis: number,
  range: Range,
  id: string,
): string {
  const name = node.inputs[i];
  const t = draft.tensors.get(name);
  if (t?.constant) {
    const sliced = sliceConstant(t, axis, range, `${id}/in${i}`);
    draft.tensors.set(sliced.name, sliced);
    return sliced.name;
  }
  return addSlice(draft, name, axis, range, `${id}/in${i}`);
}

/** Conv OC: weight rows and bias; grouped convs also take their groups' input channels. */
function convChannels(node: Node, graph: Graph): PartBuilder {
  const group = Number(node.attrs.group ?? 1);
  const w = fixedShape(graph.tensors.get(node.inputs[1]), `node ${node.id}`);
  const outPerGroup = w[0] / group;
  const inPerGroup = w[1];
  return (draft, range, id) => {
    const inputs = [...node.inputs];
    const attrs: Record<string, AttrValue> = { ...node.attrs };
    if (group > 1) {
      const groups = { start: range.start / outPerGroup, end: range.end / outPerGroup };
      const channels = { start: groups.start * inPerGroup, end: groups.end * inPerGroup };
      inputs[0] = addSlice(draft, node.inputs[0], 1, channels, `${id}/x`);
      attrs.group = groups.end - groups.start;
    }
    inputs[1] = sliceInput(draft, node, 1, 0, range, id);
    if (node.inputs[2]) inputs[2] = sliceInput(draft, node, 2, 0, range, id);
    return { ...node, inputs, attrs };
  };
}

function batchNormChannels(node: Node, graph: Graph): PartBuilder {
  void graph;
  return (draft, range, id) => {
    const inputs = node.inputs.map((name, i) =>
      i === 0 ? addSlice(draft, name, 1, range, `${id}/x`) : sliceInput(draft, node, i, 0, range, id),
    );
    return { ...node, inputs };
  };
}

/** Gemm OC: columns of B (rows when transB) and of a bias that spans them. */
function gemmColumns(node: Node, graph: Graph): PartBuilder {
  const transB = Number(node.attrs.transB ?? 0) === 1;
  const n = fixedShape(graph.tensors.get(node.outputs[0]), `node ${node.id}`)[1];
  return (draft, range, id) => {
    const inputs = [...node.inputs];
    inputs[1] = sliceInput(draft, node, 1, transB ? 0 : 1, range, id);
    const c = node.inputs[2] ? draft.tensors.get(node.inputs[2]) : undefined;
    if (c) {
      const shape = fixedShape(c, `node ${node.id}`);
      if (shape.length > 0 && shape[shape.length - 1] === n && n > 1)
        inputs[2] = sliceInput(draft, node, 2, shape.length - 1, range, id);
    }
    return { ...node, inputs };
  };
}

/** MatMul OC: the last axis of B. */
function matmulColumns(node: Node, graph: Graph): PartBuilder {
  const b = fixedShape(graph.tensors.get(node.inputs[1]), `node ${node.id}`);
  if (b.length < 2)
    throw new HeteroError(`node ${node.id}`, 'MatMul with a vector B has no columns to split');
  return (draft, range, id) => {
    const inputs = [...node.inputs];
    inputs[1] = sliceInput(draft, node, 1, b.length - 1, range, id);
    return { ...node, inputs };
  };
}

/**
 * Conv/pool H or W part: output rows [o0, o1) read input rows o0·s − pad … (o1 − 1)·s − pad + span;
 * the part slices what exists of them and pads the rest itself (only at the tensor's real edges).
 */
function windowed(node: Node, graph: Graph, axis: number): PartBuilder {
  const where = `node ${node.id}`;
  const x = fixedShape(graph.tensors.get(node.inputs[0]), where);
  const outLen = fixedShape(graph.tensors.get(node.outputs[0]), where)[axis];
  const spatial = x.length - 2;
  const i = axis - 2;
  const kernel =
    ints(node, 'kernel_shape') ??
    (node.op === 'Conv' ? fixedShape(graph.tensors.get(node.inputs[1]), where).slice(2) : undefined);
  if (!kernel) throw new HeteroError(where, `${node.op} has no kernel shape`);
  const strides = ints(node, 'strides') ?? Array<number>(spatial).fill(1);
  const dilations = ints(node, 'dilations') ?? Array<number>(spatial).fill(1);
  const pads = explicitPads(node, x.slice(2), kernel, strides, dilations, outLen, i);
  const span = (kernel[i] - 1) * dilations[i] + 1;
  const s = strides[i];
  const inLen = x[axis];
  if (
    node.op === 'AveragePool' &&
    Number(node.attrs.count_include_pad ?? 0) === 0 &&
    pads.some((p) => p > 0)
  ) {
    // A part's own pads would differ from the whole's in which cells count: not the same numbers.
    throw new HeteroError(where, 'the executor cannot split a padded AveragePool that excludes pads');
  }
  return (draft, range, id) => {
    const from = range.start * s - pads[i];
    const to = (range.end - 1) * s - pads[i] + span;
    const lo = Math.max(0, from);
    const hi = Math.min(inLen, to);
    const partPads = [...pads];
    partPads[i] = lo - from;
    partPads[i + spatial] = to - hi;
    const sliced = addSlice(draft, node.inputs[0], axis, { start: lo, end: hi }, `${id}/x`);
    const attrs: Record<string, AttrValue> = { ...node.attrs, pads: partPads };
    delete attrs.auto_pad;
    delete attrs.ceil_mode;
    return { ...node, inputs: [sliced, ...node.inputs.slice(1)], attrs };
  };
}

/** Pads as explicit [begin…, end…], resolving auto_pad (SAME_UPPER puts the odd pad at the end). */
function explicitPads(
  node: Node,
  inDims: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  outLen: number,
  axisIndex: number,
): number[] {
  const spatial = inDims.length;
  const autoPad = typeof node.attrs.auto_pad === 'string' ? node.attrs.auto_pad : 'NOTSET';
  if (autoPad === 'NOTSET' || autoPad === '') {
    const pads = ints(node, 'pads') ?? Array<number>(2 * spatial).fill(0);
    // ceil_mode: the last window may run past the end; the extra rows behave as end padding.
    const span = (kernel[axisIndex] - 1) * dilations[axisIndex] + 1;
    const needed = (outLen - 1) * strides[axisIndex] + span - inDims[axisIndex] - pads[axisIndex];
    const out = [...pads];
    out[axisIndex + spatial] = Math.max(pads[axisIndex + spatial], needed);
    return out;
  }
  if (autoPad === 'VALID') return Array<number>(2 * spatial).fill(0);
  return inDims
    .flatMap(() => [0, 0])
    .map((_, j) => {
      const d = j % spatial;
      const span = (kernel[d] - 1) * dilations[d] + 1;
      const out = Math.ceil(inDims[d] / strides[d]);
      const total = Math.max(0, (out - 1) * strides[d] + span - inDims[d]);
      const begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      return j < spatial ? begin : total - begin;
    });
}
