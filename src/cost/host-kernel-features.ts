// Work counters of one node as ONNX Runtime's CPU kernels (MLAS) execute it: what a kernel-level
// latency model (host-kernel-model.ts) prices one by one. nn-Meter (MobiSys'21) predicts per kernel
// from its configuration (input size, channels, kernel size, stride); here the configuration is turned
// into the units of work the runtime's loops iterate over, so that one fitted cost per unit transfers
// across models whose layers have other shapes:
// - a convolution is an im2col expansion (for k > 1 or stride > 1: Cin/g·k² rows of Ho·Wo elements,
//   copied as Cin/g·k²·Ho row segments, both counting only taps inside the input, not the padding)
//   and one SGEMM per group (M = Cout/g, N = Ho·Wo, K = Cin/g·k²),
//   whose B operand (the im2col buffer or the input itself) is packed on every call;
// - a MatMul/Gemm is one SGEMM per batch matrix; a constant B is packed once at session creation
//   (ORT's PrePack), a computed one on every call;
// - SGEMM work is counted in the micro-kernel's register tiles (mlas-sgemm-kernel.ts, by this CPU's
//   instruction set): MLAS' x86 kernels compute whole vectors of C's columns (with AVX-512 a product
//   of 3 columns pays for 16) and stream B's panel once per strip of A's rows (panelPasses, 12 rows
//   with AVX-512), so a 1-row product does one multiply-add per value loaded;
// - a dense kernel (conv, MatMul, Gemm) reads each of its weights once a call: weightElems;
// - a matrix–vector product (a classifier head, a squeeze-excite conv on a 1×1 map) reads each weight
//   once: streamElems;
// - everything else streams its elements, in rows where broadcasting or a per-row reduction splits
//   the loops (a broadcast Add of [32,768] and [768] runs 32 rows of 768; a transpose, slice or concat
//   copies runs of the trailing axes it leaves whole; one that moves several axes and leaves no run
//   addresses each element on its own: eltwiseElems).
import { producersAndReaders } from '../graph/dag.js';
import type { Graph, Node } from '../graph/types.js';
import { FUSED_ACTIVATION_ATTR, FUSED_BOUNDS_ATTR, fusedActivation } from '../graph/fused-activation.js';
import { hostCpuCaches } from '../hardware/cpu-caches.js';
import { hostSimd } from '../hardware/cpu-simd.js';
import { rowStrips, sgemmKernelFor } from './mlas-sgemm-kernel.js';
import { convSplit, gemmSplit, type DenseSplit } from './mlas-threading.js';
import { INDEXING_OPS, memoryTouches, VIEW_OPS, type FarTouches } from './ort-memory-plan.js';
import { nodeInfo, type NodeInfo } from './roofline.js';

/** Feature names, in vector order (a fitted model stores its coefficients in this order). */
export const KERNEL_FEATURES = [
  'launch',
  'coldLaunch',
  'calls',
  'tileMacs',
  'panelPasses',
  'packElems',
  'streamElems',
  'im2colElems',
  'segments',
  'inElems',
  'outElems',
  'spillElems',
  'dramWeights',
  'coldCalls',
  'flops',
  'rowStrips',
  'weightElems',
  'eltwiseElems',
  'forks',
  'farElems',
  'dramElems',
] as const;
export type KernelFeature = (typeof KERNEL_FEATURES)[number];
export const KERNEL_FEATURE_COUNT = KERNEL_FEATURES.length;
/** Each counter's position in a counter vector. */
export const FEATURE_INDEX = Object.fromEntries(KERNEL_FEATURES.map((f, i) => [f, i])) as Record<
  KernelFeature,
  number
>;
const F = FEATURE_INDEX;

/** Whether coefficients stored over `features` follow this version's counters, in order. */
export function countsTheseFeatures(features: readonly string[]): boolean {
  return features.length === KERNEL_FEATURES.length && features.every((f, i) => f === KERNEL_FEATURES[i]);
}

/**
 * Kernel classes: ops that run the same kind of loop nest share a feature set and a fallback model.
 * SGEMM without expansion (MatMul, Gemm, 1×1 stride-1 convs); im2col + SGEMM (other dense convs,
 * ConvTranspose); one small SGEMM per group (depthwise/grouped convs, batched MatMul); everything else
 * by op category.
 */
export type KernelClass = 'gemm' | 'im2col' | 'grouped' | `cat:${string}`;

