// The per-op roofline: one op on one processor under a RunContext → latency terms. This is the hot
// path (planners call it millions of times), so everything that does not depend on the context is
// precomputed: per processor in compileProcessor, per node in nodeInfo (cached on the node object).
//
//   latencyMs = dispatchMs + max(computeMs, memoryMs)
//
// A hard max (compute and memory traffic overlap fully) rather than a smooth max: it keeps the model
// invertible for calibration (the bound term alone explains a measurement), and the dispatch term
// already carries the fixed part that imperfect overlap would add for small ops.
import { nodeCost } from '../graph/cost.js';
import type { DType, Graph, Node, OpCategory, OpCost } from '../graph/types.js';
import { dtypeBytes } from '../graph/types.js';
import { OP_CATEGORY_NAMES, type Processor } from '../hardware/schema.js';
import { supportsOp } from '../hardware/op-support.js';
import { compileCurve, DEFAULT_FLAT_EFFICIENCY, efficiencyAt, type CompiledCurve } from './efficiency.js';
import {
  defaultActivationDramShare,
  defaultComputeDType,
  defaultLayout,
  defaultTileChannels,
} from './defaults.js';
import type { OpCostBreakdown, ProcessorCostParams, RunContext, TensorLayout } from './types.js';
import type { HostKernelParams } from './host-kernel-model.js';
import type { RunOverhead } from './host-run.js';

/**
 * How much of a memory-bound op's time follows the core clock under DVFS. DRAM and the interconnect
 * have their own clocks and governors, so halving a cluster's frequency does not halve its achieved
 * bandwidth; the part that does scale is the cores' ability to issue loads/stores (assumption: 30%).
 * Memory time is multiplied by 1 + MEMORY_FREQ_SENSITIVITY × (1/freqShare − 1).
 */
export const MEMORY_FREQ_SENSITIVITY = 0.3;

/**
 * Floor on the DRAM bandwidth a processor keeps under contention, as a share of the device's DRAM
 * bandwidth: memory controllers arbitrate between masters with QoS, so no master starves entirely
 * (assumption).
 */
export const MIN_DRAM_SHARE = 0.1;

/** Categories whose work is tiled over output channels (padding applies). */
const TILED: ReadonlySet<OpCategory> = new Set<OpCategory>(['conv', 'depthwise-conv', 'matmul']);

const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float16', 'bfloat16', 'float64']);

/** One processor's parameters, compiled for fast evaluation. */
export interface CompiledProcessor {
  readonly proc: Processor;
  readonly isCpu: boolean;
  readonly cores: number;
  readonly bandwidthGBps: number;
  readonly dispatchMs: number;
  readonly tileChannels: number;
  readonly computeDType: DType;
  readonly layout: TensorLayout;
  /** Share of activation bytes that reach DRAM (0..1]; weights always do. */
  readonly activationDramShare: number;
  /** Fixed cost (ms) of a dependency arriving from another CPU processor (undefined = kind table). */
  readonly syncInMs?: number;
  /** Cost (ms per byte) of a tensor arriving from another CPU processor (undefined = none). */
  readonly copyInMsPerByte?: number;
  /** Sub-linear multi-core scaling (CPU; undefined = linear). */
  readonly coreScaling?: { readonly extraCoreEfficiency: number; readonly forkJoinMs: number };
  /** Curve per category, every category filled (fallback: `other`, then flat). */
  readonly curves: Readonly<Record<OpCategory, CompiledCurve>>;
  readonly opCurves: ReadonlyMap<string, CompiledCurve>;
  /** The params hold fine keys (with ':') in opEfficiency: false = look up the op type only. */
  readonly fineKeyed: boolean;
  /** Curves over FLOPs per group (ProcessorCostParams.opEfficiencyPerGroup); empty when none. */
  readonly groupCurves: ReadonlyMap<string, CompiledCurve>;
  readonly bandwidthShare: Readonly<Record<OpCategory, number>>;
  /** Unsupported reason per dtype and op key ('' = supported). */
  readonly support: Map<DType, Map<string, string>>;
  /** Host kernel models (ProcessorCostParams.kernels); absent for every catalog processor. */
  readonly kernels?: HostKernelParams;
  /** The one-thread entry's kernel models that bound these (HostKernelParams.serialWakeUs, parallelFloorShare). */
  readonly serialKernels?: HostKernelParams;
  /** Host plain-run model (ProcessorCostParams.run); absent for every catalog processor. */
  readonly run?: RunOverhead;
}

