// The exact optimum of small graphs under evaluatePlan's semantics, by branch and bound.
//
// Not a paper's method: the reference point the heuristics are measured against (an exhaustive search,
// as MOSAIC, PACT 2019, and CoDL, MobiSys 2022, use for small cases to validate their planners).
//
// What it is optimal over (the search space), exactly:
// - issue order: the graph's topological order (the order evaluatePlan uses when a plan gives none);
//   orders are not searched;
// - per node, one of: every usable processor (PlanOptions.processors) that can run it, in its default
//   compute dtype; or a split in two parts between a pair of usable processors p before q (device
//   order) — by default the big CPU cluster and the GPU (the pair μLayer and CoDL split across),
//   `pairs: 'all'` for every pair — part p taking r ∈ `ratios` (default {0.25, 0.5, 0.75}), along each
//   axis of `axes` (default OC, H, C, N; W is H's mirror under the cost model) splitProblem allows;
// - the objective: predicted latency (throughput is planned as latency, evaluatePlan predicts one
//   inference), or energy.
// Within that space the answer is exact: every plan is either evaluated or shown no better by a sound
// argument: (1) a lower bound of the partial plan — the heaviest remaining dependency chain after the
// ready times of what was issued, and the work bound (see bound.ts) with processors busy until their
// free times, both over the part latencies this space allows (contention only slows parts); (2)
// dominance: two partial plans with the same frontier (where each still-needed tensor and its copies
// are) where one is ready no later everywhere cannot be improved on by the other (Timeline.frontier).
// Nodes are issued with evaluatePlan's own Timeline, so no second copy of the evaluation exists.
// Graphs above `maxOps` (default 30) are refused; a search that exceeds `maxExpansions` returns the best
// plan found and says so in its notes ("NOT proven optimal"). Chains of 30 ops prove in well under a
// second; wide branchy slices on devices where CPU/GPU mixes compete with the NPU can exhaust the
// budget (e.g. 12 ops of Inception-v3's Mixed_5b on dimensity9200).
// Cost: each expansion clones the Timeline and issues one node (~20 µs).

import type { CostModel, RunContext } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import { dependencies, nodeInputs, topologicalOrder } from '../../graph/dag.js';
import type { Graph } from '../../graph/types.js';
import { numel } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { evaluatePlan, homeProcessor, Timeline } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import { splitProblem } from '../split-rules.js';
import type { Objective, Placement, Plan, PlanOptions, SplitAxis, Strategy } from '../types.js';
import { planRunContext, workBound } from './bound.js';

export const OPTIMAL_MAX_OPS = 30;

export interface OptimalOptions {
  /** Share of the first part of a two-way split. Default [0.25, 0.5, 0.75]. */
  ratios?: number[];
  /** Split axes searched. Default ['OC', 'H', 'C', 'N']. */
  axes?: SplitAxis[];
  /**
   * Processor pairs a node may be split between: 'cpu-gpu' (default) — the big CPU cluster and the GPU,
   * the pair μLayer and CoDL split across; 'all' — every pair of usable processors (a much larger space).
   */
  pairs?: 'cpu-gpu' | 'all';
  /** Largest graph searched (ops). Default 30. */
  maxOps?: number;
  /** Partial plans expanded before the search stops with its best so far. Default 400,000. */
  maxExpansions?: number;
  /** Only plans strictly better than this objective value are of interest (prunes from the start). */
  upperBound?: number;
}

export interface OptimalResult {
  /** The best plan in the space; undefined when none beats `upperBound`. */
  plan?: Plan;
  /** Objective value of `plan` (ms for latency, J for energy). */
  value: number;
  /** True when the search finished: no plan of the space is better. */
  proven: boolean;
  expansions: number;
  /** Placement choices per node, on average. */
  optionsPerNode: number;
}

interface NodeOption {
  placement: Placement;
  /** Uncontended latency of the slowest part (ms) and per part: proc index → ms / fraction. */
  maxPartMs: number;
  unit: { p: number; msPerShare: number }[];
  energyJ: number;
}

const DEFAULT_RATIOS = [0.25, 0.5, 0.75];
const DEFAULT_AXES: SplitAxis[] = ['OC', 'H', 'C', 'N'];
const EPS = 1e-9;