/** Counters of an SGEMM kernel without expansion (MatMul, Gemm, 1×1 stride-1 convs). */
const GEMM_FEATURES: readonly KernelFeature[] = [
  'launch',
  'coldLaunch',
  'calls',
  'tileMacs',
  'panelPasses',
  'packElems',
  'streamElems',
  'outElems',
  'spillElems',
  'dramWeights',
  'rowStrips',
  'weightElems',
];
/** An SGEMM that expands its input (im2col) or runs once per group: those loops and calls besides. */
const EXPANDED_GEMM_FEATURES: readonly KernelFeature[] = [
  ...GEMM_FEATURES,
  'im2colElems',
  'segments',
  'coldCalls',
  // Parallel sections the kernel opens at two threads or more (waking the sleeping pool thread and
  // joining it): 1 where MLAS splits an im2col conv, else 0.
  'forks',
];
const STREAM_FEATURES: readonly KernelFeature[] = [
  'launch',
  'coldLaunch',
  'inElems',
  'outElems',
  'segments',
  'spillElems',
  'eltwiseElems',
  // The op's arithmetic (graph/cost.ts: 1 FLOP per element for a simple op, 4 for a transcendental
  // one, 5 for a normalisation), so that a class model prices an op it never saw by its arithmetic:
  // fitted without the style-transfer net, its InstanceNorms had been predicted at 39% of measured.
  'flops',
  // Elements read or written on memory the run last touched over FAR_BYTES back, and of those, over
  // the whole LLC back or never (ort-memory-plan.ts): a write there fetches every line first.
  'farElems',
  'dramElems',
];

/** Which counters each class may use (others are held at 0 so they cannot stand in for each other). */
export function classFeatures(cls: KernelClass): readonly KernelFeature[] {
  if (cls === 'gemm') return GEMM_FEATURES;
  if (cls === 'im2col' || cls === 'grouped') return EXPANDED_GEMM_FEATURES;
  return STREAM_FEATURES;
}

/** What the kernel model needs of a node, derived once per (graph, node). */
export interface KernelInfo {
  /** Work counters in KERNEL_FEATURES order. */
  readonly x: Float64Array;
  /**
   * Model keys from the most to the least specific: for a streaming kernel, its fine key after the
   * layout its input was written in ("BatchNormalization<grouped"); fine key, shape family, kernel class.
   */
  readonly keys: readonly string[];
  /** The size a model tree splits on and coverage is checked against: tile MACs, else elements. */
  readonly size: number;
  /** The same kernel's counters on one thread (itself when counted for one thread). */
  readonly serial: KernelInfo;
}

/** The SGEMM micro-kernel MLAS runs on this machine. */
const SGEMM = sgemmKernelFor(hostSimd());
/**
 * At most this many rows of A (a MatMul's M) or columns of B (a conv's output pixels): a product so
 * thin that each weight it reads feeds a few multiply-adds at most, read at the speed of memory.
 */
const FEW_VECTORS = 4;

const cache = new WeakMap<Graph, WeakMap<Node, Map<number, KernelInfo>>>();

/**
 * Weights that stay in a core's private cache between runs (its L2, hardware/cpu-caches.ts: 1 MiB per
 * core on the machine this was measured on; 0.5–2 MiB on current x86 and Arm cores). Measured here,
 * the same tiny 1×1 conv took 3–4 µs in a model with 0.5 MB of weights (ppocr-cls), 5–6 µs with
 * 4.7 MB (ppocr-det) and 6–8 µs with 22 MB (MobileNetV3): a kernel finds its weights, code and the
 * runtime's per-node state evicted by everything else the run touched, more so the larger the model.
 * coldLaunch = log2(weights / WARM_FOOTPRINT_BYTES) prices that per kernel.
 */
const WARM_FOOTPRINT_BYTES = hostCpuCaches().l2Bytes;
/**
 * Below the L2, a smaller footprint is warmer still (coldLaunch goes negative: ppocr-cls's 0.5 MB of
 * weights leave room in L2 for its activations and the runtime's state), down to 1/64 of it.
 */
const WARMEST_SHARE = 1 / 64;

/**
 * Activation elements (float32) that fit in one core's L2 beside each other. A kernel whose input and
 * output together exceed it streams the excess through the shared L3 (spillElems): measured here, a
 * 9×9 conv or a BatchNorm on a 1.6 MB map cost 10–20% more per element than on a 0.2 MB one, which
 * the per-element costs of the models' mostly cache-sized tensors miss.
 */
const L2_ELEMS = WARM_FOOTPRINT_BYTES / 4;

/**
 * A model whose weights exceed the last-level cache reads every weight from DRAM on every run
 * (dramWeights = the kernel's weight elements): the 75 MB classifier of VGG-16 at 96×96 or BERT's
 * 9.4 MB projections (340 MB in all) stream at DRAM speed, while a 14 MB MobileNetV2 finds its
 * weights in L3 from the run before.
 */
const LLC_BYTES = hostCpuCaches().llcBytes;

/**
 * How far back a run must have last touched memory for a kernel to find it beyond the share of the L3
 * it can count on (farElems): half the last-level cache, which the core shares with other cores and,
 * on a cloud host, with other guests. Held out by family, per op within ±10%: with nine sessions
 * 62.9% at a quarter of it and 62.6% at half (61.4% without the counters); with the default sessions
 * (what `hetero validate` scores) 61.0% at a quarter, end to end 89.8%, and 61.2% at half, end to
 * end 90.7% as without them (the same host measurements).
 */
const FAR_BYTES = LLC_BYTES / 2;
const touchCache = new WeakMap<Graph, Map<string, FarTouches>>();

function touchesOf(graph: Graph): Map<string, FarTouches> {
  let touches = touchCache.get(graph);
  if (!touches) touchCache.set(graph, (touches = memoryTouches(graph, FAR_BYTES, LLC_BYTES)));
  return touches;
}