function shareOrDefault(share: number | undefined, fallback: number): number {
  return share !== undefined && share > 0 ? Math.min(1, share) : fallback;
}

export function compileProcessor(proc: Processor, params: ProcessorCostParams): CompiledProcessor {
  const fallbackCurve = params.efficiency.other
    ? compileCurve(params.efficiency.other)
    : compileCurve({ points: [[0, DEFAULT_FLAT_EFFICIENCY]] });
  const curves = {} as Record<OpCategory, CompiledCurve>;
  const bandwidthShare = {} as Record<OpCategory, number>;
  for (const cat of OP_CATEGORY_NAMES) {
    const c = params.efficiency[cat];
    curves[cat] = c ? compileCurve(c) : fallbackCurve;
    const share = params.bandwidthShare?.[cat];
    bandwidthShare[cat] = share !== undefined && share > 0 ? Math.min(1, share) : 1;
  }
  const opCurves = new Map<string, CompiledCurve>();
  for (const [op, c] of Object.entries(params.opEfficiency ?? {})) opCurves.set(op, compileCurve(c));
  const groupCurves = new Map<string, CompiledCurve>();
  for (const [k, c] of Object.entries(params.opEfficiencyPerGroup ?? {})) groupCurves.set(k, compileCurve(c));
  return {
    proc,
    isCpu: proc.kind === 'cpu',
    cores: Math.max(1, proc.cores ?? 1),
    bandwidthGBps: params.bandwidthGBps,
    dispatchMs: params.dispatchUs / 1000,
    tileChannels: Math.max(1, Math.round(params.tileChannels ?? defaultTileChannels(proc))),
    computeDType: params.computeDType ?? defaultComputeDType(proc),
    layout: params.layout ?? defaultLayout(proc),
    activationDramShare: shareOrDefault(params.activationDramShare, defaultActivationDramShare(proc)),
    ...(params.syncInUs !== undefined && params.syncInUs >= 0 ? { syncInMs: params.syncInUs / 1000 } : {}),
    ...(params.copyInUsPerMiB !== undefined && params.copyInUsPerMiB > 0
      ? { copyInMsPerByte: params.copyInUsPerMiB / 1000 / 2 ** 20 }
      : {}),
    ...(proc.kind === 'cpu' && params.coreScaling
      ? {
          coreScaling: {
            extraCoreEfficiency: Math.min(1, Math.max(0, params.coreScaling.extraCoreEfficiency)),
            forkJoinMs: Math.max(0, params.coreScaling.forkJoinUsPerExtraThread) / 1000,
          },
        }
      : {}),
    curves,
    opCurves,
    fineKeyed: [...opCurves.keys()].some((k) => k.includes(':')),
    groupCurves,
    bandwidthShare,
    support: new Map(),
    ...(proc.kind === 'cpu' && params.kernels ? { kernels: params.kernels } : {}),
    ...(proc.kind === 'cpu' && params.run ? { run: params.run } : {}),
  };
}

/** What the roofline needs of a node, derived once per (graph, node). */
export interface NodeInfo {
  readonly cost: OpCost;
  readonly flops: number;
  /** bytesRead + bytesWritten. */
  readonly bytes: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  /** Weight bytes (part of readBytes). */
  readonly paramBytes: number;
  readonly category: OpCategory;
  /** Op type as op-support tables key it: "Conv", or "domain:Op" outside the default domain. */
  readonly opKey: string;
  readonly op: string;
  /** Output channels (NCHW dim 1 for convs, last dim for matmuls); 0 when unknown or not tiled. */
  readonly outChannels: number;
  /** Bytes per element of the first output when it is a float type (else 0: no dtype rescaling). */
  readonly floatElemBytes: number;
  /**
   * Op type refined by the shape features that change which kernel runs: "Conv:k1", "Conv:k3s2",
   * "Conv:dw3" / "Conv:dw3s2" (depthwise), "Conv:g3" (grouped), "MatMul:batched", "Add:bcast" (a non-scalar operand
   * broadcast); the op type itself when nothing refines it.
   */
  readonly fineKey: string;
  /** The coarser family of fineKey ("Conv:dense", "Conv:dw", "Conv:grouped"), else the op type. */
  readonly familyKey: string;
  /** Independent small kernels the op runs as: conv groups, batched-MatMul matrices; else 1. */
  readonly groups: number;
}

const infoCache = new WeakMap<Graph, WeakMap<Node, NodeInfo>>();

function finite(x: number): number {
  return Number.isFinite(x) && x > 0 ? x : 0;
}

