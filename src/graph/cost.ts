// Per-node cost descriptors of an already shape-inferred graph.
//
// Conventions (see the op modules for per-family details):
// - MACs: multiply-accumulates of Conv/ConvTranspose/MatMul/Gemm/Einsum/recurrent cells.
// - FLOPs: 2 × MACs for MAC ops, plus bias/element-wise work: 1 FLOP per output element for simple
//   element-wise ops and comparisons, 4 for transcendental ones (Sigmoid, Tanh, Erf, Exp, Softmax…),
//   0 for pure data movement (Reshape, Transpose, Concat, Slice, Gather, Pad, Resize…).
// - bytesRead: all present inputs (activations and weights); bytesWritten: all outputs; paramBytes:
//   the constant inputs (weights, folded constants).
// - Control flow: If = the branch the known condition takes, else the costlier branch by FLOPs;
//   Loop = body × trip count (× 1 when unknown, listed by costAssumptions); Scan = body × sequence length.
// - costKnown is false for an unknown operator, a rule that cannot cost the node, or any tensor whose
//   shape is not fully numeric (symbolic dims): the numbers are then a partial count (unknown parts
//   contribute 0) and must not be trusted — never a silent zero.
import './ops/index.js';
import { categoryOf, lookupOp, type OpContext } from './ops/registry.js';
import { tensorValue } from './ops/values.js';
import type { Graph, Node, OpCost, TensorInfo } from './types.js';
import { tensorBytes } from './types.js';

export interface GraphCost extends OpCost {
  /** Nodes whose cost is not known (ids, nested nodes as parent/attr/id). */
  unknownCostNodes: string[];
}

type Lookup = (name: string) => TensorInfo | undefined;

function scoped(graph: Graph, parent?: Lookup): Lookup {
  return (name) => graph.tensors.get(name) ?? parent?.(name);
}

interface Walk {
  /** Assumptions made while costing (unknown trip counts, unknown If conditions). */
  notes: string[];
  unknown: string[];
}

function zero(category: OpCost['category']): OpCost {
  return { macs: 0, flops: 0, bytesRead: 0, bytesWritten: 0, paramBytes: 0, category, costKnown: true };
}

function sumGraph(graph: Graph, lookup: Lookup, walk: Walk, path: string): OpCost {
  const total = zero('other');
  for (const node of graph.nodes) {
    const c = costNode(node, graph, lookup, walk, path);
    total.macs += c.macs;
    total.flops += c.flops;
    total.bytesRead += c.bytesRead;
    total.bytesWritten += c.bytesWritten;
    total.paramBytes += c.paramBytes;
    if (!c.costKnown) {
      total.costKnown = false;
      walk.unknown.push(`${path}${node.id}`);
    }
  }
  return total;
}

function addScaled(into: OpCost, c: OpCost, times: number): void {
  into.macs += c.macs * times;
  into.flops += c.flops * times;
  into.bytesRead += c.bytesRead * times;
  into.bytesWritten += c.bytesWritten * times;
  into.paramBytes += c.paramBytes;
  if (!c.costKnown) into.costKnown = false;
}

