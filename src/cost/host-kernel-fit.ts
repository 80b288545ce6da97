// Fitting the host's kernel models (host-kernel-model.ts) from profiled kernels, per thread count:
// - per key, coefficients cᵢ ≥ 0 minimising Σ |Σ cᵢ·counterᵢ / measured − 1| (least absolute relative
//   error by iteratively reweighted non-negative least squares, host-nnls.ts), each counter limited to
//   the ones its kernel class runs (classFeatures), the cost per tile MAC bounded below by the peak,
//   a cost per doubling of the weights or per SGEMM call only where its kernels span
//   MIN_SPAN_DOUBLINGS of them, and a cost per unit of any counter only where MIN_COUNTER_KERNELS of
//   them have it;
// - a model tree of depth one: ONNX Runtime parallelises a loop only above a cost threshold, and with
//   pool threads that sleep rather than spin, waking the second one costs ~10–15 µs here, so at two
//   threads an Add of 98K elements took twice as long as one of 77K. A key splits once on its size
//   (at a gap of its own sizes, or where its ancestor split) where that lowers its error by SPLIT_GAIN;
// - partial pooling: a key is fitted on its kernels blended with its nearest fitted ancestor's
//   predictions (pooledTargets), so that a key seen on a dozen kernels leans on its class.
import { median } from './measurements.js';
import { nnls } from './host-nnls.js';
import {
  classFeatures,
  FEATURE_INDEX,
  KERNEL_FEATURE_COUNT,
  KERNEL_FEATURES,
  type KernelClass,
} from './host-kernel-features.js';
import {
  leafOf,
  predictLeaf,
  type HostKernelParams,
  type KernelKeyModel,
  type KernelSample,
  type KernelTree,
} from './host-kernel-model.js';

export interface KernelFitOptions {
  /**
   * Least time (µs) one multiply-accumulate can take: 2 / the cores' peak GFLOPS × 1e-3. A kernel's
   * cost per tile MAC never goes below it, so that a key fitted on narrow shapes (K = 120 only) cannot
   * trade MACs for output elements and predict a K = 3072 product faster than the peak.
   */
  macFloorUs?: number;
  /** Kernels a key needs for its own model (default 8). */
  minSamples?: number;
  /** Model families those kernels must come from (default 1). */
  minFamilies?: number;
}

/** A split must lower the summed relative error by this share, and the mean by SPLIT_MIN_GAIN, to be kept. */
const SPLIT_GAIN = 0.1;
const SPLIT_MIN_GAIN = 0.001;
/**
 * Splits screened at every gap between the sizes seen by one weighted least-squares round each, then
 * the best few refitted by least absolute relative error. A coarse grid of a dozen gaps had missed
 * thresholds that lie in a sparse stretch of sizes: without ppocr-rec's Adds, the two-thread Add model
 * split at 12K elements rather than at ORT's parallel threshold (between 74K and 102K), and predicted
 * the rec model's 123K-element Adds at 19 µs against 26–35 µs measured.
 */
const SPLITS_REFITTED = 8;
/**
 * Model families each side of a split must hold kernels of (or all the key's, if fewer): a leaf fitted
 * on one model's kernels learns that model's context. Fitted without ViT, the broadcast Add's upper
 * leaf held BERT's and PP-OCR's bias Adds only and priced ViT's 38K-element ones at 46 µs against
 * 13–16 µs measured.
 */
const SPLIT_MIN_FAMILIES = 3;
/** Iteratively reweighted least squares rounds (least absolute relative error); fewer while searching splits. */
const IRLS_ROUNDS = 12;
const SEARCH_IRLS_ROUNDS = 4;