function nodeOptions(
  graph: Graph,
  index: number,
  procs: Processor[],
  cost: CostModel,
  ctx: RunContext,
  ratios: number[],
  axes: SplitAxis[],
  pairable: (p: number, q: number) => boolean,
): NodeOption[] {
  const node = graph.nodes[index];
  const out: NodeOption[] = [];
  const whole = procs.map((proc) => cost.opLatencyMs(node, graph, proc, ctx));
  procs.forEach((proc, p) => {
    if (!Number.isFinite(whole[p])) return;
    out.push({
      placement: { proc: proc.id },
      maxPartMs: whole[p],
      unit: [{ p, msPerShare: whole[p] }],
      energyJ: cost.opEnergyJ(node, graph, proc, ctx),
    });
  });
  for (const axis of axes) {
    if (splitProblem(node, graph, axis, 2) !== undefined) continue;
    for (let p = 0; p < procs.length; p++) {
      for (let q = p + 1; q < procs.length; q++) {
        if (!pairable(p, q) || !Number.isFinite(whole[p]) || !Number.isFinite(whole[q])) continue;
        for (const r of ratios) {
          const ctxP: RunContext = { ...ctx, split: { axis, fraction: r } };
          const ctxQ: RunContext = { ...ctx, split: { axis, fraction: 1 - r } };
          const msP = cost.opLatencyMs(node, graph, procs[p], ctxP);
          const msQ = cost.opLatencyMs(node, graph, procs[q], ctxQ);
          out.push({
            placement: {
              split: {
                axis,
                parts: [
                  { proc: procs[p].id, fraction: r },
                  { proc: procs[q].id, fraction: 1 - r },
                ],
              },
            },
            maxPartMs: Math.max(msP, msQ),
            unit: [
              { p, msPerShare: msP / r },
              { p: q, msPerShare: msQ / (1 - r) },
            ],
            energyJ:
              cost.opEnergyJ(node, graph, procs[p], ctxP) + cost.opEnergyJ(node, graph, procs[q], ctxQ),
          });
        }
      }
    }
  }
  return out;
}

/** Whether vector a is no worse than b in every component. */
function dominates(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] > b[i] + EPS) return false;
  return true;
}

