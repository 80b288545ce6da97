// The simulator's public data: what a run is asked (models and their plans, a workload, the device's
// conditions) and what it reports. Plain serialisable data, except the graphs and cost model passed in.
import type { CostModel } from '../cost/types.js';
import type { Graph } from '../graph/types.js';
import type { Device } from '../hardware/schema.js';
import type { Plan, Trace } from '../plan/types.js';

// ---- workloads ------------------------------------------------------------------------------------

/** How one model's requests arrive. */
export type Arrival =
  /** `count` requests at `startMs` (one inference, or a batch of simultaneous ones). */
  | { kind: 'single'; count: number }
  /** One request every `periodMs` (a 30 fps camera: 33.3 ms), optionally jittered uniformly ± jitterMs. */
  | { kind: 'periodic'; periodMs: number; jitterMs: number }
  /** Poisson arrivals at `ratePerS` (exponential gaps). */
  | { kind: 'poisson'; ratePerS: number }
  /** `size` requests every `everyMs`, `spacingMs` apart within a burst. */
  | { kind: 'burst'; size: number; everyMs: number; spacingMs: number };

export interface ModelWorkload {
  arrival: Arrival;
  /** Latency target of each request (ms after its arrival); periodic default: the period. */
  deadlineMs?: number;
  /** Larger = served first under the `priority` queue order. Default 0. */
  priority: number;
  /** First arrival (ms). Default 0. */
  startMs: number;
}

/**
 * Which waiting work a processor takes next when several requests have a job ready for it:
 * `fifo` = earliest arrival, `edf` = earliest deadline, `priority` = highest model priority (then fifo).
 */
export type QueueOrder = 'fifo' | 'edf' | 'priority';

export interface QueuePolicy {
  order: QueueOrder;
  /**
   * Drop a request instead of starting it when it is already past its deadline or its predicted
   * latency (the plan's static prediction) would end past it — a camera app skipping stale frames.
   */
  dropLate: boolean;
  /** Requests of one model executing at once (1 = one session runs one inference at a time). */
  maxInFlight: number;
  /** Requests of one model waiting to start; when full, the oldest is dropped. Infinity = unbounded. */
  maxQueue: number;
}

export interface Workload {
  /** One entry for all models, or one per model in the order of SimulationInput.models. */
  models: ModelWorkload[];
  policy: QueuePolicy;
}

// ---- conditions -----------------------------------------------------------------------------------

/** How a processor's clock is chosen under load (the thermal cap always applies on top). */
export type GovernorKind = 'performance' | 'schedutil' | 'powersave';

/** Where a background load lands: a processor id, a kind (`cpu` = every CPU cluster), or none. */
export type LoadTarget = string;

/** Another app (or the system) using part of the device for a while. */
export interface BackgroundLoad {
  /** What it is, for reports ("3D game", "video call"). */
  name: string;
  /** Processor id, processor kind (cpu, gpu, npu, dsp), `accelerator` (npu and dsp) or `none`. */
  target: LoadTarget;
  /** Share of each target processor it takes, 0..1 (1 = the processor is unavailable). */
  busyShare: number;
  /** DRAM bandwidth it draws (GB/s) — contends with inference through the cost model's rule. */
  bandwidthGBps: number;
  /** Further DRAM bandwidth as a share of the device's (portable across SoCs), 0..1. */
  bandwidthShare: number;
  /** Extra heat it produces beyond the processors' power (display, camera ISP, modem), W. */
  powerW: number;
  /** Active from..to (ms); to = Infinity: until the end. */
  fromMs: number;
  toMs: number;
  /** Duty cycle: on for `onMs` of every `periodMs` (absent: on throughout). */
  periodMs?: number;
  onMs?: number;
  /** Duty cycle starting at a seeded random point of its first period (an unrelated app's phase). */
  randomPhase?: boolean;
  /** Random on/off phases with exponential lengths of these means (ms), seeded. */
  meanOnMs?: number;
  meanOffMs?: number;
  /** Where the numbers come from, or why they are estimates. */
  source?: string;
  estimated?: boolean;
  reasoning?: string;
}

export interface Conditions {
  name: string;
  description: string;
  ambientC: number;
  /** Temperature at t = 0 (a phone already warm from use starts above ambient). */
  initialTempC: number;
  governor: GovernorKind;
  /** false: no thermal throttling (the lab bench with a fan). */
  thermal: boolean;
  loads: BackgroundLoad[];
  /** Provenance of the preset's own numbers (ambient, initial temperature). */
  notes?: string[];
}

// ---- the run --------------------------------------------------------------------------------------

export interface SimModel {
  name: string;
  /** The graph the plan runs (for a model-changing strategy, its rewrite). */
  graph: Graph;
  plan: Plan;
}

export interface TraceWindow {
  fromMs: number;
  toMs: number;
}

export interface SimulationInput {
  device: Device;
  cost: CostModel;
  models: SimModel[];
  /** A Workload, or a spec string parseWorkload understands. */
  workload: Workload | string;
  /** Conditions, or a preset name (conditionsPreset). */
  conditions: Conditions | string;
  /** Requests arrive in [0, durationMs); the run then drains what is in flight. */
  durationMs: number;
  seed: number;
  /** Record the full trace (true) or the events overlapping a window; default: none (bounded memory). */
  keepTrace?: boolean | TraceWindow;
  /** After durationMs, how long in-flight and queued requests may still finish (default durationMs, ≥ 1 s). */
  drainMs?: number;
  /** Governor/thermal step (ms). Default 20 (Android schedutil rate limits are 0.5–20 ms). */
  tickMs?: number;
  /** Most samples kept in `timeline` (default 600). */
  maxSamples?: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

export interface ModelResult {
  requests: number;
  completed: number;
  dropped: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  deadlineMissRate: number;
  throughputPerS: number;
}

export interface TimelineSample {
  tMs: number;
  temperatureC: number;
  freqShare: Record<string, number>;
  /** Mean device power since the previous sample (inference + background + idle), W. */
  powerW: number;
  /** Requests completed since the previous sample, and their mean latency (ms; 0 when none). */
  completed: number;
  meanLatencyMs: number;
}

export interface SimulationResult {
  requests: number;
  completed: number;
  dropped: number;
  /** Requests still queued or running when the drain limit was reached (counted as misses). */
  unfinished: number;
  latencyMs: LatencySummary;
  throughputPerS: number;
  /** (late + dropped + unfinished) / requests, over requests with a deadline (0 when none has one). */
  deadlineMissRate: number;
  /** Inference energy (compute, transfers, idle power while requests are in flight) / completed, mJ. */
  energyMjPerInference: number;
  /** Share of the simulated time each processor spent running inference work. */
  utilization: Record<string, number>;
  idleMs: Record<string, number>;
  perModel: Record<string, ModelResult>;
  timeline: TimelineSample[];
  /** Discrete events processed. */
  events: number;
  /** Simulated time covered (ms): the duration, or longer while requests drained. */
  simulatedMs: number;
  /** Peak temperature reached (°C). */
  maxTemperatureC: number;
  trace?: Trace;
  notes: string[];
}
