// A whole plain run on the host from its kernels (hetero validate --device host, calibrate).
//
// The per-op model predicts kernels as the profiler reports them, but a plain session.run (profiler
// off) is what users time, and the two differ per kernel, not per run: the profiler takes timestamps and
// (at two threads or more) thread-pool statistics inside every span. Measured here, a 221-kernel model
// of 3–5 µs kernels (ppocr-cls) ran in 1.53 ms plain against 1.90 ms of summed spans, while a 59-kernel
// model of big convs (posenet) ran 2% above its spans. So a plain kernel costs its span less a fixed
// in-span inflation δ, but never less than min(span, floor): a tiny kernel still does its work.
//   plainMs = kernelScale × Σ_kernels max(span − δ, min(span, floor)) + fixedMs + perNodeMs × nodes
// δ and floor are fitted per thread count by grid search, kernelScale ∈ [0.8, 1.25] and fixedMs ∈ [0,
// the shortest plain run profiled] by least absolute relative error (what fidelity scores), on the
// training profiles' measured spans.
// The cost model prices every host node this way (hostOpMs below): planners and the simulator sum what
// each node adds to a plain run; validation asks for spans (RunContext.profiled) per op.
// A node ORT runs as several kernels (HardSwish: HardSigmoid + Mul, host-kernel-features.ts ortKernels)
// is that many kernels here.
// Control-flow nodes (If/Loop/Scan) run their body's kernels one by one: each is one more kernel here,
// predicted on its own (a single roofline over a body's summed FLOPs would charge one dispatch for a
// hundred kernels); their profiled span also holds the profiler's events between those kernels.
import type { Graph, Node } from '../graph/types.js';
import { takenBranch } from '../graph/inline-if.js';
import { ortKernels } from './host-kernel-features.js';
import { hostKernelMs } from './host-kernel-model.js';
import { estimateOf, median, type ModelProfile } from './measurements.js';
import { nodeInfo, rooflineMs, type CompiledProcessor } from './roofline.js';
import type { CostModel, RunContext } from './types.js';

export interface RunOverhead {
  fixedMs: number;
  /** Executor work per executed node (ms); 0 in current fits, kept for older host files. */
  perNodeMs: number;
  /** Multiplies the sum of plain kernel times (absent = 1). */
  kernelScale?: number;
  /**
   * What the profiler adds per kernel event to a profiled run (ms): the median over the training
   * profiles of (profiled − plain wall time) / events per run, both from interleaved runs. The events
   * of an If/Loop body pay it inside their parent's span, so a control-flow node's profiled time
   * carries it (predicted per op). Absent = 0.
   */
  profilerEventMs?: number;
  /** δ: what the profiler adds inside each kernel's span (ms). Absent = 0. */
  spanInflationMs?: number;
  /** A plain kernel costs at least min(its span, this) (ms). Absent = 0. */
  kernelFloorMs?: number;
}

/**
 * Nodes a run executes: an If's branch (the one its decided condition takes, else the larger) and
 * Loop/Scan bodies (once) count theirs.
 */
export function executedNodeCount(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodes) {
    n += 1;
    const subs = bodiesRun(node, graph);
    if (subs.length === 0) continue;
    n +=
      node.op === 'If'
        ? Math.max(...subs.map(executedNodeCount))
        : subs.reduce((s, g) => s + executedNodeCount(g), 0);
  }
  return n;
}

/**
 * The bodies a control-flow node may run: an If whose condition shape inference decided (fixed shapes,
 * bound inputs such as silero's sample rate) its taken branch only, else all of them.
 */
function bodiesRun(node: Node, graph: Graph): Graph[] {
  const taken = node.op === 'If' ? takenBranch(node, (name) => graph.tensors.get(name)) : undefined;
  return taken ? [taken] : Object.values(node.subgraphs ?? {});
}

/** A kernel's plain-run time from its profiled span (see the header). */
export function plainKernelMs(
  spanMs: number,
  o: Pick<RunOverhead, 'spanInflationMs' | 'kernelFloorMs'>,
): number {
  const delta = o.spanInflationMs ?? 0;
  const floor = o.kernelFloorMs ?? 0;
  return Math.max(spanMs - delta, Math.min(spanMs, floor));
}

/** A node's predicted time, both ways. */
export interface NodeRunCost {
  /** As the profiler reports the node: its kernel, or a control-flow node's body and events. */
  spanMs: number;
  /**
   * Its kernels' plain times, Σ plainKernelMs, before kernelScale; `kernels` is how many it runs
   * (1, or for a control-flow node its own and its body's).
   */
  plainMs: number;
  kernels: number;
}

/** Profiled span (ms) of a node without subgraphs (a kernel model, else the roofline). */
export type LeafSpanMs = (node: Node, graph: Graph) => number;

const stripped = new WeakMap<Node, Node>();

