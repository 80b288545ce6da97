// heft: inter-operator (branch) parallelism by list scheduling of the DAG across processors.
//
// Reproduces HEFT (Topcuoglu, Hariri and Wu, "Performance-Effective and Low-Complexity Task Scheduling
// for Heterogeneous Computing", IEEE TPDS 13(3), 2002), the list scheduler that DNN branch-parallel
// systems such as DART (Xiang and Kim, RTSS 2019) and HOPE-style schedulers build on:
//   1. upward rank: rank(i) = w̄(i) + max over successors j of (c̄(i→j) + rank(j)), where w̄ is the mean
//      latency of the node over the processors that can run it and c̄ the mean sync + transfer time of
//      the data i sends j over all ordered pairs of distinct processors;
//   2. nodes in decreasing rank, each on the processor giving the earliest finish time, using the
//      insertion policy (a node may fill an idle gap between nodes already scheduled there).
// The plan's order is the schedule: nodes by start time, so that evaluatePlan (each processor issues
// its nodes in plan order) replays the same timeline.
//
// Simplifications:
// - Data is priced as evaluatePlan prices it: a tensor moved to a processor stays there for later
//   readers there, graph inputs start on the home CPU; for nodes producing graph outputs the move back
//   to the home CPU is added to the finish time compared (HEFT has no such term).
// - Ranks are taken among ready nodes (a heap), which equals HEFT's sorted list whenever mean latencies
//   are positive and is still a valid topological order when some are zero.
// - Memory-bandwidth contention between concurrently running nodes is not modelled (neither does HEFT).
// - HEFT minimises the makespan; with the energy objective the schedule is the same.
import type { CostModel } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import { dependencies, topologicalOrder } from '../../graph/dag.js';
import type { Graph, TensorInfo } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { homeProcessor } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import type { Placement, PlanOptions, Strategy } from '../types.js';
import { activationInputs, IndexHeap, latencyTable, moveMs, planContext, planObjective } from './chains.js';

export interface HeftSchedule {
  /** Processor index (into `procs`) per node. */
  proc: Int32Array;
  startMs: Float64Array;
  finishMs: Float64Array;
  /** Node indices by start time. */
  order: number[];
  /** HEFT's own makespan (with results back on the home CPU). */
  makespanMs: number;
  rank: Float64Array;
  procs: Processor[];
}

/** Busy intervals of one processor, sorted by start. */
type Timeline = { startMs: number; endMs: number }[];

/** Earliest start ≥ readyMs of a `durationMs` job in a gap of `timeline` (insertion policy). */
export function earliestSlot(timeline: Timeline, readyMs: number, durationMs: number): number {
  // Skip, by binary search, the intervals that end before the node is ready.
  let lo = 0;
  let hi = timeline.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeline[mid].endMs <= readyMs) lo = mid + 1;
    else hi = mid;
  }
  let candidate = readyMs;
  for (let k = lo; k < timeline.length; k++) {
    const busy = timeline[k];
    if (busy.endMs <= candidate) continue;
    if (busy.startMs >= candidate + durationMs) return candidate;
    candidate = Math.max(candidate, busy.endMs);
  }
  return candidate;
}

function insertBusy(timeline: Timeline, startMs: number, endMs: number): void {
  let k = timeline.length;
  while (k > 0 && timeline[k - 1].startMs > startMs) k--;
  timeline.splice(k, 0, { startMs, endMs });
}