export function fitKernelModels(
  samples: readonly KernelSample[],
  opts: KernelFitOptions = {},
): HostKernelParams {
  const minSamples = opts.minSamples ?? 8;
  const minFamilies = opts.minFamilies ?? 1;
  const byKey = new Map<string, KernelSample[]>();
  const parentOf = new Map<string, string | undefined>();
  const depthOf = new Map<string, number>();
  for (const s of samples) {
    if (!(s.us > 0)) continue;
    const keys = s.info.keys;
    keys.forEach((k, i) => {
      const g = byKey.get(k);
      if (g) g.push(s);
      else byKey.set(k, [s]);
      parentOf.set(k, keys[i + 1]);
      depthOf.set(k, keys.length - 1 - i);
    });
  }
  // General keys first, so that each key can be pooled with its nearest fitted ancestor.
  const order = [...byKey.keys()].sort((x, y) => (depthOf.get(x) ?? 0) - (depthOf.get(y) ?? 0));
  const models: Record<string, KernelKeyModel> = {};
  const floor = KERNEL_FEATURES.map((f) => (f === 'tileMacs' ? (opts.macFloorUs ?? 0) : 0));
  for (const key of order) {
    const group = byKey.get(key) ?? [];
    const families = new Set(group.map((s) => s.family)).size;
    if (group.length < minSamples || families < minFamilies) continue;
    // A key spanning classes (the op type Conv: 1×1, im2col and depthwise) may use any of their counters.
    const mask = featureMask(new Set(group.map((s) => s.info.keys[s.info.keys.length - 1] as KernelClass)));
    let ancestor = parentOf.get(key);
    while (ancestor !== undefined && !models[ancestor]) ancestor = parentOf.get(ancestor);
    const targets = pooledTargets(group, ancestor === undefined ? undefined : models[ancestor]);
    const sizes = group.map((s) => s.info.size);
    const footprints = group.map((s) => s.info.x[FEATURE_INDEX.coldLaunch]);
    models[key] = {
      tree: fitTree(
        targets,
        { use: mask, floor },
        minSamples,
        ancestor === undefined ? undefined : models[ancestor].tree,
      ),
      sizeRange: [Math.min(...sizes), Math.max(...sizes)],
      footprintRange: [Math.min(...footprints), Math.max(...footprints)],
      samples: group.length,
      families,
    };
  }
  return { features: [...KERNEL_FEATURES], models };
}

/** Pseudo-kernels of the ancestor's prediction that a key's own kernels are pooled with. */
const POOLING_KERNELS = 16;

/**
 * Partial pooling (empirical-Bayes shrinkage): a key with n kernels fits the geometric blend
 * w·log(measured) + (1 − w)·log(level × ancestor's prediction), w = n / (n + POOLING_KERNELS), level
 * the median ratio of its kernels to the ancestor's predictions, so that a key profiled on a dozen
 * kernels of two models keeps most of what its class learnt from hundreds about size, and a key with
 * hundreds of kernels follows its own.
 */
function pooledTargets(group: readonly KernelSample[], ancestor: KernelKeyModel | undefined): KernelSample[] {
  if (!ancestor) return [...group];
  const w = group.length / (group.length + POOLING_KERNELS);
  // The ancestor lends its shape (how cost grows with the counters) at the key's own level: Erf costs
  // several times a Relu per element, and pulling it toward its class's level had predicted it at half.
  const priors = group.map((s) => predictLeaf(leafOf(ancestor.tree, s.info.size), s.info.x));
  const logRatios = group.flatMap((s, i) => (priors[i] > 0 ? [Math.log(s.us / priors[i])] : []));
  const level = logRatios.length > 0 ? Math.exp(median(logRatios)) : 1;
  return group.map((s, i) => {
    const prior = priors[i] * level;
    return prior > 0 ? { ...s, us: Math.exp(w * Math.log(s.us) + (1 - w) * Math.log(prior)) } : s;
  });
}

function featureMask(classes: ReadonlySet<KernelClass>): boolean[] {
  const allowed = new Set<string>([...classes].flatMap((c) => classFeatures(c)));
  return KERNEL_FEATURES.map((f) => allowed.has(f));
}

const relLoss = (tree: KernelTree, group: readonly KernelSample[]): number =>
  group.reduce((s, k) => s + Math.abs(predictLeaf(leafOf(tree, k.info.size), k.info.x) / k.us - 1), 0);

