// Which axes a node can be divided along between processors, and how much of an input each part
// needs. Shared by validation, evaluation, strategies and the executor's slicing.
import { nodeCost } from '../graph/cost.js';
import type { Graph, Node } from '../graph/types.js';
import type { SplitAxis } from './types.js';

/** Ops whose output channels come from separate weight slices: splitting OC divides the weights. */
const OC_SPLITTABLE = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'FusedConv', 'QLinearConv']);

/** Ops that compute each output position from a neighbourhood of the same position. */
const SPATIALLY_LOCAL = new Set([
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'BatchNormalization',
  'Resize',
  'Upsample',
  'DepthToSpace',
  'SpaceToDepth',
  'Pad',
  'LRN',
]);

/** Ops that compute each channel independently (a C split needs no other channel). */
const CHANNEL_INDEPENDENT = new Set([
  'BatchNormalization',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Resize',
  'Upsample',
]);

const AXIS_INDEX: Record<Exclude<SplitAxis, 'OC'>, number> = { N: 0, C: 1, H: 2, W: 3 };

function isElementwiseLike(node: Node, graph: Graph): boolean {
  const category = nodeCost(node, graph).category;
  return category === 'elementwise' || category === 'activation';
}

function outputDim(node: Node, graph: Graph, axis: SplitAxis): number | undefined {
  const shape = graph.tensors.get(node.outputs[0])?.shape;
  if (!shape) return undefined;
  if (axis === 'OC') {
    // Conv/ConvTranspose output channels are dim 1; Gemm/MatMul columns are the last dim.
    const d = node.op.includes('Conv') ? shape[1] : shape[shape.length - 1];
    return typeof d === 'number' ? d : undefined;
  }
  if (shape.length !== 4) return axis === 'N' && typeof shape[0] === 'number' ? shape[0] : undefined;
  const d = shape[AXIS_INDEX[axis]];
  return typeof d === 'number' ? d : undefined;
}

/**
 * Why `node` cannot be split `parts` ways along `axis`, or undefined when it can. Each part must get
 * at least one row/channel, so the axis must be at least as long as the number of parts.
 */
export function splitProblem(node: Node, graph: Graph, axis: SplitAxis, parts: number): string | undefined {
  if (node.subgraphs) return `${node.op} holds nested graphs and cannot be split`;
  const depthwise = node.op === 'Conv' && nodeCost(node, graph).category === 'depthwise-conv';
  let allowed: boolean;
  switch (axis) {
    case 'OC':
      allowed = OC_SPLITTABLE.has(node.op);
      break;
    case 'H':
    case 'W':
      allowed = SPATIALLY_LOCAL.has(node.op) || isElementwiseLike(node, graph);
      break;
    case 'C':
      allowed = depthwise || CHANNEL_INDEPENDENT.has(node.op) || isElementwiseLike(node, graph);
      break;
    case 'N':
      allowed = !node.subgraphs;
      break;
  }
  if (!allowed) return `${node.op} cannot be split along ${axis}`;
  const length = outputDim(node, graph, axis);
  if (length === undefined) return `${node.op} output has no known ${axis} dimension`;
  if (length < parts) return `${node.op} output has ${axis} = ${length}, fewer than ${parts} parts`;
  return undefined;
}

/** A node's traffic split into what an OC part reads whole and what it reads a share of. */
interface TrafficTerms {
  activations: number;
  params: number;
  written: number;
}

const trafficCache = new WeakMap<Graph, WeakMap<Node, TrafficTerms>>();

function trafficTerms(node: Node, graph: Graph): TrafficTerms {
  let perGraph = trafficCache.get(graph);
  if (!perGraph) {
    perGraph = new WeakMap();
    trafficCache.set(graph, perGraph);
  }
  let terms = perGraph.get(node);
  if (!terms) {
    const c = nodeCost(node, graph);
    const finite = (x: number): number => (Number.isFinite(x) && x > 0 ? x : 0);
    const params = finite(c.paramBytes);
    terms = {
      activations: Math.max(0, finite(c.bytesRead) - params),
      params,
      written: finite(c.bytesWritten),
    };
    perGraph.set(node, terms);
  }
  return terms;
}

