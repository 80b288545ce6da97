// adaptive — ours: for the objective and the context (usable processors, frequency share, background
// load) it considers every published family, combinations of them, and a local search from the best
// of them, judges every candidate with evaluatePlan (or pipelineThroughput for a throughput
// objective), returns the best and explains in `notes` why it beat the runner-up.
//
// Candidates:
//  1. every family: cpu/gpu/npu with framework fallback, best-single, layerwise, heft, ulayer, codl,
//     pipeline, band — and `optimal` when the graph is small enough (≤ 30 ops). `stretch` changes the
//     model (it needs retraining) and is never chosen silently; quantized variants (μLayer's int8)
//     change numerics and are not considered either.
//  2. combinations: each of the best plans with the splits of a split family (ulayer, codl) put into
//     it where the split family splits a node the plan runs on the CPU or GPU (layerwise segments with
//     CoDL splits inside CPU+GPU segments; heft over a graph whose heavy convs are split; an NPU
//     partition with the CPU fallback nodes co-executed on CPU+GPU).
//  3. a local search from the best distinct candidates: move a run of consecutive nodes on one
//     processor to another processor, move single nodes (critical, heavy, or at a processor boundary),
//     or split a node between the big CPU cluster and the GPU; a move is kept when the judge improves.
//     The search has a budget of node evaluations (not wall-clock), so results are reproducible.
// Since every family is a candidate and the judge is the one every strategy is measured by, adaptive
// is never predicted worse than any family it considers, under the same options.
//
// Simplifications: re-planning when conditions change is the caller's loop (call plan() again with
// the new context); the local search is first-improvement hill climbing, not a metaheuristic.
import type { CostModel, RunContext } from '../../cost/types.js';
import { isHeteroError } from '../../errors.js';
import { dependencies, topologicalOrder } from '../../graph/dag.js';
import type { Graph } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { evaluatePlan, homeProcessor } from '../evaluate.js';
import { makePlan, processorViews, usableProcessors } from '../make-plan.js';
import { splitProblem } from '../split-rules.js';
import { pipelineThroughput } from '../throughput.js';
import type {
  Objective,
  Placement,
  Plan,
  PlanEvaluation,
  PlanOptions,
  SplitAxis,
  Strategy,
} from '../types.js';
import { band } from './band.js';
import { bestSingle } from './best-single.js';
import { latencyLookup } from '../node-classes.js';
import { planRunContext } from './bound.js';
import { codl } from './codl.js';
import { heft } from './heft.js';
import { layerwise } from './layerwise.js';
import { OPTIMAL_MAX_OPS, searchOptimal } from './optimal.js';
import { pipeline } from './pipeline.js';
import { cpu, gpu, npu } from './single.js';
import { ulayer } from './ulayer.js';

/** The families adaptive considers by default (stretch excluded: it changes the model). */
export const ADAPTIVE_FAMILIES: readonly Strategy[] = [
  cpu,
  gpu,
  npu,
  bestSingle,
  layerwise,
  heft,
  ulayer,
  codl,
  pipeline,
  band,
];

/** Families whose splits the combinations borrow. */
const SPLIT_FAMILIES = new Set(['ulayer', 'codl']);

export interface AdaptiveOptions {
  /** Families to consider (default ADAPTIVE_FAMILIES). Strategies that change the model are skipped. */
  strategies?: readonly Strategy[];
  /** Node issues the local search may spend (one evaluation of an N-node plan costs N). Default 30,000. */
  searchNodeBudget?: number;
  /** Run `optimal` on graphs up to this many ops. Default 30 (0 disables). */
  optimalMaxOps?: number;
  /** Partial plans the embedded optimum may expand. Default 60,000. */
  optimalExpansions?: number;
}

interface Candidate {
  /** How it was made: a family name, "optimal", "A+B splits", "A+local". */
  name: string;
  /** The family it started from (for naming the runner-up). */
  family: string;
  plan: Plan;
  evaluation: PlanEvaluation;
  /** The objective value (ms for latency and throughput period, J for energy). */
  value: number;
}

const IMPROVEMENT = 1e-6;

function better(a: Candidate, b: Candidate | undefined, objective: Objective): boolean {
  if (!b) return true;
  if (a.value < b.value * (1 - IMPROVEMENT)) return true;
  if (a.value > b.value * (1 + IMPROVEMENT)) return false;
  // Ties: the other metric decides.
  return objective === 'energy'
    ? a.evaluation.latencyMs < b.evaluation.latencyMs * (1 - IMPROVEMENT)
    : a.evaluation.energyJ < b.evaluation.energyJ * (1 - IMPROVEMENT);
}