const footprintCache = new WeakMap<Graph, number>();

/**
 * Bytes of the weights a run reads in full: constant inputs of every node except the tables a Gather
 * only indexes into (an embedding of 30 000 rows read 32 rows at a time). A control-flow body is its
 * own graph here: its footprint is its own weights.
 */
export function weightFootprintBytes(graph: Graph): number {
  let bytes = footprintCache.get(graph);
  if (bytes === undefined) {
    bytes = 0;
    for (const node of graph.nodes) {
      if (INDEXING_OPS.has(node.op)) continue;
      bytes += nodeInfo(node, graph).paramBytes;
    }
    footprintCache.set(graph, bytes);
  }
  return bytes;
}

function shapeOf(graph: Graph, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const s = graph.tensors.get(name)?.shape;
  return s && s.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * The node's counters, keys and size on a pool of `threads`, cached per (graph, node, threads). At
 * two threads or more an im2col conv is counted for its busiest thread (threadedInfo); other kernels
 * keep their one-thread counters.
 */
export function kernelInfo(node: Node, graph: Graph, threads = 1): KernelInfo {
  let perGraph = cache.get(graph);
  if (!perGraph) {
    perGraph = new WeakMap();
    cache.set(graph, perGraph);
  }
  let perNode = perGraph.get(node);
  if (!perNode) {
    perNode = new Map();
    perGraph.set(node, perNode);
  }
  const t = Math.max(1, Math.floor(threads));
  let k = perNode.get(t);
  if (!k) {
    k = t === 1 ? serialInfo(node, graph) : threadedInfo(kernelInfo(node, graph, 1), node, graph, t);
    perNode.set(t, k);
  }
  return k;
}

function serialInfo(node: Node, graph: Graph): KernelInfo {
  const x = counters(node, graph);
  const info = nodeInfo(node, graph);
  const cls = kernelClass(info);
  // Each key's kernels share one class, so a key's parent (the next key) is the same for all of
  // them (a fine key after a producer layout has the fine key as its parent): the shape family is
  // skipped where it spans classes (1×1 convs are SGEMMs, other dense convs im2col + SGEMM), and
  // the op type is the family already or spans classes (Conv, MatMul).
  const family = cls === 'gemm' && info.familyKey === 'Conv:dense' ? [] : [info.familyKey];
  const after = cls.startsWith('cat:') ? producerLayout(node, graph) : undefined;
  const own = after === undefined ? [info.fineKey] : [`${info.fineKey}<${after}`, info.fineKey];
  const keys = [...new Set([...own, ...family, cls])];
  const k: { x: Float64Array; keys: string[]; size: number; serial?: KernelInfo } = {
    x,
    keys,
    size: sizeOf(cls, x),
  };
  k.serial = k as KernelInfo;
  return k as KernelInfo;
}

const sizeOf = (cls: KernelClass, x: Float64Array): number =>
  cls === 'gemm' || cls === 'im2col' || cls === 'grouped' ? x[F.tileMacs] : x[F.outElems] || x[F.inElems];

/**
 * An im2col conv's counters for the busiest of `threads` (mlas-threading.ts); any other kernel's are
 * its serial ones. Only there does MLAS's partition change the make-up of the work: with more filters
 * than output pixels the expansion runs on the calling thread before a row-split SGEMM (DenseNet's
 * 32-filter 3×3 convs on 3×3 and 4×4 maps: 72–78 µs at two threads against 47 µs at one), else the
 * pixels are split in 16-aligned strides, one thread when one stride covers them. Held out by family
 * (nine sessions), two-thread im2col kernels rose from 71.2% to 82.7% within ±10%. An SGEMM or a
 * grouped conv splits every counter about in half; counted that way, the two-thread fits of those
 * classes did worse (SGEMM 74.1 → 71.5%, grouped 62.0 → 61.0%): one speed per thread count already
 * prices their split.
 */
function threadedInfo(serial: KernelInfo, node: Node, graph: Graph, threads: number): KernelInfo {
  const cls = serial.keys[serial.keys.length - 1];
  const split = cls === 'im2col' ? im2colSplit(node, graph, threads) : undefined;
  if (!split || split.threads <= 1) return serial;
  const x = Float64Array.from(serial.x);
  busiestThread(x, split);
  return { x, keys: serial.keys, size: sizeOf('im2col', x), serial };
}

/**
 * Scales a kernel's counters to the part its busiest thread runs, and counts the parallel section
 * it opens (forks: waking the pool's sleeping threads and joining them). What a thread computes,
 * stores and packs follows its share of C, of A's rows and of B's columns: split by rows, each thread
 * packs all of B; split by columns, each reads all of A (the weights).
 */
function busiestThread(x: Float64Array, s: DenseSplit): void {
  x[F.forks] = 1;
  x[F.tileMacs] *= s.tileShare;
  x[F.panelPasses] *= s.tileShare;
  x[F.outElems] *= s.outShare;
  for (const i of [F.rowStrips, F.weightElems, F.streamElems, F.dramWeights]) x[i] *= s.aShare;
  x[F.packElems] *= s.bShare;
  x[F.calls] *= s.callShare;
  x[F.coldCalls] = Math.max(0, x[F.calls] - 1) * x[F.coldLaunch];
  x[F.im2colElems] *= s.im2colShare;
  x[F.segments] *= s.im2colShare;
}

/**
 * The kind of kernel that wrote a streaming kernel's input, which decides how that input lies across
 * the cores' caches when the pool's threads shared the writing (the first key of a streaming kernel
 * is its fine key "after" this):
 * - 'gemm': an SGEMM or im2col + SGEMM conv (MLAS splits the longer of M and N between threads);
 * - 'grouped': a depthwise/grouped conv or a batched MatMul (one small SGEMM per group);
 * - 'stream': a streaming kernel (ORT's ranged parallel-for, or one thread).
 * Profiled here at two threads, a BatchNormalization (one thread whatever the pool) that read a
 * depthwise conv's output took 1.6–1.9× its one-thread time, one that read a 1×1 conv's 1.0–1.2×.
 * The three kinds are what the measurements tell apart, not a model of each kernel's partition:
 * keyed apart, the two-thread per-op fidelity of held-out families rose from 58% to 62%; finer
 * groupings (every producer class) or coarser ones did worse.
 */
export type ProducerLayout = 'gemm' | 'grouped' | 'stream';

const producerMaps = new WeakMap<Graph, Map<string, Node>>();

function producerOf(graph: Graph, tensor: string): Node | undefined {
  let producers = producerMaps.get(graph);
  if (!producers) {
    producers = producersAndReaders(graph).producer;
    producerMaps.set(graph, producers);
  }
  return producers.get(tensor);
}

/** The layout the node's first activation input was written in; undefined for a graph input. */
export function producerLayout(node: Node, graph: Graph): ProducerLayout | undefined {
  const input = node.inputs.find((name) => name !== '' && graph.tensors.get(name)?.constant !== true);
  const producer = input === undefined ? undefined : producerOf(graph, input);
  if (!producer) return undefined;
  // A node carrying a fused activation ends in its Relu/Clip kernel (ortKernels), except for that
  // activation kernel itself, which reads what the node's own base kernel wrote.
  const base = producer.id !== node.id && node.id.startsWith(`${producer.id}#`);
  const cls = fusedActivation(producer) && !base ? 'cat:activation' : kernelClass(nodeInfo(producer, graph));
  if (cls === 'grouped') return 'grouped';
  return cls === 'gemm' || cls === 'im2col' ? 'gemm' : 'stream';
}

export function kernelClass(info: Pick<NodeInfo, 'op' | 'fineKey' | 'familyKey' | 'category'>): KernelClass {
  if (info.fineKey === 'Conv:k1' || info.op === 'Gemm' || info.fineKey === 'MatMul') return 'gemm';
  if (info.familyKey === 'Conv:dense' || info.op === 'ConvTranspose') return 'im2col';
  if (info.familyKey === 'Conv:dw' || info.familyKey === 'Conv:grouped' || info.fineKey === 'MatMul:batched')
    return 'grouped';
  // Inference BatchNorm is a per-channel scale and shift: one pass, the loop of a broadcast Mul/Add,
  // not the row reductions of LayerNorm/InstanceNorm its category shares. Priced by the
  // normalisation class, DenseNet's unfoldable BNs came out 2.1–2.4× measured once MobileViT's
  // LayerNorms joined the fit; by the elementwise class, per op held out by family rose 66.0 → 67.1%.
  if (info.op === 'BatchNormalization') return 'cat:elementwise';
  // ORT's reshape-like kernels alias their input (KernelDef Alias(0, 0)): a launch and no copy. Kept
  // apart from the copying data movers, whose per-element cost they diluted: a held-out GPT-2's QKV
  // Split had been priced at a quarter of measured, now at 0.8 (median); e2e held out by family
  // 92.6 → 94.4%.
  if (VIEW_OPS.has(info.op)) return 'cat:view';
  return `cat:${info.category}`;
}

/**
 * Kernels in four groups: the dense kernel classes above, with every op that makes one pass over
 * memory (element-wise, normalisation, pooling, data movement, views, control flow) as 'streaming'.
 * The groups fail for different reasons: dense kernels by the model's shape effects, streaming ones
 * (short, memory bound) also by how steady the machine runs. Validation breaks per-op fidelity down by
 * them (validate-host.ts); a multi-thread profile's sessions merge by them (runtime/profile-sessions.ts).
 */
export type KernelGroup = 'gemm' | 'im2col' | 'grouped' | 'streaming';
export const KERNEL_GROUPS: readonly KernelGroup[] = ['gemm', 'im2col', 'grouped', 'streaming'];

export function kernelGroup(node: Node, graph: Graph): KernelGroup {
  const cls = kernelClass(nodeInfo(node, graph));
  return cls === 'gemm' || cls === 'im2col' || cls === 'grouped' ? cls : 'streaming';
}

function counters(node: Node, graph: Graph): Float64Array {
  const f = new Float64Array(KERNEL_FEATURE_COUNT);
  f[F.launch] = 1;
  f[F.coldLaunch] = Math.log2(Math.max(WARMEST_SHARE, weightFootprintBytes(graph) / WARM_FOOTPRINT_BYTES));
  f[F.calls] = 1;
  // Activations only: constants (weights, a scalar or a bias row) are not what the loops stream over.
  for (const name of node.inputs) {
    const s = shapeOf(graph, name);
    if (s && !graph.tensors.get(name)?.constant) f[F.inElems] += product(s);
  }
  for (const name of node.outputs) {
    const s = shapeOf(graph, name);
    if (s) f[F.outElems] += product(s);
  }
  f[F.spillElems] = Math.max(0, f[F.inElems] + f[F.outElems] - L2_ELEMS);
  const conv = node.op === 'Conv' || node.op === 'ConvTranspose';
  const gemm = node.op === 'MatMul' || node.op === 'Gemm';
  // A dense kernel reads its weights once a call from wherever they lie (L2, L3): a constant B is
  // packed at session creation, so no other counter saw them. Without it the fit priced that read by
  // output elements and panel passes; held out by family, per op 54.5 → 56.0% (1×1 convs at two
  // threads 59.8 → 68.9%, MatMuls at one 89.4 → 96.1%), end to end 74.1 → 78.7%.
  if (conv || gemm) {
    const weights = nodeInfo(node, graph).paramBytes / 4;
    f[F.weightElems] = weights;
    if (weightFootprintBytes(graph) > LLC_BYTES) f[F.dramWeights] = weights;
  }
  if (conv) convFeatures(node, graph, f);
  else if (gemm) gemmFeatures(node, graph, f);
  else {
    f[F.segments] = rowsOf(node, graph);
    f[F.flops] = nodeInfo(node, graph).cost.flops;
    if (node.op === 'Transpose' && transposesElementwise(node, graph)) f[F.eltwiseElems] = f[F.outElems];
    const far = kernelTouches(touchesOf(graph), node);
    if (far) {
      f[F.farElems] = (far.readFarBytes + far.writeFarBytes) / 4;
      f[F.dramElems] = (far.readDramBytes + far.writeDramBytes) / 4;
    }
  }
  // Each further SGEMM of a grouped kernel (a depthwise conv's channels, a batched MatMul's matrices)
  // starts on its own weights and buffers, as warm or cold as the kernel's launch: ppocr-cls's
  // depthwise convs, in a model whose weights fit in L2, had been predicted 40% slow.
  if (f[F.calls] > 1) f[F.coldCalls] = (f[F.calls] - 1) * f[F.coldLaunch];
  return f;
}

/** A conv's tensor shapes, groups, kernel taps and strides; undefined where a shape is unknown. */
interface ConvGeometry {
  x: number[];
  w: number[];
  y: number[];
  groups: number;
  /** Kernel taps: the product of the kernel's spatial dims. */
  taps: number;
  strides: number[];
}

function convGeometry(node: Node, graph: Graph): ConvGeometry | undefined {
  const x = shapeOf(graph, node.inputs[0]);
  const w = shapeOf(graph, node.inputs[1]);
  const y = shapeOf(graph, node.outputs[0]);
  if (!x || !w || !y || x.length < 3 || w.length < 3 || y.length < 3) return undefined;
  return {
    x,
    w,
    y,
    groups: typeof node.attrs.group === 'number' && node.attrs.group > 1 ? node.attrs.group : 1,
    taps: product(w.slice(2)),
    strides: Array.isArray(node.attrs.strides) ? (node.attrs.strides as number[]) : [],
  };
}

/** A ConvTranspose's SGEMM per group: M = Cout/g·k², N = the input's pixels (H·W), K = Cin/g. */
const transposedGemm = ({ x, w, groups, taps }: ConvGeometry): { m: number; n: number; k: number } => ({
  m: w[1] * taps,
  n: product(x.slice(2)),
  k: x[1] / groups,
});

function convFeatures(node: Node, graph: Graph, f: Float64Array): void {
  const geometry = convGeometry(node, graph);
  if (!geometry) {
    f[F.tileMacs] = nodeInfo(node, graph).cost.macs;
    return;
  }
  const { x, w, y, groups: g, taps: kArea, strides } = geometry;
  const calls = x[0] * g;
  if (node.op === 'ConvTranspose') {
    // One SGEMM over the input pixels, then col2im into y.
    const { m: cout, n: pixels, k: cin } = transposedGemm(geometry);
    gemmCounters(f, calls, cout, pixels, cin, true, 0);
    f[F.im2colElems] = calls * cout * pixels;
    f[F.segments] = calls * cout * product(x.slice(2, -1));
    return;
  }
  const cin = (x[1] / g) * kArea;
  const pixels = product(y.slice(2));
  if (g === 1 && pixels === 1) {
    gemvCounters(f, calls, w[0], cin);
  } else {
    // On a map of a few pixels the weights are the matrix and the input a few vectors.
    gemmCounters(f, calls, w[0] / g, pixels, cin, true, pixels <= FEW_VECTORS ? product(w) : 0);
  }
  if (kArea > 1 || strides.some((s) => s > 1)) {
    // im2col copies only the taps that land inside the input; a tap in the padding is a zero it
    // fills (a memset of its row when the whole input row is outside). On a short map most taps of a
    // tall kernel are padding: 5×5 on 3 rows keeps 9 of 15 (kernel row, output row) pairs.
    const valid = validTapShares(node, x, w, y);
    f[F.im2colElems] = calls * cin * pixels * valid.reduce((a, b) => a * b, 1);
    f[F.segments] = calls * cin * product(y.slice(2, -1)) * (valid.length > 1 ? valid[0] : 1);
  }
}

/**
 * Per spatial axis, the share of (kernel tap, output position) pairs whose input position lies inside
 * the input (not in the padding), from pads / auto_pad, strides and dilations.
 */
function validTapShares(node: Node, x: number[], w: number[], y: number[]): number[] {
  const dims = x.length - 2;
  const attr = (name: string): number[] | undefined =>
    Array.isArray(node.attrs[name]) ? (node.attrs[name] as number[]) : undefined;
  const strides = attr('strides') ?? [];
  const dilations = attr('dilations') ?? [];
  const pads = attr('pads');
  const autoPad = typeof node.attrs.auto_pad === 'string' ? node.attrs.auto_pad : 'NOTSET';
  const out: number[] = [];
  for (let d = 0; d < dims; d++) {
    const inSize = x[2 + d];
    const k = w[2 + d];
    const o = y[2 + d];
    const s = strides[d] ?? 1;
    const dil = dilations[d] ?? 1;
    let begin = pads?.[d] ?? 0;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const total = Math.max(0, (o - 1) * s + (k - 1) * dil + 1 - inSize);
      begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    }
    let inside = 0;
    for (let kk = 0; kk < k; kk++) {
      // Output positions i with 0 ≤ i·s − begin + kk·dil < inSize.
      const off = kk * dil - begin;
      const lo = Math.max(0, Math.ceil(-off / s));
      const hi = Math.min(o - 1, Math.floor((inSize - 1 - off) / s));
      if (hi >= lo) inside += hi - lo + 1;
    }
    out.push(k > 0 && o > 0 ? inside / (k * o) : 1);
  }
  return out;
}

