// A plan compiled into the job graph of one request: compute jobs (a node, or one part of a split
// node, on a processor) and delay jobs (a sync + transfer bringing a tensor piece to another
// processor), with their dependencies and each processor's issue order. It is evaluatePlan's
// Timeline (src/plan/evaluate.ts) with times replaced by the jobs that produce them — the same rules,
// step for step: pieces of split outputs, what each part reads (its slice, its halo, or everything
// for an OC part), halo rows recomputed inside chains instead of exchanged, a tensor moved to a
// processor once and reused, results returned to the app's CPU. The simulator then runs these jobs
// through time; with nothing else on the device it reproduces evaluatePlan's latency (test/sim).
import type { CostModel, RunContext } from '../cost/types.js';
import { nodeInputs } from '../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../graph/types.js';
import type { Device, Processor } from '../hardware/schema.js';
import { homeProcessor, issueOrder, overlapShare, shareOf, tensorAxis } from '../plan/evaluate.js';
import { splitTrafficBytes, windowHalo } from '../plan/split-rules.js';
import type { Placement, Plan, SplitAxis, SplitPart } from '../plan/types.js';
import { placementParts } from '../plan/validate.js';

/** One cost-model question: `mult` × the latency of `node` on `proc` in `ctx` (plus run conditions). */
export interface CostTerm {
  node: Node;
  proc: Processor;
  /** The part's own context: its split share and compute dtype (conditions are added at run time). */
  ctx: RunContext;
  mult: number;
}

/** A compute job's cost: its own work plus halo rows it recomputes, and the DRAM traffic it draws. */
export interface CostSlot {
  terms: CostTerm[];
  /** Bytes the job moves to and from DRAM (the evaluator's contention rule, splitTrafficBytes). */
  trafficBytes: number;
  /**
   * What its processor spends copying the job's inputs in before it runs (ms): tensors from another
   * CPU processor, which only a core moves (plan/evaluate.ts arrive).
   */
  copyMs: number;
}

export interface JobTemplate {
  model: string;
  graph: Graph;
  /** Processor ids by index (the device's order). */
  procIds: string[];
  jobCount: number;
  /** 1 = compute job, 0 = delay job. */
  isCompute: Uint8Array;
  /** Compute: its processor; delay: the receiving processor. */
  proc: Int32Array;
  /** Delay: the sending processor (-1 for compute jobs). */
  fromProc: Int32Array;
  /** Compute: index into `slots`. */
  slot: Int32Array;
  /** Delay: sync + transfer time (ms) and energy (J), and the sync part alone (ms) for traces. */
  delayMs: Float64Array;
  delaySyncMs: Float64Array;
  delayJ: Float64Array;
  /** Number of jobs each job waits for. */
  npred: Int32Array;
  /** Successors in CSR form: succ[succStart[j] .. succStart[j + 1]). */
  succStart: Int32Array;
  succ: Int32Array;
  /** Per processor index: its compute jobs in issue order (a processor runs one request in order). */
  procOrder: Int32Array[];
  /** Node id per job ('output' for the move of results back to the app's CPU). */
  nodeId: string[];
  slots: CostSlot[];
  /** Jobs with no predecessor (start when the request starts). */
  roots: Int32Array;
  /**
   * Compute: DRAM bandwidth its sibling parts draw (GB/s) — evaluatePlan's rule that the parts of a
   * split node run at once and each sees the others' traffic (withContention), taken as is.
   */
  siblingGBps: Float64Array;
}

/** A processor's slice of a produced tensor, and the job that produces it (-1: a graph input). */
interface Piece {
  proc: number;
  axis: 'N' | 'C' | 'H' | 'W';
  lo: number;
  hi: number;
  job: number;
  /** The producing part's own work (what recomputing its rows elsewhere costs per unit share). */
  term?: CostTerm;
}

function localPiece(pieces: readonly Piece[], proc: number, axis: Piece['axis']): Piece | undefined {
  if (axis !== 'H' && axis !== 'W') return undefined;
  for (const p of pieces) if (p.proc === proc && p.axis === axis && p.hi > p.lo) return p;
  return undefined;
}

function partContext(part: SplitPart, axis: SplitAxis | undefined): RunContext {
  const out: RunContext = {};
  if (axis) out.split = { axis, fraction: part.fraction };
  if (part.computeDType) out.computeDType = part.computeDType;
  return out;
}

interface BuildJob {
  compute: boolean;
  proc: number;
  fromProc: number;
  slot: number;
  delayMs: number;
  delaySyncMs: number;
  delayJ: number;
  preds: Set<number>;
  nodeId: string;
  siblingGBps: number;
}

