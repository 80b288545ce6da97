// DAG utilities over the IR: dependencies, topological order, critical path, parallel width and
// subgraph extraction. Nested graphs count as part of the node that owns them: a name a subgraph
// reads from the enclosing scope is an (implicit) input of that node.
import { HeteroError } from '../errors.js';
import type { Graph, Node, TensorInfo } from './types.js';

/** Names a graph reads from its enclosing scope (used but neither produced, input nor constant in it). */
export function outerScopeReads(g: Graph): string[] {
  const defined = new Set<string>(g.inputs);
  for (const [name, t] of g.tensors) if (t.constant) defined.add(name);
  for (const n of g.nodes) for (const o of n.outputs) defined.add(o);
  const reads = new Set<string>();
  for (const n of g.nodes) {
    for (const i of nodeInputs(n)) if (i !== '' && !defined.has(i)) reads.add(i);
  }
  for (const o of g.outputs) if (!defined.has(o)) reads.add(o);
  return [...reads];
}

/** Every tensor a node reads: its explicit inputs plus what its subgraphs capture from outside. */
export function nodeInputs(n: Node): string[] {
  if (!n.subgraphs) return n.inputs;
  const all = [...n.inputs];
  for (const sub of Object.values(n.subgraphs)) {
    for (const name of outerScopeReads(sub)) if (!all.includes(name)) all.push(name);
  }
  return all;
}

/**
 * Which node produces each tensor, and how many readers each tensor has (a graph output counts as
 * one): what a rewrite checks before fusing a producer with its only consumer.
 */
export function producersAndReaders(g: Graph): { producer: Map<string, Node>; readers: Map<string, number> } {
  const producer = new Map<string, Node>();
  const readers = new Map<string, number>();
  for (const n of g.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of nodeInputs(n)) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  for (const o of g.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  return { producer, readers };
}

/** Predecessor and successor node indices (by data dependency), deduplicated. */
export interface Dependencies {
  preds: number[][];
  succs: number[][];
  /** Tensor name → index of the node producing it. */
  producer: Map<string, number>;
}

export function dependencies(g: Graph): Dependencies {
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o !== '') producer.set(o, i);
  });
  const preds: number[][] = g.nodes.map(() => []);
  const succs: number[][] = g.nodes.map(() => []);
  g.nodes.forEach((n, i) => {
    const seen = new Set<number>();
    for (const name of nodeInputs(n)) {
      const p = producer.get(name);
      if (p === undefined || p === i || seen.has(p)) continue;
      seen.add(p);
      preds[i].push(p);
      succs[p].push(i);
    }
  });
  return { preds, succs, producer };
}

/** Node indices in a topological order (stable: ties keep file order). A cycle is a user error. */
export function topologicalOrder(g: Graph, deps: Dependencies = dependencies(g)): number[] {
  const indegree = deps.preds.map((p) => p.length);
  const ready: number[] = [];
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: number[] = [];
  // A binary heap is not worth it here: ready sets stay small and are consumed in index order.
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head];
    order.push(i);
    for (const s of deps.succs[i]) if (--indegree[s] === 0) ready.push(s);
  }
  if (order.length !== g.nodes.length) {
    const stuck = g.nodes.find((_, i) => indegree[i] > 0);
    throw new HeteroError(g.name, `graph has a cycle (through node ${stuck?.id ?? '?'})`);
  }
  return order;
}

export interface CriticalPath {
  /** Node ids along the heaviest dependency chain, in execution order. */
  nodes: string[];
  weight: number;
  /** Sum of all nodes' weights, so that weight / totalWeight is the path's share. */
  totalWeight: number;
}

/** Heaviest chain by a per-node weight (e.g. MACs): the work no amount of processors can overlap. */
export function criticalPath(g: Graph, weight: (n: Node, index: number) => number): CriticalPath {
  const deps = dependencies(g);
  const order = topologicalOrder(g, deps);
  const best = new Float64Array(g.nodes.length);
  const via = new Int32Array(g.nodes.length).fill(-1);
  let totalWeight = 0;
  let end = -1;
  for (const i of order) {
    const w = weight(g.nodes[i], i);
    totalWeight += w;
    let from = 0;
    for (const p of deps.preds[i]) {
      if (via[i] === -1 || best[p] > from) {
        from = best[p];
        via[i] = p;
      }
    }
    best[i] = from + w;
    if (end === -1 || best[i] > best[end]) end = i;
  }
  const nodes: string[] = [];
  for (let i = end; i !== -1; i = via[i]) nodes.push(g.nodes[i].id);
  nodes.reverse();
  return { nodes, weight: end === -1 ? 0 : best[end], totalWeight };
}

/**
 * Reachability as one bitset row per node (row i has bit j set when node j depends on node i,
 * directly or not). n² bits: 1,000 nodes take 125 KB.
 */
function reachability(g: Graph, deps: Dependencies, order: number[]): Uint32Array[] {
  const words = Math.ceil(g.nodes.length / 32);
  const rows = g.nodes.map(() => new Uint32Array(words));
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    const row = rows[i];
    for (const s of deps.succs[i]) {
      row[s >>> 5] |= 1 << (s & 31);
      const sRow = rows[s];
      for (let w = 0; w < words; w++) row[w] |= sRow[w];
    }
  }
  return rows;
}

