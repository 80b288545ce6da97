// Shared by the intra-operator (split) strategies, μLayer and CoDL: which CPU and GPU they pair,
// per-part latencies, balancing a CPU/GPU ratio on the cost model, and what moving a tensor between
// two placements costs — priced the way evaluatePlan prices it (sync + transfer of the share moved).
import type { CostModel, RunContext } from '../../cost/types.js';
import type { Graph, Node, TensorInfo } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { usableProcessors } from '../make-plan.js';
import { splitTrafficBytes } from '../split-rules.js';
import type { PlanOptions, SplitAxis } from '../types.js';
import { shareOf } from '../evaluate.js';
import { latencyTable, planContext } from './chains.js';

/** The CPU cluster and GPU a split strategy divides work between (both papers pair exactly these). */
export interface SplitPair {
  cpu: Processor;
  /** Absent when the device (or `opts.processors`) offers no GPU: everything then runs on `cpu`. */
  gpu?: Processor;
}

/**
 * The CPU big cluster and the GPU, without looking at a model. `cpu-big` when usable, else the usable
 * CPU with the highest fp32 peak; the first usable GPU. Throws nothing: a device always has a CPU.
 * Split strategies use splitPairFor, which picks the CPU cluster for the model.
 */
export function splitPair(device: Device, opts: PlanOptions = {}): SplitPair {
  const usable = usableProcessors(device, opts);
  const cpus = usable.filter((p) => p.kind === 'cpu');
  const fallbackCpu = device.processors.find((p) => p.kind === 'cpu') ?? device.processors[0];
  const cpu =
    cpus.find((p) => p.id === 'cpu-big') ??
    [...cpus].sort((a, b) => (b.peakGflops.float32 ?? 0) - (a.peakGflops.float32 ?? 0))[0] ??
    fallbackCpu;
  const gpu = usable.find((p) => p.kind === 'gpu');
  return gpu ? { cpu, gpu } : { cpu };
}

/**
 * The CPU cluster a split strategy pairs with the GPU for `graph`: the usable CPU cluster that the
 * cost model predicts runs the model fastest on its own (fewest operators it cannot run, then the
 * least summed operator latency under the plan's context). μLayer and CoDL co-execute with the CPU's
 * big cores; phones split those into clusters (often one prime core `cpu-big` beside three
 * performance cores `cpu-mid`), and the stronger cluster is the one the papers' CPU side stands for.
 * Ties keep splitPair's choice.
 */
export function splitPairFor(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): SplitPair {
  const pair = splitPair(device, opts);
  const cpus = usableProcessors(device, opts).filter((p) => p.kind === 'cpu');
  if (cpus.length < 2) return pair;
  const rows = latencyTable(graph, cpus, cost, planContext(opts));
  const score = rows.map((row) => {
    let unrunnable = 0;
    let totalMs = 0;
    for (const ms of row) {
      if (Number.isFinite(ms)) totalMs += ms;
      else unrunnable++;
    }
    return { unrunnable, totalMs };
  });
  let best = cpus.indexOf(pair.cpu);
  if (best < 0) return pair;
  score.forEach((sc, i) => {
    const b = score[best];
    if (sc.unrunnable < b.unrunnable || (sc.unrunnable === b.unrunnable && sc.totalMs < b.totalMs)) best = i;
  });
  return pair.gpu ? { cpu: cpus[best], gpu: pair.gpu } : { cpu: cpus[best] };
}

/** The context of one part: `fraction` of the node along `axis` (none = the whole node). */
export function partContext(
  base: RunContext,
  axis: SplitAxis | undefined,
  fraction: number,
  computeDType?: RunContext['computeDType'],
): RunContext {
  const ctx: RunContext = { ...base };
  if (axis && fraction < 1) ctx.split = { axis, fraction };
  if (computeDType) ctx.computeDType = computeDType;
  return ctx;
}

/** Length of the node's output along a split axis (rows for H, output channels for OC). */
export function axisLength(node: Node, graph: Graph, axis: SplitAxis): number {
  const shape = graph.tensors.get(node.outputs[0] ?? '')?.shape;
  if (!shape || shape.length === 0) return 0;
  let d: number | string | undefined;
  if (axis === 'OC') d = node.op.includes('Conv') ? shape[1] : shape[shape.length - 1];
  else if (axis === 'H') d = shape.length === 4 ? shape[2] : undefined;
  else if (axis === 'W') d = shape.length === 4 ? shape[3] : undefined;
  else if (axis === 'C') d = shape.length === 4 ? shape[1] : undefined;
  else d = shape[0];
  return typeof d === 'number' && d > 0 ? d : 0;
}

