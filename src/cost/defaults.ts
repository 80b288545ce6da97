// Catalog-derived default cost parameters: what the cost model assumes about a processor before any
// calibration. Every efficiency here is an uncalibrated prior (an assumption), chosen from published
// observations of the same kind of processor and runtime; calibration (host profiles, published
// whole-model latencies) replaces them.
import type { DType, OpCategory } from '../graph/types.js';
import type { Device, Processor, ProcessorKind } from '../hardware/schema.js';
import { saturatingCurve } from './efficiency.js';
import type {
  CoreScaling,
  DeviceCostParams,
  EfficiencyCurve,
  ProcessorCostParams,
  TensorLayout,
} from './types.js';

/** [asymptotic efficiency, FLOPs at half of it] per op category. */
type CategoryPrior = Partial<Record<OpCategory, [maxEff: number, halfFlops: number]>>;

// CPU (ORT MLAS / TFLite XNNPACK on NEON). Large GEMM-like convs reach roughly 60–80% of NEON peak
// on big Arm cores in XNNPACK/ruy microbenchmarks; whole layers with im2col/packing overheads land
// lower, hence 0.55. Depthwise convs have ~1 MAC per loaded weight and run far from peak (μLayer,
// EuroSys'19, §2 and CoDL, MobiSys'22, both observe depthwise/element-wise ops as the poorly-utilising
// ones). Half-efficiency at ~3e5 FLOPs: thread-pool fork/join costs a few µs per op (assumption; phone
// calibration models the multi-thread part explicitly, PHONE_CPU_CORE_SCALING below).
const CPU_PRIOR: CategoryPrior = {
  conv: [0.55, 3e5],
  'depthwise-conv': [0.18, 3e5],
  matmul: [0.6, 3e5],
  recurrent: [0.3, 3e5],
  elementwise: [0.15, 1e5],
  activation: [0.15, 1e5],
  pooling: [0.12, 1e5],
  normalization: [0.12, 1e5],
  reduction: [0.1, 1e5],
  'data-movement': [0.1, 1e5],
  'control-flow': [0.05, 1e5],
  other: [0.1, 1e5],
};

// GPU (TFLite GPU delegate / OpenCL, fp16). Regular convs reach ~0.3–0.6 of peak on Adreno/Mali
// (AI-Benchmark 2019/2021 GPU results against the GPUs' peak FLOPS; μLayer §2.2 reports GPU
// under-utilisation for small layers). Depthwise and element-wise kernels are bandwidth- and
// launch-bound (assumption: ≤ 0.1 of peak). Half-efficiency at ~3e7 FLOPs: a GPU of ~2 TFLOPS needs
// tens of MFLOPs per kernel to fill all its ALUs across enough work-group waves (assumption).
const GPU_PRIOR: CategoryPrior = {
  conv: [0.45, 3e7],
  'depthwise-conv': [0.08, 1e7],
  matmul: [0.35, 3e7],
  recurrent: [0.05, 1e7],
  elementwise: [0.05, 1e6],
  activation: [0.05, 1e6],
  pooling: [0.05, 1e6],
  normalization: [0.04, 1e6],
  reduction: [0.03, 1e6],
  'data-movement': [0.03, 1e6],
  'control-flow': [0.01, 1e6],
  other: [0.03, 1e6],
};

// NPU (int8 conv/matmul engines: Hexagon HTP, Da Vinci, APU, Edge TPU). Dense conv/matmul is what
// they are built for, but whole-model results (AI-Benchmark 2021 int8 NNAPI/QNN runs) imply a modest
// share of the advertised TOPS: 0.4 for conv. Everything else runs on narrow vector/scalar units: very
// low shares (assumption). Half-efficiency at ~2e8 OPs: tiles of a >10 TOPS engine only fill on large
// layers (assumption).
const NPU_PRIOR: CategoryPrior = {
  conv: [0.4, 2e8],
  'depthwise-conv': [0.06, 5e7],
  matmul: [0.3, 2e8],
  recurrent: [0.02, 1e7],
  elementwise: [0.01, 1e6],
  activation: [0.02, 1e6],
  pooling: [0.02, 1e6],
  normalization: [0.01, 1e6],
  reduction: [0.01, 1e6],
  'data-movement': [0.01, 1e6],
  'control-flow': [0.005, 1e6],
  other: [0.01, 1e6],
};