export function searchOptimal(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
  options: OptimalOptions = {},
): OptimalResult {
  const maxOps = options.maxOps ?? OPTIMAL_MAX_OPS;
  if (graph.nodes.length > maxOps) {
    throw new HeteroError(
      'optimal',
      `searches graphs of at most ${maxOps} ops; ${graph.name} has ${graph.nodes.length}`,
    );
  }
  const objective: Objective = opts.objective === 'energy' ? 'energy' : 'latency';
  const ctx = planRunContext(opts);
  const procs = usableProcessors(device, opts);
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  const axes = options.axes ?? DEFAULT_AXES;
  const maxExpansions = options.maxExpansions ?? 400_000;
  const N = graph.nodes.length;
  const deps = dependencies(graph);
  const order = topologicalOrder(graph, deps);
  const position = new Int32Array(N);
  order.forEach((i, k) => (position[i] = k));

  const bigIndex = procs.findIndex((p) => p.id === 'cpu-big');
  const cpuIndex = bigIndex >= 0 ? bigIndex : procs.findIndex((p) => p.kind === 'cpu');
  const gpuIndex = procs.findIndex((p) => p.kind === 'gpu');
  const pairable =
    (options.pairs ?? 'cpu-gpu') === 'all'
      ? () => true
      : (p: number, q: number) => (p === cpuIndex && q === gpuIndex) || (p === gpuIndex && q === cpuIndex);
  const opts0 = graph.nodes.map((_, i) => nodeOptions(graph, i, procs, cost, ctx, ratios, axes, pairable));
  graph.nodes.forEach((node, i) => {
    if (opts0[i].length === 0) {
      throw new HeteroError(
        'optimal',
        `node ${node.id} (${node.op}) cannot run on any of ${procs.map((p) => p.id).join(', ')}`,
      );
    }
  });

  // Per-node bounds over this space: fastest finish once inputs are there, least time per unit share.
  const w = opts0.map((os) => Math.min(...os.map((o) => o.maxPartMs)));
  const unitMs = procs.map(() => new Float64Array(N).fill(Infinity));
  const minEnergyJ = opts0.map((os) => Math.min(...os.map((o) => o.energyJ)));
  opts0.forEach((os, i) => {
    for (const o of os) for (const u of o.unit) unitMs[u.p][i] = Math.min(unitMs[u.p][i], u.msPerShare);
  });
  // tail[i]: heaviest chain from i (inclusive) to a sink.
  const tail = new Float64Array(N);
  for (let k = N - 1; k >= 0; k--) {
    const i = order[k];
    let best = 0;
    for (const s of deps.succs[i]) best = Math.max(best, tail[s]);
    tail[i] = w[i] + best;
  }
  // Suffix data per depth k (nodes order[k..] remain): work-bound weight candidates and their sums.
  const P = procs.length;
  const weightSets: number[][] = [];
  for (let p = 0; p < P; p++) weightSets.push(Array.from({ length: P }, (_, q) => (q === p ? 1 : 0)));
  weightSets.push(workBound(unitMs, order, undefined).weights);
  const weightedSum = (y: number[], rest: number[]): number => {
    let total = 0;
    for (const i of rest) {
      let best = Infinity;
      for (let p = 0; p < P; p++)
        if (Number.isFinite(unitMs[p][i])) best = Math.min(best, y[p] * unitMs[p][i]);
      if (Number.isFinite(best)) total += best;
    }
    return total;
  };
  const suffixWeights: number[][][] = [];
  const suffixSums: number[][] = [];
  const suffixEnergyJ = new Float64Array(N + 1);
  for (let k = N - 1; k >= 0; k--) suffixEnergyJ[k] = suffixEnergyJ[k + 1] + minEnergyJ[order[k]];
  for (let k = 0; k <= N; k++) {
    const rest = order.slice(k);
    const ys = [...weightSets, workBound(unitMs, rest, undefined, 60).weights];
    suffixWeights.push(ys);
    suffixSums.push(ys.map((y) => weightedSum(y, rest)));
  }

  // Live tensors after depth k (produced at or before k, read after k, or graph outputs).
  const outputs = new Set(graph.outputs);
  const lastRead = new Map<string, number>();
  order.forEach((i, k) => {
    for (const name of nodeInputs(graph.nodes[i])) lastRead.set(name, Math.max(lastRead.get(name) ?? -1, k));
  });
  const liveAfter: string[][] = [];
  {
    const produced: string[] = [];
    order.forEach((i, k) => {
      for (const o of graph.nodes[i].outputs) if (o !== '') produced.push(o);
      liveAfter.push(produced.filter((t) => outputs.has(t) || (lastRead.get(t) ?? -1) > k));
    });
  }
  // For each depth k, remaining nodes and the already-issued producers they wait on (first output).
  const waits: { tailMs: number; producers: string[] }[][] = [];
  for (let k = 0; k < N; k++) {
    const list: { tailMs: number; producers: string[] }[] = [];
    for (let kk = k + 1; kk < N; kk++) {
      const j = order[kk];
      const producers = deps.preds[j]
        .filter((p) => position[p] <= k)
        .map((p) => graph.nodes[p].outputs.find((o) => o !== '') ?? '');
      list.push({ tailMs: tail[j], producers });
    }
    waits.push(list);
  }

  const choice = new Array<number>(N).fill(0);
  const edges = edgeBounds(graph, device, cost, procs, opts0, order, deps);
  const procIds = procs.map((p) => p.id);
  const lowerBoundOf = (tl: Timeline, k: number, c: number): number => {
    if (objective === 'energy') {
      let e = 0;
      for (const p of device.processors) e += tl.breakdownSoFar(p.id).energyJ;
      return e + suffixEnergyJ[k + 1];
    }
    let lb = 0;
    for (const item of waits[k]) {
      let est = 0;
      for (const t of item.producers) est = Math.max(est, tl.tensorReadyMs(t)?.lastMs ?? 0);
      lb = Math.max(lb, est + item.tailMs);
    }
    // Moves the issued nodes' outputs still face on their way to the rest of the graph (edgeBounds).
    for (let kk = 0; kk <= k; kk++) {
      const i = order[kk];
      const o = kk === k ? c : choice[kk];
      const ready = tl.tensorReadyMs(edges.tensorOf[i]);
      if (!ready) continue;
      let after = edges.outputMs[i][o];
      for (const [s, table] of edges.toSucc[i]) if (position[s] > k) after = Math.max(after, table[o]);
      lb = Math.max(lb, ready.firstMs + after);
    }
    const free = procIds.map((id) => tl.processorFreeAtMs(id));
    const ys = suffixWeights[k + 1];
    const sums = suffixSums[k + 1];
    for (let c = 0; c < ys.length; c++) {
      let v = sums[c];
      for (let p = 0; p < P; p++) v += ys[c][p] * free[p];
      lb = Math.max(lb, v);
    }
    for (const p of device.processors) lb = Math.max(lb, tl.processorFreeAtMs(p.id));
    return lb;
  };
  const signature = (tl: Timeline, k: number): { key: string; vector: number[] } => {
    const f = tl.frontier(liveAfter[k]);
    if (objective === 'latency') return { key: f.key, vector: f.timesMs };
    const vector = [...f.timesMs];
    let e = 0;
    for (const p of device.processors) {
      const b = tl.breakdownSoFar(p.id);
      e += b.energyJ;
      vector.push(-b.computeMs);
    }
    vector.push(e);
    return { key: f.key, vector };
  };
  const valueOf = (tl: Timeline): number => {
    const r = tl.finish();
    return objective === 'energy' ? r.energyJ : r.latencyMs;
  };

  // Seeds inside the space: every node on one processor (else its fastest option).
  let bestValue = options.upperBound ?? Infinity;
  let bestChoice: number[] | undefined;
  for (let p = 0; p < P; p++) {
    const choice = order.map((i) => {
      const k = opts0[i].findIndex((o) => 'proc' in o.placement && o.placement.proc === procIds[p]);
      return k >= 0 ? k : 0;
    });
    const tl = new Timeline(graph, device, cost, { context: ctx, trace: false });
    order.forEach((i, k) => tl.issue(graph.nodes[i], opts0[i][choice[k]].placement));
    const v = valueOf(tl);
    if (v < bestValue - EPS) {
      bestValue = v;
      bestChoice = choice;
    }
  }

  const memo: Map<string, number[][]>[] = order.map(() => new Map());
  let expansions = 0;
  let exhausted = false;

  const dfs = (tl: Timeline, k: number): void => {
    const i = order[k];
    const children: { tl: Timeline; lb: number; c: number }[] = [];
    for (let c = 0; c < opts0[i].length; c++) {
      if (expansions >= maxExpansions) {
        exhausted = true;
        return;
      }
      expansions++;
      const next = tl.clone();
      next.issue(graph.nodes[i], opts0[i][c].placement);
      const lb = lowerBoundOf(next, k, c);
      if (lb >= bestValue - EPS) continue;
      children.push({ tl: next, lb, c });
    }
    children.sort((a, b) => a.lb - b.lb || a.c - b.c);
    for (const child of children) {
      if (child.lb >= bestValue - EPS) break;
      choice[k] = child.c;
      if (k === N - 1) {
        const v = valueOf(child.tl);
        if (v < bestValue - EPS) {
          bestValue = v;
          bestChoice = [...choice];
        }
        continue;
      }
      const { key, vector } = signature(child.tl, k);
      const seen = memo[k].get(key);
      if (seen?.some((v) => dominates(v, vector))) continue;
      const kept = (seen ?? []).filter((v) => !dominates(vector, v));
      kept.push(vector);
      memo[k].set(key, kept);
      dfs(child.tl, k + 1);
      if (exhausted) return;
    }
  };
  if (N > 0) dfs(new Timeline(graph, device, cost, { context: ctx, trace: false }), 0);

  const optionsPerNode = opts0.reduce((s, os) => s + os.length, 0) / Math.max(1, N);
  if (!bestChoice) return { value: bestValue, proven: !exhausted, expansions, optionsPerNode };
  const placements: Record<string, Placement> = {};
  order.forEach((i, k) => (placements[graph.nodes[i].id] = opts0[i][(bestChoice as number[])[k]].placement));
  const plan = makePlan(graph, device, 'optimal', placements, { objective: opts.objective ?? 'latency' });
  return { plan, value: bestValue, proven: !exhausted, expansions, optionsPerNode };
}