/**
 * Parallel width: the largest set of nodes no two of which depend on each other (a maximum
 * antichain), exactly, by Dilworth's theorem: width = n − maximum matching in the bipartite
 * "u reaches v" graph. `include` restricts the count to some nodes (e.g. those doing arithmetic),
 * while dependencies still flow through the others.
 */
export function parallelWidth(g: Graph, include: (n: Node) => boolean = () => true): number {
  const deps = dependencies(g);
  const order = topologicalOrder(g, deps);
  const rows = reachability(g, deps, order);
  const members = g.nodes.flatMap((n, i) => (include(n) ? [i] : []));
  if (members.length === 0) return 0;
  const position = new Map<number, number>(members.map((m, k) => [m, k]));
  const adjacency = members.map((u) => {
    const out: number[] = [];
    const row = rows[u];
    for (let w = 0; w < row.length; w++) {
      let bits = row[w];
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const k = position.get(w * 32 + bit);
        if (k !== undefined) out.push(k);
      }
    }
    return out;
  });
  return members.length - maximumMatching(adjacency, members.length);
}

/** Hopcroft–Karp maximum bipartite matching; left and right sides both have `size` vertices. */
function maximumMatching(adjacency: number[][], size: number): number {
  const matchLeft = new Int32Array(size).fill(-1);
  const matchRight = new Int32Array(size).fill(-1);
  const dist = new Int32Array(size);
  const INF = 0x3fffffff;
  const bfs = (): boolean => {
    const queue: number[] = [];
    for (let u = 0; u < size; u++) {
      if (matchLeft[u] === -1) {
        dist[u] = 0;
        queue.push(u);
      } else dist[u] = INF;
    }
    let found = false;
    for (let h = 0; h < queue.length; h++) {
      const u = queue[h];
      for (const v of adjacency[u]) {
        const w = matchRight[v];
        if (w === -1) found = true;
        else if (dist[w] === INF) {
          dist[w] = dist[u] + 1;
          queue.push(w);
        }
      }
    }
    return found;
  };
  // Iterative DFS along BFS layers (recursion would overflow on long chains).
  const augment = (root: number): boolean => {
    const stack: number[] = [root];
    const edge: number[] = [0];
    const path: number[] = [];
    while (stack.length > 0) {
      const u = stack[stack.length - 1];
      const e = edge[edge.length - 1];
      if (e >= adjacency[u].length) {
        dist[u] = INF;
        stack.pop();
        edge.pop();
        path.pop();
        continue;
      }
      edge[edge.length - 1] = e + 1;
      const v = adjacency[u][e];
      const w = matchRight[v];
      if (w === -1) {
        path.push(v);
        // Flip the alternating path found: stack[k] takes path[k].
        for (let k = 0; k < stack.length; k++) {
          matchLeft[stack[k]] = path[k];
          matchRight[path[k]] = stack[k];
        }
        return true;
      }
      if (dist[w] === dist[u] + 1) {
        path.push(v);
        stack.push(w);
        edge.push(0);
      }
    }
    return false;
  };
  let matched = 0;
  while (bfs()) {
    for (let u = 0; u < size; u++) if (matchLeft[u] === -1 && augment(u)) matched++;
  }
  return matched;
}

/**
 * The subgraph made of `nodeIds`: its inputs are the non-constant tensors it reads but does not
 * produce; its outputs are what it produces that the rest of the graph (or the graph's outputs)
 * reads. Constants it reads come along, so the result stands alone (e.g. for ONNX export).
 */
export function extractSubgraph(g: Graph, nodeIds: Iterable<string>, name?: string): Graph {
  const wanted = new Set(nodeIds);
  const known = new Set(g.nodes.map((n) => n.id));
  for (const id of wanted)
    if (!known.has(id)) throw new HeteroError('subgraph', `no node "${id}" in ${g.name}`);
  const nodes = g.nodes.filter((n) => wanted.has(n.id));
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const readOutside = new Set<string>(g.outputs);
  for (const n of g.nodes) if (!wanted.has(n.id)) for (const i of nodeInputs(n)) readOutside.add(i);

  const tensors = new Map<string, TensorInfo>();
  const inputs: string[] = [];
  const take = (name: string): void => {
    const t = g.tensors.get(name);
    if (t && !tensors.has(name)) tensors.set(name, t);
  };
  for (const n of nodes) {
    for (const i of nodeInputs(n)) {
      if (i === '' || produced.has(i)) continue;
      const t = g.tensors.get(i);
      if (!t?.constant && !inputs.includes(i)) inputs.push(i);
      take(i);
    }
    n.outputs.forEach(take);
  }
  const outputs = nodes.flatMap((n) => n.outputs.filter((o) => o !== '' && readOutside.has(o)));
  return { ...g, name: name ?? `${g.name}:subgraph`, nodes, tensors, inputs, outputs, source: 'subgraph' };
}
