// Shared helpers for graph-level strategies: per-node latencies computed once per processor, the
// "moved tensor" as evaluatePlan prices it, the processor a node falls back to, and the segmentation of
// a DAG into a linear sequence of blocks at cut points (where the graph narrows to one live tensor).
import type { CostModel, RunContext } from '../../cost/types.js';
import { dependencies, nodeInputs, topologicalOrder, type Dependencies } from '../../graph/dag.js';
import type { Graph, TensorInfo } from '../../graph/types.js';
import { tensorBytes } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { homeProcessor } from '../evaluate.js';
import type { Objective, PlanOptions } from '../types.js';
import { shareOf } from '../evaluate.js';
import { contextKey, perNodeClass } from '../node-classes.js';

export { contextKey, nodeClasses, perNodeClass, type NodeClasses } from '../node-classes.js';

/**
 * The run context plans are made and evaluated under: `opts.context` (background load, threads…) with
 * `opts.freqShare` on top. Every strategy plans under this one context, the one adaptive judges in.
 */
export function planContext(opts: PlanOptions = {}): RunContext {
  const ctx: RunContext = { ...(opts.context ?? {}) };
  if (opts.freqShare !== undefined) ctx.freqShare = opts.freqShare;
  return ctx;
}

/** Planning objective; throughput is planned as latency by these single-inference strategies. */
export function planObjective(opts: PlanOptions = {}): Objective {
  return opts.objective ?? 'latency';
}

// Rows of latencyTable per (cost model, graph): graphs and cost models are immutable, and the
// strategies (and planners that try several of them) ask for the same rows again and again.
const rowCache = new WeakMap<CostModel, WeakMap<Graph, Map<string, Float64Array>>>();

/**
 * latencyMs[p][i]: node i on processor procs[p] (Infinity = cannot run), computed once per
 * (cost model, graph, processor, run context), asking the cost model once per node class. Rows are
 * shared: callers must not write to them.
 */