export function createOptimal(options: OptimalOptions = {}): Strategy {
  return {
    name: 'optimal',
    cites:
      'Exact optimum (branch and bound with dominance) over topological issue order, single-processor placements and two-way splits at ratios {0.25, 0.5, 0.75}; reference for heuristics (cf. MOSAIC, PACT 2019; CoDL, MobiSys 2022)',
    plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
      const r = searchOptimal(graph, device, cost, opts, { ...options, upperBound: undefined });
      if (!r.plan) throw new HeteroError('optimal', `no plan found for ${graph.name}`);
      const evaluation = evaluatePlan(r.plan, graph, device, cost, { context: planRunContext(opts) });
      const splits = Object.values(r.plan.placements).filter((p) => 'split' in p).length;
      const used = new Set(
        Object.values(r.plan.placements).flatMap((p) =>
          'proc' in p ? [p.proc] : p.split.parts.map((x) => x.proc),
        ),
      );
      r.plan.notes.push(
        `${r.proven ? 'optimal' : 'best found, NOT proven optimal (search budget exhausted)'}: ` +
          `${evaluation.latencyMs.toFixed(3)} ms, ${(evaluation.energyJ * 1000).toFixed(2)} mJ over ` +
          `${graph.nodes.length} ops × ${r.optionsPerNode.toFixed(1)} choices each (${r.expansions} partial plans expanded)`,
        `uses ${[...used].join(', ')}; ${splits} split node(s); home ${homeProcessor(device).id}`,
        'space: topological issue order, one usable processor per node or a two-way split at 0.25/0.5/0.75 along OC/H/C/N, default compute dtypes',
      );
      return r.plan;
    },
  };
}