// DSP (Hexagon HVX + tensor accelerator via NNAPI on SD855/865): like an NPU, with a smaller engine.
const DSP_PRIOR: CategoryPrior = {
  ...NPU_PRIOR,
  conv: [0.35, 1e8],
  matmul: [0.25, 1e8],
  'depthwise-conv': [0.08, 3e7],
};

const PRIORS: Record<ProcessorKind, CategoryPrior> = {
  cpu: CPU_PRIOR,
  gpu: GPU_PRIOR,
  npu: NPU_PRIOR,
  dsp: DSP_PRIOR,
};

// Share of the processor's bandwidth reached by strided data movement (Transpose, Gather, Concat with
// relayout...) versus a streaming element-wise op. NPUs are poor at data movement (their DMA engines
// are built for dense tiles); all values are assumptions.
const DATA_MOVEMENT_BW_SHARE: Record<ProcessorKind, number> = { cpu: 0.5, gpu: 0.4, npu: 0.25, dsp: 0.25 };

/**
 * Output-channel tile by processor kind: work is padded up to a multiple of it.
 * - CPU 4: a 128-bit NEON register holds 4 fp32 lanes; kernels block output channels by 4.
 * - GPU 8: the TFLite GPU delegate stores 4 channels per texel (PHWC4) and its conv kernels compute
 *   several 4-channel slices per thread; 8 is an assumption between 4 and 16.
 * - NPU/DSP 32: Hexagon HVX/HTP vector lanes hold 32 int8 channels per 32-byte group of a 128-byte
 *   vector (Hexagon "depth 32" layouts); assumption for the other NPUs.
 */
const TILE_CHANNELS: Record<ProcessorKind, number> = { cpu: 4, gpu: 8, npu: 32, dsp: 32 };

/**
 * Share of an op's activation bytes that reach DRAM (ProcessorCostParams.activationDramShare); weights
 * always do. All values are assumptions, ordered by how much on-chip memory the runtime manages:
 * - NPU 0.25: compiled graphs (QNN HTP, HiAI, Neuron) keep intermediate tensors in software-managed
 *   on-chip memory between ops — Hexagon's VTCM is "for intermediate vector data … faster than L2"
 *   (Qualcomm, Hexagon HVX Programmer's Reference Manual, "HVX local memory: VTCM"), several MB on
 *   recent HTPs. Most activations of 224×224 CNNs fit (MobileNetV2's largest, 112×112×96 int8, is
 *   1.2 MB); the rest covers graph inputs/outputs and tensors that spill or are tiled through DRAM.
 * - DSP 0.5: NNAPI on older HVX DSPs (SD855/865) has less on-chip memory and partitions graphs, so
 *   more tensors round-trip through DRAM.
 * - GPU 0.6: the TFLite GPU delegate writes every kernel's output to a buffer/texture with no managed
 *   residency; the GPU's L2 and the SoC's system-level cache absorb part of producer→consumer traffic.
 * - CPU 1: one kernel at a time through the caches; host calibration fits the CPU's bandwidth against
 *   the whole traffic, so cache reuse is already inside that fitted bandwidth.
 */
const ACTIVATION_DRAM_SHARE: Record<ProcessorKind, number> = { cpu: 1, gpu: 0.6, npu: 0.25, dsp: 0.5 };

