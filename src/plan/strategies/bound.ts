// A lower bound on the latency evaluatePlan can predict for ANY plan of a graph on a device, and the
// `bound` strategy that reports it.
//
// Not a paper's method: the two classic scheduling bounds (critical path; total work over total
// capacity, cf. the fractional relaxation of scheduling on unrelated machines, Lenstra, Shmoys &
// Tardos, Math. Programming 1990), adapted to evaluatePlan's semantics.
//
// Why it is sound. Let u(n,p) be the least time processor p can spend per unit share of node n:
//   u(n,p) = min over compute dtypes d that p supports (and its default) of
//            min( t(n,p,d), min over splittable axes a and probe fractions f of t(n,p,d,a,f) / f ),
// the probes only for nodes splitProblem lets split. Assumption (A): a part computing a share f of n
// on p takes at least f·u(n,p). The roofline satisfies it at every f (a fixed dispatch term, FLOPs and
// bytes that shrink at most in proportion to f, an efficiency that does not grow as work shrinks);
// the probes keep the bound sound at those fractions even for a cost model that rewards smaller parts.
// Contention only slows parts down (concurrent bandwidth never speeds an op up), and transfers,
// syncs and idle gaps only add time, so they are ignored.
//  (a) Critical path. In evaluatePlan every part of a node waits for every piece of every input,
//      i.e. for all parts of all its producers; a node split with shares f_p on processors p ends
//      after max_p f_p·u(n,p) ≥ 1/Σ_p(1/u(n,p)) (equal at f_p ∝ 1/u(n,p)). So the makespan is at
//      least the heaviest dependency chain under w(n) = 1/Σ_p 1/u(n,p) for splittable nodes and
//      min_p t(n,p) for the others.
//  (b) Work. Each processor runs one thing at a time, so its busy time B_p = Σ_n f_{n,p}·u(n,p) ≤
//      makespan M. For any weights y_p ≥ 0 with Σ_p y_p = 1: M ≥ Σ_p y_p·B_p ≥
//      Σ_n Σ_p f_{n,p}·y_p·u(n,p) ≥ Σ_n min_p y_p·u(n,p), since Σ_p f_{n,p} = 1. Every y gives a valid
//      bound (this is the LP dual of the fractional assignment); we search y by exponentiated gradient
//      and keep the best. y uniform is the naive "Σ min / #processors"; the search makes it tight
//      when processors differ in speed (a CPU at 10 ms and a GPU at 5 ms per node gives 10/3 per node).
// The bound is max((a), (b)). It is a number, not a plan: no plan need reach it.
//
// Scope: plans that use only the processors `opts.processors` allows (default: all of the device's),
// under the context the options give (freqShare, background load), which must be the context the
// plans are evaluated under.
import type { CostModel, RunContext } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import { dependencies, topologicalOrder } from '../../graph/dag.js';
import type { DType, Graph, Node } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import { splitProblem } from '../split-rules.js';
import { nodeClasses } from '../node-classes.js';
import { planContext } from './chains.js';
import type { Placement, Plan, PlanOptions, SplitAxis, Strategy } from '../types.js';

/** Fractions at which a part's time per unit share is probed (see the header). */
const PROBE_FRACTIONS = [0.5, 0.25, 0.125] as const;
const AXES: readonly SplitAxis[] = ['N', 'C', 'H', 'W', 'OC'];
/** Exponentiated-gradient steps for the work-bound weights (P ≤ 6 processors: converges fast). */
const WEIGHT_ITERATIONS = 200;

/** The run context plans are made and evaluated under (one helper for every strategy: chains.ts). */
export { planContext as planRunContext } from './chains.js';

/** Per-node, per-processor minimum costs the bound (and searches) build on. */
export interface NodeCostTable {
  procs: Processor[];
  /** wholeMs[p][i]: least time of node i unsplit on procs[p] over its compute dtypes (Infinity = cannot). */
  wholeMs: Float64Array[];
  /** unitMs[p][i]: least time per unit share of node i on procs[p], splits included (≤ wholeMs). */
  unitMs: Float64Array[];
  /** Whether node i may be split along some axis (two parts). */
  splittable: boolean[];
}

function finiteOr(ms: number): number {
  return Number.isFinite(ms) && ms >= 0 ? ms : Infinity;
}

/** The dtypes a plan may ask `proc` to compute in: its default (undefined) and every listed one. */
function computeDTypes(proc: Processor): (DType | undefined)[] {
  return [undefined, ...proc.supports.dtypes];
}

