// Kernel-level latency model of the host CPU (hetero calibrate): per op key and thread count, a kernel's
// time is a non-negative cost per unit of the work counters its loops run (host-kernel-features.ts),
//   latencyUs = Σ cᵢ · counterᵢ,  cᵢ ≥ 0 (µs per launch, per tile MAC, per element, …),
// fitted on profiled kernels (host-kernel-fit.ts). Like nn-Meter's kernel predictors (MobiSys'21) it is
// fitted per kernel type from measured kernels; unlike a random forest it extrapolates along its
// counters, so a layer twice the size of any profiled one costs about twice as much, not as much as
// the largest one seen. A key's model may split once on the kernel's size (a model tree of depth one).
// Keys go from specific to general (fine key → shape family → kernel class); a node uses the most
// specific key whose model was fitted on sizes within ×2 of its own and on models whose weights were
// within ×2 of its model's, so an op unlike anything profiled under its own key backs off to its class
// rather than extrapolating a narrow fit (a streaming kernel beyond its key's footprints keeps its
// key and takes the footprint effect from its class: streamingBeyondFootprints). Prediction is a
// cached key resolution and one dot product (planners call it millions of times).
import type { Graph, Node } from '../graph/types.js';
import { rooflineMs, type CompiledProcessor, type NodeInfo } from './roofline.js';
import type { OpCostBreakdown, RunContext } from './types.js';
import { countsTheseFeatures, FEATURE_INDEX, kernelInfo, type KernelInfo } from './host-kernel-features.js';

/** A leaf's coefficients (KERNEL_FEATURES order, µs per unit) or one split on the kernel's size. */
export type KernelTree = { coef: number[] } | { splitSize: number; below: KernelTree; above: KernelTree };

export interface KernelKeyModel {
  tree: KernelTree;
  /** Smallest and largest size fitted on: the model is used within ×SIZE_TOLERANCE of these. */
  sizeRange: [number, number];
  /**
   * Least and greatest coldLaunch (log2 of the model's weights over the L2) fitted on: the model is
   * used within FOOTPRINT_TOLERANCE of these. Absent in host files fitted before it was recorded.
   */
  footprintRange?: [number, number];
  samples: number;
  families: number;
}

/** Fitted kernel models of one processor entry (one thread count); part of ProcessorCostParams. */
export interface HostKernelParams {
  /** Counter names the coefficients follow (a model fitted with other counters is not used). */
  features: readonly string[];
  models: Record<string, KernelKeyModel>;
  /**
   * The pool's threads the counters were taken for (an im2col conv is counted for its busiest
   * thread: host-kernel-features.ts); absent = 1.
   */
  threads?: number;
  /**
   * At two threads or more: a kernel costs at most the one-thread entry's prediction plus this (µs).
   * MLAS and ORT split a kernel only where the work pays for waking a pool thread, so a small
   * kernel runs about as on one thread, plus the wake-up where it is split; a key fitted on larger
   * kernels (silero's 1-D convs fall back to a class fitted on 2-D ones) would otherwise charge a
   * small one the parallel regime's fixed cost. Fitted per entry (calibrate-host.ts); absent = no bound.
   */
  serialWakeUs?: number;
  /**
   * At two threads or more: a kernel costs at least this share of the one-thread entry's prediction
   * (1/threads at the very least: n threads cannot do better than n times as fast). A key whose own
   * multi-thread model is missing falls back to a class fitted on kernels that split well; the last
   * 9×9 conv of the style-transfer net (32 → 3 channels) had been predicted 4× faster at two threads
   * than at one, and measured 1.3× faster. Fitted with serialWakeUs; absent = no bound.
   */
  parallelFloorShare?: number;
}

/** A profiled kernel. */
export interface KernelSample {
  info: KernelInfo;
  family: string;
  us: number;
}

/** A leaf's prediction (µs) for counters x. */
export const predictLeaf = (coef: readonly number[], x: Float64Array): number => {
  let us = 0;
  for (let i = 0; i < coef.length; i++) us += coef[i] * x[i];
  return us;
};

