// Calibration of the host CPU's cost-model parameters from measured profiles (hetero calibrate).
//
// The fit inverts the analytic model's own roofline (roofline.ts), so that prediction is exactly
// createCostModel(host, params).opLatencyMs — no second predictor:
//   latencyMs = dispatchUs/1000 + max(flops / (peak × eff(op, flops)), bytes / (bandwidth × share(category)))
// Per thread count t ("cpu@t"), from the nodes' median kernel times:
// - dispatchUs: median time of trivial ops (no arithmetic, a few KB moved): what any kernel costs.
// - ops without arithmetic (data movement): time − dispatch = bytes / (bandwidth × share); one share
//   per category by least squares in log space.
// - ops with arithmetic: the efficiency each measurement implies, eff = flops / (peak × (time − dispatch)),
//   then a curve over log10 FLOPs from running medians of log10 eff (robust least squares in log
//   space); per op type where it has enough samples and a single category, else per category.
// - bandwidth: high enough that the memory term never binds above what ops were measured to reach
//   (the tensors of these models live in cache, far faster than DRAM).
// End-to-end time adds a per-run overhead (session.run entry/exit, the executor between kernels,
// minus the profiler's own inflation of kernel times) = fixedMs + perNodeMs × nodes, fitted per t.
import type { Graph, OpCategory } from '../graph/types.js';
import { buildHostDevice, type HostMeasurements } from '../hardware/host.js';
import type { Device, Processor } from '../hardware/schema.js';
import { checkProfileMatches, median, quantile, type ModelProfile } from './measurements.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import { nodeInfo, peakGflops } from './roofline.js';
import type { DeviceCostParams, EfficiencyCurve, ProcessorCostParams } from './types.js';

/** A graph and a profile measured on it. */
export interface ProfiledModel {
  /** Model family (e.g. "ppocr-rec"): leave-one-out holds out all sizes of one family. */
  family: string;
  graph: Graph;
  profile: ModelProfile;
}

/** Run overhead on top of the per-node sum: fixedMs + perNodeMs × nodes. */
export interface RunOverhead {
  fixedMs: number;
  perNodeMs: number;
}

export interface HostCalibration {
  /** The host device, its memory bandwidth set to what the fit needs (see header). */
  device: Device;
  params: DeviceCostParams;
  /** Keyed by thread count. */
  runOverhead: Record<string, RunOverhead>;
  /** Effective bandwidth (GB/s) the fit needs the device's memory to allow (see header). */
  effectiveBandwidthGBps: number;
  fittedOn: string[];
}

export interface CalibrateOptions {
  /** Op types with fewer samples share their category's curve (default 6). */
  minOpSamples?: number;
  /** Measurements below this (µs) carry the timer's 1 µs quantization: dispatch only (default 4). */
  minFitUs?: number;
}

interface Sample {
  op: string;
  category: OpCategory;
  flops: number;
  bytes: number;
  us: number;
}

const TRIVIAL_BYTES = 16 * 1024;

/** Checks every profile against its graph, then fits one parameter set per thread count. */
export function calibrateHost(
  measurements: HostMeasurements,
  data: readonly ProfiledModel[],
  opts: CalibrateOptions = {},
): HostCalibration {
  const proc = hostCpu(buildHostDevice(measurements));
  for (const d of data) checkProfileMatches(d.profile, graphFingerprint(d.graph), d.family);
  const byThreads = new Map<number, ProfiledModel[]>();
  for (const d of data) byThreads.set(d.profile.threads, [...(byThreads.get(d.profile.threads) ?? []), d]);
  if (byThreads.size === 0) throw new Error('calibrateHost: no profiles');

  const samplesByThreads = new Map<number, Sample[]>();
  for (const [t, models] of byThreads) samplesByThreads.set(t, models.flatMap(samplesOf));
  // One bandwidth for all thread counts: the device's memory figure caps every entry.
  const effectiveBandwidthGBps = effectiveBandwidth([...samplesByThreads.values()].flat());
  const device = buildHostDevice(measurements, effectiveBandwidthGBps);

  const processors: Record<string, ProcessorCostParams> = {};
  const runOverhead: Record<string, RunOverhead> = {};
  for (const [t, samples] of samplesByThreads) {
    const peak = peakGflops(proc, 'float32') * (Math.min(t, proc.cores ?? 1) / (proc.cores ?? 1));
    processors[`${proc.id}@${t}`] = fitProcessor(samples, peak, effectiveBandwidthGBps, opts);
    runOverhead[String(t)] = fitRunOverhead(byThreads.get(t) ?? []);
  }
  // The plain entry (no thread count given) is the all-cores fit, matching the all-cores peak.
  const maxThreads = Math.max(...byThreads.keys());
  processors[proc.id] = processors[`${proc.id}@${maxThreads}`];
  return {
    device,
    params: {
      device: device.id,
      processors,
      fittedFrom: 'host-profile',
      fittedAt: new Date().toISOString(),
    },
    runOverhead,
    effectiveBandwidthGBps,
    fittedOn: [...new Set(data.map((d) => d.family))],
  };
}