export function nodeCostTable(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): NodeCostTable {
  const procs = usableProcessors(device, opts);
  const ctx = planContext(opts);
  // Nodes a cost model cannot tell apart cost the same: probe one node per class (nodeClasses).
  const { classOf, representative } = nodeClasses(graph);
  const axesOf = representative.map((i) =>
    AXES.filter((a) => splitProblem(graph.nodes[i], graph, a, 2) === undefined),
  );
  const wholeMs = procs.map(() => new Float64Array(graph.nodes.length));
  const unitMs = procs.map(() => new Float64Array(graph.nodes.length));
  const classWhole = new Float64Array(representative.length);
  const classUnit = new Float64Array(representative.length);
  procs.forEach((proc, p) => {
    const dtypes = computeDTypes(proc);
    const contexts = dtypes.map((d): RunContext => (d === undefined ? ctx : { ...ctx, computeDType: d }));
    // The probe contexts do not depend on the node: made once per processor.
    const probes = contexts.map((base) =>
      AXES.map((axis) => PROBE_FRACTIONS.map((f): RunContext => ({ ...base, split: { axis, fraction: f } }))),
    );
    representative.forEach((i, c) => {
      const node: Node = graph.nodes[i];
      let whole = Infinity;
      let unit = Infinity;
      for (let d = 0; d < contexts.length; d++) {
        const t = finiteOr(cost.opLatencyMs(node, graph, proc, contexts[d]));
        if (!Number.isFinite(t)) continue;
        whole = Math.min(whole, t);
        unit = Math.min(unit, t);
        for (const axis of axesOf[c]) {
          const byFraction = probes[d][AXES.indexOf(axis)];
          for (let k = 0; k < PROBE_FRACTIONS.length; k++) {
            const part = finiteOr(cost.opLatencyMs(node, graph, proc, byFraction[k]));
            unit = Math.min(unit, part / PROBE_FRACTIONS[k]);
          }
        }
      }
      classWhole[c] = whole;
      classUnit[c] = unit;
    });
    const wholeRow = wholeMs[p];
    const unitRow = unitMs[p];
    for (let i = 0; i < classOf.length; i++) {
      wholeRow[i] = classWhole[classOf[i]];
      unitRow[i] = classUnit[classOf[i]];
    }
  });
  return {
    procs,
    wholeMs,
    unitMs,
    splittable: Array.from(classOf, (c) => axesOf[c].length > 0),
  };
}

export interface LowerBound {
  /** max(criticalPathMs, workMs). */
  boundMs: number;
  criticalPathMs: number;
  /** Node ids of the chain behind criticalPathMs. */
  criticalPath: string[];
  workMs: number;
  /** The processor weights y behind workMs (by processor id). */
  workWeights: Record<string, number>;
}

/** Node weights of bound (a): the fastest a node can finish once its inputs are there. */
export function criticalWeights(table: NodeCostTable, graph: Graph): Float64Array {
  const w = new Float64Array(graph.nodes.length);
  for (let i = 0; i < graph.nodes.length; i++) {
    let rate = 0;
    let best = Infinity;
    for (let p = 0; p < table.procs.length; p++) {
      best = Math.min(best, table.wholeMs[p][i]);
      const u = table.unitMs[p][i];
      if (Number.isFinite(u)) rate += u > 0 ? 1 / u : Infinity;
    }
    w[i] = table.splittable[i] && rate > 0 ? Math.min(best, 1 / rate) : best;
  }
  return w;
}

/**
 * The work bound (b) over the nodes `nodes`, with processor p already busy until `busyMs[p]` (absent =
 * a fresh device): M ≥ Σ_p y_p·busyMs[p] + Σ_n min_p y_p·u(n,p) for every y in the simplex (M ≥
 * busyMs[p] + B_p for each p, weighted by y). Returns the best y found and its value.
 */