export const optimal: Strategy = createOptimal();

interface PieceShape {
  proc: number;
  axis: 'N' | 'C' | 'H' | 'W';
  lo: number;
  hi: number;
}

/** The pieces a placement leaves its output in, as evaluatePlan lays them out. */
function piecesOf(o: NodeOption, procIndex: Map<string, number>): PieceShape[] {
  const p = o.placement;
  if ('proc' in p) return [{ proc: procIndex.get(p.proc) ?? 0, axis: 'N', lo: 0, hi: 1 }];
  const axis = p.split.axis === 'OC' ? 'C' : p.split.axis;
  let lo = 0;
  return p.split.parts.map((part, k) => {
    const hi = k === p.split.parts.length - 1 ? 1 : lo + part.fraction;
    const piece = { proc: procIndex.get(part.proc) ?? 0, axis, lo, hi };
    lo = hi;
    return piece;
  });
}

/** Parts of a consumer placement with the slice of its input each needs ('all' for whole/OC). */
function needsOf(
  o: NodeOption,
  procIndex: Map<string, number>,
): { proc: number; need: 'all' | { axis: PieceShape['axis']; lo: number; hi: number } }[] {
  const p = o.placement;
  if ('proc' in p) return [{ proc: procIndex.get(p.proc) ?? 0, need: 'all' }];
  const { axis } = p.split;
  let lo = 0;
  return p.split.parts.map((part, k) => {
    const hi = k === p.split.parts.length - 1 ? 1 : lo + part.fraction;
    const need = axis === 'OC' ? ('all' as const) : { axis: axis as PieceShape['axis'], lo, hi };
    lo = hi;
    return { proc: procIndex.get(part.proc) ?? 0, need };
  });
}

function overlap(
  piece: PieceShape,
  need: 'all' | { axis: PieceShape['axis']; lo: number; hi: number },
): number {
  const width = piece.hi - piece.lo;
  if (need === 'all') return width;
  if (need.axis !== piece.axis) return width * (need.hi - need.lo);
  return Math.max(0, Math.min(piece.hi, need.hi) - Math.max(piece.lo, need.lo));
}

