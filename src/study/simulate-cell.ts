// A `simulate` cell: the plan(s) run by the discrete-event simulator (src/sim/) for a workload under
// a conditions preset, for a short simulated duration and a seed. The only place the study touches
// the simulator.
import { planForSimulation, simulate } from '../sim/index.js';
import type { ModelWorkload, QueuePolicy, SimModel, Workload } from '../sim/types.js';
import { cellPlanKey, type Cell } from './cells.js';
import { studyDevice } from './context.js';
import { studyPlan, type StudyPlan } from './plan-cache.js';
import type { CellOutcome, CellRow } from './row.js';
import type { WorkloadDef } from './spec.js';

/** Isolated inferences by default arrive this far apart. */
const SINGLE_EVERY_MS = 200;

/**
 * Streams keep at most this many requests waiting (the oldest is dropped, as a camera pipeline's
 * bounded buffer does): an overloaded plan then shows up as misses and drops, not as a queue that
 * grows for the whole run. Late requests are still started (no drop on predicted lateness), so every
 * strategy's latency is measured on the same requests.
 */
const STREAM_QUEUE = 4;

/** The simulator's workload for a study workload over `models` (in the cell's order). */
export function simWorkload(w: WorkloadDef): Workload {
  const model = (arrival: ModelWorkload['arrival'], sloMs: number | undefined): ModelWorkload => ({
    arrival,
    ...(sloMs === undefined ? {} : { deadlineMs: sloMs }),
    priority: 0,
    startMs: 0,
  });
  const policy = (maxQueue: number): QueuePolicy => ({
    order: 'fifo',
    dropLate: false,
    maxInFlight: 1,
    maxQueue,
  });
  switch (w.kind) {
    case 'single':
      return {
        models: [model({ kind: 'periodic', periodMs: w.everyMs ?? SINGLE_EVERY_MS, jitterMs: 0 }, w.sloMs)],
        policy: policy(Infinity),
      };
    case 'periodic':
      return {
        models: [model({ kind: 'periodic', periodMs: 1000 / w.fps, jitterMs: 0 }, w.sloMs)],
        policy: policy(STREAM_QUEUE),
      };
    case 'poisson':
      return {
        models: [model({ kind: 'poisson', ratePerS: w.ratePerS }, w.sloMs)],
        policy: policy(STREAM_QUEUE),
      };
    case 'multi':
      return {
        models: w.streams.map((s) =>
          model({ kind: 'periodic', periodMs: 1000 / s.fps, jitterMs: 0 }, s.sloMs),
        ),
        policy: policy(STREAM_QUEUE),
      };
  }
}

export function runSimulateCell(cell: Cell, row: CellRow, planDir: string, hostFile?: string): CellOutcome {
  const p = cell.params;
  const plans: (StudyPlan & { name: string })[] = [];
  for (const m of p.models) {
    const found = studyPlan(cellPlanKey(p, m), planDir, hostFile);
    if ('refused' in found) return { row: { ...row, status: 'refused', message: found.refused } };
    plans.push({ ...found, name: m.name });
  }
  if (!p.workload || !p.conditions || p.seed === undefined || p.durationMs === undefined)
    throw new Error(`simulate cell ${cell.id} lacks workload, conditions, seed or duration`);
  const { device, cost } = studyDevice(p.device, hostFile);
  const workload = simWorkload(p.workload);
  // Band with several models plans them together (its per-model plans carry the models' SLOs).
  const models: SimModel[] =
    p.strategy === 'band' && plans.length > 1
      ? planForSimulation('band', plans, device, cost, workload, { objective: p.objective })
      : plans.map(({ name, graph, plan }) => ({ name, graph, plan }));
  const r = simulate({
    device,
    cost,
    models,
    workload,
    conditions: p.conditions,
    durationMs: p.durationMs,
    seed: p.seed,
    keepTrace: p.trace,
  });
  // The lowest frequency share any processor ran at: how hard the run was throttled.
  const freqs = r.timeline.flatMap((t) => Object.values(t.freqShare));
  return {
    row: {
      ...row,
      latency_ms: r.latencyMs.mean,
      p50_ms: r.latencyMs.p50,
      p90_ms: r.latencyMs.p90,
      p99_ms: r.latencyMs.p99,
      max_ms: r.latencyMs.max,
      throughput_per_s: r.throughputPerS,
      deadline_miss_rate: r.deadlineMissRate,
      energy_mj: r.energyMjPerInference,
      requests: r.requests,
      completed: r.completed,
      dropped: r.dropped,
      nodes: plans.reduce((n, q) => n + q.graph.nodes.length, 0),
      fallbacks: plans.reduce((n, q) => n + (q.plan.fallbacks?.length ?? 0), 0),
      changes_model: plans.some((q) => q.plan.changesModel === true),
      details: JSON.stringify({
        utilization: r.utilization,
        perModel: r.perModel,
        maxTemperatureC: r.maxTemperatureC,
        minFreqShare: freqs.length ? Math.min(...freqs) : null,
        unfinished: r.unfinished,
        events: r.events,
        simulatedMs: r.simulatedMs,
      }),
    },
    ...(p.trace && r.trace ? { traceJson: JSON.stringify(r.trace.events) } : {}),
  };
}
