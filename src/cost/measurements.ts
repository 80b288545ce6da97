// Measured latencies as plain data: what the profiler (runtime/) produces and calibration and
// validation (cost/) consume. Kept here so that cost/ never imports runtime/.
import { HeteroError } from '../errors.js';

/**
 * The quantile of per-run times hetero takes as "the" latency of a run or a kernel (0.2 = p20).
 *
 * Why a low quantile rather than the median: on a shared machine a run's time is its undisturbed
 * compute time plus non-negative interference (preemption by other processes, a descheduled thread
 * of ORT's pool that every other thread then waits for at the next barrier, cache eviction). The
 * interference is one-sided, so the lower tail of the distribution converges to the steady-state
 * time while the median moves with whatever load the machine had during the measurement; the
 * median is what made measuring the same case twice agree so poorly. Why not the minimum: it is an
 * extreme statistic whose value keeps falling with the number of runs and picks up one lucky run
 * (and, for µs-scale kernels, a favourable tick of the profiler's 1 µs timer); the p20 has a
 * confidence interval that shrinks as 1/√runs (see quantileCi), so a stopping rule can target it.
 */
export const ESTIMATE_QUANTILE = 0.2;

/** Spread of repeated measurements (ms). */
export interface LatencyStats {
  /** The ESTIMATE_QUANTILE of the samples: the value calibration and validation use. */
  estimateMs: number;
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
  /**
   * Each kernel's own time, in run order, when the node ran as more than one (a fused activation's
   * Relu/Clip after its Conv): `latency` is their sum, these are what the kernel models fit.
   */
  kernels?: { name: string; latency: LatencyStats }[];
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
  /**
   * How it was measured (absent: before MEASUREMENT_METHOD existed): profile caches hold only
   * profiles of the current method, so a change of method re-measures.
   */
  method?: string;
  /** Why the measurement stopped: its estimates were stable, it reached maxRuns, or its time budget. */
  stoppedBy?: 'stable' | 'max-runs' | 'budget';
  measuredAt: string;
}

/**
 * The measurement method profiles record (ModelProfile.method): plain and profiled runs interleaved
 * in one stretch of time, the ESTIMATE_QUANTILE of per-run times, a stopping rule on its confidence,
 * ORT's pool threads not spin-waiting, denormals flushed to zero (runtime/profile.ts).
 */
export const MEASUREMENT_METHOD = `interleaved-p${Math.round(ESTIMATE_QUANTILE * 100)}-nospin-ftz/1`;

/** Estimate (ESTIMATE_QUANTILE), median, p10 and p90 of samples (linear interpolation between order statistics). */
export function latencyStats(samplesMs: readonly number[]): LatencyStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    estimateMs: quantile(sorted, ESTIMATE_QUANTILE),
    medianMs: quantile(sorted, 0.5),
    p10Ms: quantile(sorted, 0.1),
    p90Ms: quantile(sorted, 0.9),
    samplesMs: [...samplesMs],
  };
}

/**
 * The resolution of ONNX Runtime's profiler (ms): it records a kernel's duration as whole microseconds,
 * truncated (std::chrono::duration_cast), so a kernel that took 10.9 µs reads 10.
 */
export const PROFILER_TICK_MS = 0.001;

/**
 * latencyStats of kernel durations the profiler truncated to whole ticks: the estimate reads each
 * sample k as a time anywhere in [k, k + tick), the quantile of that mixture. A plain quantile of
 * truncated samples is biased half a tick low and moves in whole ticks: a 10.6 µs kernel read 10 in
 * every run, 6% below its time, and ±10% of a 10–20 µs kernel is only 1–2 ticks. Re-derived from the
 * samples whenever a profile is read (runtime/profile-cache.ts), so cached profiles follow it. A node
 * ORT runs as several kernels sums several truncated durations; it is read as one tick all the same.
 */
export function kernelLatencyStats(samplesMs: readonly number[], tickMs = PROFILER_TICK_MS): LatencyStats {
  return { ...latencyStats(samplesMs), estimateMs: tickQuantile(samplesMs, ESTIMATE_QUANTILE, tickMs) };
}

/** q-quantile of samples truncated to ticks, each read as uniform over its tick (see kernelLatencyStats). */
export function tickQuantile(samplesMs: readonly number[], q: number, tickMs: number): number {
  const ticks = samplesMs.map((v) => Math.round(v / tickMs)).sort((a, b) => a - b);
  const n = ticks.length;
  if (n === 0) return 0;
  const rank = q * n;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && ticks[j] === ticks[i]) j++;
    // Samples i..j-1 share tick ticks[i]: the mixture's CDF rises from i/n to j/n across it.
    if (j >= rank) return (ticks[i] + (rank - i) / (j - i)) * tickMs;
    i = j;
  }
  return (ticks[n - 1] + 1) * tickMs;
}

/** q-quantile of ascending `sorted`; 0 for no samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * A distribution-free ~95% confidence interval of the q-quantile of ascending `sorted`: the order
 * statistics at ranks n·q ± 1.96·√(n·q·(1−q)) (normal approximation to the binomial count of
 * samples below the quantile), clamped to the sample.
 */
export function quantileCi(sorted: readonly number[], q: number): [number, number] {
  const n = sorted.length;
  if (n === 0) return [0, 0];
  const half = 1.96 * Math.sqrt(n * q * (1 - q));
  const lo = Math.max(0, Math.floor(n * q - half));
  const hi = Math.min(n - 1, Math.ceil(n * q + half));
  return [sorted[lo], sorted[hi]];
}

/** Half the width of quantileCi relative to the quantile (Infinity for no samples or a zero quantile). */
export function relativeCiHalfWidth(samples: readonly number[], q = ESTIMATE_QUANTILE): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const est = quantile(sorted, q);
  if (!(est > 0)) return Infinity;
  const [lo, hi] = quantileCi(sorted, q);
  return (hi - lo) / (2 * est);
}

/** The value a measurement stands for: its estimate, or the median of a profile from before estimates. */
export function estimateOf(s: Pick<LatencyStats, 'medianMs'> & { estimateMs?: number }): number {
  return s.estimateMs ?? s.medianMs;
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