/** The leaf of `tree` a kernel of `size` falls in. */
export function leafOf(tree: KernelTree, size: number): readonly number[] {
  let t = tree;
  while (!('coef' in t)) t = size < t.splitSize ? t.below : t.above;
  return t.coef;
}

/** How far beyond its fitted sizes a key's model is trusted. */
const SIZE_TOLERANCE = 2;

/**
 * How far (in doublings of the model's weights, coldLaunch) beyond the footprints it was fitted on a
 * key's model is trusted, as SIZE_TOLERANCE is for sizes. Held out, ppocr-cls (0.5 MB of weights,
 * warm in L2) had its 5×5 depthwise convs priced by a key fitted only on models of 4.7–22 MB, whose
 * cost per channel call is a cold one: +35…+53% end to end. Backed off to the depthwise family,
 * which DS-CNN's warm convs are in: −1…+24%.
 */
const FOOTPRINT_TOLERANCE = 1;

const withinFootprints = ([lo, hi]: readonly [number, number], coldLaunch: number): boolean =>
  coldLaunch >= lo - FOOTPRINT_TOLERANCE && coldLaunch <= hi + FOOTPRINT_TOLERANCE;

interface Compiled {
  valid: boolean;
  models: Map<string, KernelKeyModel>;
  /** The leaf each node resolved to (null: no model covers it). */
  perNode: WeakMap<KernelInfo, readonly number[] | null>;
}

const compiledCache = new WeakMap<HostKernelParams, Compiled>();

function compile(params: HostKernelParams): Compiled {
  let c = compiledCache.get(params);
  if (!c) {
    const valid = countsTheseFeatures(params.features);
    c = { valid, models: new Map(Object.entries(params.models)), perNode: new WeakMap() };
    compiledCache.set(params, c);
  }
  return c;
}

/** The coefficients a node uses: its most specific key whose model covers its size; null when none. */
function resolve(c: Compiled, k: KernelInfo): readonly number[] | null {
  let leaf = c.perNode.get(k);
  if (leaf === undefined) {
    leaf = null;
    for (const key of k.keys) {
      const m = c.models.get(key);
      if (!m) continue;
      const [lo, hi] = m.sizeRange;
      const last = key === k.keys[k.keys.length - 1];
      // The class model is the last resort: it is used even beyond its sizes.
      if (!last && (k.size < lo / SIZE_TOLERANCE || k.size > hi * SIZE_TOLERANCE)) continue;
      if (!last && m.footprintRange && !withinFootprints(m.footprintRange, k.x[FEATURE_INDEX.coldLaunch])) {
        const borrowed = streamingBeyondFootprints(c, k, m, m.footprintRange);
        if (!borrowed) continue;
        leaf = borrowed;
        break;
      }
      leaf = leafOf(m.tree, k.size);
      break;
    }
    c.perNode.set(k, leaf);
  }
  return leaf;
}

/**
 * A streaming kernel (no weights of its own) in a model warmer or colder than any its key was fitted
 * on: the key's coefficients at the nearest footprint it covers, plus what its class says the rest of
 * the footprint difference costs (the class is fitted on every model). A streaming kernel's cost is
 * mostly its own per-element work, which the key knows and its class does not: backed off to the
 * class, LeakyReLU cost 2× its prediction (YOLOv2's 200 MB of weights against YOLOv4-tiny's 24 MB)
 * and ppocr-cls's divisions (0.5 MB against ≥ 4.7 MB) 2×. Weighted kernels still back off: their
 * per-call cost is what the footprint changes (ppocr-cls's depthwise convs). Undefined: back off.
 */