export function workBound(
  unitMs: Float64Array[],
  nodes: ArrayLike<number>,
  busyMs: ArrayLike<number> | undefined,
  iterations = WEIGHT_ITERATIONS,
): { workMs: number; weights: number[] } {
  const P = unitMs.length;
  if (P === 0) return { workMs: 0, weights: [] };
  const value = (y: number[], grad: number[] | undefined): number => {
    let total = 0;
    if (grad) grad.fill(0);
    for (let p = 0; p < P; p++) {
      const b = busyMs ? busyMs[p] : 0;
      total += y[p] * b;
      if (grad) grad[p] += b;
    }
    for (let k = 0; k < nodes.length; k++) {
      const i = nodes[k];
      let best = Infinity;
      let arg = -1;
      for (let p = 0; p < P; p++) {
        const u = unitMs[p][i];
        if (!Number.isFinite(u)) continue;
        const v = y[p] * u;
        if (v < best) {
          best = v;
          arg = p;
        }
      }
      if (arg >= 0) {
        total += best;
        if (grad) grad[arg] += unitMs[arg][i];
      }
    }
    return total;
  };
  let y = new Array<number>(P).fill(1 / P);
  const grad = new Array<number>(P).fill(0);
  let bestY = y;
  let bestV = value(y, grad);
  for (let it = 0; it < iterations; it++) {
    const scale = Math.max(...grad.map(Math.abs));
    if (!(scale > 0)) break;
    // Step shrinks as 1/√t; gradients normalised so that the step is scale-free.
    const eta = 2 / Math.sqrt(it + 1);
    const next = y.map((yp, p) => yp * Math.exp((eta * grad[p]) / scale));
    const sum = next.reduce((s, v) => s + v, 0);
    y = next.map((v) => v / sum);
    const v = value(y, grad);
    if (v > bestV) {
      bestV = v;
      bestY = y;
    }
  }
  return { workMs: bestV, weights: bestY };
}

/** The lower bound with its two terms (see the header for the argument). */
export function lowerBound(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
  table: NodeCostTable = nodeCostTable(graph, device, cost, opts),
): LowerBound {
  const w = criticalWeights(table, graph);
  graph.nodes.forEach((node, i) => {
    if (!Number.isFinite(w[i])) {
      const allowed = table.procs.map((p) => p.id).join(', ');
      throw new HeteroError(graph.name, `node ${node.id} (${node.op}) cannot run on any of ${allowed}`);
    }
  });
  const deps = dependencies(graph);
  const order = topologicalOrder(graph, deps);
  const finish = new Float64Array(graph.nodes.length);
  const via = new Int32Array(graph.nodes.length).fill(-1);
  let end = -1;
  for (const i of order) {
    let start = 0;
    for (const p of deps.preds[i]) {
      if (via[i] === -1 || finish[p] > start) {
        start = finish[p];
        via[i] = p;
      }
    }
    finish[i] = start + w[i];
    if (end === -1 || finish[i] > finish[end]) end = i;
  }
  const criticalPath: string[] = [];
  for (let i = end; i !== -1; i = via[i]) criticalPath.push(graph.nodes[i].id);
  criticalPath.reverse();
  const criticalPathMs = end === -1 ? 0 : finish[end];
  const { workMs, weights } = workBound(table.unitMs, order, undefined);
  const workWeights: Record<string, number> = {};
  table.procs.forEach((p, k) => (workWeights[p.id] = weights[k]));
  return { boundMs: Math.max(criticalPathMs, workMs), criticalPathMs, criticalPath, workMs, workWeights };
}

export function lowerBoundMs(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): number {
  return lowerBound(graph, device, cost, opts).boundMs;
}

/** Every node on the processor it runs fastest on, transfers ignored (the plan bound (a) pictures). */
export function fastestPlacements(graph: Graph, table: NodeCostTable): Record<string, Placement> {
  const placements: Record<string, Placement> = {};
  graph.nodes.forEach((node, i) => {
    let best = -1;
    for (let p = 0; p < table.procs.length; p++) {
      if (best === -1 || table.wholeMs[p][i] < table.wholeMs[best][i]) best = p;
    }
    placements[node.id] = { proc: table.procs[Math.max(0, best)].id };
  });
  return placements;
}

export const bound: Strategy = {
  name: 'bound',
  cites:
    'Lower bound (not a method): max of the critical path at each node’s fastest (split) time and the work bound Σ_n min_p y_p·u(n,p) (LP dual of fractional assignment, Lenstra–Shmoys–Tardos, Math. Prog. 1990)',
  plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
    const table = nodeCostTable(graph, device, cost, opts);
    const lb = lowerBound(graph, device, cost, opts, table);
    const weights = Object.entries(lb.workWeights)
      .map(([id, y]) => `${id} ${y.toFixed(2)}`)
      .join(', ');
    return makePlan(graph, device, 'bound', fastestPlacements(graph, table), {
      objective: opts.objective ?? 'latency',
      notes: [
        `lower bound ${lb.boundMs.toFixed(3)} ms: no plan can be predicted faster; the bound is a number, not an achievable plan`,
        `critical path ${lb.criticalPathMs.toFixed(3)} ms over ${lb.criticalPath.length} nodes (each at its fastest, split across every processor where splittable, transfers free)`,
        `work bound ${lb.workMs.toFixed(3)} ms (processor weights ${weights})`,
        'the plan shown puts every node on its fastest processor, ignoring transfers: a picture of the bound, evaluated it is usually slower',
      ],
    });
  },
};
