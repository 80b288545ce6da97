// Calibration of the host CPU's cost-model parameters from measured profiles (hetero calibrate).
//
// Two predictors, both evaluated by createCostModel(host, params).opLatencyMs:
// 1. Kernel models (host-kernel-model.ts, ProcessorCostParams.kernels): per op key and thread count,
//    non-negative costs per unit of the work ONNX Runtime's kernels do (launches, SGEMM tile MACs,
//    im2col elements, streamed elements, …). They price every node they cover.
// 2. The analytic roofline, which the fit below inverts:
//      latencyMs = dispatchUs/1000 + max(flops / (peak × eff(op, flops)), bytes / (bandwidth × share))
//    It prices what no kernel model covers (an op type never profiled) and scales kernel predictions to
//    a run context the profiles did not have (lower clock, DRAM contention, split parts).
// Per thread count t ("cpu@t"), from the nodes' kernel-time estimates:
// - dispatchUs: median time of trivial ops (no arithmetic, a few KB moved): what any kernel costs.
// - ops without arithmetic (data movement): time − dispatch = bytes / (bandwidth × share); one share
//   per category by least squares in log space.
// - ops with arithmetic: the efficiency each measurement implies, eff = flops / (peak × (time − dispatch)),
//   then a curve over log10 FLOPs from running medians of log10 eff (robust least squares in log
//   space); per op type where it has enough samples and a single category, else per category.
// - bandwidth: high enough that the memory term never binds above what ops were measured to reach
//   (the tensors of these models live in cache, far faster than DRAM).
// Finer op keys (NodeInfo.fineKey: kernel size, stride, depthwise, broadcast; grouped kernels over
// FLOPs per group) get their own curves where they have samples.
// A whole plain run from its kernels: host-run.ts (RunOverhead), also each entry's `run`, so that the
// cost model prices a node as what it adds to a plain session.run (RunContext.profiled: its span).
// Its fixed part and the least a kernel costs come from the host's own micro-benchmarks where measured
// (HostMeasurements.sessionRunUs, trivialKernelUs); its kernel scale is refitted on the kernel
// models' predictions for the training profiles (refitRunScales). A multi-thread entry's kernels are
// bounded by the one-thread entry's: above by it plus a fitted pool wake-up, below by a fitted share
// of it (fitSerialBounds).
import type { Graph, Node, OpCategory } from '../graph/types.js';
import { buildHostDevice, type HostMeasurements } from '../hardware/host.js';
import type { Device, Processor } from '../hardware/schema.js';
import { checkProfileMatches, estimateOf, median, quantile, type ModelProfile } from './measurements.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import { kernelInfo, ortKernels, type KernelInfo } from './host-kernel-features.js';
import { fitRunOverhead, refitKernelScale, type RunOverhead } from './host-run.js';
import { createCostModel } from './model.js';
import { fitKernelModels, type KernelFitOptions } from './host-kernel-fit.js';
import { kernelModelUs } from './host-kernel-model.js';
import { nodeInfo, peakGflops } from './roofline.js';
import type { DeviceCostParams, EfficiencyCurve, ProcessorCostParams } from './types.js';

export { executedNodeCount, predictRunMs, type RunOverhead } from './host-run.js';