const cache = new WeakMap<CostModel, WeakMap<Graph, WeakMap<Plan, JobTemplate>>>();

/** The job graph of one request of `plan` on `graph` (cached per cost model, graph and plan). */
export function compilePlan(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  model: string = plan.model,
): JobTemplate {
  let byGraph = cache.get(cost);
  if (!byGraph) cache.set(cost, (byGraph = new WeakMap()));
  let byPlan = byGraph.get(graph);
  if (!byPlan) byGraph.set(graph, (byPlan = new WeakMap()));
  const known = byPlan.get(plan);
  if (known && known.model === model) return known;
  const t = build(plan, graph, device, cost, model);
  byPlan.set(plan, t);
  return t;
}

function build(plan: Plan, graph: Graph, device: Device, cost: CostModel, model: string): JobTemplate {
  const procs = device.processors;
  const procIndex = new Map(procs.map((p, i) => [p.id, i]));
  const home = homeProcessor(device);
  const homeIndex = procIndex.get(home.id) ?? 0;
  const jobs: BuildJob[] = [];
  const slots: CostSlot[] = [];
  const procOrder: number[][] = procs.map(() => []);
  const pieces = new Map<string, Piece[]>();
  const delivered = new Map<string, { share: number; job: number }>();
  for (const name of graph.inputs) {
    pieces.set(name, [{ proc: homeIndex, axis: 'N', lo: 0, hi: 1, job: -1 }]);
  }
  const indexOfProc = (id: string): number => procIndex.get(id) ?? homeIndex;

  /** Copies the processor of the part being issued makes of its inputs (ms; see CostSlot.copyMs). */
  let copyInMs = 0;

  /**
   * The job after which `share` of `piece` is on `to` (creating the move), or -1: no wait. A move
   * between CPU processors for a compute job is its consumer's copy (copyInMs), not a delay.
   */
  function arrive(
    t: TensorInfo,
    i: number,
    piece: Piece,
    share: number,
    to: number,
    forNode: string,
    forCompute = true,
  ): number {
    if (share <= 0) return -2; // needs none of the piece: no dependency
    if (piece.proc === to) return piece.job;
    const key = `${t.name}|${i}|${to}`;
    const before = delivered.get(key);
    if (before && before.share >= share - 1e-9) return before.job;
    const from = procs[piece.proc];
    const dest = procs[to];
    const moved = shareOf(t, share);
    const syncMs = cost.syncMs(from, dest);
    const transferMs = cost.transferMs(moved, from, dest);
    const byConsumer = forCompute && from.kind === 'cpu' && dest.kind === 'cpu';
    if (byConsumer) copyInMs += transferMs;
    const job = jobs.length;
    jobs.push({
      compute: false,
      proc: to,
      fromProc: piece.proc,
      slot: -1,
      delayMs: syncMs + (byConsumer ? 0 : transferMs),
      delaySyncMs: syncMs,
      delayJ: cost.transferEnergyJ(moved, from, dest),
      preds: new Set(piece.job >= 0 ? [piece.job] : []),
      nodeId: forNode,
      siblingGBps: 0,
    });
    delivered.set(key, { share, job });
    return job;
  }

  function issue(node: Node, placement: Placement): void {
    const parts = placementParts(placement);
    const axis: SplitAxis | undefined = 'split' in placement ? placement.split.axis : undefined;
    const halo = axis === 'H' || axis === 'W' ? windowHalo(node, graph, axis) : undefined;
    const siblings = axis ? siblingBandwidths(node, parts, axis) : undefined;
    let lo = 0;
    const produced: Piece[] = [];
    parts.forEach((part, k) => {
      const proc = indexOfProc(part.proc);
      const hi = k === parts.length - 1 ? 1 : lo + part.fraction;
      const need =
        axis === undefined || axis === 'OC' ? ('all' as const) : { axis: tensorAxis(axis), lo, hi };
      const dataNeed =
        halo && need !== 'all'
          ? { axis: need.axis, lo: Math.max(0, lo - halo.before), hi: Math.min(1, hi + halo.after) }
          : need;
      const own: CostTerm = { node, proc: procs[proc], ctx: partContext(part, axis), mult: 1 };
      const terms: CostTerm[] = [own];
      const preds = new Set<number>();
      copyInMs = 0;
      nodeInputs(node).forEach((name, x) => {
        const t = graph.tensors.get(name);
        if (!t || t.constant) return;
        const n = x === 0 ? dataNeed : need;
        const ps = pieces.get(name) ?? [];
        const local = x === 0 && n !== need && need !== 'all' ? localPiece(ps, proc, need.axis) : undefined;
        ps.forEach((piece, i) => {
          let share = overlapShare(piece, n);
          if (local && piece.proc !== proc && share > 0 && overlapShare(piece, need) <= 0) {
            // Halo rows only: recomputed here from the local producer part (evaluate.ts explains).
            const rows = share / (local.hi - local.lo);
            if (local.term) terms.push({ ...local.term, mult: local.term.mult * rows });
            if (local.job >= 0) preds.add(local.job);
            share = 0;
          }
          const dep = arrive(t, i, piece, share, proc, node.id);
          if (dep >= 0) preds.add(dep);
        });
      });
      const slot = slots.length;
      slots.push({
        terms,
        trafficBytes: splitTrafficBytes(node, graph, axis ?? 'N', axis ? part.fraction : 1),
        copyMs: copyInMs,
      });
      const job = jobs.length;
      jobs.push({
        compute: true,
        proc,
        fromProc: -1,
        slot,
        delayMs: 0,
        delaySyncMs: 0,
        delayJ: 0,
        preds,
        nodeId: node.id,
        siblingGBps: siblings ? siblings[k] : 0,
      });
      procOrder[proc].push(job);
      produced.push({ proc, axis: axis ? tensorAxis(axis) : 'N', lo, hi, job, term: own });
      lo = hi;
    });
    for (const out of node.outputs) if (out !== '') pieces.set(out, produced);
  }

  /** Per part: the bandwidth the other parts draw, as evaluate.ts's withContention computes it. */
  function siblingBandwidths(node: Node, parts: SplitPart[], axis: SplitAxis): number[] {
    const draws = parts.map((part) => {
      const alone = cost.opLatencyMs(node, graph, procs[indexOfProc(part.proc)], partContext(part, axis));
      const bytes = splitTrafficBytes(node, graph, axis, part.fraction);
      return alone > 0 && Number.isFinite(alone) ? bytes / (alone * 1e6) : 0;
    });
    const total = draws.reduce((a, b) => a + b, 0);
    return draws.map((d) => total - d);
  }

  for (const node of issueOrder(plan, graph)) issue(node, plan.placements[node.id]);
  // Results go back to the app's memory.
  for (const name of graph.outputs) {
    const t = graph.tensors.get(name);
    if (!t) continue;
    (pieces.get(name) ?? []).forEach((piece, i) =>
      arrive(t, i, piece, piece.hi - piece.lo, homeIndex, 'output', false),
    );
  }
  return freeze(
    jobs,
    slots,
    procOrder,
    graph,
    model,
    procs.map((p) => p.id),
  );
}