function streamingBeyondFootprints(
  c: Compiled,
  k: KernelInfo,
  m: KernelKeyModel,
  [lo, hi]: readonly [number, number],
): readonly number[] | undefined {
  const classKey = k.keys[k.keys.length - 1];
  const cls = c.models.get(classKey);
  if (!cls || !classKey.startsWith('cat:')) return undefined;
  const coldLaunch = k.x[FEATURE_INDEX.coldLaunch];
  const covered = Math.min(Math.max(coldLaunch, lo - FOOTPRINT_TOLERANCE), hi + FOOTPRINT_TOLERANCE);
  const own = leafOf(m.tree, k.size);
  const further = Math.max(0, k.x[FEATURE_INDEX.calls] - 1);
  const perDoubling = (coef: readonly number[]): number =>
    coef[FEATURE_INDEX.coldLaunch] + coef[FEATURE_INDEX.coldCalls] * further;
  // The difference moves into the launch term (1 per kernel), so the leaf stays one dot product.
  const borrowed = [...own];
  borrowed[FEATURE_INDEX.launch] +=
    (perDoubling(leafOf(cls.tree, k.size)) - perDoubling(own)) * (coldLaunch - covered);
  return borrowed;
}

/**
 * Predicted kernel time (µs) of a node, or undefined when no fitted model applies; where the one-thread
 * entry `serial` is given, bounded by it: at most its prediction plus params.serialWakeUs, at least
 * params.parallelFloorShare of it.
 */
export function kernelLatencyUs(
  params: HostKernelParams,
  node: Node,
  graph: Graph,
  serial?: HostKernelParams,
): number | undefined {
  const k = kernelInfo(node, graph, params.threads);
  const us = kernelModelUs(params, k);
  if (us === undefined || serial === undefined) return us;
  if (params.serialWakeUs === undefined && params.parallelFloorShare === undefined) return us;
  const serialUs = kernelModelUs(serial, k.serial);
  if (serialUs === undefined) return us;
  const floor = serialUs * (params.parallelFloorShare ?? 0);
  return Math.min(Math.max(us, floor), serialUs + (params.serialWakeUs ?? Infinity));
}

/** What `params`' own models predict (µs) for a kernel's counters, unbounded; undefined when none applies. */
export function kernelModelUs(params: HostKernelParams, k: KernelInfo): number | undefined {
  const c = compile(params);
  if (!c.valid) return undefined;
  const coef = resolve(c, k);
  if (!coef) return undefined;
  const us = predictLeaf(coef, k.x);
  return us > 0 ? us : undefined;
}

type Terms = Omit<OpCostBreakdown, 'unsupported' | 'latencyMs'>;

/**
 * Latency (ms) of a node on a processor that has kernel models: the kernel model's time, scaled by
 * what the roofline says the run context changes (a lower clock, others' DRAM traffic, a split part,
 * another compute dtype), since the kernels were profiled whole, at full clock, alone; the roofline
 * itself where no kernel model covers the node or the op cannot run there. `out` (the breakdown) gets
 * the roofline's terms, scaled to sum to the returned latency.
 */
export function hostKernelMs(
  cp: CompiledProcessor,
  info: NodeInfo,
  node: Node,
  graph: Graph,
  ctx: RunContext | undefined,
  dramGBps: number,
  out: Terms | null,
): number {
  const roofMs = rooflineMs(info, cp, ctx, dramGBps, out);
  if (!cp.kernels || !Number.isFinite(roofMs) || !(roofMs > 0)) return roofMs;
  const us = kernelLatencyUs(cp.kernels, node, graph, cp.serialKernels);
  if (us === undefined) return roofMs;
  let ms = us / 1000;
  const plain =
    ctx === undefined ||
    ((ctx.freqShare === undefined || ctx.freqShare >= 1) &&
      !(ctx.concurrentBandwidthGBps !== undefined && ctx.concurrentBandwidthGBps > 0) &&
      ctx.split === undefined &&
      (ctx.computeDType === undefined || ctx.computeDType === cp.computeDType));
  if (!plain) {
    const base = rooflineMs(
      info,
      cp,
      ctx?.threads !== undefined ? { threads: ctx.threads } : undefined,
      dramGBps,
      null,
    );
    if (base > 0 && Number.isFinite(base)) ms *= roofMs / base;
  }
  if (out) {
    const f = ms / roofMs;
    out.dispatchMs *= f;
    out.computeMs *= f;
    out.memoryMs *= f;
  }
  return ms;
}
