// simulate(): one run of plans through time under a workload and conditions — pure and deterministic
// for a seed. Checks the input, compiles each plan into its job graph, runs the engine and turns its
// counters into the result (percentiles, rates, energy, utilisation, samples, the trace if asked).
import { HeteroError } from '../errors.js';
import { evaluatePlan } from '../plan/evaluate.js';
import { validatePlan } from '../plan/validate.js';
import { compilePlan, type JobTemplate } from './compile.js';
import { conditionsPreset, validateConditions } from './conditions.js';
import { SlotCosts } from './costs.js';
import { Engine, type EngineModel } from './engine.js';
import { FREQ_STEP, thermalParams } from './thermal.js';
import type {
  Conditions,
  ModelResult,
  SimulationInput,
  SimulationResult,
  TraceWindow,
  Workload,
} from './types.js';
import { deadlineOf, modelWorkload, parseWorkload } from './workload.js';
import type { CostModel } from '../cost/types.js';
import type { Graph } from '../graph/types.js';
import type { Device } from '../hardware/schema.js';
import type { Plan } from '../plan/types.js';

const DEFAULT_TICK_MS = 20;
const DEFAULT_MAX_SAMPLES = 600;

// Memoised job costs per (cost model, template): repeated runs of one plan (a study's sweep) ask the
// cost model once.
const costsCache = new WeakMap<CostModel, WeakMap<JobTemplate, SlotCosts>>();

function slotCosts(template: JobTemplate, cost: CostModel): SlotCosts {
  let byTemplate = costsCache.get(cost);
  if (!byTemplate) costsCache.set(cost, (byTemplate = new WeakMap()));
  let c = byTemplate.get(template);
  if (!c) byTemplate.set(template, (c = new SlotCosts(template, cost, FREQ_STEP)));
  return c;
}

function positiveFinite(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new HeteroError(field, `must be a positive number of ms, got ${String(x)}`);
  }
  return x;
}

function traceWindow(keep: SimulationInput['keepTrace']): TraceWindow | undefined {
  if (keep === undefined || keep === false) return undefined;
  if (keep === true) return { fromMs: -Infinity, toMs: Infinity };
  if (!(keep.fromMs <= keep.toMs)) {
    throw new HeteroError('keepTrace', `window ${keep.fromMs}–${keep.toMs} ms is empty`);
  }
  return keep;
}

function resolveConditions(c: Conditions | string): Conditions {
  return typeof c === 'string' ? conditionsPreset(c) : validateConditions(c);
}

export function simulate(input: SimulationInput): SimulationResult {
  const durationMs = positiveFinite(input.durationMs, 'durationMs');
  if (!Number.isInteger(input.seed))
    throw new HeteroError('seed', `must be an integer, got ${String(input.seed)}`);
  const tickMs = positiveFinite(input.tickMs ?? DEFAULT_TICK_MS, 'tickMs');
  const drainMs = input.drainMs ?? Math.max(1000, durationMs);
  if (!(drainMs >= 0)) throw new HeteroError('drainMs', `must be ≥ 0, got ${String(drainMs)}`);
  const maxSamples = input.maxSamples ?? DEFAULT_MAX_SAMPLES;
  if (!Number.isInteger(maxSamples) || maxSamples < 2)
    throw new HeteroError('maxSamples', 'must be an integer ≥ 2');
  if (input.models.length === 0) throw new HeteroError('models', 'give at least one model');
  const names = new Set<string>();
  for (const m of input.models) {
    if (names.has(m.name)) throw new HeteroError('models', `two models are named "${m.name}"`);
    names.add(m.name);
  }
  const workload: Workload = parseWorkload(input.workload);
  const conditions = resolveConditions(input.conditions);
  const { device, cost } = input;

  const engineModels: EngineModel[] = input.models.map((m, i) => {
    validatePlan(m.plan, m.graph, device, cost, `plan of ${m.name}`);
    const w = modelWorkload(workload, i, input.models.length);
    return {
      name: m.name,
      template: compilePlan(m.plan, m.graph, device, cost, m.name),
      workload: w,
      deadlineMs: deadlineOf(w),
      predictedMs: evaluatePlan(m.plan, m.graph, device, cost, { trace: false }).latencyMs,
    };
  });
  const sampleEveryMs = Math.max(tickMs, Math.ceil(durationMs / (maxSamples - 1) / tickMs) * tickMs);
  const engine = new Engine({
    device,
    models: engineModels,
    policy: workload.policy,
    conditions,
    thermal: thermalParams(device, conditions.ambientC),
    durationMs,
    drainMs,
    tickMs,
    sampleEveryMs,
    maxSamples,
    seed: input.seed >>> 0,
    costs: engineModels.map((m) => slotCosts(m.template, cost)),
    trace: traceWindow(input.keepTrace),
  });
  const run = engine.run();

  const seconds = run.endMs / 1000;
  const perModel: Record<string, ModelResult> = {};
  let requests = 0;
  let completed = 0;
  let dropped = 0;
  let unfinished = 0;
  let withDeadline = 0;
  let misses = 0;
  run.models.forEach((m, i) => {
    const left = run.unfinished[i];
    const hasDeadline = Number.isFinite(m.spec.deadlineMs);
    const modelMisses = m.late + m.dropped + left;
    requests += m.requests;
    completed += m.completed;
    dropped += m.dropped;
    unfinished += left;
    if (hasDeadline) {
      withDeadline += m.requests;
      misses += modelMisses;
    }
    perModel[m.spec.name] = {
      requests: m.requests,
      completed: m.completed,
      dropped: m.dropped,
      latencyMs: m.hist.summary(),
      deadlineMissRate: hasDeadline && m.requests > 0 ? modelMisses / m.requests : 0,
      throughputPerS: seconds > 0 ? m.completed / seconds : 0,
    };
  });
  const utilization: Record<string, number> = {};
  const idleMs: Record<string, number> = {};
  device.processors.forEach((p, i) => {
    utilization[p.id] = run.endMs > 0 ? run.busyMs[i] / run.endMs : 0;
    idleMs[p.id] = Math.max(0, run.endMs - run.busyMs[i]);
  });
  const energyJ = run.inferenceEnergyJ + run.idleEnergyJ;
  const notes = [
    `conditions ${conditions.name}: ${conditions.description}`,
    ...(unfinished > 0
      ? [`${unfinished} request(s) still queued or running after the ${drainMs} ms drain`]
      : []),
  ];
  return {
    requests,
    completed,
    dropped,
    unfinished,
    latencyMs: run.overall.summary(),
    throughputPerS: seconds > 0 ? completed / seconds : 0,
    deadlineMissRate: withDeadline > 0 ? misses / withDeadline : 0,
    energyMjPerInference: completed > 0 ? (energyJ * 1000) / completed : 0,
    utilization,
    idleMs,
    perModel,
    timeline: run.timeline,
    events: run.events,
    simulatedMs: run.endMs,
    maxTemperatureC: run.maxTemperatureC,
    ...(run.trace ? { trace: { events: run.trace } } : {}),
    notes,
  };
}

/**
 * One request on an idle device: the latency the simulator predicts for `plan` alone (what `hetero
 * run` and the study's real executions are compared with), or undefined when it completes none.
 */
export function idleRequestMs(plan: Plan, graph: Graph, device: Device, cost: CostModel): number | undefined {
  const r = simulate({
    device,
    cost,
    models: [{ name: graph.name, graph, plan }],
    workload: 'single',
    conditions: 'idle',
    durationMs: 1,
    seed: 1,
  });
  return r.completed > 0 && Number.isFinite(r.latencyMs.p50) ? r.latencyMs.p50 : undefined;
}