function freeze(
  jobs: BuildJob[],
  slots: CostSlot[],
  procOrder: number[][],
  graph: Graph,
  model: string,
  procIds: string[],
): JobTemplate {
  const n = jobs.length;
  const npred = new Int32Array(n);
  const succCount = new Int32Array(n + 1);
  jobs.forEach((j, i) => {
    npred[i] = j.preds.size;
    for (const p of j.preds) succCount[p]++;
  });
  const succStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) succStart[i + 1] = succStart[i] + succCount[i];
  const fill = succStart.slice(0, n);
  const succ = new Int32Array(succStart[n]);
  jobs.forEach((j, i) => {
    for (const p of j.preds) succ[fill[p]++] = i;
  });
  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (npred[i] === 0) roots.push(i);
  return {
    model,
    graph,
    procIds,
    jobCount: n,
    isCompute: Uint8Array.from(jobs, (j) => (j.compute ? 1 : 0)),
    proc: Int32Array.from(jobs, (j) => j.proc),
    fromProc: Int32Array.from(jobs, (j) => j.fromProc),
    slot: Int32Array.from(jobs, (j) => j.slot),
    delayMs: Float64Array.from(jobs, (j) => j.delayMs),
    delaySyncMs: Float64Array.from(jobs, (j) => j.delaySyncMs),
    delayJ: Float64Array.from(jobs, (j) => j.delayJ),
    npred,
    succStart,
    succ,
    procOrder: procOrder.map((o) => Int32Array.from(o)),
    nodeId: jobs.map((j) => j.nodeId),
    slots,
    roots: Int32Array.from(roots),
    siblingGBps: Float64Array.from(jobs, (j) => j.siblingGBps),
  };
}