/**
 * SGEMM counters of `calls` products of M×K by K×N: multiply-adds over whole vectors of C's columns,
 * loads of B's packed panel (a vector of it per strip of A's rows, so a 1-row product streams B once
 * per MAC row) and, when B is not packed ahead of time, its packing. `streamed`: weight elements a
 * matrix–vector product reads once each (one MAC per weight: it runs at the speed of memory, ~23 GB/s
 * here for a classifier's 5 MB of weights), else 0.
 */
function gemmCounters(
  f: Float64Array,
  calls: number,
  m: number,
  n: number,
  k: number,
  packB: boolean,
  streamed: number,
): void {
  const strips = rowStrips(SGEMM, m);
  const vectors = Math.ceil(n / SGEMM.vectorColumns);
  f[F.calls] = calls;
  f[F.tileMacs] = calls * m * vectors * SGEMM.vectorColumns * k;
  f[F.panelPasses] = calls * strips * vectors * k;
  // Each strip of A's rows is one pass of the micro-kernel loop over B's columns, which starts
  // its accumulators and stores its rows of C whatever K is: a 1×1 conv expanding 192 → 1152
  // channels on a 5×5 map took 1.5× the time of the 1152 → 192 projection beside it, same MACs and
  // panel passes, 6× the strips.
  f[F.rowStrips] = calls * strips;
  f[F.packElems] = packB ? calls * k * n : 0;
  f[F.streamElems] = streamed;
}