/** The node without its bodies (its own kernel: the If/Loop bookkeeping), one object per node. */
function ownKernel(node: Node): Node {
  let n = stripped.get(node);
  if (!n) stripped.set(node, (n = { ...node, subgraphs: undefined }));
  return n;
}

export function hasSubgraphs(node: Node): boolean {
  return node.subgraphs !== undefined && Object.keys(node.subgraphs).length > 0;
}

/**
 * A node's span and plain time from its kernels' spans: a control-flow node runs its own kernel and
 * its bodies' (an If its larger branch, a Loop/Scan each body once), and its span also holds the
 * profiler's events between the body's kernels (profilerEventMs each).
 */
export function nodeRunCost(
  leafSpanMs: LeafSpanMs,
  node: Node,
  graph: Graph,
  o: Pick<RunOverhead, 'spanInflationMs' | 'kernelFloorMs' | 'profilerEventMs'>,
): NodeRunCost {
  if (!hasSubgraphs(node)) {
    const parts = ortKernels(node);
    if (parts === undefined) {
      const ms = leafSpanMs(node, graph);
      return { spanMs: ms, plainMs: plainKernelMs(ms, o), kernels: 1 };
    }
    // A node ORT runs as several kernels (an expanded function): each is a kernel of its own.
    const c: NodeRunCost = { spanMs: 0, plainMs: 0, kernels: parts.length };
    for (const p of parts) {
      const ms = leafSpanMs(p, graph);
      c.spanMs += ms;
      c.plainMs += plainKernelMs(ms, o);
    }
    return c;
  }
  const eventMs = o.profilerEventMs ?? 0;
  const bodies = bodiesRun(node, graph).map((g) => {
    const b: NodeRunCost = { spanMs: eventMs * g.nodes.length, plainMs: 0, kernels: 0 };
    for (const n of g.nodes) {
      const c = nodeRunCost(leafSpanMs, n, g, o);
      b.spanMs += c.spanMs;
      b.plainMs += c.plainMs;
      b.kernels += c.kernels;
    }
    return b;
  });
  const pick = (k: keyof NodeRunCost): number =>
    node.op === 'If' ? Math.max(...bodies.map((b) => b[k])) : bodies.reduce((s, b) => s + b[k], 0);
  const own = leafSpanMs(ownKernel(node), graph);
  return {
    spanMs: own + pick('spanMs'),
    plainMs: plainKernelMs(own, o) + pick('plainMs'),
    kernels: 1 + pick('kernels'),
  };
}

/**
 * What a node adds to a plain session.run (ms) given its run cost: kernelScale × its plain kernels
 * + perNodeMs per kernel, plus `sessionShare` of the run's fixed cost (see hostOpMs).
 */
export function plainRunMs(c: NodeRunCost, o: RunOverhead, sessionShare: number): number {
  return (o.kernelScale ?? 1) * c.plainMs + o.perNodeMs * c.kernels + o.fixedMs * sessionShare;
}

/**
 * Predicted kernel times per node (ms, as the profiler reports them) and a whole plain run (see the
 * header) at `threads` on the device's CPU, with the given run overheads (the cost model's own
 * ProcessorCostParams.run aside: a calibration's runOverhead, or a test's).
 */
export function predictRunMs(
  model: CostModel,
  runOverhead: Readonly<Record<string, RunOverhead>>,
  graph: Graph,
  threads: number,
): { endToEndMs: number; nodeMs: Map<string, number> } {
  const proc = model.device.processors.find((p) => p.kind === 'cpu');
  if (!proc) throw new Error(`device ${model.device.id} has no CPU processor`);
  const o = runOverhead[String(threads)] ?? { fixedMs: 0, perNodeMs: 0 };
  const ctx = { threads, profiled: true };
  const leaf: LeafSpanMs = (n, g) => model.opLatencyMs(n, g, proc, ctx);
  const nodeMs = new Map<string, number>();
  let plainMs = 0;
  let kernels = 0;
  for (const n of graph.nodes) {
    const c = nodeRunCost(leaf, n, graph, o);
    nodeMs.set(n.id, c.spanMs);
    plainMs += c.plainMs;
    kernels += c.kernels;
  }
  const endToEndMs = Math.max(0.05 * plainMs, plainRunMs({ spanMs: 0, plainMs, kernels }, o, 1));
  return { endToEndMs, nodeMs };
}

/**
 * The host cost model's latency of one node (createCostModel's opLatencyMs on a processor with kernel
 * models or a run model). By default what the node adds to a plain session.run — what `hetero run`
 * times and planners and the simulator add up along a schedule:
 *   kernelScale × Σ plainKernelMs(span) + perNodeMs × kernels + fixedMs / (the graph's nodes)
 * The session's fixed cost is spread evenly over the graph's top-level nodes, so a plan that runs them
 * all on this processor pays it exactly once, whatever its order (a per-op model sees no partitions;
 * nodes of one class must cost the same, plan/node-classes.ts). A processor whose incoming dependencies
 * already carry a session.run's fixed cost (syncInMs: the per-core workers, cost/for-device.ts) pays
 * none here. With ctx.profiled, the node's span as ORT's profiler reports it (validation's per-op
 * scoring). Without a run model (older host files) both are the span.
 */
