// Plans for a simulation: one strategy's plan per model, or — for `band` with several models —
// Band's multi-model planning (planMulti), whose per-model plans carry the models' SLOs.
import type { CostModel } from '../cost/types.js';
import type { Graph } from '../graph/types.js';
import type { Device } from '../hardware/schema.js';
import { planMulti } from '../plan/strategies/band.js';
import { getStrategy, planGraph } from '../plan/strategies/index.js';
import type { PlanOptions } from '../plan/types.js';
import type { SimModel, Workload } from './types.js';
import { deadlineOf, modelWorkload } from './workload.js';

export interface ModelToPlan {
  name: string;
  graph: Graph;
}

/** Each model with its plan (and the graph the plan runs), ready for SimulationInput.models. */
export function planForSimulation(
  strategy: string,
  models: ModelToPlan[],
  device: Device,
  cost: CostModel,
  workload?: Workload,
  opts: PlanOptions = {},
): SimModel[] {
  const s = getStrategy(strategy);
  if (s.name === 'band' && models.length > 1) {
    const sloMs = (i: number): number | undefined => {
      if (!workload) return undefined;
      const d = deadlineOf(modelWorkload(workload, i, models.length));
      return Number.isFinite(d) ? d : undefined;
    };
    const multi = planMulti(
      models.map((m, i) => ({ name: m.name, graph: m.graph, sloMs: sloMs(i) })),
      device,
      cost,
      opts,
    );
    return models.map((m, i) => ({ name: m.name, graph: m.graph, plan: multi.plans[i] }));
  }
  return models.map((m) => {
    const plan = s.plan(m.graph, device, cost, opts);
    return { name: m.name, graph: planGraph(s, plan, m.graph, device, cost, opts), plan };
  });
}