/**
 * A dense conv onto a 1×1 map (a squeeze-excite conv, a classifier head written as a conv): its SGEMM
 * has one output column (N = 1, with the conv's ldb = ldc = 1), which MLAS runs as matrix–vector dot
 * products (MlasSgemmOperation's column-vector case): no packing, no column vectors, each weight read
 * once. Counted as SGEMM tiles (16× its MACs), EfficientNet's and MobileNetV3's squeeze-excite convs had
 * been priced at 1.25–1.35× measured held out.
 */
function gemvCounters(f: Float64Array, calls: number, m: number, k: number): void {
  f[F.calls] = calls;
  f[F.tileMacs] = calls * m * k;
  f[F.streamElems] = calls * m * k;
}

function gemmFeatures(node: Node, graph: Graph, f: Float64Array): void {
  const a = shapeOf(graph, node.inputs[0]);
  const b = shapeOf(graph, node.inputs[1]);
  if (!a || !b || a.length < 1 || b.length < 1) {
    f[F.tileMacs] = nodeInfo(node, graph).cost.macs;
    return;
  }
  let m: number;
  let k: number;
  let n: number;
  let batch = 1;
  if (node.op === 'Gemm') {
    const ta = node.attrs.transA === 1;
    const tb = node.attrs.transB === 1;
    m = ta ? a[1] : a[0];
    k = ta ? a[0] : a[1];
    n = tb ? b[0] : b[1];
  } else {
    const a2 = a.length === 1 ? [1, a[0]] : a;
    const b2 = b.length === 1 ? [b[0], 1] : b;
    m = a2[a2.length - 2];
    k = a2[a2.length - 1];
    n = b2[b2.length - 1];
    batch = product((a2.length >= b2.length ? a2 : b2).slice(0, -2));
    // A 2-D B shared by a batched A is one GEMM over the stacked rows (ORT folds the batch into M).
    if (b2.length === 2) {
      m *= batch;
      batch = 1;
    }
  }
  // A constant B is packed once, at session creation (ORT's PrePack).
  const constB = graph.tensors.get(node.inputs[1] ?? '')?.constant === true;
  gemmCounters(f, batch, m, n, k, !constB, constB && m <= FEW_VECTORS ? batch * k * n : 0);
}