export function hostOpMs(
  cp: CompiledProcessor,
  node: Node,
  graph: Graph,
  ctx: RunContext | undefined,
  dramGBps: number,
): number {
  const o = cp.run;
  const profiled = ctx?.profiled === true;
  let c: NodeRunCost;
  if (!hasSubgraphs(node) && ortKernels(node) === undefined) {
    // The hot path: one kernel.
    const span = leafSpanMs(cp, node, graph, ctx, dramGBps);
    if (o === undefined || profiled) return span;
    c = { spanMs: span, plainMs: plainKernelMs(span, o), kernels: 1 };
  } else {
    const leaf: LeafSpanMs = (n, g) => leafSpanMs(cp, n, g, ctx, dramGBps);
    c = nodeRunCost(leaf, node, graph, o ?? {});
    if (o === undefined || profiled) return c.spanMs;
  }
  const share =
    cp.syncInMs === undefined && graph.nodes.length > 0
      ? (ctx?.split ? ctx.split.fraction : 1) / graph.nodes.length
      : 0;
  return plainRunMs(c, o, share);
}

function leafSpanMs(
  cp: CompiledProcessor,
  node: Node,
  graph: Graph,
  ctx: RunContext | undefined,
  dramGBps: number,
): number {
  const info = nodeInfo(node, graph);
  return cp.kernels
    ? hostKernelMs(cp, info, node, graph, ctx, dramGBps, null)
    : rooflineMs(info, cp, ctx, dramGBps, null);
}

/** Bounds of the fitted kernel scale: the profiler inflates kernels, it does not halve or double them. */
const KERNEL_SCALE_RANGE: readonly [number, number] = [0.8, 1.25];
/** Grids of δ and floor (µs): a few µs is what a profiler event costs here. */
const INFLATION_GRID_US = Array.from({ length: 21 }, (_, i) => i * 0.5);
const FLOOR_GRID_US = Array.from({ length: 13 }, (_, i) => i * 0.5);
const SCALE_STEP = 0.005;

/** The profiles a run fit uses: those without control flow, unless fewer than two remain (see fitRunOverhead). */
function fitProfiles<T extends { graph: Graph }>(profiles: readonly T[]): readonly T[] {
  const flat = profiles.filter((m) => executedNodeCount(m.graph) === m.graph.nodes.length);
  return flat.length >= 2 ? flat : profiles;
}

/** One training profile as the fit sees it. */
interface RunPoint {
  spansMs: number[];
  plainMs: number;
}

/**
 * RunOverhead of one thread count from profiles measured at it. Spans are the mapped nodes' estimates
 * plus the profiler events hetero could not map (kernels ORT inserted or split off, e.g. a HardSwish
 * run as HardSigmoid + Mul): they ran in the plain runs too. Profiles with control flow are left out
 * of the fit when others remain: their nodes' spans hold whole bodies and the events between them,
 * which cannot be told apart here.
 */