export function hostCpu(device: Device): Processor {
  const proc = device.processors.find((p) => p.kind === 'cpu');
  if (!proc) throw new Error(`device ${device.id} has no CPU processor`);
  return proc;
}

function samplesOf(d: ProfiledModel): Sample[] {
  const byId = new Map(d.graph.nodes.map((n) => [n.id, n]));
  const out: Sample[] = [];
  for (const m of d.profile.nodes) {
    const node = byId.get(m.node);
    if (!node) continue;
    const info = nodeInfo(node, d.graph);
    out.push({
      op: info.op,
      category: info.category,
      flops: info.flops,
      bytes: info.bytes,
      us: m.latency.medianMs * 1000,
    });
  }
  return out;
}

/** The 95th percentile of the bandwidth ops reached, so the memory term rarely binds above measured. */
function effectiveBandwidth(samples: readonly Sample[]): number {
  const gbps = samples
    .filter((s) => s.bytes > 0 && s.us > 0)
    .map((s) => s.bytes / (s.us * 1000))
    .sort((a, b) => a - b);
  return Math.max(1, quantile(gbps, 0.95));
}

function fitProcessor(
  samples: readonly Sample[],
  peakGflopsAtT: number,
  bandwidthGBps: number,
  opts: CalibrateOptions,
): ProcessorCostParams {
  const minOpSamples = opts.minOpSamples ?? 6;
  const trivial = samples.filter((s) => s.flops === 0 && s.bytes <= TRIVIAL_BYTES).map((s) => s.us);
  const dispatchUs =
    trivial.length >= 3
      ? median(trivial)
      : quantile(
          [...samples.map((s) => s.us)].sort((a, b) => a - b),
          0.1,
        );

  // Data movement and other arithmetic-free ops: one bandwidth share per category.
  const bandwidthShare: Partial<Record<OpCategory, number>> = {};
  const zeroFlop = groupBy(
    samples.filter((s) => s.flops === 0 && s.bytes > 0),
    (s) => s.category,
  );
  for (const [cat, group] of zeroFlop) bandwidthShare[cat] = fitShare(group, dispatchUs, bandwidthGBps);

  // Arithmetic ops: implied efficiency → curves.
  const arithmetic = samples.filter((s) => s.flops > 0);
  const implied = (s: Sample): number => {
    // Below the timer's resolution a measurement says little beyond "about dispatch".
    const busyUs = Math.max(s.us - dispatchUs, 0.25 * s.us, 0.05);
    return s.flops / (peakGflopsAtT * 1e3 * busyUs);
  };
  const efficiency: Partial<Record<OpCategory, EfficiencyCurve>> = {};
  for (const [cat, group] of groupBy(arithmetic, (s) => s.category)) {
    efficiency[cat] = fitCurve(group.map((s) => [Math.log10(s.flops), Math.log10(implied(s))]));
  }
  const opEfficiency: Record<string, EfficiencyCurve> = {};
  const categoriesOfOp = new Map<string, Set<OpCategory>>();
  for (const s of samples) categoriesOfOp.set(s.op, (categoriesOfOp.get(s.op) ?? new Set()).add(s.category));
  for (const [op, group] of groupBy(arithmetic, (s) => s.op)) {
    // An op type spanning categories (Conv: dense and depthwise) keeps the category curves.
    if (group.length < minOpSamples || (categoriesOfOp.get(op)?.size ?? 0) > 1) continue;
    opEfficiency[op] = fitCurve(group.map((s) => [Math.log10(s.flops), Math.log10(implied(s))]));
  }
  // No data at all for a category: `other` is the model's fallback, so give it the pooled curve.
  if (!efficiency.other && arithmetic.length > 0) {
    efficiency.other = fitCurve(arithmetic.map((s) => [Math.log10(s.flops), Math.log10(implied(s))]));
  }
  return {
    efficiency,
    opEfficiency,
    bandwidthGBps,
    dispatchUs,
    bandwidthShare,
    // Efficiencies are fitted on unpadded FLOPs: no tile padding on top.
    tileChannels: 1,
    computeDType: 'float32',
    layout: 'NCHW',
  };
}