/** How MLAS shares a conv between `threads`; undefined for unknown shapes. */
function im2colSplit(node: Node, graph: Graph, threads: number): DenseSplit | undefined {
  const geometry = convGeometry(node, graph);
  if (!geometry) return undefined;
  if (node.op === 'ConvTranspose') {
    // Group after group, one threaded SGEMM, then col2im on the calling thread.
    const { m, n, k } = transposedGemm(geometry);
    return { ...gemmSplit(m, n, k, 1, threads), im2colShare: 1 };
  }
  const { x, w, y, groups: g, taps, strides } = geometry;
  const pads = Array.isArray(node.attrs.pads) ? (node.attrs.pads as number[]) : [];
  return convSplit(
    {
      batch: x[0],
      groups: g,
      filters: w[0] / g,
      pixels: product(y.slice(2)),
      depth: (x[1] / g) * taps,
      taps,
      unitStrideNoPad: strides.every((v) => v === 1) && pads.every((v) => v === 0),
    },
    threads,
  );
}

const POOL_OPS = new Set([
  'MaxPool',
  'AveragePool',
  'LpPool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GlobalLpPool',
]);

/** Rows the op's loops run: outer iterations of a broadcast or a row-wise reduction, else 1. */
function rowsOf(node: Node, graph: Graph): number {
  const out = shapeOf(graph, node.outputs[0]);
  if (!out || out.length === 0) return 1;
  const op = node.op;
  if (op === 'Softmax' || op === 'LayerNormalization' || op.startsWith('Reduce')) {
    return Math.max(1, product(out) / Math.max(1, out[out.length - 1]));
  }
  // One pass per channel plane: BatchNorm's per-channel scale and shift, InstanceNorm's statistics,
  // and pooling, whose kernels (MlasPool, ORT's Pool tasks) take one (batch, channel) plane at a time.
  // Counted as a broadcast, inceptionV3's 3×3 average pools (input and output the same shape) had
  // been one row and priced at 0.4–0.6× measured: [1, 2048, 3, 3] took 100 µs, 45 ns a plane.
  if (op === 'BatchNormalization' || op === 'InstanceNormalization' || POOL_OPS.has(op))
    return out.length > 1 ? out[0] * out[1] : 1;
  if (op === 'Transpose') return product(out) / transposeRun(node, graph, out.length);
  if (op === 'Slice' || op === 'Split') {
    // Runs of the axes after the last one cut: slicing LSTM gates [4·H] out of [1, 4·H] is one run.
    const x = shapeOf(graph, node.inputs[0]);
    if (!x || x.length !== out.length) return 1;
    let cut = -1;
    for (let i = 0; i < x.length; i++) if (x[i] !== out[i]) cut = i;
    return cut < 0 ? 1 : product(out.slice(0, cut)) * node.outputs.length;
  }
  if (op === 'Concat') {
    // ORT copies each input with one strided copy: one run per index of the axes before the
    // concatenation axis. Where that is one run per input (a channel concat at batch 1), the call costs
    // nothing measurable beside the bytes: DenseNet's concats of 2 to 25 inputs took the same time per
    // element. Counted as one segment per input, fits without DenseNet (no other model concatenates
    // more than 4 inputs) charged 1.3 µs per input at two threads and priced its concats at 1.4×.
    const axis = typeof node.attrs.axis === 'number' ? node.attrs.axis : 0;
    const runs = product(out.slice(0, axis < 0 ? axis + out.length : axis));
    return runs === 1 ? 1 : runs * node.inputs.filter((n) => n !== '').length;
  }
  // A broadcast operand: the loop runs once per run of contiguous elements it repeats over.
  let rows = 1;
  for (const name of node.inputs) {
    const s = shapeOf(graph, name);
    if (!s || product(s) <= 1 || product(s) === product(out)) continue;
    const inner = innerRun(s, out);
    rows = Math.max(rows, product(out) / Math.max(1, inner));
  }
  return rows;
}