/** Which coefficients a fit may use, and their lower bounds (µs per unit). */
interface Bounds {
  use: readonly boolean[];
  floor: readonly number[];
}

/** A leaf, or one split on size where it lowers the relative error by SPLIT_GAIN. */
function fitTree(
  group: readonly KernelSample[],
  bounds: Bounds,
  minLeaf: number,
  ancestorTree?: KernelTree,
): KernelTree {
  const leaf: KernelTree = { coef: fitLeaf(group, bounds) };
  let best: KernelTree = leaf;
  let bestLoss = relLoss(leaf, group);
  if (group.length < 2 * minLeaf) return best;
  const candidates = screenSplits(group, bounds, minLeaf);
  // The ancestor's split is a candidate too, whatever models lie on each side: where a pool thread
  // starts to help is a property of the kind of loop, which a key seen in one model above that size
  // cannot place by itself (SPLIT_MIN_FAMILIES). Fitted without MobileViT, the two-thread Sigmoid after
  // an SGEMM (EfficientNet's above 60K elements, PoseNet's one below) had no split and priced MobileViT's
  // 0.5–1.2M-element Sigmoids at their one-thread cost, 1.5–1.75× measured.
  if (ancestorTree && !('coef' in ancestorTree)) {
    const below = group.filter((s) => s.info.size < ancestorTree.splitSize).length;
    if (below >= minLeaf && group.length - below >= minLeaf) candidates.push(ancestorTree.splitSize);
  }
  for (const splitSize of candidates) {
    const below = group.filter((s) => s.info.size < splitSize);
    const above = group.filter((s) => s.info.size >= splitSize);
    const tree: KernelTree = {
      splitSize,
      below: { coef: fitLeaf(below, bounds, SEARCH_IRLS_ROUNDS) },
      above: { coef: fitLeaf(above, bounds, SEARCH_IRLS_ROUNDS) },
    };
    const loss = relLoss(tree, group);
    if (loss < bestLoss * (1 - SPLIT_GAIN) && bestLoss - loss > SPLIT_MIN_GAIN * group.length) {
      best = tree;
      bestLoss = loss;
    }
  }
  if ('coef' in best) return best;
  const cut = best.splitSize;
  return {
    splitSize: cut,
    below: {
      coef: fitLeaf(
        group.filter((s) => s.info.size < cut),
        bounds,
      ),
    },
    above: {
      coef: fitLeaf(
        group.filter((s) => s.info.size >= cut),
        bounds,
      ),
    },
  };
}

/**
 * The SPLITS_REFITTED most promising split sizes: at every gap between two sizes seen (geometrically
 * between them: the threshold lies somewhere in the gap) that leaves minLeaf kernels and
 * SPLIT_MIN_FAMILIES families on each side, both sides fitted by one round of relative least squares
 * from running sums of the normal equations over the kernels sorted by size (one pass for all gaps),
 * ranked by summed relative error.
 */
function screenSplits(group: readonly KernelSample[], bounds: Bounds, minLeaf: number): number[] {
  const sorted = [...group].sort((a, b) => a.info.size - b.info.size);
  const k = bounds.use.length;
  const scale = columnScales(sorted, k);
  const total = normalEquations(sorted, bounds, scale);
  const below = normalEquations([], bounds, scale);
  const ranked: { splitSize: number; loss: number }[] = [];
  const need = Math.min(SPLIT_MIN_FAMILIES, new Set(sorted.map((s) => s.family)).size);
  const familiesBelow = distinctRunning(sorted.map((s) => s.family));
  const familiesAbove = distinctRunning(sorted.map((s) => s.family).reverse()).reverse();
  for (let i = 0; i < sorted.length - 1; i++) {
    addKernel(below, sorted[i], bounds, scale);
    if (familiesBelow[i] < need || familiesAbove[i + 1] < need) continue;
    const lo = sorted[i].info.size;
    const hi = sorted[i + 1].info.size;
    if (lo === hi || i + 1 < minLeaf || sorted.length - i - 1 < minLeaf) continue;
    const above: NormalEquations = {
      G: total.G.map((row, r) => row.map((v, c) => v - below.G[r][c])),
      b: total.b.map((v, r) => v - below.b[r]),
    };
    const cBelow = solveScaled(below, bounds, scale);
    const cAbove = solveScaled(above, bounds, scale);
    let loss = 0;
    for (let q = 0; q < sorted.length; q++) {
      const s = sorted[q];
      loss += Math.abs(predictLeaf(q <= i ? cBelow : cAbove, s.info.x) / s.us - 1);
    }
    ranked.push({ splitSize: Math.sqrt(lo * hi), loss });
  }
  return ranked
    .sort((a, b) => a.loss - b.loss)
    .slice(0, SPLITS_REFITTED)
    .map((r) => r.splitSize);
}

