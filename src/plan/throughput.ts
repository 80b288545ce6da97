// Throughput of a pipelined plan on a stream of frames. evaluatePlan predicts one inference; a
// pipeline's steady state is set by its slowest stage instead. Stage times are read off the same
// evaluatePlan timeline (never re-derived), so pipelined and single-inference numbers agree.
import type { CostModel } from '../cost/types.js';
import type { Graph } from '../graph/types.js';
import type { Device } from '../hardware/schema.js';
import { evaluatePlan, type EvaluateOptions } from './evaluate.js';
import type { Plan } from './types.js';

export interface PipelineThroughput {
  /** Time between two frames leaving the pipeline in steady state (the slowest stage or processor). */
  periodMs: number;
  /** Frames per second in steady state: 1000 / periodMs. */
  throughputPerS: number;
  /** Fill latency: one frame through the empty pipeline (evaluatePlan's single-inference latency). */
  latencyMs: number;
  /**
   * Latency of a frame in a lock-step pipeline at full rate: every stage hands over once per period,
   * so a frame spends stages × period in flight.
   */
  steadyLatencyMs: number;
  /** Per stage: compute of its nodes plus the syncs and transfers bringing their inputs in. */
  stageMs: number[];
  /**
   * Per processor: all the work it does per frame (a processor serving two stages does both); the
   * move of results back to the app's CPU is left to the last stage's time.
   */
  processorBusyMs: Record<string, number>;
  /** Index of the stage that sets the period (-1 when a processor shared by stages does). */
  bottleneckStage: number;
}

/**
 * Steady-state throughput of `plan` on a frame stream. Each stage's time is the compute of its nodes
 * plus the syncs and transfers of their inputs from other processors (including graph inputs from
 * the app's CPU); moving results back to the app's CPU counts in the last stage. A stage is assumed
 * to serialise its own work — exact for one processor per stage, an upper bound for a stage whose
 * nodes are split across processors. The period is the largest stage time, or the busiest processor's
 * time per frame when stages share a processor. A plan without stages is not pipelined: frames go one
 * at a time and the period is the single-inference latency.
 */
export function pipelineThroughput(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: EvaluateOptions = {},
): PipelineThroughput {
  const evaluation = evaluatePlan(plan, graph, device, cost, opts);
  const latencyMs = evaluation.latencyMs;
  const stages = plan.stages && plan.stages.length > 0 ? plan.stages : [graph.nodes.map((n) => n.id)];
  const stageOf = new Map<string, number>();
  stages.forEach((ids, s) => ids.forEach((id) => stageOf.set(id, s)));
  const last = stages.length - 1;

  const stageMs = stages.map(() => 0);
  const processorBusyMs: Record<string, number> = {};
  for (const p of device.processors) processorBusyMs[p.id] = 0;
  for (const e of evaluation.trace.events) {
    if (e.kind === 'idle') continue;
    const durationMs = e.endMs - e.startMs;
    // 'output' marks the move of results back to the app's CPU, after the last stage.
    const stage = e.node === undefined ? undefined : stageOf.get(e.node);
    stageMs[stage ?? last] += durationMs;
    // The output move is the last stage's (counted there); other transfers ("from→to") occupy
    // the receiving side, which waits for them.
    if (stage === undefined) continue;
    const proc = e.kind === 'transfer' ? (e.proc.split('→')[1] ?? e.proc) : e.proc;
    processorBusyMs[proc] = (processorBusyMs[proc] ?? 0) + durationMs;
  }

  if (!plan.stages || plan.stages.length === 0) {
    return {
      periodMs: latencyMs,
      throughputPerS: latencyMs > 0 ? 1000 / latencyMs : Infinity,
      latencyMs,
      steadyLatencyMs: latencyMs,
      stageMs: [latencyMs],
      processorBusyMs,
      bottleneckStage: 0,
    };
  }

  let periodMs = 0;
  let bottleneckStage = 0;
  stageMs.forEach((ms, s) => {
    if (ms > periodMs) {
      periodMs = ms;
      bottleneckStage = s;
    }
  });
  const busiestMs = Math.max(0, ...Object.values(processorBusyMs));
  if (busiestMs > periodMs + 1e-9) {
    periodMs = busiestMs;
    bottleneckStage = -1;
  }
  return {
    periodMs,
    throughputPerS: periodMs > 0 ? 1000 / periodMs : Infinity,
    latencyMs,
    steadyLatencyMs: stages.length * periodMs,
    stageMs,
    processorBusyMs,
    bottleneckStage,
  };
}