/** A CPU share rounded to whole rows/channels, each side keeping at least one. */
export function granular(fraction: number, length: number): number {
  if (length < 2) return fraction;
  const units = Math.min(length - 1, Math.max(1, Math.round(fraction * length)));
  return units / length;
}

/** Latency of one node's parts on the pair: the CPU computing `fCpu` of it, the GPU the rest. */
export type PartLatencies = (fCpu: number) => { cpuMs: number; gpuMs: number };

/**
 * The CPU share f that balances the two parts, t_cpu(f) = t_gpu(1 − f), by bisection on the cost
 * model (both sides are monotone in their share), rounded to whole units of an axis `length` long.
 */
export function balanceShare(
  parts: PartLatencies,
  length: number,
  guess?: number,
  maxEvaluations = 8,
): number {
  const unit = length >= 2 ? 1 / length : 1e-3;
  const clamp = (f: number): number => Math.min(1 - unit, Math.max(unit, f));
  const gap = (f: number): number => {
    const t = parts(f);
    return t.cpuMs - t.gpuMs;
  };
  // Bracket the root around the guess (the throughput ratio is close to it), then regula falsi
  // (Illinois variant) on the monotone gap: a handful of evaluations even over long chains.
  let a = clamp(guess ?? 0.5);
  let ga = gap(a);
  let b = a;
  let gb = ga;
  let evaluations = 1;
  if (ga < 0) {
    while (gb < 0 && b < 1 - unit) {
      a = b;
      ga = gb;
      b = clamp(Math.max(b * 2, b + unit));
      gb = gap(b);
      evaluations++;
    }
    if (gb < 0) return granular(b, length);
  } else {
    while (ga > 0 && a > unit) {
      b = a;
      gb = ga;
      a = clamp(Math.min(a / 2, a - unit));
      ga = gap(a);
      evaluations++;
    }
    if (ga > 0) return granular(a, length);
  }
  let side = 0;
  while (evaluations < maxEvaluations && b - a > unit && gb !== ga) {
    const c = (a * gb - b * ga) / (gb - ga);
    const gc = gap(c);
    evaluations++;
    if (gc === 0) {
      a = b = c;
      break;
    }
    if (gc < 0) {
      a = c;
      ga = gc;
      if (side === -1) gb /= 2;
      side = -1;
    } else {
      b = c;
      gb = gc;
      if (side === 1) ga /= 2;
      side = 1;
    }
  }
  // The root lies in [a, b]; interpolate it, then take the neighbouring whole unit with the smaller span.
  const f = gb !== ga ? (a * gb - b * ga) / (gb - ga) : (a + b) / 2;
  if (length < 2) return f;
  const down = granular(Math.floor(f * length) / length, length);
  const up = granular(Math.ceil(f * length) / length, length);
  if (down === up) return down;
  const span = (x: number): number => {
    const t = parts(x);
    return Math.max(t.cpuMs, t.gpuMs);
  };
  return span(down) <= span(up) ? down : up;
}

/** The throughput ratio t_gpu / (t_cpu + t_gpu): the CPU share that balances linear-time parts. */
export function throughputShare(cpuMs: number, gpuMs: number): number {
  return cpuMs + gpuMs > 0 && Number.isFinite(cpuMs + gpuMs) ? gpuMs / (cpuMs + gpuMs) : 0.5;
}

/**
 * Where pieces of a tensor live, or what a consumer needs of it: per processor an interval
 * [lo, hi) of the tensor's share along an axis ('all' = the whole tensor).
 */
export interface Region {
  proc: string;
  axis: 'all' | 'C' | 'H';
  lo: number;
  hi: number;
}

/** Share of the tensor a need `need` takes from a held piece `have` (as evaluatePlan overlaps them). */
export function overlapShare(have: Region, need: Region): number {
  const width = have.hi - have.lo;
  if (need.axis === 'all') return width;
  if (have.axis === 'all') return need.hi - need.lo;
  if (need.axis !== have.axis) return width * (need.hi - need.lo);
  return Math.max(0, Math.min(have.hi, need.hi) - Math.max(have.lo, need.lo));
}

/**
 * Prices moves of tensors between placements the way evaluatePlan does: for each needed share held
 * on another processor, a sync plus a transfer of that share (flattened, as evaluatePlan moves it).
 * Memoises per (tensor, from, to, share) so planners can ask often.
 */
export class MovePricer {
  /** Per tensor shape and dtype (what a move's price depends on): (from, to, share in millionths) → ms. */
  private readonly cache = new Map<string, Map<number, number>>();
  private readonly byTensor = new WeakMap<TensorInfo, Map<number, number>>();
  private readonly procs: Map<string, Processor>;
  private readonly index: Map<string, number>;