/**
 * A curve through running medians of (log10 FLOPs, log10 eff): one point per half decade, each the
 * median of the samples within ± half a decade (robust least squares in log space).
 */
export function fitCurve(points: readonly [number, number][]): EfficiencyCurve {
  const pts = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return { points: [[0, 0.1]] };
  const xs = pts.map(([x]) => x);
  const lo = Math.floor(Math.min(...xs) * 2) / 2;
  const hi = Math.ceil(Math.max(...xs) * 2) / 2;
  const out: [number, number][] = [];
  for (let c = lo; c <= hi + 1e-9; c += 0.5) {
    const window = pts.filter(([x]) => Math.abs(x - c) <= 0.5).map(([, y]) => y);
    if (window.length === 0) continue;
    out.push([c, Math.min(1, 10 ** median(window))]);
  }
  if (out.length === 0) out.push([median(xs), Math.min(1, 10 ** median(pts.map(([, y]) => y)))]);
  return { points: out };
}

/** Share s minimising Σ (ln(dispatch + bytes/(bw·s)) − ln measured)², by a log-spaced grid. */
function fitShare(group: readonly Sample[], dispatchUs: number, bandwidthGBps: number): number {
  let best = 1;
  let bestErr = Infinity;
  for (let k = 0; k <= 120; k++) {
    const s = 10 ** (-4 + k / 30); // 1e-4 … 1
    let err = 0;
    for (const g of group) {
      const predUs = dispatchUs + g.bytes / (bandwidthGBps * s * 1e3);
      const e = Math.log(predUs / Math.max(g.us, 0.05));
      err += e * e;
    }
    if (err < bestErr) {
      bestErr = err;
      best = s;
    }
  }
  return best;
}

/**
 * Least squares of (end-to-end − Σ node medians) against node count, each model weighted by
 * 1/end-to-end² so that the fit minimises relative error (what fidelity scores), not the noise of the
 * slowest model.
 */
function fitRunOverhead(models: readonly ProfiledModel[]): RunOverhead {
  const pts = models
    .map((m) => ({
      n: m.profile.nodes.length,
      r: m.profile.endToEnd.medianMs - m.profile.nodes.reduce((s, x) => s + x.latency.medianMs, 0),
      w: 1 / Math.max(m.profile.endToEnd.medianMs, 1e-3) ** 2,
    }))
    .filter((p) => Number.isFinite(p.r));
  const sw = pts.reduce((s, p) => s + p.w, 0);
  if (pts.length === 0 || sw === 0) return { fixedMs: 0, perNodeMs: 0 };
  const meanN = pts.reduce((s, p) => s + p.w * p.n, 0) / sw;
  const meanR = pts.reduce((s, p) => s + p.w * p.r, 0) / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += p.w * (p.n - meanN) ** 2;
    sxy += p.w * (p.n - meanN) * (p.r - meanR);
  }
  const perNodeMs = sxx > 0 ? sxy / sxx : 0;
  const fixedMs = meanR - perNodeMs * meanN;
  // Two parameters need several models; a fixed cost below zero or above a whole run is the line
  // extrapolating noise: then only a per-node cost, through the origin.
  const e2eMedian = median(models.map((m) => m.profile.endToEnd.medianMs));
  if (pts.length >= 4 && fixedMs >= 0 && fixedMs <= e2eMedian) return { fixedMs, perNodeMs };
  const snn = pts.reduce((s, p) => s + p.w * p.n * p.n, 0);
  const snr = pts.reduce((s, p) => s + p.w * p.n * p.r, 0);
  return { fixedMs: 0, perNodeMs: snn > 0 ? snr / snn : 0 };
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const arr = m.get(k);
    if (arr) arr.push(it);
    else m.set(k, [it]);
  }
  return m;
}