export function latencyTable(
  graph: Graph,
  procs: readonly Processor[],
  cost: CostModel,
  ctx: RunContext | undefined,
): Float64Array[] {
  let byGraph = rowCache.get(cost);
  if (!byGraph) rowCache.set(cost, (byGraph = new WeakMap()));
  let rows = byGraph.get(graph);
  if (!rows) byGraph.set(graph, (rows = new Map()));
  const cache = rows;
  const ctxKey = contextKey(ctx);
  return procs.map((proc) => {
    const key = `${proc.id}|${ctxKey}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const row = perNodeClass(graph, (node) => {
      const ms = cost.opLatencyMs(node, graph, proc, ctx);
      return Number.isFinite(ms) && ms >= 0 ? ms : Infinity;
    });
    cache.set(key, row);
    return row;
  });
}

// Move times per cost model, by what they depend on: dtype, shape, the two ends. Looked up by tensor
// object first (no key to build), then shared between tensors of one dtype and shape.
type PairTimes = Map<Processor, Map<Processor, number>>;
const moveCache = new WeakMap<
  CostModel,
  { bySignature: Map<string, PairTimes>; byTensor: WeakMap<TensorInfo, PairTimes> }
>();

/** Sync + transfer time of moving `t` from one processor to another (0 when they are the same). */
export function moveMs(cost: CostModel, t: TensorInfo, from: Processor, to: Processor): number {
  if (from.id === to.id) return 0;
  let cache = moveCache.get(cost);
  if (!cache) moveCache.set(cost, (cache = { bySignature: new Map(), byTensor: new WeakMap() }));
  let pairs = cache.byTensor.get(t);
  if (!pairs) {
    const moved = shareOf(t, 1);
    const key = `${moved.dtype}|${moved.shape?.join('x') ?? '?'}`;
    pairs = cache.bySignature.get(key);
    if (!pairs) cache.bySignature.set(key, (pairs = new Map()));
    cache.byTensor.set(t, pairs);
  }
  let byTo = pairs.get(from);
  if (!byTo) pairs.set(from, (byTo = new Map()));
  let ms = byTo.get(to);
  if (ms === undefined) {
    const moved = shareOf(t, 1);
    ms = cost.syncMs(from, to) + cost.transferMs(moved, from, to);
    byTo.set(to, ms);
  }
  return ms;
}

/** Energy of that move (J), 0 on the same processor. */
export function moveEnergyJ(cost: CostModel, t: TensorInfo, from: Processor, to: Processor): number {
  if (from.id === to.id) return 0;
  return cost.transferEnergyJ(shareOf(t, 1), from, to);
}

/**
 * Where a node goes when the processor a strategy wanted cannot run it: the first usable CPU that can
 * (frameworks fall back to their CPU kernels), else any usable processor that can, else the home CPU.
 * Returns the index into `procs`, or -1 when none of them can run it.
 */
export function fallbackIndex(i: number, procs: readonly Processor[], latencyMs: Float64Array[]): number {
  let any = -1;
  for (let p = 0; p < procs.length; p++) {
    if (!Number.isFinite(latencyMs[p][i])) continue;
    if (procs[p].kind === 'cpu') return p;
    if (any === -1) any = p;
  }
  return any;
}

/** The processors a strategy may use, always including the home CPU (graph inputs and outputs live there). */
export function withHome(device: Device, procs: readonly Processor[]): Processor[] {
  const home = homeProcessor(device);
  return procs.some((p) => p.id === home.id) ? [...procs] : [home, ...procs];
}

/** Activation tensors a node reads (not constants, not empty names). */
export function activationInputs(graph: Graph, nodeIndex: number): TensorInfo[] {
  const out: TensorInfo[] = [];
  for (const name of nodeInputs(graph.nodes[nodeIndex])) {
    const t = name === '' ? undefined : graph.tensors.get(name);
    if (t && !t.constant && !out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * Crossing tensors at most this big do not prevent a cut: they are shape vectors, masks and other side
 * inputs (BERT's extended attention mask is 512 bytes) that would otherwise leave a model uncuttable.
 */
export const SIDE_TENSOR_MAX_BYTES = 16 * 1024;

export interface Block {
  /** Node indices in topological order. */
  nodes: number[];
  /**
   * Activations this block reads that the previous block produced: at most one large tensor plus
   * small side tensors. Tensors from earlier blocks are small side tensors only.
   */
  entries: string[];
}

export interface Segmentation {
  order: number[];
  blocks: Block[];
  deps: Dependencies;
}

/**
 * Cuts a DAG into a linear sequence of blocks. A cut after topological position k is allowed when the
 * tensors produced at or before k and read after it (graph inputs excluded, small side tensors
 * excluded) are at most one, and that one was produced in the block the cut closes — so residual and
 * inception blocks stay whole, and a block exchanges large data only with its neighbours.
 * On a chain every node is its own block.
 */
export function segmentBlocks(graph: Graph, deps: Dependencies = dependencies(graph)): Segmentation {
  const order = topologicalOrder(graph, deps);
  const position = new Int32Array(graph.nodes.length);
  order.forEach((i, k) => (position[i] = k));
  const inputs = new Set(graph.inputs);
  // Last topological position at which each large activation is still needed (outputs: forever).
  const lastUse = new Map<string, number>();
  const outputs = new Set(graph.outputs);
  order.forEach((i, k) => {
    for (const name of nodeInputs(graph.nodes[i])) {
      const t = name === '' ? undefined : graph.tensors.get(name);
      if (!t || t.constant || inputs.has(name)) continue;
      lastUse.set(name, Math.max(lastUse.get(name) ?? -1, k));
    }
  });
  const isLarge = (name: string): boolean => {
    const t = graph.tensors.get(name);
    return (t ? (tensorBytes(t) ?? Infinity) : Infinity) > SIDE_TENSOR_MAX_BYTES;
  };

  const blocks: Block[] = [];
  let current: number[] = [];
  // Large tensors produced so far and still read later, by name → the block index that produced them.
  const live = new Map<string, number>();
  order.forEach((i, k) => {
    current.push(i);
    for (const name of graph.nodes[i].outputs) {
      if (name === '' || !isLarge(name)) continue;
      const last = lastUse.get(name);
      if ((last !== undefined && last > k) || outputs.has(name)) live.set(name, blocks.length);
    }
    for (const name of [...live.keys()]) {
      if (!outputs.has(name) && (lastUse.get(name) ?? -1) <= k) live.delete(name);
    }
    // Outputs read by nobody else stay live to the end only as results; they do not block cuts.
    const crossing = [...live.entries()].filter(([name]) => (lastUse.get(name) ?? -1) > k);
    const isLast = k === order.length - 1;
    if (isLast || crossing.length > 1) return;
    if (crossing.length === 1 && crossing[0][1] !== blocks.length) return;
    blocks.push({ nodes: current, entries: [] });
    current = [];
  });
  if (current.length > 0) blocks.push({ nodes: current, entries: [] });
  const blockOf = new Int32Array(graph.nodes.length);
  blocks.forEach((b, k) => b.nodes.forEach((i) => (blockOf[i] = k)));
  blocks.forEach((b, k) => {
    for (const i of b.nodes) {
      for (const name of nodeInputs(graph.nodes[i])) {
        const p = deps.producer.get(name);
        if (p !== undefined && blockOf[p] === k - 1 && !b.entries.includes(name)) b.entries.push(name);
      }
    }
  });
  return { order, blocks, deps };
}

/** A binary min-heap of node indices under a key (ready lists of list schedulers). */
export class IndexHeap {
  private readonly items: number[] = [];
  constructor(private readonly key: (i: number) => number) {}

  get size(): number {
    return this.items.length;
  }

  push(i: number): void {
    const a = this.items;
    a.push(i);
    let c = a.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (this.key(a[p]) <= this.key(a[c])) break;
      [a[p], a[c]] = [a[c], a[p]];
      c = p;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < a.length && this.key(a[l]) < this.key(a[m])) m = l;
        if (r < a.length && this.key(a[r]) < this.key(a[m])) m = r;
        if (m === p) break;
        [a[p], a[m]] = [a[m], a[p]];
        p = m;
      }
    }
    return top;
  }
}
