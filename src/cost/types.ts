// The cost model's contract: what planners, the simulator and validation ask of it. Implementations
// are pure functions of (graph, device, fitted parameters); nothing here runs a model.
import type { Device, Processor } from '../hardware/schema.js';
import type { DType, Graph, Node, OpCategory, TensorInfo } from '../graph/types.js';
import type { HostKernelParams } from './host-kernel-model.js';
import type { RunOverhead } from './host-run.js';

/** Conditions one prediction is made under. */
export interface RunContext {
  /** Frequency as a share of the processor's max (DVFS level), 0 < freqShare ≤ 1. Default 1. */
  freqShare?: number;
  /**
   * DRAM bandwidth other processors consume at the same time (GB/s): concurrent work slows
   * memory-bound ops by what it takes from the shared memory system.
   */
  concurrentBandwidthGBps?: number;
  /** Threads the op may use on a CPU processor (host calibration is per thread count). */
  threads?: number;
  /** The dtype the processor computes in (e.g. float16 on a GPU delegate, int8 on an NPU). */
  computeDType?: DType;
  /**
   * This processor computes only a part of a split node: `fraction` of the output along `axis`
   * (see plan/types.ts SplitAxis). FLOPs and output bytes scale with the fraction; an OC part reads
   * the whole input and its share of the weights, an N/H/W/C part its share of the input and all
   * weights. Absent = the whole node.
   */
  split?: { axis: 'N' | 'H' | 'W' | 'C' | 'OC'; fraction: number };
  /**
   * Host processors with a run model (ProcessorCostParams.run): predict the node as ONNX Runtime's
   * profiler reports it (its span), not what it adds to a plain session.run (the default, which
   * planners and the simulator sum). Validation scores spans per op. Ignored elsewhere.
   */
  profiled?: boolean;
}

/** Fitted efficiency of one op category on one processor, as a function of the op's size. */
export interface EfficiencyCurve {
  /**
   * Points (log10 of FLOPs, achieved share of peak compute, 0 < e ≤ 1) in increasing FLOPs; the model
   * interpolates linearly in (log10 FLOPs, log10 efficiency) — a power law between points — and holds
   * the ends flat. Small ops do not fill a wide processor. A rise steeper than FLOPs themselves
   * (e₂/e₁ > F₂/F₁) is clamped, so a bigger op is never predicted faster (src/cost/efficiency.ts).
   */
  points: [log10Flops: number, efficiency: number][];
}

/**
 * Activation layout a processor's runtime prefers: ORT's CPU kernels are NCHW, NPU/DSP SDKs (QNN, NNAPI,
 * Neuron) are NHWC, the TFLite GPU delegate keeps tensors as PHWC4 textures/buffers (4 channels per texel).
 */
export type TensorLayout = 'NCHW' | 'NHWC' | 'PHWC4';

/**
 * Cost-model parameters of one processor; fitted by calibration, or defaulted from the catalog.
 *
 * How they are used (src/cost/roofline.ts, stable):
 *   peakGflops  = processor.peakGflops[computeDType] × min(threads, cores)/cores (CPU only) × freqShare
 *   computeMs   = paddedFlops / (peakGflops × efficiency(category or op type, log10 flops)) / 1e6
 *   dramBytes   = weightBytes + activationDramShare × activationBytes   (activations read + written)
 *   memoryMs    = dramBytes / (effectiveBandwidthGBps × bandwidthShare[category]) / 1e6
 *   latencyMs   = dispatchUs / 1000 + max(computeMs, memoryMs)
 * Efficiency is always a share of the peak of the cores in use, so a "cpu@2" entry's curves are shares
 * of 2 cores' peak. A missing category curve falls back to the `other` curve, then to 0.1 (see defaults.ts).
 * With `coreScaling` (phone CPUs), n cores in use count as 1 + extraCoreEfficiency × (n − 1) cores,
 * latencyMs gains (n − 1) × forkJoinUsPerExtraThread / 1000 / freqShare, and an op runs on one core
 * when that is faster.
 */