/**
 * Lower bounds on what follows a node once its first output piece is ready, per option o of the node:
 * toSucc[i] has, for each successor s, min over s's options o' of the time until the graph can end
 * along that edge — moving the pieces each part of o' needs (sync + transfer, as evaluatePlan prices
 * them: a cached copy arrives no earlier than the first), computing it, and what must follow s
 * (recursively, the max over s's own successors). outputMs[i][o]: moving graph outputs home.
 * Reference time is the earliest piece of i, which keeps the bound valid for split producers.
 */
function edgeBounds(
  graph: Graph,
  device: Device,
  cost: CostModel,
  procs: Processor[],
  options: NodeOption[][],
  order: number[],
  deps: ReturnType<typeof dependencies>,
): { tensorOf: string[]; toSucc: Map<number, Float64Array>[]; outputMs: Float64Array[] } {
  const procIndex = new Map(procs.map((p, k) => [p.id, k]));
  const home = homeProcessor(device);
  const graphOutputs = new Set(graph.outputs);
  const moveCache = new Map<string, number>();
  const move = (tensor: string, share: number, from: Processor, to: Processor): number => {
    if (from.id === to.id || share <= 0) return 0;
    const key = `${tensor}|${from.id}|${to.id}|${share.toFixed(9)}`;
    let ms = moveCache.get(key);
    if (ms === undefined) {
      const t = graph.tensors.get(tensor);
      const elements = Math.max(1, Math.round((t ? (numel(t.shape) ?? 0) : 0) * share));
      ms = t ? cost.syncMs(from, to) + cost.transferMs({ ...t, shape: [elements] }, from, to) : 0;
      moveCache.set(key, ms);
    }
    return ms;
  };
  const N = graph.nodes.length;
  const tensorOf = graph.nodes.map((n) => n.outputs.find((o) => o !== '') ?? '');
  const pieces = options.map((os) => os.map((o) => piecesOf(o, procIndex)));
  const needs = options.map((os) => os.map((o) => needsOf(o, procIndex)));
  const outputMs = graph.nodes.map((node, i) =>
    Float64Array.from(pieces[i], (ps) => {
      let ms = 0;
      for (const name of node.outputs) {
        if (!graphOutputs.has(name)) continue;
        for (const pc of ps) ms = Math.max(ms, move(name, pc.hi - pc.lo, procs[pc.proc], home));
      }
      return ms;
    }),
  );
  const toSucc: Map<number, Float64Array>[] = graph.nodes.map(() => new Map());
  const after = new Array<Float64Array>(N); // after[s][o']: max over s's successors and outputs
  for (let k = N - 1; k >= 0; k--) {
    const i = order[k];
    for (const s of deps.succs[i]) {
      const read = nodeInputs(graph.nodes[s]).find((name) => graph.nodes[i].outputs.includes(name));
      const tensorInfo = read ? graph.tensors.get(read) : undefined;
      const table = new Float64Array(options[i].length);
      options[i].forEach((_, o) => {
        let best = Infinity;
        options[s].forEach((os, o2) => {
          let lastPart = 0;
          let firstPart = Infinity;
          needs[s][o2].forEach((part, pi) => {
            let arrive = 0;
            if (read && tensorInfo && !tensorInfo.constant) {
              for (const pc of pieces[i][o]) {
                if (pc.proc === part.proc) continue;
                arrive = Math.max(
                  arrive,
                  move(read, overlap(pc, part.need), procs[pc.proc], procs[part.proc]),
                );
              }
            }
            const partMs = os.unit[pi].msPerShare * ('proc' in os.placement ? 1 : partShare(os, pi));
            lastPart = Math.max(lastPart, arrive + partMs);
            firstPart = Math.min(firstPart, arrive + partMs);
          });
          best = Math.min(best, Math.max(lastPart, firstPart + after[s][o2]));
        });
        table[o] = best;
      });
      toSucc[i].set(s, table);
    }
    after[i] = Float64Array.from(outputMs[i], (ms, o) => {
      let m = ms;
      for (const table of toSucc[i].values()) m = Math.max(m, table[o]);
      return m;
    });
  }
  return { tensorOf, toSucc, outputMs };
}

function partShare(o: NodeOption, part: number): number {
  return 'split' in o.placement ? o.placement.split.parts[part].fraction : 1;
}
