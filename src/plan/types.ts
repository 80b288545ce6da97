// Plans: who runs what, split how, in which order. Plain serialisable data; strategies produce
// them, evaluatePlan / the simulator / the executor consume them.
import type { Device } from '../hardware/schema.js';
import type { CostModel, RunContext } from '../cost/types.js';
import type { DType, Graph } from '../graph/types.js';

/**
 * Split axes. N, H, W and C name axes of the node's output tensor (NCHW); OC splits a Conv/Gemm/
 * MatMul by output channels (weights divided), which is C of its output.
 */
export type SplitAxis = 'N' | 'H' | 'W' | 'C' | 'OC';

export interface SplitPart {
  proc: string;
  /** Share of the output along the axis, 0 < fraction ≤ 1; parts sum to 1. */
  fraction: number;
  /** DType this part computes in (e.g. μLayer's int8 CPU / fp16 GPU parts); absent = processor default. */
  computeDType?: DType;
}

export type Placement =
  { proc: string; computeDType?: DType } | { split: { axis: SplitAxis; parts: SplitPart[] } };

export type Objective = 'latency' | 'energy' | 'throughput';

export interface Plan {
  model: string;
  /** graphFingerprint of the graph the plan was made for: a plan never applies to another model. */
  fingerprint: string;
  device: string;
  strategy: string;
  objective: Objective;
  /** One entry per node id. */
  placements: Record<string, Placement>;
  /** Node ids in the order processors issue them; absent = topological order. */
  order?: string[];
  /** Pipelined stages (throughput plans): node ids per stage, stages run concurrently on frames. */
  stages?: string[][];
  /** Nodes the strategy wanted on an accelerator that fell back to the CPU (unsupported there). */
  fallbacks?: string[];
  /** Set by strategies that change the model itself (NN-Stretch): needs retraining, never chosen silently. */
  changesModel?: boolean;
  notes: string[];
}

export interface PlanOptions {
  objective?: Objective;
  /** Processors the strategy may use (default: all the device has). */
  processors?: string[];
  /** Frequency share and background load the plan is made for. */
  freqShare?: number;
  /**
   * Further conditions the plan is made for (background DRAM traffic, threads), passed to
   * evaluatePlan as its context; `freqShare` above wins over `context.freqShare`.
   */
  context?: RunContext;
}

export interface Strategy {
  name: string;
  /** Paper the strategy reproduces and the simplifications made. */
  cites: string;
  plan(graph: Graph, device: Device, cost: CostModel, opts?: PlanOptions): Plan;
  /**
   * Only for strategies that change the model (NN-Stretch): the rewritten graph their plans are made
   * for. `plan(graph)` then returns a plan for `rewrite(graph)` (check `plan.changesModel`), which is
   * what it must be validated and evaluated against. Strategies that keep the model leave it out.
   */
  rewrite?(graph: Graph, device: Device, cost: CostModel, opts?: PlanOptions): Graph;
}

export type TraceEventKind = 'compute' | 'transfer' | 'sync' | 'idle';

export interface TraceEvent {
  /** Processor id, or "from→to" for a transfer. */
  proc: string;
  kind: TraceEventKind;
  node?: string;
  request?: number;
  startMs: number;
  endMs: number;
}

/** A timeline, predicted (evaluatePlan, simulator) or measured (executor): the same type for both. */
export interface Trace {
  events: TraceEvent[];
}

export interface ProcessorBreakdown {
  computeMs: number;
  transferMs: number;
  syncMs: number;
  idleMs: number;
  energyJ: number;
}

export interface PlanEvaluation {
  latencyMs: number;
  energyJ: number;
  perProcessor: Record<string, ProcessorBreakdown>;
  /** Nodes a processor could not run and that fell back to the CPU (from the strategy's notes). */
  fallbacks: number;
  /** Data dependencies whose producer and consumer (parts) are on different processors. */
  crossEdges: number;
  /** Bytes moved between processors. */
  transferBytes: number;
  trace: Trace;
}