export interface ProcessorCostParams {
  /** Per op category (and optionally per op type, which wins) achieved-efficiency curves. */
  efficiency: Partial<Record<OpCategory, EfficiencyCurve>>;
  /**
   * Keyed by op type as in Node.op ("Conv", "MatMul"); wins over the category curve. May also hold finer
   * keys (see NodeInfo.fineKey in roofline.ts: "Conv:k1", "Conv:k3s2", "Add:bcast", and the shape
   * families "Conv:dense", ...), which win over the op type: lookup fineKey → familyKey → op → category.
   */
  opEfficiency?: Record<string, EfficiencyCurve>;
  /**
   * Curves over FLOPs per group rather than per op, keyed like opEfficiency by fine or family key
   * ("Conv:dw3", "Conv:dw", "MatMul:batched"): a depthwise/grouped conv or a batched MatMul runs one small
   * kernel per group (per batch matrix), so its time is groups × τ(FLOPs/groups) and a curve over total
   * FLOPs cannot tell 960 tiny channels from 8 big ones. Win over opEfficiency for the same key.
   */
  opEfficiencyPerGroup?: Record<string, EfficiencyCurve>;
  /** Sustained memory bandwidth this processor reaches alone (GB/s). */
  bandwidthGBps: number;
  /** Fixed cost per kernel launch (µs). */
  dispatchUs: number;
  /**
   * Share (0..1] of `bandwidthGBps` an op category reaches (strided transposes, gathers and
   * NPU data movement reach less than a streaming element-wise op). Missing = 1.
   */
  bandwidthShare?: Partial<Record<OpCategory, number>>;
  /** Output channels are processed in tiles of this many (work is padded up to it). Missing = kind default. */
  tileChannels?: number;
  /** DType the processor computes in unless RunContext says otherwise. Missing = kind default. */
  computeDType?: DType;
  /** Preferred activation layout (transfers convert between differing layouts). Missing = kind default. */
  layout?: TensorLayout;
  /**
   * Share (0..1] of an op's activation bytes (inputs read + outputs written, not weights) that reach
   * DRAM. A compiled NPU/DSP graph keeps intermediate tensors in on-chip memory (e.g. Hexagon VTCM)
   * between consecutive ops; weights always stream from DRAM. Missing = kind default (defaults.ts).
   */
  activationDramShare?: number;
  /**
   * CPU only: how a cluster's throughput grows with the cores in use (roofline.ts). Missing = linear
   * (n cores reach n × one core's peak, no per-op synchronisation); host calibration relies on that,
   * since its per-thread-count entries ("cpu@2") fold the scaling losses into their fitted curves.
   */
  coreScaling?: CoreScaling;
  /**
   * Host only (set by host calibration, never by phone calibration): kernel-level models over the
   * work counters of ONNX Runtime's CPU kernels (host-kernel-model.ts). A node one of them covers is
   * priced by it; the roofline above then only scales it to the run context (frequency, contention,
   * split parts). Missing = roofline only.
   */
  kernels?: HostKernelParams;
  /**
   * Host only (set by host calibration): the plain-run model of this thread count (host-run.ts) —
   * the profiler's per-kernel inflation, the kernel scale and the fixed cost of a session.run. With
   * it, a node's latency is what it adds to a plain run (host-run.ts hostOpMs), its span only with
   * RunContext.profiled. Missing = spans.
   */
  run?: RunOverhead;
  /**
   * Fixed cost (µs) of a dependency reaching this processor from another CPU processor; replaces the
   * kind table of transfer.ts. Host per-core workers: the measured worker hand-off plus the fixed
   * cost of the session.run that the consumer's new partition starts (for-device.ts).
   */
  syncInUs?: number;
  /**
   * Cost (µs per MiB) of a tensor reaching this processor from another CPU processor; absent = none
   * (same-kind processors share memory). Host per-core workers: what a crossing tensor adds to a
   * request through the executor (runtime/profile-executor.ts measureWorkerBoundary; for-device.ts
   * workerCopyUsPerMiB). The consumer's core does the copy (plan/evaluate.ts arrive).
   */
  copyInUsPerMiB?: number;
}

/** Sub-linear multi-core scaling of a CPU cluster (ProcessorCostParams.coreScaling). */
export interface CoreScaling {
  /** Compute throughput each core beyond the first adds, as a share of one core's (0..1]. */
  extraCoreEfficiency: number;
  /** Fork/join synchronisation a multi-threaded op pays per thread beyond the first (µs). */
  forkJoinUsPerExtraThread: number;
}

/** Everything calibration produces for one device. */
export interface DeviceCostParams {
  device: string;
  /**
   * Keyed by processor id; for a CPU additionally by thread count ("cpu@2"): an exact "<id>@<threads>"
   * entry replaces the "<id>" entry for runs with that many threads. Any processor may also have
   * entries per compute dtype ("cpu:int8", and for a CPU "cpu@2:int8"): runtimes reach different
   * shares of each dtype's peak (int8 GEMM kernels rarely reach the 4× of fp32 that SDOT promises).
   * Lookup order for a run with T threads computing in D:
   *   "<id>@T:D" (CPU) → "<id>:D" → "<id>@T" (CPU) → "<id>" → defaultProcessorParams.
   * A dtype-keyed entry computes in its dtype (its own computeDType is ignored).
   */
  processors: Record<string, ProcessorCostParams>;
  /** How the parameters were obtained: 'catalog-defaults', 'host-profile', 'published-latencies'. */
  fittedFrom: string;
  fittedAt?: string;
}

/** Where one op's predicted latency comes from (for calibration and explanations). */
export interface OpCostBreakdown {
  /** Infinity when the processor cannot run the op (see `unsupported`). */
  latencyMs: number;
  dispatchMs: number;
  computeMs: number;
  memoryMs: number;
  /** FLOPs after padding output channels to the processor's tile. */
  paddedFlops: number;
  /** Achieved share of peak used for the compute time. */
  efficiency: number;
  /** Peak (GFLOPS/GOPS) of the cores and frequency in use, before efficiency. */
  peakGflops: number;
  /** Bandwidth (GB/s) the op's traffic moved at, after contention and its category's share. */
  bandwidthGBps: number;
  computeDType: DType;
  bound: 'compute' | 'memory' | 'dispatch';
  /** Why the op cannot run there. */
  unsupported?: string;
}

/** Dtypes at the two ends of a transfer (default: each processor's compute dtype). */
export interface TransferContext {
  fromDType?: DType;
  toDType?: DType;
}

export interface CostModel {
  readonly device: Device;
  /** Predicted latency of one node on one processor (ms), including its dispatch overhead. */
  opLatencyMs(node: Node, graph: Graph, proc: Processor, ctx?: RunContext): number;
  /** Moving a tensor between processors: copy or map/unmap, layout and dtype conversion (ms). */
  transferMs(tensor: TensorInfo, from: Processor, to: Processor, ctx?: TransferContext): number;
  /** Synchronising one cross-processor dependency (ms). */
  syncMs(from: Processor, to: Processor): number;
  /** Energy of one node on one processor (J). */
  opEnergyJ(node: Node, graph: Graph, proc: Processor, ctx?: RunContext): number;
  /** Energy of a transfer (J). */
  transferEnergyJ(tensor: TensorInfo, from: Processor, to: Processor, ctx?: TransferContext): number;
  /** Idle power of a processor (W), which counts while it waits. */
  idlePowerW(proc: Processor): number;
}