export function fitRunOverhead(
  profiles: readonly { graph: Graph; profile: ModelProfile }[],
  measured: { sessionRunMs?: number; trivialKernelMs?: number; spanInflationMs?: number } = {},
): RunOverhead {
  const { sessionRunMs, trivialKernelMs, spanInflationMs } = measured;
  const events = median(
    profiles
      .map(
        (m) =>
          (estimateOf(m.profile.profiledEndToEnd) - estimateOf(m.profile.endToEnd)) /
          executedNodeCount(m.graph),
      )
      .filter(Number.isFinite),
  );
  const profilerEventMs = Math.max(0, Number.isFinite(events) ? events : 0);
  const points: RunPoint[] = fitProfiles(profiles)
    .map((m) => ({
      spansMs: [
        ...m.profile.nodes.map((n) => estimateOf(n.latency)),
        ...m.profile.unmappedEvents.map((e) => e.medianMs),
      ],
      plainMs: estimateOf(m.profile.endToEnd),
    }))
    .filter((p) => p.plainMs > 0 && p.spansMs.every(Number.isFinite));
  if (points.length === 0) return { fixedMs: 0, perNodeMs: 0, kernelScale: 1, profilerEventMs };
  // A run costs at least its fixed part: the shortest plain run profiled (control flow or not) bounds
  // it. Big models alone barely tell a fixed 0.1 ms from 0.5 ms; a tiny model does. Where the host's
  // session.run of a one-kernel model was measured, that is the fixed part: fitted freely, it took
  // up what the kernels' terms missed (0.21 ms at two threads against 12 µs measured).
  const shortestMs = Math.min(
    ...profiles.map((m) => estimateOf(m.profile.endToEnd)).filter((ms) => ms > 0 && Number.isFinite(ms)),
  );
  const fixedKnown = sessionRunMs !== undefined && sessionRunMs > 0 && Number.isFinite(sessionRunMs);
  const maxFixedMs = fixedKnown ? Math.min(shortestMs, sessionRunMs) : shortestMs;
  const minFixedMs = fixedKnown ? maxFixedMs : 0;
  // Likewise the least a kernel costs in a plain run, where a chain of trivial kernels measured it:
  // fitted, the floor took 1–2 µs, against 0.2–0.4 µs measured, and silero's hundred tiny kernels
  // with it.
  const known = (ms: number | undefined): ms is number => ms !== undefined && ms >= 0 && Number.isFinite(ms);
  const floorGridUs = known(trivialKernelMs) ? [trivialKernelMs * 1000] : FLOOR_GRID_US;
  // And the profiler's in-span cost where measured (one thread: every kernel pays the same): fitted,
  // it came out 1.0 µs against 1.8 µs measured, and a run of 221 tiny kernels (ppocr-cls) 13% slow.
  const inflationGridUs = known(spanInflationMs) ? [spanInflationMs * 1000] : INFLATION_GRID_US;
  let best = { err: Infinity, o: { fixedMs: 0, perNodeMs: 0, kernelScale: 1 } as RunOverhead };
  for (const deltaUs of inflationGridUs) {
    for (const floorUs of floorGridUs) {
      const o = { spanInflationMs: deltaUs / 1000, kernelFloorMs: floorUs / 1000 };
      const sums = points.map((p) => p.spansMs.reduce((s, x) => s + plainKernelMs(x, o), 0));
      const fit = fitScaleAndFixed(
        sums,
        points.map((p) => p.plainMs),
        minFixedMs,
        maxFixedMs,
      );
      if (fit.err < best.err - 1e-12) {
        best = { err: fit.err, o: { fixedMs: fit.fixedMs, perNodeMs: 0, kernelScale: fit.scale, ...o } };
      }
    }
  }
  return { ...best.o, profilerEventMs };
}

/**
 * `o` with kernelScale refitted on the spans `leaf` predicts (a fitted model's) in place of the
 * measured spans fitRunOverhead used, δ, floor and fixedMs kept; same profiles.
 */
export function refitKernelScale(
  o: RunOverhead,
  profiles: readonly { graph: Graph; profile: ModelProfile }[],
  leaf: LeafSpanMs,
): RunOverhead {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const m of fitProfiles(profiles)) {
    const plainMs = estimateOf(m.profile.endToEnd);
    const x = m.graph.nodes.reduce((s, n) => s + nodeRunCost(leaf, n, m.graph, o).plainMs, 0);
    if (plainMs > 0 && Number.isFinite(x)) {
      xs.push(x);
      ys.push(plainMs);
    }
  }
  if (xs.length === 0) return o;
  const fit = fitScaleAndFixed(xs, ys, o.fixedMs, o.fixedMs);
  return { ...o, kernelScale: fit.scale };
}

/**
 * scale ∈ KERNEL_SCALE_RANGE and minFixedMs ≤ fixedMs ≤ maxFixedMs minimising Σ |scale·x + fixed − y| / y: for each scale on a
 * grid, the best fixed term is the weighted median (weights 1/y) of y − scale·x, clamped to the bounds.
 */
function fitScaleAndFixed(
  xs: readonly number[],
  ys: readonly number[],
  minFixedMs: number,
  maxFixedMs: number,
): { scale: number; fixedMs: number; err: number } {
  let best = { scale: 1, fixedMs: 0, err: Infinity };
  for (let a = KERNEL_SCALE_RANGE[0]; a <= KERNEL_SCALE_RANGE[1] + 1e-9; a += SCALE_STEP) {
    const c = Math.min(
      maxFixedMs,
      Math.max(
        minFixedMs,
        weightedMedian(
          ys.map((y, i) => y - a * xs[i]),
          ys.map((y) => 1 / y),
        ),
      ),
    );
    const err = ys.reduce((s, y, i) => s + Math.abs(a * xs[i] + c - y) / y, 0);
    if (err < best.err) best = { scale: a, fixedMs: c, err };
  }
  return best;
}

function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  const order = values.map((v, i) => [v, weights[i]] as const).sort((a, b) => a[0] - b[0]);
  const half = weights.reduce((a, b) => a + b, 0) / 2;
  let acc = 0;
  for (const [v, w] of order) {
    acc += w;
    if (acc >= half) return v;
  }
  return order.length > 0 ? order[order.length - 1][0] : 0;
}