function outputChannels(node: Node, graph: Graph, category: OpCategory): number {
  if (!TILED.has(category)) return 0;
  const shape = graph.tensors.get(node.outputs[0] ?? '')?.shape;
  if (!shape || shape.length < 2) return 0;
  const c = category === 'matmul' ? shape[shape.length - 1] : shape[1];
  return typeof c === 'number' && c > 0 ? c : 0;
}

/** nodeCost and the derived features, cached per (graph, node) object. */
export function nodeInfo(node: Node, graph: Graph): NodeInfo {
  let perGraph = infoCache.get(graph);
  if (!perGraph) {
    perGraph = new WeakMap();
    infoCache.set(graph, perGraph);
  }
  let info = perGraph.get(node);
  if (!info) {
    const cost = nodeCost(node, graph);
    const domain = node.domain ?? '';
    const out = graph.tensors.get(node.outputs[0] ?? '');
    info = {
      cost,
      flops: finite(cost.flops),
      bytes: finite(cost.bytesRead) + finite(cost.bytesWritten),
      readBytes: finite(cost.bytesRead),
      writeBytes: finite(cost.bytesWritten),
      paramBytes: Math.min(finite(cost.paramBytes), finite(cost.bytesRead)),
      category: cost.category,
      opKey: domain === '' || domain === 'ai.onnx' ? node.op : `${domain}:${node.op}`,
      op: node.op,
      outChannels: outputChannels(node, graph, cost.category),
      floatElemBytes: out && FLOAT_DTYPES.has(out.dtype) ? dtypeBytes(out.dtype) : 0,
      ...shapeKeys(node, graph),
    };
    perGraph.set(node, info);
  }
  return info;
}

const ELEMENTWISE_BINARY: ReadonlySet<string> = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow']);

function numericShape(graph: Graph, name: string | undefined): number[] | undefined {
  const s = name === undefined || name === '' ? undefined : graph.tensors.get(name)?.shape;
  return s && s.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * Whether ONNX Runtime's CPU Resize takes its 2× nearest path (UpsampleNearest2x: each input pixel
 * written twice per row, no coordinate arithmetic): nearest mode with asymmetric coordinates and floor
 * rounding, as torch.onnx exports nn.Upsample(mode='nearest'), doubling H and W of a 4-D tensor. Other
 * resizes compute each output pixel's source: measured here, 1.1–1.9 ns per output element against
 * 0.16–0.25 on the 2× path.
 */
function nearestTwice(node: Node, graph: Graph): boolean {
  const attr = (name: string, dflt: string): unknown => node.attrs[name] ?? dflt;
  if (attr('mode', 'nearest') !== 'nearest') return false;
  if (attr('coordinate_transformation_mode', 'half_pixel') !== 'asymmetric') return false;
  if (attr('nearest_mode', 'round_prefer_floor') !== 'floor') return false;
  const x = numericShape(graph, node.inputs[0]);
  const y = numericShape(graph, node.outputs[0]);
  return (
    x !== undefined &&
    y !== undefined &&
    x.length === 4 &&
    y.length === 4 &&
    y[0] === x[0] &&
    y[1] === x[1] &&
    y[2] === 2 * x[2] &&
    y[3] === 2 * x[3]
  );
}

/** NodeInfo.fineKey, familyKey and groups (see there). */
function shapeKeys(node: Node, graph: Graph): { fineKey: string; familyKey: string; groups: number } {
  const op = node.op;
  const plain = { fineKey: op, familyKey: op, groups: 1 };
  if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') return plain;
  if (op === 'Conv') {
    const ks = Array.isArray(node.attrs.kernel_shape) ? (node.attrs.kernel_shape as unknown[]) : undefined;
    const w = numericShape(graph, node.inputs[1]);
    const kDims = ks?.every((d) => typeof d === 'number')
      ? (ks as number[])
      : w && w.length > 2
        ? w.slice(2)
        : [1];
    const k = Math.max(1, ...kDims);
    const group = typeof node.attrs.group === 'number' && node.attrs.group > 1 ? node.attrs.group : 1;
    const cin = numericShape(graph, node.inputs[0])?.[1];
    const strides = Array.isArray(node.attrs.strides) ? (node.attrs.strides as unknown[]) : [];
    const s = strides.some((x) => typeof x === 'number' && x > 1) ? 's2' : '';
    // Stride separates depthwise kernels as it does dense ones: a stride-2 depthwise conv reads 4×
    // the input per output and ran 1.2–1.8× slower than its FLOPs on the stride-1 curve (host profiles).
    if (group > 1 && group === cin)
      return { fineKey: `Conv:dw${k}${s}`, familyKey: 'Conv:dw', groups: group };
    if (group > 1) return { fineKey: `Conv:g${k}`, familyKey: 'Conv:grouped', groups: group };
    return { fineKey: `Conv:k${k}${s}`, familyKey: 'Conv:dense', groups: 1 };
  }
  if (op === 'MatMul') {
    const a = numericShape(graph, node.inputs[0]);
    const b = numericShape(graph, node.inputs[1]);
    if (a && b && a.length > 2 && b.length > 2) {
      const batch = product(a.slice(0, -2));
      if (batch > 1) return { fineKey: 'MatMul:batched', familyKey: 'MatMul:batched', groups: batch };
    }
    return plain;
  }
  if (op === 'Resize' && nearestTwice(node, graph))
    return { fineKey: 'Resize:nearest2x', familyKey: op, groups: 1 };
  if (ELEMENTWISE_BINARY.has(op)) {
    const out = numericShape(graph, node.outputs[0]);
    if (!out) return plain;
    const n = product(out);
    for (const name of node.inputs) {
      const s = numericShape(graph, name);
      if (s && product(s) > 1 && product(s) < n) return { fineKey: `${op}:bcast`, familyKey: op, groups: 1 };
    }
  }
  return plain;
}

