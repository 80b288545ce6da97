// Measured latencies as plain data: what the profiler (runtime/) produces and calibration and
// validation (cost/) consume. Kept here so that cost/ never imports runtime/.
import { HeteroError } from '../errors.js';

/** Spread of repeated measurements (ms). */
export interface LatencyStats {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** Every run's value, in run order. */
  samplesMs: number[];
}

export interface NodeMeasurement {
  /** hetero node id (Graph.nodes[].id). */
  node: string;
  op: string;
  /** Kernel time per run (ms); for If/Loop/Scan it includes the nested graph's kernels. */
  latency: LatencyStats;
}

/** ONNX Runtime graph-optimization levels the profiler accepts. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface ModelProfile {
  /** Graph name and a fingerprint of its structure + input shapes, so that a profile is never applied to another model. */
  model: string;
  fingerprint: string;
  inputs: Record<string, number[]>;
  /** Intra-op threads ONNX Runtime used. */
  threads: number;
  runs: number;
  /** Wall-clock latency of session.run with the profiler off (ms). */
  endToEnd: LatencyStats;
  /** Wall-clock latency of the profiled runs (ms): the profiler's own overhead is the gap to `endToEnd`. */
  profiledEndToEnd: LatencyStats;
  nodes: NodeMeasurement[];
  /** Share (0..1) of all kernel time the profiler reported that was mapped to hetero nodes. */
  mappedShare: number;
  /** Profiler events that could not be mapped to a hetero node (e.g. ORT-inserted copies). */
  unmappedEvents: { name: string; medianMs: number }[];
  runtime: { name: 'onnxruntime-node'; version: string; graphOptimization: GraphOptimizationLevel };
  /** Cores other processes kept busy while this was measured (Linux; absent when unknown). */
  backgroundCores?: number;
  measuredAt: string;
}

/** Median, p10 and p90 of samples (linear interpolation between order statistics). */
export function latencyStats(samplesMs: readonly number[]): LatencyStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    medianMs: quantile(sorted, 0.5),
    p10Ms: quantile(sorted, 0.1),
    p90Ms: quantile(sorted, 0.9),
    samplesMs: [...samplesMs],
  };
}

/** q-quantile of ascending `sorted`; 0 for no samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Guards against applying measurements to another model (or the same model at other input sizes):
 * throws a HeteroError naming `where` when the fingerprints differ.
 */
export function checkProfileMatches(
  profile: Pick<ModelProfile, 'model' | 'fingerprint'>,
  fingerprint: string,
  where: string,
): void {
  if (profile.fingerprint !== fingerprint) {
    throw new HeteroError(
      where,
      `profile of a different model (profile "${profile.model}" has fingerprint ${profile.fingerprint}, the model has ${fingerprint})`,
    );
  }
}
