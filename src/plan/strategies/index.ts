// The strategy registry: every planning method by its command-line name, in the order tables list
// them (single processors first, then the published families, then the optimum, bound and ours).
import type { CostModel } from '../../cost/types.js';
import { HeteroError, isHeteroError } from '../../errors.js';
import type { Graph } from '../../graph/types.js';
import type { Device } from '../../hardware/schema.js';
import { evaluatePlan, type EvaluateOptions } from '../evaluate.js';
import type { Plan, PlanEvaluation, PlanOptions, Strategy } from '../types.js';
import { validatePlan } from '../validate.js';
import { adaptive } from './adaptive.js';
import { band } from './band.js';
import { bestSingle } from './best-single.js';
import { bound } from './bound.js';
import { codl } from './codl.js';
import { heft } from './heft.js';
import { layerwise } from './layerwise.js';
import { optimal } from './optimal.js';
import { pipeline } from './pipeline.js';
import { cpu, gpu, npu } from './single.js';
import { stretch } from './stretch.js';
import { ulayer } from './ulayer.js';

export {
  adaptive,
  band,
  bestSingle,
  bound,
  codl,
  cpu,
  gpu,
  heft,
  layerwise,
  npu,
  optimal,
  pipeline,
  stretch,
  ulayer,
};
export { lowerBound, lowerBoundMs } from './bound.js';

/** Registered strategies, in display order. */
const STRATEGIES: readonly Strategy[] = [
  cpu,
  gpu,
  npu,
  bestSingle,
  layerwise,
  heft,
  ulayer,
  codl,
  pipeline,
  stretch,
  band,
  optimal,
  bound,
  adaptive,
];

export function listStrategies(): Strategy[] {
  return [...STRATEGIES];
}

export function strategyNames(): string[] {
  return STRATEGIES.map((s) => s.name);
}

/** The strategy called `name`; an unknown name is a user error listing the known ones. */
export function getStrategy(name: string): Strategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) {
    throw new HeteroError('--strategy', `unknown strategy "${name}"; known: ${strategyNames().join(', ')}`);
  }
  return found;
}

/** One strategy's plan for a graph and its predicted evaluation, or why it produced none. */
export interface StrategyOutcome {
  strategy: string;
  plan?: Plan;
  /** The graph the plan runs: the input graph, or the rewritten one for a strategy that changes the model. */
  graph: Graph;
  evaluation?: PlanEvaluation;
  /** Set when the strategy refused (a user-level reason, e.g. a graph too big for the exact optimum). */
  error?: string;
}

/**
 * Plans `graph` with `strategy`, checks the plan with validatePlan and evaluates it. A strategy that
 * refuses (HeteroError) yields an outcome with `error`; a plan that fails validation is a bug in the
 * strategy and throws.
 */
export function planAndEvaluate(
  strategy: Strategy,
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
  evaluateOpts: EvaluateOptions = {},
): StrategyOutcome {
  let plan: Plan;
  try {
    plan = strategy.plan(graph, device, cost, opts);
  } catch (e) {
    if (!isHeteroError(e)) throw e;
    return { strategy: strategy.name, graph, error: e.message };
  }
  const target = planGraph(strategy, plan, graph, device, cost, opts);
  try {
    validatePlan(plan, target, device, cost, strategy.name);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`strategy ${strategy.name} produced an invalid plan: ${why}`, { cause: e });
  }
  const evaluation = evaluatePlan(plan, target, device, cost, evaluateOpts);
  return { strategy: strategy.name, plan, graph: target, evaluation };
}

/**
 * The graph a plan runs: `graph` itself, or — for a strategy that changes the model (NN-Stretch) —
 * its rewrite of `graph`, which the plan was made for.
 */
export function planGraph(
  strategy: Strategy,
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): Graph {
  if (!plan.changesModel || !strategy.rewrite) return graph;
  return strategy.rewrite(graph, device, cost, opts);
}
