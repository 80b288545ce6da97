// band — multi-DNN scheduling across processors, after Band: J. S. Jeong, J. Lee, D. Kim, C. Jeon,
// C. Jeong, Y. Lee, B.-G. Chun, "Band: Coordinated Multi-DNN Inference on Heterogeneous Mobile
// Processors", MobiSys 2022. Band splits every model into "unit subgraphs" — runs of consecutive ops
// that the same set of processors supports — so that a processor can take the largest piece it can run
// and hand the rest to another (fallback-aware subgraphs). At run time its least-slack-time-first
// scheduler looks at the requests waiting (from several apps and models, each with a latency SLO),
// orders them by slack = deadline − now − expected remaining latency (waiting for a processor
// included), and gives each the subgraph and processor that finish it earliest, when that processor
// is idle; a request that can no longer meet its SLO is handed back as a violation instead of run.
//
// What is reproduced:
//  - `bandUnits(graph, …)`: units = maximal runs of the topological order whose ops have the same
//    set of capable processors, with each processor's predicted compute and the copies of the unit's
//    inputs/outputs to and from the app's CPU memory (Band runs each subgraph as its own interpreter).
//  - `readyUnit(…)`: what the scheduler sees for a request whose next unit is ready: per processor, the
//    largest run of consecutive units it supports from there (Band's fallback-aware subgraph), its
//    latency, and the best-case time of what would remain after it.
//  - `bandSchedule(ready, procFreeAtMs, nowMs)`: Band's least-slack-first decision as a pure function,
//    for the discrete-event simulator to call whenever a processor frees or a request arrives.
//  - `planMulti(models, …)`: units, per-model plans and the policy; `band.plan(graph)` the best-case
//    single-model plan (the fastest chain of fallback-aware subgraphs, by dynamic programming).
//
// Simplifications:
//  - A run of units on one processor pays the copy of its first unit's inputs and its last unit's
//    outputs (tensors a later unit reads from before the run are not counted separately).
//  - No scheduling window (Band looks at the first W requests): every ready request is considered.
//  - Latencies come from the cost model; Band profiles them on the device and updates them online.
//  - No frequency or thermal feedback: that is the simulator's business.
import type { CostModel, RunContext } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import { dependencies, nodeInputs, topologicalOrder } from '../../graph/dag.js';
import type { Graph } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { homeProcessor } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import type { Placement, Plan, PlanOptions, Strategy } from '../types.js';
import { latencyLookup } from '../node-classes.js';
import { planContext } from './chains.js';

/** One fallback-aware unit subgraph of a model. */
export interface BandUnit {
  /** "<model>#<index>". */
  id: string;
  model: string;
  /** Position of the unit in the model's order of units. */
  index: number;
  /** Node ids, in execution order. */
  nodes: string[];
  /** Processors that can run every op of the unit. */
  procs: string[];
  /** Per capable processor: predicted compute time of the unit's ops (ms). */
  computeMs: Record<string, number>;
  /** Per capable processor: bringing the unit's inputs from the app's CPU memory (sync + copy, ms). */
  inMs: Record<string, number>;
  /** Per capable processor: returning the unit's outputs to the app's CPU memory (ms). */
  outMs: Record<string, number>;
  /** Best-case time from this unit to the end of the model, processors free (ms). */
  remainingMs: number;
}

/** One way to run a ready request's next piece: units `unit`..`untilUnit` on `proc`. */
export interface ReadyOption {
  proc: string;
  /** Index of the last unit this run covers. */
  untilUnit: number;
  /** Predicted latency of the run, copies included (ms). */
  latencyMs: number;
  /** Best-case time of the units after the run (ms). */
  remainingMs: number;
}

/** A request whose next unit is ready, as the scheduler sees it. Plain data. */
export interface ReadyUnit {
  /** Id of the next unit (BandUnit.id). */
  unitId: string;
  /** Index of that unit in its model. */
  unit: number;
  request: number;
  arrivalMs: number;
  /** arrivalMs + SLO; Infinity when the request has no SLO. */
  deadlineMs: number;
  options: ReadyOption[];
}

export interface BandDecision {
  unitId: string;
  request: number;
  proc: string;
  /** Run units unit..untilUnit of the request on proc. */
  untilUnit: number;
  /** When the request is expected to finish if it runs so (ms). */
  expectedFinishMs: number;
  /** deadline − expected finish at decision time (ms); Infinity without SLO. */
  slackMs: number;
  /**
   * The request can no longer meet its SLO: Band hands it back as an SLO violation instead of
   * running it (the simulator should drop it and count a miss).
   */
  drop: boolean;
}

export type BandPolicy = (
  ready: ReadyUnit[],
  procFreeAtMs: Record<string, number>,
  nowMs: number,
) => BandDecision | undefined;

