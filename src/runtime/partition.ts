// From a plan to partitions: split ops rewritten into real parts (split-ops.ts), then each
// processor's nodes, in the plan's issue order, cut into contiguous runs that become one sub-model
// each. A run is cut
// - before a node that reads a tensor of another processor's partition the run does not wait for
//   yet: a partition starts when all its inputs are there, so the nodes before it would wait too.
//   (This covers partitions started after the run began, so every dependency between partitions
//   points from an earlier-started one to a later one: no cycles.) And
// - after a node whose output another processor reads (so that processor can start as soon as the
//   plan says, instead of waiting for the rest of the run) — unless every such reader also needs
//   the next node: it waits for it anyway, and one partition run less is saved (an inception
//   module's branches on one worker, all read by the concat on the other, stay one partition).
// Nodes holding nested graphs (If, Loop) stay whole inside one partition.
import { HeteroError } from '../errors.js';
import { nodeInputs, topologicalOrder } from '../graph/dag.js';
import type { Graph } from '../graph/types.js';
import type { Plan } from '../plan/types.js';
import { materializeWeights } from './materialize.js';
import { draftOf } from './slice-tensors.js';
import { splitNode } from './split-ops.js';

export interface Partition {
  /** "p0", "p1", … in issue order (a topological order of partitions). */
  id: string;
  proc: string;
  /** Node ids of the expanded graph, in issue order. */
  nodes: string[];
  /** Tensors it reads from other partitions or the model's inputs. */
  inputs: string[];
  /** Tensors other partitions or the model's outputs read. */
  outputs: string[];
}

export interface PartitionedPlan {
  /** The graph executed: split nodes rewritten into slices, parts and concats; weights materialized. */
  graph: Graph;
  partitions: Partition[];
  /** Processors the partitions run on, in order of first use. */
  procs: string[];
}

/** The plan's issue order over `graph`, and each expanded node's processor. */
function expand(graph: Graph, plan: Plan): { graph: Graph; procOf: Map<string, string> } {
  const order = plan.order ?? topologicalOrder(graph).map((i) => graph.nodes[i].id);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const draft = draftOf(graph);
  const procOf = new Map<string, string>();
  for (const id of order) {
    const node = byId.get(id);
    const placement = plan.placements[id];
    if (!node || !placement) throw new HeteroError('plan', `node ${id} has no placement or is unknown`);
    if ('proc' in placement) {
      draft.nodes.push(node);
      procOf.set(id, placement.proc);
      continue;
    }
    const result = splitNode(draft, graph, node, placement.split);
    for (const part of result.parts) for (const n of part.nodes) procOf.set(n, part.proc);
    procOf.set(result.concat, result.parts[0].proc);
  }
  return { graph: { ...graph, nodes: draft.nodes, tensors: draft.tensors }, procOf };
}

export function partitionPlan(graph: Graph, plan: Plan): PartitionedPlan {
  const needsSlicing = Object.values(plan.placements).some((p) => 'split' in p);
  const { graph: expanded, procOf } = expand(needsSlicing ? materializeWeights(graph) : graph, plan);
  const nodes = expanded.nodes;

  // Which nodes, and so which processors, read each tensor.
  const inputsOf = new Map(nodes.map((n) => [n.id, nodeInputs(n)]));
  const readers = new Map<string, string[]>();
  for (const n of nodes) {
    for (const t of inputsOf.get(n.id) ?? []) readers.set(t, [...(readers.get(t) ?? []), n.id]);
  }

  interface Run {
    index: number;
    proc: string;
    nodes: string[];
    /** Nodes of other processors that read this run's outputs. */
    crossReaders: Set<number>;
    /** Other processors' runs it reads from. */
    sources: Set<Run>;
  }
  const indexOf = new Map(nodes.map((n, i) => [n.id, i]));
  const ancestors = ancestorSets(nodes, inputsOf);
  const runs: Run[] = [];
  const open = new Map<string, Run>();
  const producedIn = new Map<string, Run>();
  nodes.forEach((n, i) => {
    const proc = procOf.get(n.id) ?? '';
    let run = open.get(proc);
    const remote = (inputsOf.get(n.id) ?? [])
      .map((t) => producedIn.get(t))
      .filter((from): from is Run => from !== undefined && from.proc !== proc);
    const waitsForMore = run !== undefined && remote.some((from) => !run?.sources.has(from));
    const keepsReadersWaiting =
      run !== undefined && [...run.crossReaders].some((r) => !hasAncestor(ancestors[r], i));
    if (!run || waitsForMore || keepsReadersWaiting) {
      run = { index: runs.length, proc, nodes: [], crossReaders: new Set(), sources: new Set() };
      runs.push(run);
      open.set(proc, run);
    }
    run.nodes.push(n.id);
    for (const from of remote) run.sources.add(from);
    for (const o of n.outputs) if (o) producedIn.set(o, run);
    for (const o of n.outputs) {
      for (const r of readers.get(o) ?? []) {
        if (procOf.get(r) !== proc) run.crossReaders.add(indexOf.get(r) ?? -1);
      }
    }
  });

  const partitions = runs.map((run): Partition => {
    const produced = new Set<string>();
    const inputs: string[] = [];
    const members = new Set(run.nodes);
    for (const n of nodes) {
      if (!members.has(n.id)) continue;
      for (const t of inputsOf.get(n.id) ?? []) {
        if (t === '' || produced.has(t) || inputs.includes(t)) continue;
        if (!expanded.tensors.get(t)?.constant) inputs.push(t);
      }
      for (const o of n.outputs) if (o) produced.add(o);
    }
    const outputs = [...produced].filter(
      (t) => expanded.outputs.includes(t) || (readers.get(t) ?? []).some((id) => !members.has(id)),
    );
    return { id: `p${run.index}`, proc: run.proc, nodes: run.nodes, inputs, outputs };
  });
  const procs = [...new Set(partitions.map((p) => p.proc))];
  return { graph: expanded, partitions, procs };
}

/** Per node (by index, nodes in topological order), a bitset of the nodes it transitively reads. */
function ancestorSets(
  nodes: readonly { id: string; outputs: string[] }[],
  inputsOf: Map<string, string[]>,
): Uint32Array[] {
  const words = Math.ceil(nodes.length / 32);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const sets: Uint32Array[] = [];
  nodes.forEach((n, i) => {
    const set = new Uint32Array(words);
    for (const t of inputsOf.get(n.id) ?? []) {
      const p = producer.get(t);
      if (p === undefined || p >= i) continue;
      const of = sets[p];
      for (let w = 0; w < words; w++) set[w] |= of[w];
      set[p >>> 5] |= 1 << (p & 31);
    }
    sets[i] = set;
  });
  return sets;
}

function hasAncestor(set: Uint32Array | undefined, i: number): boolean {
  return set !== undefined && (set[i >>> 5] & (1 << (i & 31))) !== 0;
}
