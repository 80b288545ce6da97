// executePlan: a plan run for real. The model is cut into sub-models (submodel.ts), each processor
// becomes a worker thread (Node) or an execution provider in headless Chromium (browser.ts), a few
// inferences are timed, and the outputs are checked against the monolithic model.
import os from 'node:os';
import type * as ort from 'onnxruntime-node';
import { HeteroError } from '../errors.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import type { Device } from '../hardware/schema.js';
import type { Plan, Trace } from '../plan/types.js';
import { placementParts } from '../plan/validate.js';
import type { GraphOptimization } from './node-protocol.js';
import { NodeExecutor } from './node-executor.js';
import { makeFeeds } from './profile-inputs.js';
import { splitPlan, type SplitModel } from './submodel.js';
import type { ExecTarget } from './target.js';
import { maxDiff, outputDiffs, referenceOutputs, type OutputDiffs } from './verify.js';
import { toWire, type WireTensor } from './wire.js';

export interface ExecuteOptions {
  /** Timed inferences (default 5); the result reports their median. */
  runs?: number;
  /** Untimed inferences first (default 1): sessions allocate on their first run. */
  warmup?: number;
  /** ORT graph optimization (default 'disabled', as the host calibration measured). */
  graphOptimization?: GraphOptimization;
  /** Compare outputs with the monolithic ORT run (default true). */
  verify?: boolean;
  /** Seed of the random inputs (default 1). */
  seed?: number;
}

export interface PartitionSummary {
  id: string;
  proc: string;
  nodes: number;
}

export interface ExecutionResult {
  backend: 'node' | 'browser';
  /** Wall time of each timed inference (ms). */
  runsMs: number[];
  /** Median of runsMs. */
  measuredMs: number;
  /** Measured timeline of the median inference (one compute event per partition). */
  trace: Trace;
  outputs: Record<string, WireTensor>;
  /** Max |executed − monolithic| per output (absent when verify is off). */
  diffs?: OutputDiffs;
  maxAbsDiff?: number;
  partitions: PartitionSummary[];
  /** ORT intra-op threads per processor. */
  threads: Record<string, number>;
  /** Node: most workers busy at once in any timed inference (2+ = processors overlapped). */
  maxBusyWorkers?: number;
}

/** Fails with one line when the plan does not belong to this model or names unknown processors. */
export function checkPlanForExecution(plan: Plan, target: ExecTarget, device: Device, where = 'plan'): void {
  if (plan.fingerprint !== graphFingerprint(target.graph)) {
    throw new HeteroError(
      where,
      `plan is for another model (${plan.model}) or other input shapes than ${target.graph.name}`,
    );
  }
  const known = new Set(device.processors.map((p) => p.id));
  for (const [node, placement] of Object.entries(plan.placements)) {
    for (const part of placementParts(placement)) {
      if (!known.has(part.proc)) {
        throw new HeteroError(
          where,
          `node ${node} is placed on "${part.proc}", which ${device.id} does not have (it has ${[...known].join(', ')})`,
        );
      }
    }
  }
}

/** ORT intra-op threads of each processor: its cores (the whole-machine cpu: all of them). */
export function threadsFor(device: Device, procs: readonly string[]): Record<string, number> {
  const threads: Record<string, number> = {};
  for (const id of procs) {
    const p = device.processors.find((q) => q.id === id);
    threads[id] = Math.max(1, Math.min(p?.cores ?? 1, os.cpus().length));
  }
  return threads;
}

/** Inputs of a run: seeded random data, known control values as given. */
export function executionFeeds(target: ExecTarget, seed = 1): Record<string, ort.Tensor> {
  return makeFeeds(target.graph, target.values, seed);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summaries(model: SplitModel): PartitionSummary[] {
  return model.partitions.map((p) => ({ id: p.id, proc: p.proc, nodes: p.nodes.length }));
}

/** Runs `plan` on onnxruntime-node worker threads, one per processor of `device` the plan uses. */
export async function executePlan(
  target: ExecTarget,
  plan: Plan,
  device: Device,
  opts: ExecuteOptions = {},
): Promise<ExecutionResult> {
  checkPlanForExecution(plan, target, device);
  const runs = Math.max(1, Math.trunc(opts.runs ?? 5));
  const warmup = Math.max(0, Math.trunc(opts.warmup ?? 1));
  const model = splitPlan(target.graph, plan);
  const threads = threadsFor(device, model.procs);
  const feeds = executionFeeds(target, opts.seed);
  const wireFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toWire(t, true)]));
  const executor = await NodeExecutor.start(model, {
    threads,
    graphOptimization: opts.graphOptimization ?? 'disabled',
  });
  const timed = [];
  try {
    for (let i = 0; i < warmup; i++) await executor.infer(wireFeeds);
    for (let i = 0; i < runs; i++) timed.push(await executor.infer(wireFeeds));
  } finally {
    await executor.close();
  }
  const runsMs = timed.map((r) => r.wallMs);
  const measuredMs = median(runsMs);
  const typical = timed.reduce((best, r) =>
    Math.abs(r.wallMs - measuredMs) < Math.abs(best.wallMs - measuredMs) ? r : best,
  );
  const result: ExecutionResult = {
    backend: 'node',
    runsMs,
    measuredMs,
    trace: typical.trace,
    outputs: typical.outputs,
    partitions: summaries(model),
    threads,
    maxBusyWorkers: Math.max(...timed.map((r) => r.maxBusyWorkers)),
  };
  if (opts.verify !== false) {
    const diffs = outputDiffs(typical.outputs, await referenceOutputs(target, feeds));
    Object.assign(result, { diffs, maxAbsDiff: maxDiff(diffs) });
  }
  return result;
}
