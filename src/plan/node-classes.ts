// Node classes: nodes a cost model cannot tell apart, so that per-node cost tables (latency rows, the
// bound's probes, evaluatePlan's unsplit parts) ask the cost model once per class, not once per node.
import type { CostModel, RunContext } from '../cost/types.js';
import type { Graph, Node, TensorInfo } from '../graph/types.js';
import type { Processor } from '../hardware/schema.js';

/** A key naming a run context (for caches): every field, in a fixed order. */
export function contextKey(ctx: RunContext | undefined): string {
  if (!ctx) return '';
  const fields = ctx as Record<string, unknown>;
  return Object.keys(fields)
    .filter((k) => fields[k] !== undefined)
    .sort()
    .map((k) => `${k}=${JSON.stringify(fields[k])}`)
    .join('|');
}

/**
 * Classes of nodes a cost model cannot tell apart: same op, domain and attributes, and inputs and
 * outputs of the same shapes, dtypes and known values (weights' bytes aside). A cost model prices a
 * node from exactly these (nodeCost and the roofline do; so do the test fakes), never from its name,
 * so a per-node table needs one cost-model call per class, not per node. Nodes with subgraphs or
 * tensor-valued attributes are classes of their own. Cached per graph (graphs are immutable).
 */
export interface NodeClasses {
  /** classOf[i]: the class of node i. */
  classOf: Int32Array;
  /** representative[c]: the first node of class c. */
  representative: number[];
}

const classCache = new WeakMap<Graph, NodeClasses>();

const tensorSignatures = new WeakMap<TensorInfo, string>();

function tensorSignature(graph: Graph, name: string): string {
  if (name === '') return '-';
  const t = graph.tensors.get(name);
  if (!t) return '?';
  let sig = tensorSignatures.get(t);
  if (sig === undefined) {
    const value = t.value ? `=${t.value.join(',')}` : '';
    sig = `${t.dtype}${t.constant ? 'k' : ''}[${t.shape?.join(',') ?? '?'}]${value}`;
    tensorSignatures.set(t, sig);
  }
  return sig;
}

function attrsSignature(attrs: Node['attrs']): string | undefined {
  let out = '';
  for (const key of Object.keys(attrs).sort()) {
    const v = attrs[key];
    if (typeof v === 'object' && !Array.isArray(v)) return undefined; // a tensor: no sharing
    out += `${key}=${Array.isArray(v) ? `[${v.join(',')}]` : typeof v === 'string' ? JSON.stringify(v) : v};`;
  }
  return out;
}

export function nodeClasses(graph: Graph): NodeClasses {
  const cached = classCache.get(graph);
  if (cached) return cached;
  const classOf = new Int32Array(graph.nodes.length);
  const representative: number[] = [];
  const byKey = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    const attrs = attrsSignature(node.attrs);
    const key =
      node.subgraphs || attrs === undefined
        ? `#${i}`
        : `${node.domain ?? ''}::${node.op}(${node.inputs.map((n) => tensorSignature(graph, n)).join(';')})` +
          `{${attrs}}->${node.outputs.map((n) => tensorSignature(graph, n)).join(';')}` +
          // Repeated inputs (x + x) are part of what the node is.
          `/${node.inputs.map((n) => node.inputs.indexOf(n)).join(',')}`;
    let c = byKey.get(key);
    if (c === undefined) {
      c = representative.length;
      representative.push(i);
      byKey.set(key, c);
    }
    classOf[i] = c;
  });
  const out = { classOf, representative };
  classCache.set(graph, out);
  return out;
}

/**
 * f(node) for every node, computed once per node class (see nodeClasses): for per-node cost-model
 * queries in planners' tables.
 */
export function perNodeClass(graph: Graph, f: (node: Node, index: number) => number): Float64Array {
  const { classOf, representative } = nodeClasses(graph);
  const byClass = representative.map((i) => f(graph.nodes[i], i));
  const row = new Float64Array(graph.nodes.length);
  for (let i = 0; i < row.length; i++) row[i] = byClass[classOf[i]];
  return row;
}

/** opLatencyMs of a node, asked once per (processor, node class); see latencyLookup. */
export type LatencyLookup = (node: Node, proc: Processor) => number;

const lookupCache = new WeakMap<CostModel, WeakMap<Graph, Map<string, LatencyLookup>>>();
const nodeIndexCache = new WeakMap<Graph, Map<Node, number>>();

/** The index of `node` in `graph.nodes` (-1 when the graph does not hold that node object). */
export function nodeIndex(graph: Graph, node: Node): number {
  let index = nodeIndexCache.get(graph);
  if (!index) nodeIndexCache.set(graph, (index = new Map(graph.nodes.map((n, i) => [n, i]))));
  return index.get(node) ?? -1;
}

/**
 * cost.opLatencyMs(node, graph, proc, ctx) for the nodes of `graph`, computed once per processor and
 * node class and shared by every planner using the same (cost model, graph, context). Exactly the
 * cost model's value (Infinity, NaN and all).
 */
export function latencyLookup(graph: Graph, cost: CostModel, ctx: RunContext): LatencyLookup {
  let byGraph = lookupCache.get(cost);
  if (!byGraph) lookupCache.set(cost, (byGraph = new WeakMap()));
  let byCtx = byGraph.get(graph);
  if (!byCtx) byGraph.set(graph, (byCtx = new Map()));
  const key = contextKey(ctx);
  const known = byCtx.get(key);
  if (known) return known;
  const { classOf, representative } = nodeClasses(graph);
  const rows = new Map<Processor, Float64Array>();
  const computed = new Map<Processor, Uint8Array>();
  const lookup: LatencyLookup = (node, proc) => {
    const i = nodeIndex(graph, node);
    if (i < 0) return cost.opLatencyMs(node, graph, proc, ctx);
    let row = rows.get(proc);
    let done = computed.get(proc);
    if (!row || !done) {
      rows.set(proc, (row = new Float64Array(representative.length)));
      computed.set(proc, (done = new Uint8Array(representative.length)));
    }
    const c = classOf[i];
    if (done[c] === 0) {
      row[c] = cost.opLatencyMs(node, graph, proc, ctx);
      done[c] = 1;
    }
    return row[c];
  };
  byCtx.set(key, lookup);
  return lookup;
}