export function heftSchedule(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): HeftSchedule {
  const procs = usableProcessors(device, opts);
  if (procs.length === 0) throw new HeteroError('heft', `none of ${device.id}'s processors is allowed`);
  const home = homeProcessor(device);
  const n = graph.nodes.length;
  const P = procs.length;
  const latencyMs = latencyTable(graph, procs, cost, planContext(opts));
  const deps = dependencies(graph);
  const topo = topologicalOrder(graph, deps);
  const position = new Int32Array(n);
  topo.forEach((i, k) => (position[i] = k));

  // Mean computation cost over the processors that can run the node.
  const meanW = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let count = 0;
    for (let p = 0; p < P; p++) {
      if (Number.isFinite(latencyMs[p][i])) {
        sum += latencyMs[p][i];
        count++;
      }
    }
    if (count === 0) {
      const node = graph.nodes[i];
      throw new HeteroError(
        'heft',
        `no allowed processor of ${device.id} can run node ${node.id} (${node.op})`,
      );
    }
    meanW[i] = sum / count;
  }
  // Mean communication cost of a tensor over ordered pairs of distinct processors.
  const meanC = new Map<string, number>();
  const meanMove = (t: TensorInfo): number => {
    let c = meanC.get(t.name);
    if (c !== undefined) return c;
    let sum = 0;
    for (let p = 0; p < P; p++)
      for (let q = 0; q < P; q++) if (p !== q) sum += moveMs(cost, t, procs[p], procs[q]);
    c = P > 1 ? sum / (P * (P - 1)) : 0;
    meanC.set(t.name, c);
    return c;
  };
  const outputs = new Set(graph.outputs);
  const inputsOf = graph.nodes.map((_, i) => activationInputs(graph, i));
  // Mean data node i sends node j (the activations j reads that i produces), per edge "i>j".
  const edgeMs = new Map<string, number>();
  inputsOf.forEach((inputs, j) => {
    for (const t of inputs) {
      const i = deps.producer.get(t.name);
      if (i === undefined) continue;
      const key = `${i}>${j}`;
      edgeMs.set(key, (edgeMs.get(key) ?? 0) + meanMove(t));
    }
  });
  const rank = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const i = topo[k];
    let tail = 0;
    for (const j of deps.succs[i]) tail = Math.max(tail, (edgeMs.get(`${i}>${j}`) ?? 0) + rank[j]);
    rank[i] = meanW[i] + tail;
  }

  const proc = new Int32Array(n).fill(-1);
  const startMs = new Float64Array(n);
  const finishMs = new Float64Array(n);
  const timelines: Timeline[] = procs.map(() => []);
  // Arrival of a tensor on each processor after a move (NaN = not moved there), as evaluatePlan caches it.
  const delivered = new Map<string, Float64Array>();
  const homeIndex = procs.findIndex((p) => p.id === home.id);
  const where = (name: string): { p: Processor; atMs: number; index: number } => {
    const j = deps.producer.get(name);
    if (j === undefined) return { p: home, atMs: 0, index: homeIndex };
    return { p: procs[proc[j]], atMs: finishMs[j], index: proc[j] };
  };
  const arrivalMs = (t: TensorInfo, q: number): number => {
    const src = where(t.name);
    if (src.index === q) return src.atMs;
    const moved = delivered.get(t.name)?.[q];
    return moved !== undefined && !Number.isNaN(moved) ? moved : src.atMs + moveMs(cost, t, src.p, procs[q]);
  };

  const ready = new IndexHeap((i) => -rank[i] + position[i] * 1e-12);
  const pending = deps.preds.map((p) => p.length);
  for (const i of topo) if (pending[i] === 0) ready.push(i);
  const sequence: number[] = [];
  let makespanMs = 0;
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    const inputs = inputsOf[i];
    const results = graph.nodes[i].outputs.filter((o) => outputs.has(o));
    let bestP = -1;
    let bestStart = 0;
    let bestFinish = Infinity;
    let bestScore = Infinity;
    for (let p = 0; p < P; p++) {
      const w = latencyMs[p][i];
      if (!Number.isFinite(w)) continue;
      let readyMs = 0;
      for (const t of inputs) readyMs = Math.max(readyMs, arrivalMs(t, p));
      const start = earliestSlot(timelines[p], readyMs, w);
      let score = start + w;
      for (const name of results) {
        const t = graph.tensors.get(name);
        if (t) score = Math.max(score, start + w + moveMs(cost, t, procs[p], home));
      }
      if (score < bestScore) {
        bestScore = score;
        bestP = p;
        bestStart = start;
        bestFinish = start + w;
      }
    }
    proc[i] = bestP;
    startMs[i] = bestStart;
    finishMs[i] = bestFinish;
    makespanMs = Math.max(makespanMs, bestScore);
    insertBusy(timelines[bestP], bestStart, bestFinish);
    for (const t of inputs) {
      if (where(t.name).index === bestP) continue;
      let row = delivered.get(t.name);
      if (!row) delivered.set(t.name, (row = new Float64Array(P).fill(NaN)));
      if (Number.isNaN(row[bestP])) row[bestP] = arrivalMs(t, bestP);
    }
    sequence.push(i);
    for (const s of deps.succs[i]) if (--pending[s] === 0) ready.push(s);
  }
  // Start order is topological: a reader starts no earlier than its producer finishes.
  const scheduled = new Int32Array(n);
  sequence.forEach((i, k) => (scheduled[i] = k));
  const order = [...sequence].sort((a, b) => startMs[a] - startMs[b] || scheduled[a] - scheduled[b]);
  return { proc, startMs, finishMs, order, makespanMs, rank, procs };
}

export const heft: Strategy = {
  name: 'heft',
  cites:
    'HEFT list scheduling (Topcuoglu et al., IEEE TPDS 2002) as used for DNN branch parallelism by DART (RTSS 2019) and HOPE-style schedulers: upward rank, earliest-finish-time processor with insertion.',
  plan(graph, device, cost, opts = {}) {
    const s = heftSchedule(graph, device, cost, opts);
    const placements: Record<string, Placement> = {};
    const counts = new Map<string, number>();
    graph.nodes.forEach((node, i) => {
      const id = s.procs[s.proc[i]].id;
      placements[node.id] = { proc: id };
      counts.set(id, (counts.get(id) ?? 0) + 1);
    });
    const busyMs = s.procs.map((_, p) =>
      graph.nodes.reduce((sum, _n, i) => (s.proc[i] === p ? sum + s.finishMs[i] - s.startMs[i] : sum), 0),
    );
    const totalBusyMs = busyMs.reduce((a, b) => a + b, 0);
    const notes = [
      `nodes per processor: ${[...counts].map(([p, c]) => `${p} ${c}`).join(', ')}`,
      `HEFT makespan ${s.makespanMs.toFixed(3)} ms; busy time ${totalBusyMs.toFixed(3)} ms, ` +
        `so ${(totalBusyMs / Math.max(s.makespanMs, 1e-9)).toFixed(2)} processors busy on average`,
    ];
    if (planObjective(opts) === 'energy')
      notes.push('HEFT minimises the makespan; the energy objective does not change it');
    return makePlan(graph, device, 'heft', placements, {
      objective: planObjective(opts),
      order: s.order.map((i) => graph.nodes[i].id),
      notes,
    });
  },
};