/**
 * Band's least-slack-time-first decision. For every ready request, the option finishing it earliest
 * (waiting for its processor, running, then the best case for the rest) gives its slack; requests
 * are taken by increasing slack (ties: earlier arrival). The first one whose best option's processor
 * is idle now is returned; one whose best finish already misses its deadline is returned with
 * `drop: true`. Undefined when every request's best processor is busy. Call again after applying a
 * decision (with the processor's new free time) to fill other idle processors.
 */
export function bandSchedule(
  ready: ReadyUnit[],
  procFreeAtMs: Record<string, number>,
  nowMs: number,
): BandDecision | undefined {
  const ranked = ready
    .map((r) => {
      let best: { option: ReadyOption; finishMs: number } | undefined;
      for (const option of r.options) {
        const startMs = Math.max(nowMs, procFreeAtMs[option.proc] ?? nowMs);
        const finishMs = startMs + option.latencyMs + option.remainingMs;
        if (!best || finishMs < best.finishMs) best = { option, finishMs };
      }
      const slackMs = best ? r.deadlineMs - best.finishMs : -Infinity;
      return { r, best, slackMs };
    })
    .filter((x) => x.best !== undefined)
    .sort((a, b) => a.slackMs - b.slackMs || a.r.arrivalMs - b.r.arrivalMs || a.r.request - b.r.request);
  for (const { r, best, slackMs } of ranked) {
    if (!best) continue;
    const decision: BandDecision = {
      unitId: r.unitId,
      request: r.request,
      proc: best.option.proc,
      untilUnit: best.option.untilUnit,
      expectedFinishMs: best.finishMs,
      slackMs,
      drop: slackMs < 0,
    };
    if (decision.drop) return decision;
    if ((procFreeAtMs[best.option.proc] ?? nowMs) <= nowMs) return decision;
  }
  return undefined;
}

/** Fallback-aware unit subgraphs of one model. */
export function bandUnits(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
  model: string = graph.name,
): BandUnit[] {
  const procs = usableProcessors(device, opts);
  if (procs.length === 0) throw new HeteroError('band', 'no usable processors');
  const home = homeProcessor(device);
  const ctx: RunContext = planContext(opts);
  const deps = dependencies(graph);
  const order = topologicalOrder(graph, deps);

  // Split the order wherever the set of capable processors changes.
  const runs: { nodes: number[]; procs: Processor[]; key: string }[] = [];
  const latency = new Map<string, number>();
  const lat = latencyLookup(graph, cost, ctx);
  for (const i of order) {
    const node = graph.nodes[i];
    const capable = procs.filter((p) => {
      const ms = lat(node, p);
      latency.set(`${i}|${p.id}`, ms);
      return Number.isFinite(ms);
    });
    if (capable.length === 0) {
      throw new HeteroError('band', `node ${node.id} (${node.op}) cannot run on any usable processor`);
    }
    const key = capable.map((p) => p.id).join(',');
    const last = runs[runs.length - 1];
    if (last && last.key === key) last.nodes.push(i);
    else runs.push({ nodes: [i], procs: capable, key });
  }

  const outputs = new Set(graph.outputs);
  const units: BandUnit[] = runs.map((run, index) => {
    const inside = new Set(run.nodes);
    const produced = new Set(run.nodes.flatMap((i) => graph.nodes[i].outputs));
    const reads = new Set<string>();
    for (const i of run.nodes) {
      for (const name of nodeInputs(graph.nodes[i])) {
        const t = graph.tensors.get(name);
        if (name !== '' && t && !t.constant && !produced.has(name)) reads.add(name);
      }
    }
    const writes = new Set<string>();
    for (const i of run.nodes) {
      for (const name of graph.nodes[i].outputs) {
        if (name === '') continue;
        const readLater = outputs.has(name) || deps.succs[i].some((s) => !inside.has(s));
        if (readLater) writes.add(name);
      }
    }
    const computeMs: Record<string, number> = {};
    const inMs: Record<string, number> = {};
    const outMs: Record<string, number> = {};
    for (const p of run.procs) {
      computeMs[p.id] = run.nodes.reduce((s, i) => s + (latency.get(`${i}|${p.id}`) ?? 0), 0);
      inMs[p.id] = copyMs(graph, cost, reads, home, p);
      outMs[p.id] = copyMs(graph, cost, writes, p, home);
    }
    return {
      id: `${model}#${index}`,
      model,
      index,
      nodes: run.nodes.map((i) => graph.nodes[i].id),
      procs: run.procs.map((p) => p.id),
      computeMs,
      inMs,
      outMs,
      remainingMs: 0,
    };
  });
  // Best case from each unit to the end, by dynamic programming over fallback-aware runs.
  for (let k = units.length - 1; k >= 0; k--) {
    units[k].remainingMs = Math.min(...runOptions(units, k).map((o) => o.latencyMs + o.remainingMs));
  }
  return units;
}