/** A transpose's permutation: its perm attribute, else the axes reversed (ONNX's default). */
const permutation = (node: Node, rank: number): number[] =>
  Array.isArray(node.attrs.perm)
    ? (node.attrs.perm as number[])
    : Array.from({ length: rank }, (_, i) => rank - 1 - i);

/**
 * Whether ONNX Runtime transposes element by element: over the axes longer than 1, the permutation
 * leaves the last axis elsewhere (no run of elements to copy at once) and moves more than one axis
 * (no single-axis kernel), so each element is addressed on its own (ORT's element-wise path).
 * MobileViT's patch unfolding ([1, 144, 144, 4] by [0, 3, 2, 1]) took 4.2–6.2 ns an element, the
 * transposes that copy runs or move one axis 0.4–1.8 ns.
 */
function transposesElementwise(node: Node, graph: Graph): boolean {
  const s = shapeOf(graph, node.inputs[0]);
  if (!s) return false;
  const kept = permutation(node, s.length).filter((axis) => s[axis] !== 1);
  const sorted = [...kept].sort((a, b) => a - b);
  const p = kept.map((axis) => sorted.indexOf(axis));
  if (p.length === 0 || p[p.length - 1] === p.length - 1) return false;
  const increasing = (r: readonly number[]): boolean => r.every((v, i) => i === 0 || v > r[i - 1]);
  return !p.some((_, j) => increasing(p.filter((_, i) => i !== j)));
}