/** How many distinct values the array holds up to each index. */
function distinctRunning(values: readonly string[]): number[] {
  const seen = new Set<string>();
  return values.map((v) => seen.add(v).size);
}

/** Normal equations of the relative least-squares fit above the floors, columns scaled to unit maximum. */
interface NormalEquations {
  G: number[][];
  b: number[];
}

function columnScales(group: readonly KernelSample[], k: number): number[] {
  const scale = new Array<number>(k).fill(0);
  for (const s of group) for (let i = 0; i < k; i++) scale[i] = Math.max(scale[i], s.info.x[i]);
  return scale;
}

function normalEquations(
  group: readonly KernelSample[],
  bounds: Bounds,
  scale: readonly number[],
): NormalEquations {
  const k = bounds.use.length;
  const eq: NormalEquations = {
    G: Array.from({ length: k }, () => new Array<number>(k).fill(0)),
    b: new Array<number>(k).fill(0),
  };
  for (const s of group) addKernel(eq, s, bounds, scale);
  return eq;
}

/**
 * Adds one kernel to the equations, by default weighted 1/measured² (relative error). Coefficients are
 * fitted above their floors: on what the floors leave of the measurement.
 */
function addKernel(
  eq: NormalEquations,
  s: KernelSample,
  bounds: Bounds,
  scale: readonly number[],
  w = 1 / (s.us * s.us),
): void {
  const k = bounds.use.length;
  const rest = s.us - predictLeaf(bounds.floor, s.info.x);
  for (let i = 0; i < k; i++) {
    if (!bounds.use[i] || scale[i] === 0) continue;
    const xi = s.info.x[i] / scale[i];
    if (xi === 0) continue;
    eq.b[i] += w * xi * rest;
    for (let j = 0; j < k; j++)
      if (bounds.use[j] && scale[j] > 0) eq.G[i][j] += (w * xi * s.info.x[j]) / scale[j];
  }
}

/** Coefficients (µs per unit, floors added back) from scaled equations; a column all zero stays 0. */
function solveScaled(eq: NormalEquations, bounds: Bounds, scale: readonly number[]): number[] {
  const used = eq.G.map((row, i) => bounds.use[i] && scale[i] > 0 && row[i] > 0);
  const G = eq.G.map((row, i) =>
    used[i] ? row.map((v, j) => (used[j] ? v : 0)) : row.map((_, j) => (j === i ? 1 : 0)),
  );
  const b = eq.b.map((v, i) => (used[i] ? v : 0));
  return nnls(G, b).map((v, i) => (used[i] ? bounds.floor[i] + v / scale[i] : 0));
}

/**
 * Doublings a leaf's kernels must span in a counter that is nearly a constant per kernel (the model's
 * weight footprint, coldLaunch; the SGEMM calls of a batched kernel) for the leaf to fit a cost per
 * unit of it: on a narrower span that slope stands in for the launch or for whatever else sets the
 * level of the few models it has, and is then extrapolated.
 * - Fitted on MobileViT's, Whisper's and PP-OCR's large softmaxes only (3.4–4.9 doublings), the
 *   one-thread Softmax leaf charged 4 µs per doubling and priced ViT's (8.4) at 1.6× measured held
 *   out; without the slope, at 1.0×.
 * - Fitted on attention MatMuls of 6, 8 and 12 heads, the one-thread batched-MatMul leaf charged
 *   0.64 µs per head and no launch, and priced MobileViT's 16 (4 sequences × 4 heads) at 1.3×.
 * Such a key's level then comes from its kernels (partial pooling with its class, fitted on every
 * model) and, beyond its footprints, from its class.
 */
