// best-single: the baseline every heterogeneous method is measured against — the best one-processor
// deployment (CPU, GPU delegate or NPU/DSP delegate, each with its framework fallback), chosen by the
// objective under evaluatePlan, as a developer would pick after benchmarking each backend.
//
// Simplifications: the candidates are the `cpu`, `gpu` and `npu` strategies (single.ts) on the
// processors the options allow; the mid and little CPU clusters are not tried (frameworks default to
// the big cores). Throughput is judged as single-inference latency.
import type { CostModel } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import type { Graph } from '../../graph/types.js';
import type { Device } from '../../hardware/schema.js';
import { evaluatePlan } from '../evaluate.js';
import type { Plan, PlanEvaluation, PlanOptions, Strategy } from '../types.js';
import { planContext, planObjective } from './chains.js';
import { SINGLE_STRATEGIES, targetProcessor } from './single.js';

export interface SingleCandidate {
  strategy: string;
  plan: Plan;
  evaluation: PlanEvaluation;
  /** The objective's value: latency (ms) or energy (J). */
  score: number;
}

// rankSingles per (cost model, graph, device, options): best-single and layerwise's guard both rank the
// singles, and adaptive runs both on one cost model. Cost models and graphs are immutable.
const rankCache = new WeakMap<CostModel, WeakMap<Graph, WeakMap<Device, Map<string, SingleCandidate[]>>>>();

/**
 * Every single-processor strategy that can run here, evaluated and sorted best first. The plans are
 * shared between calls with the same arguments: callers must not modify them.
 */
export function rankSingles(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): SingleCandidate[] {
  let byGraph = rankCache.get(cost);
  if (!byGraph) rankCache.set(cost, (byGraph = new WeakMap()));
  let byDevice = byGraph.get(graph);
  if (!byDevice) byGraph.set(graph, (byDevice = new WeakMap()));
  let byOpts = byDevice.get(device);
  if (!byOpts) byDevice.set(device, (byOpts = new Map()));
  const key = JSON.stringify(opts);
  let ranked = byOpts.get(key);
  if (!ranked) byOpts.set(key, (ranked = rankSinglesUncached(graph, device, cost, opts)));
  return ranked.map((c) => ({ ...c }));
}

function rankSinglesUncached(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions,
): SingleCandidate[] {
  const objective = planObjective(opts);
  const context = planContext(opts);
  const out: SingleCandidate[] = [];
  for (const s of SINGLE_STRATEGIES) {
    const target = targetProcessor(device, s.name as 'cpu' | 'gpu' | 'npu');
    if (!target || (opts.processors && !opts.processors.includes(target.id))) continue;
    const plan = s.plan(graph, device, cost, opts);
    const evaluation = evaluatePlan(plan, graph, device, cost, { context });
    const score = objective === 'energy' ? evaluation.energyJ : evaluation.latencyMs;
    out.push({ strategy: s.name, plan, evaluation, score });
  }
  return out.sort((a, b) => a.score - b.score);
}

function describe(c: SingleCandidate): string {
  return `${c.strategy} (${c.evaluation.latencyMs.toFixed(2)} ms, ${(c.evaluation.energyJ * 1000).toFixed(1)} mJ)`;
}

export const bestSingle: Strategy = {
  name: 'best-single',
  cites:
    'Baseline: the best of the cpu / gpu / npu framework deployments (TFLite delegates, ORT execution providers) by the objective.',
  plan(graph, device, cost, opts = {}) {
    const ranked = rankSingles(graph, device, cost, opts);
    const best = ranked[0];
    if (!best) throw new HeteroError('best-single', `none of ${device.id}'s processors is allowed`);
    const runnerUp = ranked[1];
    const objective = planObjective(opts);
    const why =
      `best-single picked ${describe(best)} by ${objective}` +
      (runnerUp ? `; runner-up ${describe(runnerUp)}` : '; no other single processor available');
    return { ...best.plan, strategy: 'best-single', notes: [why, ...best.plan.notes] };
  },
};