function controlFlowCost(
  node: Node,
  ctx: OpContext,
  lookup: Lookup,
  walk: Walk,
  path: string,
  cost: OpCost,
): void {
  const subs = node.subgraphs ?? {};
  const here = `${path}${node.id}`;
  const sub = (attr: string): OpCost | undefined => {
    const g = subs[attr];
    // Nested unknowns are reported through their parent only.
    return g
      ? sumGraph(g, scoped(g, lookup), { notes: walk.notes, unknown: [] }, `${here}/${attr}/`)
      : undefined;
  };
  if (node.op === 'If') {
    const cond = ctx.value(0);
    if (cond && typeof cond[0] === 'number') {
      const b = sub(cond[0] ? 'then_branch' : 'else_branch');
      if (b) addScaled(cost, b, 1);
      return;
    }
    const t = sub('then_branch');
    const e = sub('else_branch');
    const pick = t && e ? (t.flops >= e.flops ? t : e) : (t ?? e);
    if (pick) addScaled(cost, pick, 1);
    walk.notes.push(`${here}: If condition unknown before run time; costed as the costlier branch`);
    return;
  }
  const body = sub('body');
  if (!body) return;
  if (node.op === 'Loop') {
    const m = node.inputs[0] ? ctx.value(0) : undefined;
    const trips = m && typeof m[0] === 'number' ? m[0] : undefined;
    if (trips === undefined) walk.notes.push(`${here}: Loop trip count unknown; costed as 1 iteration`);
    else if (node.inputs[1])
      walk.notes.push(`${here}: Loop may exit early; costed at its maximum ${trips} iterations`);
    addScaled(cost, body, trips ?? 1);
    return;
  }
  if (node.op === 'Scan') {
    // Sequence length: the first scan output's scan axis, else the first scan input's axis 0.
    const m = typeof node.attrs.num_scan_inputs === 'number' ? node.attrs.num_scan_inputs : 0;
    const first = lookup(node.inputs[node.inputs.length - m] ?? '');
    const axes = node.attrs.scan_input_axes;
    const ax = Array.isArray(axes) && typeof axes[0] === 'number' ? axes[0] : 0;
    const rank = first?.shape?.length ?? 0;
    const len = first?.shape?.[ax < 0 ? ax + rank : ax];
    if (typeof len !== 'number') {
      cost.costKnown = false;
      addScaled(cost, body, 1);
      return;
    }
    addScaled(cost, body, len);
  }
}

function costNode(node: Node, graph: Graph, lookup: Lookup, walk: Walk, path: string): OpCost {
  const def = lookupOp(node.domain, node.op);
  const inputs = node.inputs.map((n) => (n ? lookup(n) : undefined));
  const outputs = node.outputs
    .filter((n) => n)
    .map((n): TensorInfo => lookup(n) ?? { name: n, shape: null, dtype: 'unknown', constant: false });
  const cost = zero('other');
  node.inputs.forEach((name, i) => {
    if (!name) return;
    const t = inputs[i];
    const b = t ? tensorBytes(t) : undefined;
    if (b === undefined) cost.costKnown = false;
    else {
      cost.bytesRead += b;
      if (t?.constant) cost.paramBytes += b;
    }
  });
  for (const t of outputs) {
    const b = tensorBytes(t);
    if (b === undefined) cost.costKnown = false;
    else cost.bytesWritten += b;
  }
  if (!def) {
    cost.costKnown = false;
    return cost;
  }
  const domain = node.domain === 'ai.onnx' ? '' : (node.domain ?? '');
  const ctx: OpContext = {
    node,
    inputs,
    opset: graph.opsets?.[domain] ?? 17,
    graph,
    value: (i) => tensorValue(inputs[i]),
  };
  try {
    cost.category = categoryOf(def, ctx);
  } catch {
    cost.category = 'other';
  }
  if (node.subgraphs && Object.keys(node.subgraphs).length > 0) {
    controlFlowCost(node, ctx, lookup, walk, path, cost);
    return cost;
  }
  if (def.work) {
    try {
      const w = def.work(ctx, outputs);
      cost.macs = w.macs;
      cost.flops = w.flops;
      if (!Number.isFinite(w.macs) || !Number.isFinite(w.flops)) cost.costKnown = false;
    } catch {
      cost.costKnown = false;
    }
  }
  return cost;
}

/** Cost of one node of an already-inferred graph (nested graphs of If/Loop/Scan included). */
export function nodeCost(node: Node, graph: Graph): OpCost {
  return costNode(node, graph, scoped(graph), { notes: [], unknown: [] }, '');
}

/** Sum of all node costs; costKnown only if every node's cost is. */
export function graphCost(graph: Graph): GraphCost {
  const walk: Walk = { notes: [], unknown: [] };
  const total = sumGraph(graph, scoped(graph), walk, '');
  return { ...total, unknownCostNodes: walk.unknown };
}

/**
 * Assumptions graphCost had to make that keep costKnown true but deserve a warning: Loop trip counts
 * unknown before run time (costed as one iteration) or bounded only by M, If conditions unknown.
 */
export function costAssumptions(graph: Graph): string[] {
  const walk: Walk = { notes: [], unknown: [] };
  sumGraph(graph, scoped(graph), walk, '');
  return walk.notes;
}