/** A graph and a profile measured on it. */
export interface ProfiledModel {
  /** Model family (e.g. "ppocr-rec"): leave-one-out holds out all sizes of one family. */
  family: string;
  graph: Graph;
  profile: ModelProfile;
  /**
   * End-to-end estimates (ms) of every measurement session of this profile when it was taken in
   * several (runtime/profile-sessions.ts merges them as `profile`: at one thread each node's fastest
   * session, at more the mean of the run and the dense kernels); absent for one session.
   */
  sessionsMs?: number[];
  /**
   * The even-numbered and the odd-numbered sessions, each merged as `profile` is, when it was taken
   * in two or more: two independent measurements of it (repeatability.ts).
   */
  halves?: readonly [ModelProfile, ModelProfile];
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

export interface CalibrateOptions extends KernelFitOptions {
  /** Op types with fewer samples share their category's curve (default 6). */
  minOpSamples?: number;
  /** Measurements below this (µs) carry the timer's 1 µs quantization: dispatch only (default 4). */
  minFitUs?: number;
}

interface Sample {
  family: string;
  /** Work counters and model keys (host-kernel-features.ts); undefined for control-flow nodes. */
  kernel?: KernelInfo;
  op: string;
  fineKey: string;
  familyKey: string;
  groups: number;
  category: OpCategory;
  flops: number;
  bytes: number;
  us: number;
}

const TRIVIAL_BYTES = 16 * 1024;

/** FLOPs per byte moved below which a dense conv/MatMul is weight-streaming (memory-bound), see fitProcessor. */
const WEIGHT_STREAMING_INTENSITY = 1;
const DENSE_TILED: ReadonlySet<OpCategory> = new Set<OpCategory>(['conv', 'matmul']);

/** Checks every profile against its graph, then fits one parameter set per thread count. */
export function calibrateHost(
  measurements: HostMeasurements,
  data: readonly ProfiledModel[],
  opts: CalibrateOptions = {},
): HostCalibration {
  for (const d of data) checkProfileMatches(d.profile, graphFingerprint(d.graph), d.family);
  const byThreads = new Map<number, ProfiledModel[]>();
  for (const d of data) {
    const t = effectiveThreads(d.profile, measurements.cores);
    byThreads.set(t, [...(byThreads.get(t) ?? []), d]);
  }
  if (byThreads.size === 0) throw new Error('calibrateHost: no profiles');

  const samplesByThreads = new Map<number, Sample[]>();
  for (const [t, models] of byThreads) {
    const samples = models.flatMap((d) => samplesOf(d, t));
    samplesByThreads.set(t, samples);
  }
  // The peak the curves are shares of must bound what the profiled ops reached: large convs and
  // MatMuls beat the 1024³ MatMul micro-benchmark here by up to ~20% (other blockings, a quieter
  // moment), and an efficiency above 1 would be clamped, over-predicting exactly the ops that
  // dominate big models. PEAK_HEADROOM keeps a held-out model's best ops below it too.
  const peaked = withAchievedPeak(measurements, samplesByThreads);
  const proc = hostCpu(buildHostDevice(peaked));
  // One bandwidth for all thread counts: the device's memory figure caps every entry.
  const effectiveBandwidthGBps = effectiveBandwidth([...samplesByThreads.values()].flat());
  const device = buildHostDevice(peaked, effectiveBandwidthGBps);

  const runOverhead: Record<string, RunOverhead> = {};
  for (const [t, models] of byThreads) {
    // A one-Relu run and a trivial kernel use no pool thread: the same at every thread count, so the
    // least measured (two-thread readings of the same chain ranged 0.2–0.5 µs per kernel here).
    runOverhead[String(t)] = fitRunOverhead(models, {
      sessionRunMs: leastMs(measurements.sessionRunUs),
      trivialKernelMs: leastMs(measurements.trivialKernelUs),
      // At two threads or more the profiler also records the pool's statistics in the spans of kernels
      // that use it, which a trivial kernel does not (2.8 µs measured against 4–5.5 µs fitted): fitted.
      ...(t === 1 ? { spanInflationMs: leastMs({ 1: measurements.profilerSpanUs?.[1] }) } : {}),
    });
  }
  const processors: Record<string, ProcessorCostParams> = {};
  for (const [t, samples] of samplesByThreads) {
    const peak = peakGflops(proc, 'float32') * (Math.min(t, proc.cores ?? 1) / (proc.cores ?? 1));
    processors[`${proc.id}@${t}`] = {
      ...fitProcessor(samples, peak, effectiveBandwidthGBps, opts),
      kernels: {
        ...fitKernelModels(
          samples.flatMap((s) => (s.kernel ? [{ info: s.kernel, family: s.family, us: s.us }] : [])),
          { macFloorUs: macFloorUs(samples), ...opts },
        ),
        threads: t,
      },
      // Planners and the simulator price a plan's nodes as a plain run does (host-run.ts hostOpMs).
      run: runOverhead[String(t)],
    };
  }
  fitSerialBounds(processors, proc.id, samplesByThreads);
  refitRunScales(device, processors, runOverhead, byThreads);
  // The plain entry (no thread count given) is the all-cores fit, matching the all-cores peak.
  const maxThreads = Math.max(...byThreads.keys());
  processors[proc.id] = processors[`${proc.id}@${maxThreads}`];
  const params: DeviceCostParams = {
    device: device.id,
    processors,
    fittedFrom: 'host-profile',
    fittedAt: new Date().toISOString(),
  };
  return {
    device,
    params,
    runOverhead,
    effectiveBandwidthGBps,
    fittedOn: [...new Set(data.map((d) => d.family))],
  };
}

/** The least of a per-thread-count measurement (µs), in ms; undefined when none. */
function leastMs(byThreads: Record<number, number | undefined> | undefined): number | undefined {
  const values = Object.values(byThreads ?? {}).filter(
    (v): v is number => v !== undefined && Number.isFinite(v),
  );
  return values.length > 0 ? Math.min(...values) / 1000 : undefined;
}

/**
 * Each entry's kernelScale refitted on the spans its kernel models predict for the training profiles
 * (host-run.ts refitKernelScale), so that a plain run predicted from predicted kernels is unbiased in
 * sample: the kernel fits track each kernel's median (least relative error), and a run sums means.
 * Measured here, summed predicted spans came out 2–8% below the measured ones in sample.
 */
function refitRunScales(
  device: Device,
  processors: Record<string, ProcessorCostParams>,
  runOverhead: Record<string, RunOverhead>,
  byThreads: ReadonlyMap<number, readonly ProfiledModel[]>,
): void {
  const model = createCostModel(device, { device: device.id, processors, fittedFrom: 'host-profile' });
  const cpu = hostCpu(device);
  for (const [t, models] of byThreads) {
    const key = `${cpu.id}@${t}`;
    const ctx = { threads: t, profiled: true };
    const leaf = (n: Node, g: Graph): number => model.opLatencyMs(n, g, cpu, ctx);
    const o = refitKernelScale(runOverhead[String(t)], models, leaf);
    runOverhead[String(t)] = o;
    processors[key] = { ...processors[key], run: o };
  }
}

/** Steps of the parallel floor share tried, from 1/threads up. */
const FLOOR_SHARE_STEP = 0.01;
/** Wake-up bounds tried (µs): 0 up to a few pool wake-ups. */
const WAKE_GRID_US = Array.from({ length: 61 }, (_, i) => i * 0.5);

/**
 * Each multi-thread entry's bounds by the one-thread entry (HostKernelParams): serialWakeUs, the
 * bound that fits its own kernels best (least summed relative error of min(own model, one-thread
 * model + bound); none where no bound on the grid lowers that error), then parallelFloorShare, the
 * share of the one-thread prediction from 1/threads up that fits best with that bound in place.
 */
function fitSerialBounds(
  processors: Record<string, ProcessorCostParams>,
  procId: string,
  samplesByThreads: ReadonlyMap<number, readonly Sample[]>,
): void {
  const serial = processors[`${procId}@1`]?.kernels;
  if (!serial) return;
  for (const [t, samples] of samplesByThreads) {
    const kernels = processors[`${procId}@${t}`]?.kernels;
    if (t <= 1 || !kernels) continue;
    const pairs: [number, number, number][] = [];
    for (const s of samples) {
      if (!s.kernel) continue;
      const own = kernelModelUs(kernels, s.kernel);
      const one = kernelModelUs(serial, s.kernel.serial);
      if (own !== undefined && one !== undefined && s.us > 0) pairs.push([own, one, s.us]);
    }
    let best = { err: pairs.reduce((e, [own, , us]) => e + Math.abs(own / us - 1), 0), wakeUs: Infinity };
    for (const w of WAKE_GRID_US) {
      const err = pairs.reduce((e, [own, one, us]) => e + Math.abs(Math.min(own, one + w) / us - 1), 0);
      if (err < best.err) best = { err, wakeUs: w };
    }
    if (Number.isFinite(best.wakeUs)) kernels.serialWakeUs = best.wakeUs;
    const wake = kernels.serialWakeUs ?? Infinity;
    const bounded = (own: number, one: number, share: number): number =>
      Math.min(Math.max(own, one * share), one + wake);
    let floor = { err: Infinity, share: 1 / t };
    for (let share = 1 / t; share <= 1; share += FLOOR_SHARE_STEP) {
      const err = pairs.reduce((e, [own, one, us]) => e + Math.abs(bounded(own, one, share) / us - 1), 0);
      if (err < floor.err) floor = { err, share };
    }
    kernels.parallelFloorShare = floor.share;
  }
}

export function hostCpu(device: Device): Processor {
  const proc = device.processors.find((p) => p.kind === 'cpu');
  if (!proc) throw new Error(`device ${device.id} has no CPU processor`);
  return proc;
}

/**
 * The threads a profile's runs really had: its thread count, less the cores other processes kept
 * busy meanwhile (rounded: half a core or more counts). With one of two cores taken, a 2-thread ORT
 * run (pool threads not spinning, see runtime/profile.ts) runs like a 1-thread one: measured here
 * within ~5% of it (resnet50, posenet, ppocr-det, mobilenetv2), against ~1.8× faster on a quiet
 * machine. So a profile is fitted and predicted at the threads it had: the background load is an
 * input of the prediction, as co-running load is in RunContext, not noise to average over.
 */
export function effectiveThreads(
  profile: Pick<ModelProfile, 'threads' | 'backgroundCores'>,
  cores: number,
): number {
  const free = cores - (profile.backgroundCores ?? 0);
  return Math.max(1, Math.min(profile.threads, Math.round(free)));
}

/** Headroom of the peak over the best op profiled (see calibrateHost). */
const PEAK_HEADROOM = 1.25;
/** Ops below this many FLOPs are too short (≲ 0.1 ms) to bound the peak against the timer. */
const PEAK_MIN_FLOPS = 1e7;

/** The best GFLOPS an op of at least PEAK_MIN_FLOPS reached (0 when none). */
function bestGflops(samples: readonly Sample[]): number {
  let best = 0;
  for (const s of samples)
    if (s.flops >= PEAK_MIN_FLOPS && s.us > 0) best = Math.max(best, s.flops / (s.us * 1e3));
  return best;
}

/** Least µs per MAC the kernel models may charge: what the best profiled op reached (0: none big enough). */
function macFloorUs(samples: readonly Sample[]): number {
  const best = bestGflops(samples);
  return best > 0 ? 2 / (best * 1e3) : 0;
}

/** measurements with matmulGflops[t] raised to PEAK_HEADROOM × the best GFLOPS any op reached at t. */
function withAchievedPeak(
  m: HostMeasurements,
  samplesByThreads: ReadonlyMap<number, readonly Sample[]>,
): HostMeasurements {
  const matmulGflops: Record<number, number> = { ...m.matmulGflops };
  for (const [t, samples] of samplesByThreads) {
    matmulGflops[t] = Math.max(matmulGflops[t] ?? 0, PEAK_HEADROOM * bestGflops(samples));
  }
  return { ...m, matmulGflops };
}

/** A profile's kernels as samples, each counted for a pool of `threads` (the threads the runs had). */
function samplesOf(d: ProfiledModel, threads: number): Sample[] {
  const byId = new Map(d.graph.nodes.map((n) => [n.id, n]));
  const out: Sample[] = [];
  const push = (node: Node, us: number, controlFlow = false): void => {
    const info = nodeInfo(node, d.graph);
    out.push({
      family: d.family,
      ...(controlFlow ? {} : { kernel: kernelInfo(node, d.graph, threads) }),
      op: info.op,
      fineKey: info.fineKey,
      familyKey: info.familyKey,
      groups: info.groups,
      category: info.category,
      flops: info.flops,
      bytes: info.bytes,
      us,
    });
  };
  for (const m of d.profile.nodes) {
    const node = byId.get(m.node);
    if (!node) continue;
    // A node measured as its kernels (a fused activation's Relu/Clip after it) is that many samples.
    const parts = ortKernels(node);
    if (parts && m.kernels?.length === parts.length) {
      parts.forEach((p, i) => push(p, estimateOf(m.kernels![i].latency) * 1000));
      continue;
    }
    push(node, estimateOf(m.latency) * 1000, Object.keys(node.subgraphs ?? {}).length > 0);
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
  // Dense convs and MatMuls that do under WEIGHT_STREAMING_INTENSITY FLOPs per byte (a 1×1 conv on a
  // 1×1 map, as squeeze-excite blocks run it: a matrix-vector product) stream their weights once and
  // are memory-bound; read as efficiency they put a cliff into the FLOPs curve that mis-prices every
  // compute-bound op of the same size. They fit their category's bandwidth share instead, which the
  // roofline's memory term applies (it stays far from binding for the compute-bound ones).
  const streaming = (s: Sample): boolean =>
    DENSE_TILED.has(s.category) && s.bytes > 0 && s.flops / s.bytes < WEIGHT_STREAMING_INTENSITY;
  for (const [cat, group] of groupBy(samples.filter(streaming), (s) => s.category)) {
    if (group.length >= 3) bandwidthShare[cat] = fitShare(group, dispatchUs, bandwidthGBps);
  }

  // Arithmetic ops: implied efficiency → curves.
  const arithmetic = samples.filter((s) => s.flops > 0 && !(streaming(s) && bandwidthShare[s.category]));
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
  const opEfficiencyPerGroup: Record<string, EfficiencyCurve> = {};
  const categoriesOfOp = new Map<string, Set<OpCategory>>();
  for (const s of samples) categoriesOfOp.set(s.op, (categoriesOfOp.get(s.op) ?? new Set()).add(s.category));
  for (const [op, group] of groupBy(arithmetic, (s) => s.op)) {
    // An op type spanning categories (Conv: dense and depthwise) keeps the category curves.
    if (group.length < minOpSamples || (categoriesOfOp.get(op)?.size ?? 0) > 1) continue;
    opEfficiency[op] = fitCurve(group.map((s) => [Math.log10(s.flops), Math.log10(implied(s))]));
  }
  // Finer keys (kernel size, stride, depthwise, broadcast) and their families where they have the
  // samples; grouped kernels over FLOPs per group (ProcessorCostParams.opEfficiencyPerGroup).
  const fine = [
    ...groupBy(
      arithmetic.filter((s) => s.fineKey !== s.op),
      (s) => s.fineKey,
    ),
    ...groupBy(
      arithmetic.filter((s) => s.familyKey !== s.op && s.familyKey !== s.fineKey),
      (s) => s.familyKey,
    ),
  ];
  for (const [key, group] of fine) {
    if (group.length < minOpSamples) continue;
    if (group.some((s) => s.groups > 1)) {
      opEfficiencyPerGroup[key] = fitCurve(
        group.map((s) => [Math.log10(s.flops / s.groups), Math.log10(implied(s))]),
      );
    } else {
      opEfficiency[key] = fitCurve(group.map((s) => [Math.log10(s.flops), Math.log10(implied(s))]));
    }
  }
  // No data at all for a category: `other` is the model's fallback, so give it the pooled curve.
  if (!efficiency.other && arithmetic.length > 0) {
    efficiency.other = fitCurve(arithmetic.map((s) => [Math.log10(s.flops), Math.log10(implied(s))]));
  }
  return {
    efficiency,
    opEfficiency,
    ...(Object.keys(opEfficiencyPerGroup).length > 0 ? { opEfficiencyPerGroup } : {}),
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
