// A whole plain run on the host from its kernels (hetero validate --device host, calibrate).
//
// The per-op model predicts kernels as the profiler reports them, but a plain session.run (profiler
// off) is what users time, and the two differ per kernel, not per run: the profiler takes timestamps and
// (at two threads or more) thread-pool statistics inside every span. Measured here, a 221-kernel model
// of 3–5 µs kernels (ppocr-cls) ran in 1.53 ms plain against 1.90 ms of summed spans, while a 59-kernel
// model of big convs (posenet) ran 2% above its spans. So a plain kernel costs its span less a fixed
// in-span inflation δ, but never less than min(span, floor): a tiny kernel still does its work.
//   plainMs = kernelScale × Σ_kernels max(span − δ, min(span, floor)) + fixedMs + perNodeMs × nodes
// δ and floor are fitted per thread count by grid search, kernelScale ∈ [0.8, 1.25] and fixedMs ≥ 0 by
// least absolute relative error (what fidelity scores), on the training profiles' measured spans.
// Control-flow nodes (If/Loop/Scan) run their body's kernels one by one: each is one more kernel here,
// predicted on its own (a single roofline over a body's summed FLOPs would charge one dispatch for a
// hundred kernels); their profiled span also holds the profiler's events between those kernels.
import type { Graph, Node } from '../graph/types.js';
import type { Processor } from '../hardware/schema.js';
import { estimateOf, median, type ModelProfile } from './measurements.js';
import type { CostModel } from './types.js';

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

/** Nodes a run executes: nested If branches (the larger) and Loop/Scan bodies (once) count theirs. */
export function executedNodeCount(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodes) {
    n += 1;
    const subs = Object.values(node.subgraphs ?? {});
    if (subs.length === 0) continue;
    n +=
      node.op === 'If'
        ? Math.max(...subs.map(executedNodeCount))
        : subs.reduce((s, g) => s + executedNodeCount(g), 0);
  }
  return n;
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

interface NodeCost {
  /** As the profiler reports the node: its kernel, or a control-flow node's body and events. */
  spanMs: number;
  /** Σ plainKernelMs over the kernels it runs. */
  plainMs: number;
}

function nodeCost(
  model: CostModel,
  proc: Processor,
  node: Node,
  graph: Graph,
  threads: number,
  o: RunOverhead,
): NodeCost {
  const subs = Object.values(node.subgraphs ?? {});
  if (subs.length === 0) {
    const ms = model.opLatencyMs(node, graph, proc, { threads });
    return { spanMs: ms, plainMs: plainKernelMs(ms, o) };
  }
  const eventMs = o.profilerEventMs ?? 0;
  const bodies = subs.map((g) => {
    let spanMs = eventMs * g.nodes.length;
    let plainMs = 0;
    for (const n of g.nodes) {
      const c = nodeCost(model, proc, n, g, threads, o);
      spanMs += c.spanMs;
      plainMs += c.plainMs;
    }
    return { spanMs, plainMs };
  });
  const pick = (k: keyof NodeCost): number =>
    node.op === 'If' ? Math.max(...bodies.map((b) => b[k])) : bodies.reduce((s, b) => s + b[k], 0);
  const own = model.opLatencyMs({ ...node, subgraphs: undefined }, graph, proc, { threads });
  return { spanMs: own + pick('spanMs'), plainMs: plainKernelMs(own, o) + pick('plainMs') };
}

/**
 * Predicted kernel times per node (ms, as the profiler reports them) and a whole plain run (see the
 * header) at `threads` on the device's CPU.
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
  const nodeMs = new Map<string, number>();
  let plainMs = 0;
  for (const n of graph.nodes) {
    const c = nodeCost(model, proc, n, graph, threads, o);
    nodeMs.set(n.id, c.spanMs);
    plainMs += c.plainMs;
  }
  const endToEndMs = Math.max(
    0.05 * plainMs,
    (o.kernelScale ?? 1) * plainMs + o.fixedMs + o.perNodeMs * executedNodeCount(graph),
  );
  return { endToEndMs, nodeMs };
}

/** Bounds of the fitted kernel scale: the profiler inflates kernels, it does not halve or double them. */
const KERNEL_SCALE_RANGE: readonly [number, number] = [0.8, 1.25];
/** Grids of δ and floor (µs): a few µs is what a profiler event costs here. */
const INFLATION_GRID_US = Array.from({ length: 21 }, (_, i) => i * 0.5);
const FLOOR_GRID_US = Array.from({ length: 13 }, (_, i) => i * 0.5);
const SCALE_STEP = 0.005;

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
export function fitRunOverhead(profiles: readonly { graph: Graph; profile: ModelProfile }[]): RunOverhead {
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
  const flat = profiles.filter((m) => executedNodeCount(m.graph) === m.graph.nodes.length);
  const points: RunPoint[] = (flat.length >= 2 ? flat : profiles)
    .map((m) => ({
      spansMs: [
        ...m.profile.nodes.map((n) => estimateOf(n.latency)),
        ...m.profile.unmappedEvents.map((e) => e.medianMs),
      ],
      plainMs: estimateOf(m.profile.endToEnd),
    }))
    .filter((p) => p.plainMs > 0 && p.spansMs.every(Number.isFinite));
  if (points.length === 0) return { fixedMs: 0, perNodeMs: 0, kernelScale: 1, profilerEventMs };
  let best = { err: Infinity, o: { fixedMs: 0, perNodeMs: 0, kernelScale: 1 } as RunOverhead };
  for (const deltaUs of INFLATION_GRID_US) {
    for (const floorUs of FLOOR_GRID_US) {
      const o = { spanInflationMs: deltaUs / 1000, kernelFloorMs: floorUs / 1000 };
      const sums = points.map((p) => p.spansMs.reduce((s, x) => s + plainKernelMs(x, o), 0));
      const fit = fitScaleAndFixed(
        sums,
        points.map((p) => p.plainMs),
      );
      if (fit.err < best.err - 1e-12) {
        best = { err: fit.err, o: { fixedMs: fit.fixedMs, perNodeMs: 0, kernelScale: fit.scale, ...o } };
      }
    }
  }
  return { ...best.o, profilerEventMs };
}

/**
 * scale ∈ KERNEL_SCALE_RANGE and fixedMs ≥ 0 minimising Σ |scale·x + fixed − y| / y: for each scale on a
 * grid, the best fixed term is the weighted median (weights 1/y) of y − scale·x, clamped at 0.
 */
function fitScaleAndFixed(
  xs: readonly number[],
  ys: readonly number[],
): { scale: number; fixedMs: number; err: number } {
  let best = { scale: 1, fixedMs: 0, err: Infinity };
  for (let a = KERNEL_SCALE_RANGE[0]; a <= KERNEL_SCALE_RANGE[1] + 1e-9; a += SCALE_STEP) {
    const c = Math.max(
      0,
      weightedMedian(
        ys.map((y, i) => y - a * xs[i]),
        ys.map((y) => 1 / y),
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