const MIN_SPAN_DOUBLINGS = 2;
const FOOTPRINT_FEATURES = [FEATURE_INDEX.coldLaunch, FEATURE_INDEX.coldCalls];

/**
 * Kernels of a leaf a counter must be nonzero on for the leaf to fit a cost per unit of it: on fewer,
 * least absolute error fits those few exactly through it, whatever else sets their time. Without
 * MobileViT, the one-thread MatMul leaf below 17M tile MACs had spilled elements (an L2 overflow)
 * only in PP-OCR rec's classifier head (1×20×120 by 120×6625, two kernels), charged 17 ns per element
 * for it, and priced MobileViT's 4×144×144 by 144×144 products (35K elements spilled) at 3.3×
 * measured; with the counter left out, at 0.97–1.02×, and held out by family per op 54.0 → 54.5%.
 */
const MIN_COUNTER_KERNELS = 8;

/**
 * Counters `group` spans too narrowly to fit a cost per unit of (see MIN_SPAN_DOUBLINGS), or has on
 * too few of its kernels (MIN_COUNTER_KERNELS).
 */
function narrowCounters(group: readonly KernelSample[]): Set<number> {
  let coldLo = Infinity;
  let coldHi = -Infinity;
  let callsLo = Infinity;
  let callsHi = 0;
  for (const s of group) {
    coldLo = Math.min(coldLo, s.info.x[FEATURE_INDEX.coldLaunch]);
    coldHi = Math.max(coldHi, s.info.x[FEATURE_INDEX.coldLaunch]);
    callsLo = Math.min(callsLo, s.info.x[FEATURE_INDEX.calls]);
    callsHi = Math.max(callsHi, s.info.x[FEATURE_INDEX.calls]);
  }
  const narrow = new Set<number>();
  if (coldHi - coldLo < MIN_SPAN_DOUBLINGS) for (const i of FOOTPRINT_FEATURES) narrow.add(i);
  if (callsLo > 0 && Math.log2(callsHi / callsLo) < MIN_SPAN_DOUBLINGS) narrow.add(FEATURE_INDEX.calls);
  const enough = Math.min(MIN_COUNTER_KERNELS, group.length);
  for (let i = 0; i < KERNEL_FEATURE_COUNT; i++) {
    let nonzero = 0;
    for (const s of group) if (s.info.x[i] !== 0) nonzero++;
    if (nonzero > 0 && nonzero < enough) narrow.add(i);
  }
  return narrow;
}

/**
 * Coefficients ≥ 0 minimising Σ |prediction/measured − 1| (iteratively reweighted least squares over
 * columns scaled to unit maximum, each round a non-negative least squares).
 */
export function fitLeaf(group: readonly KernelSample[], bounds: Bounds, rounds = IRLS_ROUNDS): number[] {
  const narrow = narrowCounters(group);
  if (narrow.size > 0) bounds = { ...bounds, use: bounds.use.map((u, i) => u && !narrow.has(i)) };
  const scale = columnScales(group, bounds.use.length);
  let weights = group.map((s) => 1 / (s.us * s.us));
  let coef = bounds.floor.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    const eq = normalEquations([], bounds, scale);
    group.forEach((s, q) => addKernel(eq, s, bounds, scale, weights[q]));
    const c = solveScaled(eq, bounds, scale);
    coef = c;
    // Least absolute relative error: weight each kernel by 1/(measured² · |relative residual|).
    weights = group.map((s) => {
      const r = Math.abs(predictLeaf(c, s.info.x) / s.us - 1);
      return 1 / (s.us * s.us * Math.max(r, 0.02));
    });
  }
  return coef;
}