  constructor(
    device: Device,
    private readonly cost: CostModel,
  ) {
    this.procs = new Map(device.processors.map((p) => [p.id, p]));
    this.index = new Map(device.processors.map((p, i) => [p.id, i]));
  }

  /** Time (ms) one move takes: sync from → to, then the transfer of `share` of `t`. */
  moveMs(t: TensorInfo, fromId: string, toId: string, share: number): number {
    if (fromId === toId || share <= 0) return 0;
    let perTensor = this.byTensor.get(t);
    if (!perTensor) {
      const key = `${t.dtype}|${t.shape?.join(',') ?? '?'}`;
      perTensor = this.cache.get(key);
      if (!perTensor) this.cache.set(key, (perTensor = new Map()));
      this.byTensor.set(t, perTensor);
    }
    const pair = (this.index.get(fromId) ?? 0) * 64 + (this.index.get(toId) ?? 0);
    const key = pair * 2_000_000 + Math.round(share * 1e6);
    const hit = perTensor.get(key);
    if (hit !== undefined) return hit;
    const from = this.procs.get(fromId);
    const to = this.procs.get(toId);
    if (!from || !to) return 0;
    const moved = shareOf(t, share);
    const ms = this.cost.syncMs(from, to) + this.cost.transferMs(moved, from, to);
    perTensor.set(key, ms);
    return ms;
  }

  /**
   * How long until what processor `proc` needs of `t` is there (the moves of different pieces run
   * side by side, so the slowest counts).
   */
  arrivalMs(t: TensorInfo, held: readonly Region[], needs: readonly Region[], proc: string): number {
    let ms = 0;
    for (const need of needs) {
      if (need.proc !== proc) continue;
      for (const have of held) {
        if (have.proc === proc) continue;
        const share = overlapShare(have, need);
        if (share > 0) ms = Math.max(ms, this.moveMs(t, have.proc, proc, share));
      }
    }
    return ms;
  }
}

/** Latency of `node` on `proc`, Infinity when it cannot run there (or there is no such processor). */
export function latencyOn(
  node: Node,
  graph: Graph,
  proc: Processor | undefined,
  cost: CostModel,
  ctx: RunContext,
): number {
  return proc ? cost.opLatencyMs(node, graph, proc, ctx) : Infinity;
}

/**
 * Both parts of `node` split along `axis` (CPU share fCpu) as they run together: each first alone, then
 * re-priced with the DRAM bandwidth the other draws meanwhile — the same contention evaluatePlan
 * applies, and what CoDL's concurrency-aware predictor captures.
 */
export function aloneParts(
  node: Node,
  graph: Graph,
  cpu: Processor,
  gpu: Processor,
  cost: CostModel,
  base: RunContext,
  axis: SplitAxis,
  fCpu: number,
): { cpuMs: number; gpuMs: number } {
  return {
    cpuMs: cost.opLatencyMs(node, graph, cpu, partContext(base, axis, fCpu)),
    gpuMs: cost.opLatencyMs(node, graph, gpu, partContext(base, axis, 1 - fCpu)),
  };
}

export function concurrentParts(
  node: Node,
  graph: Graph,
  cpu: Processor,
  gpu: Processor,
  cost: CostModel,
  base: RunContext,
  axis: SplitAxis,
  fCpu: number,
): { cpuMs: number; gpuMs: number } {
  const cpuCtx = partContext(base, axis, fCpu);
  const gpuCtx = partContext(base, axis, 1 - fCpu);
  const { cpuMs: cpuAlone, gpuMs: gpuAlone } = aloneParts(node, graph, cpu, gpu, cost, base, axis, fCpu);
  const drawGBps = (fraction: number, ms: number): number =>
    ms > 0 && Number.isFinite(ms) ? splitTrafficBytes(node, graph, axis, fraction) / (ms * 1e6) : 0;
  const cpuDraw = drawGBps(fCpu, cpuAlone);
  const gpuDraw = drawGBps(1 - fCpu, gpuAlone);
  const background = base.concurrentBandwidthGBps ?? 0;
  return {
    cpuMs:
      gpuDraw > 0
        ? cost.opLatencyMs(node, graph, cpu, { ...cpuCtx, concurrentBandwidthGBps: background + gpuDraw })
        : cpuAlone,
    gpuMs:
      cpuDraw > 0
        ? cost.opLatencyMs(node, graph, gpu, { ...gpuCtx, concurrentBandwidthGBps: background + cpuDraw })
        : gpuAlone,
  };
}