/**
 * DRAM traffic (bytes) of one part computing `fraction` of `node` split along `axis`, by the rule the
 * cost model prices parts with (RunContext.split): an OC part reads the whole input and its share of
 * the weights, an N/H/W/C part its share of the input and all the weights; each writes its share.
 * The node's terms are computed once per (graph, node).
 */
export function splitTrafficBytes(node: Node, graph: Graph, axis: SplitAxis, fraction: number): number {
  const { activations, params, written } = trafficTerms(node, graph);
  return axis === 'OC'
    ? activations + (params + written) * fraction
    : (activations + written) * fraction + params;
}

/** Extra input rows (or columns) an H (W) part of a windowed op reads beyond its own share. */
export interface Halo {
  /** Shares of the input's H (W) before and after the part's interval. */
  before: number;
  after: number;
}

/** Ops whose output position reads a window of input positions (the halo at a slice edge). */
const WINDOWED = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool']);

const haloCache = new WeakMap<Graph, WeakMap<Node, { H?: Halo; W?: Halo }>>();

function ints(node: Node, name: string): number[] | undefined {
  const v = node.attrs[name];
  if (typeof v === 'number') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/**
 * The halo of a spatial H (W) part of `node` on its data input (input 0), or undefined when it reads
 * exactly its own share. A Conv/pool output row o reads input rows o·s − pad_begin … + span − 1 with
 * span = (k − 1)·dilation + 1: a slice edge needs span − s rows beyond the linear share, pad_begin of
 * them before it (SAME_UPPER: ⌊·/2⌋, SAME_LOWER: ⌈·/2⌉). A ConvTranspose output row reads
 * ⌈span / s⌉ input rows: ⌈span / s⌉ − 1 extra, split evenly. Shares are of the input's length.
 */
export function windowHalo(node: Node, graph: Graph, axis: 'H' | 'W'): Halo | undefined {
  if (!WINDOWED.has(node.op)) return undefined;
  let perGraph = haloCache.get(graph);
  if (!perGraph) haloCache.set(graph, (perGraph = new WeakMap()));
  let entry = perGraph.get(node);
  if (!entry) perGraph.set(node, (entry = {}));
  if (axis in entry) return entry[axis];
  return (entry[axis] = computeHalo(node, graph, axis));
}

function computeHalo(node: Node, graph: Graph, axis: 'H' | 'W'): Halo | undefined {
  const x = graph.tensors.get(node.inputs[0])?.shape;
  if (!x || x.length !== 4) return undefined;
  const length = x[AXIS_INDEX[axis]];
  if (typeof length !== 'number' || length <= 0) return undefined;
  const i = axis === 'H' ? 0 : 1;
  const conv = node.op === 'Conv' || node.op === 'ConvTranspose';
  const w = conv ? graph.tensors.get(node.inputs[1] ?? '')?.shape : undefined;
  const k = ints(node, 'kernel_shape')?.[i] ?? w?.[2 + i];
  if (typeof k !== 'number' || k < 1) return undefined;
  const s = Math.max(1, ints(node, 'strides')?.[i] ?? 1);
  const d = Math.max(1, ints(node, 'dilations')?.[i] ?? 1);
  const span = (k - 1) * d + 1;
  let before: number;
  let after: number;
  if (node.op === 'ConvTranspose') {
    const extra = Math.ceil(span / s) - 1;
    before = Math.ceil(extra / 2);
    after = extra - before;
  } else {
    const extra = Math.max(0, span - s);
    const autoPad = typeof node.attrs.auto_pad === 'string' ? node.attrs.auto_pad : 'NOTSET';
    const padBegin =
      autoPad === 'SAME_UPPER'
        ? Math.floor(extra / 2)
        : autoPad === 'SAME_LOWER'
          ? Math.ceil(extra / 2)
          : autoPad === 'VALID'
            ? 0
            : (ints(node, 'pads')?.[i] ?? 0);
    before = Math.min(extra, Math.max(0, padBegin));
    after = extra - before;
  }
  if (before <= 0 && after <= 0) return undefined;
  return { before: before / length, after: after / length };
}