/** '' when `cp` runs the op in `dtype`, else why not (cached). */
export function unsupportedReason(cp: CompiledProcessor, opKey: string, dtype: DType): string {
  let byOp = cp.support.get(dtype);
  if (!byOp) {
    byOp = new Map();
    cp.support.set(dtype, byOp);
  }
  let reason = byOp.get(opKey);
  if (reason === undefined) {
    const answer = supportsOp(cp.proc, opKey, dtype);
    reason = answer.supported ? '' : (answer.reason ?? `${cp.proc.id} cannot run ${opKey}`);
    byOp.set(opKey, reason);
  }
  return reason;
}

/**
 * Peak (GFLOPS/GOPS) of the processor in `dtype` at full clock. A dtype the catalog gives no peak
 * for borrows a neighbour: uint8 ← int8, int16 ← half of int8, bfloat16 ← float16, else float32, else
 * the lowest peak listed.
 */
export function peakGflops(proc: Processor, dtype: DType): number {
  const p = proc.peakGflops;
  const direct = p[dtype];
  if (direct !== undefined) return direct;
  if (dtype === 'uint8' && p.int8 !== undefined) return p.int8;
  if (dtype === 'int16' && p.int8 !== undefined) return p.int8 / 2;
  if (dtype === 'bfloat16' && p.float16 !== undefined) return p.float16;
  if (p.float32 !== undefined) return p.float32;
  const all = Object.values(p).filter((v): v is number => v !== undefined);
  return all.length > 0 ? Math.min(...all) : 1;
}

/** Mutable scratch the breakdown path fills; the latency-only path passes null. */
type Terms = Omit<OpCostBreakdown, 'unsupported' | 'latencyMs'>;

/**
 * Latency (ms) of a node on a compiled processor. `dramGBps` is the device's DRAM bandwidth (the pool
 * concurrent traffic draws from). Returns Infinity when the op cannot run there.
 */