function copyMs(graph: Graph, cost: CostModel, names: Set<string>, from: Processor, to: Processor): number {
  if (from.id === to.id) return 0;
  let ms = 0;
  for (const name of names) {
    const t = graph.tensors.get(name);
    if (t) ms += cost.syncMs(from, to) + cost.transferMs(t, from, to);
  }
  return ms;
}

/** Per processor able to run unit k: the largest run of consecutive units it supports from k. */
function runOptions(units: BandUnit[], k: number): ReadyOption[] {
  return units[k].procs.map((proc) => {
    let last = k;
    let computeMs = units[k].computeMs[proc];
    while (last + 1 < units.length && units[last + 1].procs.includes(proc)) {
      last++;
      computeMs += units[last].computeMs[proc];
    }
    const latencyMs = units[k].inMs[proc] + computeMs + units[last].outMs[proc];
    const remainingMs = last + 1 < units.length ? units[last + 1].remainingMs : 0;
    return { proc, untilUnit: last, latencyMs, remainingMs };
  });
}

/** What the scheduler sees for `request` (of the model `units` belong to) whose unit `next` is ready. */
export function readyUnit(
  units: BandUnit[],
  next: number,
  request: number,
  arrivalMs: number,
  sloMs?: number,
): ReadyUnit {
  const unit = units[next];
  if (!unit) throw new HeteroError('band', `unit ${next} does not exist (${units.length} units)`);
  return {
    unitId: unit.id,
    unit: next,
    request,
    arrivalMs,
    deadlineMs: sloMs !== undefined ? arrivalMs + sloMs : Infinity,
    options: runOptions(units, next),
  };
}

/** The best-case chain of runs from unit 0 (the one remainingMs was computed along). */
function bestRuns(units: BandUnit[]): { from: number; option: ReadyOption }[] {
  const chosen: { from: number; option: ReadyOption }[] = [];
  for (let k = 0; k < units.length;) {
    const option = runOptions(units, k).reduce((a, b) =>
      b.latencyMs + b.remainingMs < a.latencyMs + a.remainingMs ? b : a,
    );
    chosen.push({ from: k, option });
    k = option.untilUnit + 1;
  }
  return chosen;
}

function planFromUnits(graph: Graph, device: Device, units: BandUnit[]): Plan {
  const placements: Record<string, Placement> = {};
  const runs = bestRuns(units);
  for (const { from, option } of runs) {
    for (let k = from; k <= option.untilUnit; k++) {
      for (const id of units[k].nodes) placements[id] = { proc: option.proc };
    }
  }
  const plan = makePlan(graph, device, 'band', placements, {
    objective: 'latency',
    order: units.flatMap((u) => u.nodes),
  });
  plan.notes = [
    `${units.length} fallback-aware unit subgraph(s); best case alone: ` +
      runs.map((r) => `units ${r.from}–${r.option.untilUnit} on ${r.option.proc}`).join(', ') +
      ` (${units[0]?.remainingMs.toFixed(2) ?? '0'} ms predicted with copies through CPU memory)`,
    'with other models running, the least-slack-first policy (bandSchedule) picks processors at run time',
  ];
  return plan;
}

export interface BandModel {
  name: string;
  graph: Graph;
  /** Latency SLO of each request (ms); none = best effort. */
  sloMs?: number;
}

export interface BandMultiPlan {
  /** Per model: its best-case single-model plan. */
  plans: Plan[];
  /** Per model: its unit subgraphs (ids "<name>#<index>"). */
  units: BandUnit[][];
  /** Per model: its SLO (ms), undefined = none. */
  sloMs: (number | undefined)[];
  /** The scheduler the simulator runs: least slack first over ready units. */
  policy: BandPolicy;
}

/** Units, per-model plans and the scheduling policy for several models sharing the device. */
export function planMulti(
  models: BandModel[],
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): BandMultiPlan {
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name)) throw new HeteroError('band', `two models are named "${m.name}"`);
    names.add(m.name);
    if (m.sloMs !== undefined && !(m.sloMs > 0)) {
      throw new HeteroError('band', `SLO of ${m.name} must be a positive number of ms, got ${m.sloMs}`);
    }
  }
  const units = models.map((m) => bandUnits(m.graph, device, cost, opts, m.name));
  return {
    plans: models.map((m, k) => planFromUnits(m.graph, device, units[k])),
    units,
    sloMs: models.map((m) => m.sloMs),
    policy: bandSchedule,
  };
}

function plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
  return planFromUnits(graph, device, bandUnits(graph, device, cost, opts));
}

export const band: Strategy = {
  name: 'band',
  cites:
    'Band: Jeong et al., "Band: Coordinated Multi-DNN Inference on Heterogeneous Mobile Processors", ' +
    'MobiSys 2022. Fallback-aware unit subgraphs (runs of ops with the same capable processors), ' +
    'least-slack-time-first scheduling of several models with SLOs (bandSchedule, for the simulator); ' +
    'single model: the fastest chain of subgraphs; copies through CPU memory per subgraph; no window.',
  plan,
};
