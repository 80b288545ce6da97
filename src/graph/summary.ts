// Summary statistics of a shape-inferred graph: what `hetero inspect` shows and what a planner
// wants to know first (how much work, how parallel, how memory-hungry).
import { nodeCost } from './cost.js';
import { criticalPath, dependencies, nodeInputs, parallelWidth, topologicalOrder } from './dag.js';
import type { Dim, DType, Graph, OpCategory, OpCost } from './types.js';
import { numel, tensorBytes } from './types.js';

export interface TensorSummary {
  name: string;
  shape: Dim[] | null;
  dtype: DType;
}

export interface CostlyOp {
  id: string;
  op: string;
  macs: number;
  flops: number;
  /** Share of the model's total FLOPs. */
  share: number;
}

export interface GraphSummary {
  name: string;
  source?: string;
  nodes: number;
  /** Nodes inside nested graphs (If branches, Loop/Scan bodies), recursively. */
  nestedNodes: number;
  macs: number;
  flops: number;
  /** Elements of weight tensors (floating-point and 8/4-bit constants; shape constants excluded). */
  params: number;
  paramBytes: number;
  ops: Record<string, number>;
  categories: Partial<Record<OpCategory, { nodes: number; macs: number; flops: number }>>;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** Peak bytes of live activations when run in topological order; null while shapes are symbolic. */
  peakActivationBytes: number | null;
  /** Largest set of mutually independent nodes. */
  parallelWidth: number;
  /** The same, counting only nodes that do arithmetic (MACs > 0): what could really overlap. */
  computeParallelWidth: number;
  criticalPath: { nodes: number; macs: number; share: number };
  topOps: CostlyOp[];
  /** Nodes whose cost hetero does not know (unknown op or symbolic shapes): totals exclude them. */
  unknownCostNodes: string[];
}

const WEIGHT_DTYPES = new Set<DType>([
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int8',
  'uint8',
  'int4',
  'uint4',
  'float8',
]);

/** Weight elements and bytes in a graph and all graphs nested in it. */
export function countParams(g: Graph): { params: number; paramBytes: number } {
  let params = 0;
  let paramBytes = 0;
  const visit = (graph: Graph): void => {
    for (const t of graph.tensors.values()) {
      // Scalars are hyper-parameters (Clip bounds, scales), not weights.
      if (!t.constant || !WEIGHT_DTYPES.has(t.dtype) || t.shape?.length === 0) continue;
      params += numel(t.shape) ?? 0;
      paramBytes += tensorBytes(t) ?? 0;
    }
    for (const n of graph.nodes) for (const sub of Object.values(n.subgraphs ?? {})) visit(sub);
  };
  visit(g);
  return { params, paramBytes };
}

/** Live-activation peak in topological order: a tensor lives from its producer to its last reader. */
export function peakActivationBytes(g: Graph): number | null {
  const deps = dependencies(g);
  const order = topologicalOrder(g, deps);
  const step = new Map<number, number>(order.map((nodeIndex, k) => [nodeIndex, k]));
  const lastRead = new Map<string, number>();
  order.forEach((nodeIndex, k) => {
    for (const name of nodeInputs(g.nodes[nodeIndex])) lastRead.set(name, k);
  });
  for (const o of g.outputs) lastRead.set(o, order.length);

  const freeAt: number[] = new Array<number>(order.length + 1).fill(0);
  const allocAt: number[] = new Array<number>(order.length).fill(0);
  let live = 0;
  for (const name of g.inputs) {
    const bytes = activationBytes(g, name);
    if (bytes === undefined) return null;
    live += bytes;
    freeAt[lastRead.get(name) ?? 0] += bytes;
  }
  for (const [i, n] of g.nodes.entries()) {
    const k = step.get(i) ?? 0;
    for (const o of n.outputs) {
      if (o === '') continue;
      const bytes = activationBytes(g, o);
      if (bytes === undefined) return null;
      allocAt[k] += bytes;
      freeAt[lastRead.get(o) ?? k] += bytes;
    }
  }
  let peak = live;
  for (let k = 0; k < order.length; k++) {
    live += allocAt[k]; // outputs exist while the node's inputs are still held
    peak = Math.max(peak, live);
    live -= freeAt[k];
  }
  return peak;
}

function countNestedNodes(g: Graph): number {
  let count = 0;
  for (const n of g.nodes) {
    for (const sub of Object.values(n.subgraphs ?? {})) count += sub.nodes.length + countNestedNodes(sub);
  }
  return count;
}

function activationBytes(g: Graph, name: string): number | undefined {
  const t = g.tensors.get(name);
  if (!t) return undefined;
  if (t.constant) return 0;
  return tensorBytes(t);
}

function describe(g: Graph, name: string): TensorSummary {
  const t = g.tensors.get(name);
  return { name, shape: t?.shape ?? null, dtype: t?.dtype ?? 'unknown' };
}

export function summarize(g: Graph, topCount = 10): GraphSummary {
  const costs: OpCost[] = g.nodes.map((n) => nodeCost(n, g));
  const ops: Record<string, number> = {};
  const categories: GraphSummary['categories'] = {};
  const unknownCostNodes: string[] = [];
  let macs = 0;
  let flops = 0;
  g.nodes.forEach((n, i) => {
    const c = costs[i];
    const opName = n.domain ? `${n.domain}::${n.op}` : n.op;
    ops[opName] = (ops[opName] ?? 0) + 1;
    if (!c.costKnown) unknownCostNodes.push(n.id);
    macs += c.macs;
    flops += c.flops;
    const cat = (categories[c.category] ??= { nodes: 0, macs: 0, flops: 0 });
    cat.nodes++;
    cat.macs += c.macs;
    cat.flops += c.flops;
  });
  const costIndex = new Map(g.nodes.map((n, i) => [n, costs[i]]));
  const path = criticalPath(g, (_, i) => costs[i].macs);
  const topOps = g.nodes
    .map((n, i) => ({
      id: n.id,
      op: n.op,
      macs: costs[i].macs,
      flops: costs[i].flops,
      share: flops > 0 ? costs[i].flops / flops : 0,
    }))
    .sort((a, b) => b.flops - a.flops)
    .slice(0, topCount);
  return {
    name: g.name,
    source: g.source,
    nodes: g.nodes.length,
    nestedNodes: countNestedNodes(g),
    macs,
    flops,
    ...countParams(g),
    ops,
    categories,
    inputs: g.inputs.map((name) => describe(g, name)),
    outputs: g.outputs.map((name) => describe(g, name)),
    peakActivationBytes: peakActivationBytes(g),
    parallelWidth: parallelWidth(g),
    computeParallelWidth: parallelWidth(g, (n) => (costIndex.get(n)?.macs ?? 0) > 0),
    criticalPath: { nodes: path.nodes.length, macs: path.weight, share: macs > 0 ? path.weight / macs : 0 },
    topOps,
    unknownCostNodes,
  };
}