/**
 * Elements a transpose copies in one contiguous run: the trailing axes its permutation leaves in place
 * ([0, 2, 1, 3] moves rows of the last axis; [0, 2, 3, 1] gathers element by element).
 */
function transposeRun(node: Node, graph: Graph, rank: number): number {
  const perm = permutation(node, rank);
  const input = shapeOf(graph, node.inputs[0]);
  let run = 1;
  for (let i = perm.length - 1; i >= 0 && perm[i] === i; i--) run *= input?.[i] ?? 1;
  return run;
}

/**
 * Elements of the trailing block of `out` over which operand `s` (right-aligned) keeps one pattern:
 * it matches `out` there (vector–vector) or is 1 there (vector–scalar). ORT's broadcast loops run
 * one span per such block.
 */
function innerRun(s: readonly number[], out: readonly number[]): number {
  let run = 1;
  let mode: 'eq' | 'one' | undefined;
  for (let i = 1; i <= out.length; i++) {
    const o = out[out.length - i];
    if (o === 1) continue;
    const d = s.length - i >= 0 ? s[s.length - i] : 1;
    const m = d === o ? 'eq' : d === 1 ? 'one' : undefined;
    if (m === undefined || (mode !== undefined && m !== mode)) break;
    mode = m;
    run *= o;
  }
  return run;
}

const expansions = new WeakMap<Node, readonly Node[] | null>();

/**
 * The kernels ONNX Runtime's CPU provider runs for one node, or undefined when it is one kernel:
 * - HardSwish (opset 14) runs as its function body, HardSigmoid(α = 1/6, β = ½) then Mul: the
 *   profiles show HardSigmoid_k and Mul_k+1 events where the model has a HardSwish, never a
 *   HardSwish kernel;
 * - a node carrying a fused activation (graph/fused-activation.ts: the deployed graph plans and the
 *   executor use) is exported as the node and its Relu/Clip, and ORT runs both (with graph
 *   optimization disabled, as hetero's sessions run, nothing fuses them back).
 * Each part is a node over the original's tensors (same shapes), so the kernel models price it as
 * the kernel it is.
 */
export function ortKernels(node: Node): readonly Node[] | undefined {
  let parts = expansions.get(node);
  if (parts === undefined) {
    parts = kernelsOf(node) ?? null;
    expansions.set(node, parts);
  }
  return parts ?? undefined;
}

function kernelsOf(node: Node): Node[] | undefined {
  const x = node.inputs[0];
  const y = node.outputs[0];
  if (x === undefined || y === undefined || x === '' || y === '') return undefined;
  const act = fusedActivation(node);
  if (act) {
    const attrs = { ...node.attrs };
    delete attrs[FUSED_ACTIVATION_ATTR];
    delete attrs[FUSED_BOUNDS_ATTR];
    return [
      { ...node, id: `${node.id}#base`, attrs },
      { ...node, id: `${node.id}#${act.op.toLowerCase()}`, op: act.op, inputs: [y], attrs: {} },
    ];
  }
  if (node.op !== 'HardSwish' || ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx')) return undefined;
  return [
    { ...node, id: `${node.id}#hardsigmoid`, op: 'HardSigmoid', attrs: { alpha: 1 / 6, beta: 0.5 } },
    { ...node, id: `${node.id}#mul`, op: 'Mul', inputs: [x, y], attrs: {} },
  ];
}

/**
 * memoryTouches (ort-memory-plan.ts) for the node a kernel belongs to, and for the parts ortKernels
 * splits a node into (kernelsOf's `id#part` ids).
 */
export function kernelTouches(
  touches: ReadonlyMap<string, FarTouches>,
  kernel: Pick<Node, 'id'>,
): FarTouches | undefined {
  const hash = kernel.id.indexOf('#');
  if (hash < 0) return touches.get(kernel.id);
  const whole = touches.get(kernel.id.slice(0, hash));
  if (!whole) return undefined;
  const part = kernel.id.slice(hash + 1);
  // A node run as two kernels: the first reads what the node reads, the last writes what it writes
  // (a fused activation over the base kernel's fresh output touches nothing far).
  if (part === 'base') return whole;
  if (part === 'hardsigmoid') return { ...whole, writeFarBytes: 0, writeDramBytes: 0 };
  if (part === 'mul') return { ...whole, readFarBytes: 0, readDramBytes: 0 };
  return undefined;
}