export function rooflineMs(
  info: NodeInfo,
  cp: CompiledProcessor,
  ctx: RunContext | undefined,
  dramGBps: number,
  out: Terms | null,
): number {
  const dtype = ctx?.computeDType ?? cp.computeDType;
  if (unsupportedReason(cp, info.opKey, dtype) !== '') return Infinity;

  const f = ctx?.freqShare !== undefined && ctx.freqShare > 0 ? Math.min(1, ctx.freqShare) : 1;
  // CPU: efficiency is a share of the peak of the cores in use.
  let coreShare = 1;
  if (cp.isCpu && ctx?.threads !== undefined && ctx.threads > 0) {
    coreShare = Math.min(ctx.threads, cp.cores) / cp.cores;
  }
  // Sub-linear scaling (ProcessorCostParams.coreScaling): n cores reach 1 + η(n − 1) cores' peak and
  // each op pays fork/join per extra thread; absent, scaling is linear and nothing changes here.
  const threadsInUse = coreShare * cp.cores;
  const scaling = cp.coreScaling !== undefined && threadsInUse > 1 ? cp.coreScaling : undefined;
  if (scaling !== undefined) coreShare = (1 + scaling.extraCoreEfficiency * (threadsInUse - 1)) / cp.cores;
  let peak = peakGflops(cp.proc, dtype) * coreShare * f;

  let flops = info.flops;
  let channels = info.outChannels;
  let weightBytes = info.paramBytes;
  let activationBytes = info.bytes - info.paramBytes;
  const split = ctx?.split;
  if (split !== undefined && split.fraction > 0 && split.fraction < 1) {
    // A part of a split node (RunContext.split): its share of the output and FLOPs; an OC part reads
    // the whole input and its share of the weights, a spatial/batch/channel part the reverse.
    const s = split.fraction;
    const activationRead = info.readBytes - info.paramBytes;
    flops *= s;
    if (split.axis === 'OC') {
      weightBytes *= s;
      activationBytes = activationRead + info.writeBytes * s;
      if (channels > 0) channels = Math.ceil(channels * s);
    } else {
      activationBytes = activationRead * s + info.writeBytes * s;
    }
  }
  // Weights always stream from DRAM; activations only in part where the runtime keeps them on chip.
  const rawBytes = weightBytes + activationBytes * cp.activationDramShare;
  const t = cp.tileChannels;
  if (t > 1 && channels > 0) flops *= (Math.ceil(channels / t) * t) / channels;
  // Curves over FLOPs per group first (grouped convs, batched MatMul), then fine → family → op type →
  // category (ProcessorCostParams.opEfficiency / opEfficiencyPerGroup).
  const groupCurve =
    cp.groupCurves.size > 0
      ? (cp.groupCurves.get(info.fineKey) ?? cp.groupCurves.get(info.familyKey))
      : undefined;
  let eff: number;
  if (groupCurve !== undefined) {
    eff = efficiencyAt(groupCurve, flops / info.groups);
  } else {
    const curve =
      (cp.fineKeyed ? (cp.opCurves.get(info.fineKey) ?? cp.opCurves.get(info.familyKey)) : undefined) ??
      cp.opCurves.get(info.op) ??
      cp.curves[info.category];
    eff = efficiencyAt(curve, flops);
  }
  let computeMs = flops > 0 ? flops / (peak * eff * 1e6) : 0;

  // Float activations/weights travel in the compute dtype (fp16 on a GPU halves the bytes).
  const bytes = info.floatElemBytes > 0 ? (rawBytes * dtypeBytes(dtype)) / info.floatElemBytes : rawBytes;
  // Contention: others' traffic comes out of the shared DRAM; the op gets what is left, capped by what
  // the processor reaches alone: min(procBW, max(ε·DRAM, DRAM − concurrent)), monotone in `concurrent`.
  const concurrent = ctx?.concurrentBandwidthGBps ?? 0;
  const available = Math.max(MIN_DRAM_SHARE * dramGBps, dramGBps - (concurrent > 0 ? concurrent : 0));
  const bw = Math.min(cp.bandwidthGBps, available) * cp.bandwidthShare[info.category];
  const memoryMs = bytes > 0 ? (bytes / (bw * 1e6)) * (1 + MEMORY_FREQ_SENSITIVITY * (1 / f - 1)) : 0;

  // Dispatch is driver/runtime work on a CPU: it follows the clock only on a CPU processor.
  let dispatchMs = cp.isCpu ? cp.dispatchMs / f : cp.dispatchMs;
  let latency = dispatchMs + (computeMs > memoryMs ? computeMs : memoryMs);
  if (scaling !== undefined) {
    // Fork/join is CPU work (follows the clock; reported as dispatch). Runtimes run an op too small
    // to amortise it on one thread (e.g. MACE's kMaxCostUsingSingleThread): the faster of the two.
    const syncMs = ((threadsInUse - 1) * scaling.forkJoinMs) / f;
    const effectiveCores = cp.cores * coreShare;
    const singleComputeMs = computeMs * effectiveCores;
    const singleMs = dispatchMs + (singleComputeMs > memoryMs ? singleComputeMs : memoryMs);
    if (singleMs < latency + syncMs) {
      latency = singleMs;
      computeMs = singleComputeMs;
      peak /= effectiveCores;
    } else {
      latency += syncMs;
      dispatchMs += syncMs;
    }
  }
  if (out) {
    out.dispatchMs = dispatchMs;
    out.computeMs = computeMs;
    out.memoryMs = memoryMs;
    out.paddedFlops = flops;
    out.efficiency = eff;
    out.peakGflops = peak;
    out.bandwidthGBps = bw;
    out.computeDType = dtype;
    const busyMs = computeMs > memoryMs ? computeMs : memoryMs;
    out.bound = dispatchMs >= busyMs ? 'dispatch' : computeMs >= memoryMs ? 'compute' : 'memory';
  }
  return latency;
}