function procsOf(placement: Placement): string[] {
  return 'proc' in placement ? [placement.proc] : placement.split.parts.map((p) => p.proc);
}

function usesOnly(plan: Plan, allowed: ReadonlySet<string>): boolean {
  return Object.values(plan.placements).every((p) => procsOf(p).every((id) => allowed.has(id)));
}

function usesQuantization(plan: Plan): boolean {
  return Object.values(plan.placements).some((p) =>
    'proc' in p ? p.computeDType !== undefined : p.split.parts.some((x) => x.computeDType !== undefined),
  );
}

function fmtMs(ms: number): string {
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

function describe(c: Candidate): string {
  return `${c.name} (${fmtMs(c.evaluation.latencyMs)}, ${(c.evaluation.energyJ * 1000).toFixed(1)} mJ)`;
}

function totals(e: PlanEvaluation): { computeMs: number; moveMs: number } {
  let computeMs = 0;
  let moveMs = 0;
  for (const b of Object.values(e.perProcessor)) {
    computeMs += b.computeMs;
    moveMs += b.transferMs + b.syncMs;
  }
  return { computeMs, moveMs };
}

/** Processors doing most of the compute, e.g. "dsp 81%, cpu-big 19%". */
function computeShares(e: PlanEvaluation): string {
  const { computeMs } = totals(e);
  return Object.entries(e.perProcessor)
    .filter(([, b]) => b.computeMs > 0.005 * computeMs)
    .sort((a, b) => b[1].computeMs - a[1].computeMs)
    .map(([id, b]) => `${id} ${Math.round((100 * b.computeMs) / Math.max(computeMs, 1e-12))}%`)
    .join(', ');
}

/** The key difference between the winner and the runner-up, in the numbers that explain it. */
function keyDifference(w: Candidate, r: Candidate, objective: Objective): string {
  const tw = totals(w.evaluation);
  const tr = totals(r.evaluation);
  const parts: string[] = [];
  const dCompute = tr.computeMs - tw.computeMs;
  const dMove = tr.moveMs - tw.moveMs;
  if (Math.abs(dCompute) >= 0.01) {
    parts.push(
      dCompute > 0
        ? `${w.name} computes ${fmtMs(dCompute)} less in total (${fmtMs(tw.computeMs)} vs ${fmtMs(tr.computeMs)})`
        : `${w.name} computes ${fmtMs(-dCompute)} more in total (${fmtMs(tw.computeMs)} vs ${fmtMs(tr.computeMs)})`,
    );
  }
  if (Math.abs(dMove) >= 0.01) {
    parts.push(
      dMove > 0
        ? `pays ${fmtMs(dMove)} less in transfers and syncs (${fmtMs(tw.moveMs)} vs ${fmtMs(tr.moveMs)}, ${w.evaluation.crossEdges} vs ${r.evaluation.crossEdges} cross-processor edges)`
        : `but pays ${fmtMs(-dMove)} more in transfers and syncs (${fmtMs(tw.moveMs)} vs ${fmtMs(tr.moveMs)}, ${w.evaluation.crossEdges} vs ${r.evaluation.crossEdges} cross-processor edges)`,
    );
  }
  if (w.evaluation.fallbacks !== r.evaluation.fallbacks) {
    parts.push(`${w.evaluation.fallbacks} vs ${r.evaluation.fallbacks} fallback ops`);
  }
  if (objective !== 'energy') {
    // Latency is not a sum: what compute and moves do not explain comes from the schedule itself.
    const gainMs = r.evaluation.latencyMs - w.evaluation.latencyMs;
    const rest = gainMs - Math.max(0, dCompute) - Math.max(0, dMove);
    if (rest > 0.01) {
      parts.push(
        `the other ${fmtMs(rest)} come from the schedule: less of the work waits on the critical path`,
      );
    }
  }
  parts.push(`compute on ${computeShares(w.evaluation)} vs ${computeShares(r.evaluation)}`);
  return parts.join('; ');
}

/** Plan `base` with the split placements of `donor` on nodes `base` runs on a CPU or the GPU. */
function withSplitsOf(base: Plan, donor: Plan, procs: ReadonlyMap<string, Processor>): Plan | undefined {
  const placements: Record<string, Placement> = { ...base.placements };
  let changed = 0;
  for (const [id, p] of Object.entries(donor.placements)) {
    if (!('split' in p)) continue;
    const mine = base.placements[id];
    if (!mine || !('proc' in mine)) continue;
    const kind = procs.get(mine.proc)?.kind;
    if (kind !== 'cpu' && kind !== 'gpu') continue;
    placements[id] = p;
    changed++;
  }
  if (changed === 0) return undefined;
  // Keep the base's order only when it has one (heft); stages no longer describe the placement.
  const { stages: _stages, ...rest } = base;
  void _stages;
  return { ...rest, placements, fallbacks: keptFallbacks(base, placements), notes: [] };
}

/** A plan's fallback nodes that still sit where the plan put them (a moved node no longer falls back). */
function keptFallbacks(base: Plan, placements: Record<string, Placement>): string[] | undefined {
  if (!base.fallbacks) return undefined;
  return base.fallbacks.filter((id) => placements[id] === base.placements[id]);
}

/** What `objective` ranks a plan by: energy (J), latency (ms), or a pipeline's period (ms). */
function objectiveValue(
  plan: Plan,
  evaluation: PlanEvaluation,
  graph: Graph,
  device: Device,
  cost: CostModel,
  objective: Objective,
  ctx: RunContext,
): number {
  if (objective === 'energy') return evaluation.energyJ;
  if (objective === 'throughput' && plan.stages && plan.stages.length > 1) {
    return pipelineThroughput(plan, graph, device, cost, { context: ctx }).periodMs;
  }
  return evaluation.latencyMs;
}

export function createAdaptive(options: AdaptiveOptions = {}): Strategy {
  const families = (options.strategies ?? ADAPTIVE_FAMILIES).filter(
    (s) => s.name !== 'adaptive' && s.name !== 'stretch' && s.name !== 'bound',
  );
  const nodeBudget = options.searchNodeBudget ?? 30_000;
  const optimalMaxOps = options.optimalMaxOps ?? OPTIMAL_MAX_OPS;
  const optimalExpansions = options.optimalExpansions ?? 60_000;

  const strategy: Strategy = {
    name: 'adaptive',
    cites:
      'ours: considers every family (cpu/gpu/npu with fallback, best-single, layerwise, heft, ulayer, codl, pipeline, band, optimal on small graphs) and their combinations for the objective and context, refines by local search, explains the choice',
    plan: (...args) => planAcrossViews(...args),
  };

  /** Adaptive within one set of processors (opts.processors, or the device's default set). */
  function planView(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
    const objective: Objective = opts.objective ?? 'latency';
    const ctx: RunContext = planRunContext(opts);
    const usable = usableProcessors(device, opts);
    const allowed = new Set(usable.map((p) => p.id));
    const procById = new Map(device.processors.map((p) => [p.id, p]));
    const skipped: string[] = [];

    const judge = (name: string, family: string, plan: Plan): Candidate => {
      const evaluation = evaluatePlan(plan, graph, device, cost, { context: ctx });
      const value = objectiveValue(plan, evaluation, graph, device, cost, objective, ctx);
      return { name, family, plan, evaluation, value };
    };

    // 1. Every family.
    const candidates: Candidate[] = [];
    for (const s of families) {
      let plan: Plan;
      try {
        plan = s.plan(graph, device, cost, opts);
      } catch (e) {
        skipped.push(`${s.name}: ${isHeteroError(e) ? e.message : String(e)}`);
        continue;
      }
      if (plan.changesModel) continue;
      if (usesQuantization(plan)) continue;
      if (!usesOnly(plan, allowed)) {
        skipped.push(`${s.name}: uses a processor outside ${[...allowed].join(', ')}`);
        continue;
      }
      candidates.push(judge(s.name, s.name, plan));
    }
    if (candidates.length === 0) {
      // Nothing usable came back: every node on its fastest allowed processor.
      const placements: Record<string, Placement> = {};
      for (const node of graph.nodes) {
        let best: Processor | undefined;
        let bestMs = Infinity;
        for (const p of usable) {
          const ms = cost.opLatencyMs(node, graph, p, ctx);
          if (ms < bestMs) [best, bestMs] = [p, ms];
        }
        placements[node.id] = { proc: (best ?? homeProcessor(device)).id };
      }
      candidates.push(
        judge('fastest-processor', 'fastest-processor', makePlan(graph, device, 'adaptive', placements)),
      );
    }
    const ranked = (): Candidate[] => [...candidates].sort((a, b) => (better(a, b, objective) ? -1 : 1));

    // 2. Combinations: the best plans with a split family's splits inside their CPU/GPU parts.
    const donors = candidates.filter((c) => SPLIT_FAMILIES.has(c.family));
    for (const base of ranked().slice(0, 4)) {
      if (SPLIT_FAMILIES.has(base.family) || base.plan.stages) continue;
      for (const donor of donors) {
        const merged = withSplitsOf(base.plan, donor.plan, procById);
        if (merged) candidates.push(judge(`${base.name}+${donor.name} splits`, base.family, merged));
      }
    }

    // 3. The optimum of small graphs (a bound to beat makes it fast).
    if (graph.nodes.length <= optimalMaxOps && graph.nodes.length > 0) {
      const best = ranked()[0];
      const r = searchOptimal(graph, device, cost, opts, {
        maxExpansions: optimalExpansions,
        upperBound: best.value,
        maxOps: optimalMaxOps,
      });
      if (r.plan) candidates.push(judge(r.proven ? 'optimal' : 'optimal (unproven)', 'optimal', r.plan));
    }

    // 4. Local search from the best distinct plans.
    let budget = nodeBudget;
    const seen = new Set<string>();
    const starts = ranked().filter((c) => {
      if (c.plan.stages || seen.has(c.family)) return false;
      seen.add(c.family);
      return true;
    });
    for (const start of starts.slice(0, 3)) {
      if (budget < graph.nodes.length) break;
      const share = start === starts[0] ? budget / 2 : budget;
      const { result, spent } = localSearch(start, Math.max(graph.nodes.length, share));
      budget -= spent;
      if (result !== start) candidates.push(result);
    }

    // Choose, then explain against the best plan of another family.
    const order = ranked();
    const winner = order[0];
    const same = JSON.stringify(winner.plan.placements);
    const runnerUp =
      order.find((c) => c.family !== winner.family && JSON.stringify(c.plan.placements) !== same) ??
      order.find((c) => c !== winner && JSON.stringify(c.plan.placements) !== same);
    const plan: Plan = { ...winner.plan, strategy: 'adaptive', objective, notes: [] };
    const unit = objective === 'energy' ? 'energy' : objective === 'throughput' ? 'period' : 'latency';
    plan.notes.push(
      `chose ${describe(winner)} for ${objective}` +
        (runnerUp ? ` over runner-up ${describe(runnerUp)}` : ' (the only candidate)'),
    );
    if (runnerUp) {
      const gain =
        objective === 'energy'
          ? `${((runnerUp.evaluation.energyJ - winner.evaluation.energyJ) * 1000).toFixed(2)} mJ`
          : fmtMs(runnerUp.value - winner.value);
      plan.notes.push(`saves ${gain} of ${unit}: ${keyDifference(winner, runnerUp, objective)}`);
    }
    plan.notes.push(
      `considered ${candidates.length} plans: ` +
        order
          .slice(0, 8)
          .map(
            (c) =>
              `${c.name} ${objective === 'energy' ? `${(c.value * 1000).toFixed(1)} mJ` : fmtMs(c.value)}`,
          )
          .join(', ') +
        (order.length > 8 ? ', …' : ''),
    );
    plan.notes.push('stretch (changes the model) and quantized variants were not considered');
    for (const s of skipped) plan.notes.push(`skipped ${s}`);
    return plan;

    function localSearch(start: Candidate, nodeIssues: number): { result: Candidate; spent: number } {
      const N = graph.nodes.length;
      const deps = dependencies(graph);
      const topo = topologicalOrder(graph, deps);
      const bigCpu = usable.find((p) => p.id === 'cpu-big') ?? usable.find((p) => p.kind === 'cpu');
      const theGpu = usable.find((p) => p.kind === 'gpu');
      const lat = latencyLookup(graph, cost, ctx);
      const runnable = graph.nodes.map((node) => usable.filter((p) => Number.isFinite(lat(node, p))));
      // An explicit order (the plan's, else topological) spares evaluatePlan re-deriving it per try.
      const issue = start.plan.order ?? topo.map((i) => graph.nodes[i].id);
      let current = start;
      let spent = 0;
      const tryPlacements = (changes: [string, Placement][], label: string): boolean => {
        if (spent + N > nodeIssues) return false;
        spent += N;
        const placements = { ...current.plan.placements };
        for (const [id, p] of changes) placements[id] = p;
        const plan: Plan = {
          ...current.plan,
          placements,
          order: issue,
          fallbacks: keptFallbacks(current.plan, placements),
          notes: [],
        };
        const c = judge(`${start.name}+local`, start.family, plan);
        if (better(c, current, objective)) {
          current = c;
          void label;
          return true;
        }
        return false;
      };
      const placeOf = (i: number): Placement => current.plan.placements[graph.nodes[i].id];
      const onlyProc = (i: number): string | undefined => {
        const p = placeOf(i);
        return 'proc' in p ? p.proc : undefined;
      };

      let improved = true;
      while (improved && spent + N <= nodeIssues) {
        improved = false;
        // Runs: maximal stretches of the topological order on one processor, moved as a whole.
        const runs: number[][] = [];
        for (const i of topo) {
          const last = runs[runs.length - 1];
          if (last && onlyProc(last[last.length - 1]) === onlyProc(i) && onlyProc(i) !== undefined)
            last.push(i);
          else runs.push([i]);
        }
        const computeOf = new Map<string, number>();
        for (const e of current.evaluation.trace.events) {
          if (e.kind === 'compute' && e.node)
            computeOf.set(e.node, (computeOf.get(e.node) ?? 0) + e.endMs - e.startMs);
        }
        const runCost = (run: number[]): number =>
          run.reduce((s, i) => s + (computeOf.get(graph.nodes[i].id) ?? 0), 0);
        runs.sort((a, b) => runCost(b) - runCost(a));
        for (const run of runs) {
          const here = onlyProc(run[0]);
          for (const p of usable) {
            if (p.id === here) continue;
            if (!run.every((i) => runnable[i].includes(p))) continue;
            if (
              tryPlacements(
                run.map((i) => [graph.nodes[i].id, { proc: p.id }]),
                'run',
              )
            ) {
              improved = true;
              break;
            }
          }
          if (improved || spent + N > nodeIssues) break;
        }
        if (improved) continue;
        // Single nodes, heaviest first: another processor, or a CPU+GPU split.
        const heavy = [...topo].sort(
          (a, b) => (computeOf.get(graph.nodes[b].id) ?? 0) - (computeOf.get(graph.nodes[a].id) ?? 0),
        );
        for (const i of heavy) {
          const node = graph.nodes[i];
          const here = onlyProc(i);
          const tries: Placement[] = runnable[i].filter((p) => p.id !== here).map((p) => ({ proc: p.id }));
          if (bigCpu && theGpu && runnable[i].includes(bigCpu) && runnable[i].includes(theGpu)) {
            const axis = (['OC', 'H'] as SplitAxis[]).find(
              (a) => splitProblem(node, graph, a, 2) === undefined,
            );
            if (axis) {
              for (const f of [0.5, 0.25, 0.75]) {
                tries.push({
                  split: {
                    axis,
                    parts: [
                      { proc: bigCpu.id, fraction: f },
                      { proc: theGpu.id, fraction: 1 - f },
                    ],
                  },
                });
              }
            }
          }
          for (const t of tries) {
            if (tryPlacements([[node.id, t]], 'node')) {
              improved = true;
              break;
            }
          }
          if (improved || spent + N > nodeIssues) break;
        }
      }
      return { result: current, spent };
    }
  }

  /**
   * A device whose processors come as a whole and its parts (the host's `cpu` and its per-core
   * workers) offers two disjoint sets; a plan uses one. Unless the caller names the processors,
   * adaptive plans in each set and keeps the better, so the whole machine's single session stays a
   * candidate beside plans over the workers.
   */
  function planAcrossViews(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
    const views = opts.processors ? [] : processorViews(device);
    if (views.length < 2) return planView(graph, device, cost, opts);
    const objective: Objective = opts.objective ?? 'latency';
    const ctx = planRunContext(opts);
    const judged = views.map((processors) => {
      const plan = planView(graph, device, cost, { ...opts, processors });
      const evaluation = evaluatePlan(plan, graph, device, cost, { context: ctx });
      return {
        plan,
        processors,
        value: objectiveValue(plan, evaluation, graph, device, cost, objective, ctx),
      };
    });
    const best = judged.reduce((a, b) => (b.value < a.value ? b : a));
    const others = judged
      .filter((j) => j !== best)
      .map(
        (j) =>
          `${j.processors.join('+')} ${objective === 'energy' ? `${(j.value * 1000).toFixed(1)} mJ` : fmtMs(j.value)}`,
      );
    best.plan.notes.push(
      `planned on ${best.processors.join('+')}; the other processor set gave ${others.join(', ')}`,
    );
    return best.plan;
  }

  return strategy;
}

export const adaptive: Strategy = createAdaptive();