/**
 * Multi-core scaling of a phone CPU cluster under a mobile inference runtime (ProcessorCostParams
 * .coreScaling; roofline.ts): each core beyond the first adds 0.74 of one core's compute throughput,
 * and a multi-threaded op pays 7.5 µs of fork/join per extra thread (an op too small for that runs
 * on one thread). Phone calibration (calibrate-published.ts) gives it to every phone CPU; the
 * uncalibrated defaults below stay linear, and so does the host, whose per-thread-count fits already
 * hold its scaling.
 * Estimated: least-squares fit (ln speedup) of the predicted 4-thread over 1-thread speedup to ncnn's
 * published benchncnn timings on a Snapdragon 855+ (OnePlus 7T, `benchncnn 8 4 2` vs `8 1 2`:
 * 4 threads on the four big cores vs 1 thread on a big core; Tencent/ncnn benchmark/README.md): fp32
 * MobileNet 15.23 → 5.99 ms (2.54×), MobileNetV2 10.61 → 5.13 ms (2.07×), ResNet-50 68.69 → 28.32 ms
 * (2.43×); the fit reproduces 2.43×, 2.08×, 2.52× (test/cost/phones.test.ts). Modelled as: the lone
 * thread on the 2.96 GHz prime core (Linux EAS moves a single busy thread to the highest-capacity
 * CPU it may use), the four threads on prime + three 2.42 GHz gold cores with ncnn's static OpenMP
 * split, so the gold cores set the pace (4 gold cores); sd855's calibrated cpu-big/cpu-mid
 * parameters. VGG-16 (138.53 → 66.40 ms, 2.09×) is left out: ncnn runs its 3×3 convs as Winograd
 * (its 1-thread time is ~5× below what direct-conv FLOPs at peak allow), so its time is transform-
 * and FC-weight-bound in a way hetero's FLOPs do not describe. ncnn's other big-core tables agree
 * in kind: 4 threads reach 2.5–3.1× one thread on Kirin 970 and Snapdragon 835 (MobileNet,
 * MobileNetV2, ResNet-50), never the 4× of linear scaling; models of many small ops scale least
 * (ShuffleNet 1.60×, RegNetY-400M 1.49× on the 855+), which the per-op fork/join term carries.
 */
export const PHONE_CPU_CORE_SCALING: Readonly<CoreScaling> = {
  extraCoreEfficiency: 0.74,
  forkJoinUsPerExtraThread: 7.5,
};

/** Activation layouts: ORT CPU kernels are NCHW, GPU delegate PHWC4, NPU SDKs NHWC. */
const LAYOUT: Record<ProcessorKind, TensorLayout> = { cpu: 'NCHW', gpu: 'PHWC4', npu: 'NHWC', dsp: 'NHWC' };

function priorCurves(prior: CategoryPrior): Partial<Record<OpCategory, EfficiencyCurve>> {
  const curves: Partial<Record<OpCategory, EfficiencyCurve>> = {};
  for (const [cat, pair] of Object.entries(prior) as [OpCategory, [number, number]][]) {
    curves[cat] = saturatingCurve(pair[0], pair[1]);
  }
  return curves;
}

/**
 * The dtype a processor computes in by default: float16 on a GPU that runs fp16 (the TFLite GPU
 * delegate's usual precision-loss-allowed mode, as AI-Benchmark runs it), int8 on an NPU/DSP that
 * runs int8 (quantized models are the NPU path), float16 on an fp16-only NPU, else float32.
 */
export function defaultComputeDType(proc: Processor): DType {
  const has = (d: DType): boolean => proc.supports.dtypes.includes(d);
  switch (proc.kind) {
    case 'gpu':
      return has('float16') && proc.peakGflops.float16 !== undefined ? 'float16' : 'float32';
    case 'npu':
    case 'dsp':
      if (has('int8')) return 'int8';
      if (has('float16')) return 'float16';
      return proc.supports.dtypes[0] ?? 'float32';
    case 'cpu':
      return has('float32') ? 'float32' : (proc.supports.dtypes[0] ?? 'float32');
  }
}

export function defaultLayout(proc: Processor): TensorLayout {
  return LAYOUT[proc.kind];
}

export function defaultTileChannels(proc: Processor): number {
  return TILE_CHANNELS[proc.kind];
}

export function defaultActivationDramShare(proc: Processor): number {
  return ACTIVATION_DRAM_SHARE[proc.kind];
}

/** Default parameters of one processor from the catalog (bandwidth and dispatch as catalogued). */
export function defaultProcessorParams(proc: Processor): ProcessorCostParams {
  return {
    efficiency: priorCurves(PRIORS[proc.kind]),
    bandwidthGBps: proc.memBandwidthGBps,
    dispatchUs: proc.dispatchUs,
    bandwidthShare: { 'data-movement': DATA_MOVEMENT_BW_SHARE[proc.kind] },
    tileChannels: TILE_CHANNELS[proc.kind],
    computeDType: defaultComputeDType(proc),
    layout: LAYOUT[proc.kind],
    activationDramShare: ACTIVATION_DRAM_SHARE[proc.kind],
  };
}

/** Default parameters of every processor of a device ("catalog-defaults"). */
export function defaultCostParams(device: Device): DeviceCostParams {
  const processors: Record<string, ProcessorCostParams> = {};
  for (const p of device.processors) processors[p.id] = defaultProcessorParams(p);
  return { device: device.id, processors, fittedFrom: 'catalog-defaults' };
}
