// evaluatePlan: the predicted timeline of one inference under a plan. Each processor issues its work
// in plan order; a node (or split part) starts when its processor is free and every input it needs
// has arrived — produced on the same processor, or produced elsewhere, synchronised and transferred.
// Graph inputs start, and graph outputs must end, in the memory of the first CPU (the app's).
import type { CostModel, RunContext } from '../cost/types.js';
import { dependencies, nodeInputs, topologicalOrder } from '../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../graph/types.js';
import { tensorBytes } from '../graph/types.js';
import type { Device, Processor } from '../hardware/schema.js';
import type {
  Placement,
  Plan,
  PlanEvaluation,
  ProcessorBreakdown,
  SplitAxis,
  SplitPart,
  TraceEvent,
} from './types.js';
import { splitTrafficBytes } from './split-rules.js';
import { placementParts } from './validate.js';

/** One processor's slice of a produced tensor: an interval [lo, hi) of the share along `axis`. */
interface Piece {
  proc: string;
  axis: 'N' | 'C' | 'H' | 'W';
  lo: number;
  hi: number;
  readyMs: number;
}

/** The tensor axis an output split lies on: OC splits divide the output's channels. */
function tensorAxis(axis: SplitAxis): Piece['axis'] {
  return axis === 'OC' ? 'C' : axis;
}

/** Share of the tensor that a reader needing [lo, hi) along `axis` (or all of it) takes from `piece`. */
function overlapShare(piece: Piece, need: { axis: Piece['axis']; lo: number; hi: number } | 'all'): number {
  const width = piece.hi - piece.lo;
  if (need === 'all') return width;
  if (need.axis !== piece.axis) return width * (need.hi - need.lo);
  return Math.max(0, Math.min(piece.hi, need.hi) - Math.max(piece.lo, need.lo));
}

export interface EvaluateOptions {
  /** Conditions the prediction is made under (frequency share, background bandwidth). */
  context?: RunContext;
}

export function homeProcessor(device: Device): Processor {
  return device.processors.find((p) => p.kind === 'cpu') ?? device.processors[0];
}

function emptyBreakdown(): ProcessorBreakdown {
  return { computeMs: 0, transferMs: 0, syncMs: 0, idleMs: 0, energyJ: 0 };
}

export function evaluatePlan(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: EvaluateOptions = {},
): PlanEvaluation {
  const timeline = new Timeline(graph, device, cost, opts);
  for (const node of issueOrder(plan, graph)) timeline.issue(node, plan.placements[node.id]);
  return timeline.finish(plan.fallbacks?.length ?? 0);
}

/** A copy of a processor's breakdown so far (compute, transfer, sync and energy; idle comes at the end). */
export type PartialBreakdown = Readonly<ProcessorBreakdown>;

/**
 * The evaluation as a machine that issues one node at a time: evaluatePlan drives it over a whole
 * plan; searches (the exact optimum, local search) branch from a clone instead of re-running a prefix.
 * Not a second model: evaluatePlan is exactly `issue` over the plan order, then `finish`.
 */
export class Timeline {
  private readonly procs: Map<string, Processor>;
  private readonly home: Processor;
  private readonly ctx: RunContext;
  private readonly record: boolean;
  private perProcessor: Record<string, ProcessorBreakdown> = {};
  private events: TraceEvent[] = [];
  private freeAtMs: Map<string, number>;
  private pieces = new Map<string, Piece[]>();
  // A tensor moved to a processor stays there for later readers: key "tensor|piece|to".
  private delivered = new Map<string, { share: number; atMs: number }>();
  private transferBytes = 0;
  private crossEdges = 0;

  constructor(
    readonly graph: Graph,
    readonly device: Device,
    readonly cost: CostModel,
    opts: EvaluateOptions & { trace?: boolean } = {},
  ) {
    this.procs = new Map(device.processors.map((p) => [p.id, p]));
    this.home = homeProcessor(device);
    this.ctx = opts.context ?? {};
    this.record = opts.trace ?? true;
    for (const p of device.processors) this.perProcessor[p.id] = emptyBreakdown();
    this.freeAtMs = new Map<string, number>(device.processors.map((p) => [p.id, 0]));
    for (const name of graph.inputs) {
      this.pieces.set(name, [{ proc: this.home.id, axis: 'N', lo: 0, hi: 1, readyMs: 0 }]);
    }
  }

  /** An independent copy (pieces are never mutated once produced, so they are shared). */
  clone(): Timeline {
    const c = Object.create(Timeline.prototype) as Timeline;
    Object.assign(c, this);
    c.perProcessor = {};
    for (const [id, b] of Object.entries(this.perProcessor)) c.perProcessor[id] = { ...b };
    c.events = this.record ? [...this.events] : [];
    c.freeAtMs = new Map(this.freeAtMs);
    c.pieces = new Map(this.pieces);
    c.delivered = new Map(this.delivered);
    return c;
  }

  /** When `share` of tensor `t` held by `piece` is available on `to`, moving it there if needed. */
  private arrive(
    t: TensorInfo,
    pieceIndex: number,
    piece: Piece,
    share: number,
    to: Processor,
    forNode: string,
  ): number {
    if (share <= 0) return 0; // this reader needs none of the piece: no dependency on it
    if (piece.proc === to.id) return piece.readyMs;
    const key = `${t.name}|${pieceIndex}|${to.id}`;
    const before = this.delivered.get(key);
    if (before && before.share >= share - 1e-9) return before.atMs;
    const { cost } = this;
    const from = this.procs.get(piece.proc) ?? this.home;
    const moved = shareOf(t, share);
    const syncMs = cost.syncMs(from, to);
    const transferMs = cost.transferMs(moved, from, to);
    const startMs = piece.readyMs;
    if (this.record) {
      this.events.push({ proc: to.id, kind: 'sync', node: forNode, startMs, endMs: startMs + syncMs });
      this.events.push({
        proc: `${from.id}→${to.id}`,
        kind: 'transfer',
        node: forNode,
        startMs: startMs + syncMs,
        endMs: startMs + syncMs + transferMs,
      });
    }
    const b = this.perProcessor[to.id];
    b.syncMs += syncMs;
    b.transferMs += transferMs;
    b.energyJ += cost.transferEnergyJ(moved, from, to);
    this.transferBytes += tensorBytes(moved) ?? 0;
    this.crossEdges++;
    const atMs = startMs + syncMs + transferMs;
    this.delivered.set(key, { share, atMs });
    return atMs;
  }

  /** Issues `node` (all its inputs must have been issued) as `placement` says. */
  issue(node: Node, placement: Placement): void {
    const { graph, cost, ctx, procs, home } = this;
    const parts = placementParts(placement);
    const axis: SplitAxis | undefined = 'split' in placement ? placement.split.axis : undefined;
    const partLatencies = parts.map((part) => {
      const proc = procs.get(part.proc) ?? home;
      return cost.opLatencyMs(node, graph, proc, partContext(ctx, part, axis));
    });
    // Parts of one split node run at once and share DRAM: each sees the others' traffic.
    const contended = axis
      ? withContention(node, graph, parts, partLatencies, procs, cost, ctx, axis)
      : partLatencies;

    let lo = 0;
    const produced: Piece[] = [];
    parts.forEach((part, k) => {
      const proc = procs.get(part.proc) ?? home;
      const hi = k === parts.length - 1 ? 1 : lo + part.fraction;
      // An OC part (and an unsplit node) reads all of each input; other parts read their slice.
      const need =
        axis === undefined || axis === 'OC' ? ('all' as const) : { axis: tensorAxis(axis), lo, hi };
      let readyMs = 0;
      for (const name of nodeInputs(node)) {
        const t = graph.tensors.get(name);
        if (!t || t.constant) continue;
        (this.pieces.get(name) ?? []).forEach((piece, i) => {
          readyMs = Math.max(readyMs, this.arrive(t, i, piece, overlapShare(piece, need), proc, node.id));
        });
      }
      const startMs = Math.max(readyMs, this.freeAtMs.get(proc.id) ?? 0);
      const latencyMs = contended[k];
      const endMs = startMs + latencyMs;
      this.freeAtMs.set(proc.id, endMs);
      if (this.record) this.events.push({ proc: proc.id, kind: 'compute', node: node.id, startMs, endMs });
      const b = this.perProcessor[proc.id];
      b.computeMs += latencyMs;
      b.energyJ += cost.opEnergyJ(node, graph, proc, partContext(ctx, part, axis));
      produced.push({ proc: proc.id, axis: axis ? tensorAxis(axis) : 'N', lo, hi, readyMs: endMs });
      lo = hi;
    });
    for (const out of node.outputs) if (out !== '') this.pieces.set(out, produced);
  }

  /** When `proc` finishes the work issued to it so far (ms). */
  processorFreeAtMs(proc: string): number {
    return this.freeAtMs.get(proc) ?? 0;
  }

  /** When the first and the last piece of tensor `name` are produced (ms); undefined before it is. */
  tensorReadyMs(name: string): { firstMs: number; lastMs: number } | undefined {
    const ps = this.pieces.get(name);
    if (!ps || ps.length === 0) return undefined;
    let firstMs = Infinity;
    let lastMs = -Infinity;
    for (const p of ps) {
      firstMs = Math.min(firstMs, p.readyMs);
      lastMs = Math.max(lastMs, p.readyMs);
    }
    return { firstMs, lastMs };
  }

  /** `proc`'s compute, transfer, sync and energy so far. */
  breakdownSoFar(proc: string): PartialBreakdown {
    return this.perProcessor[proc] ?? emptyBreakdown();
  }

  /**
   * Everything later issues and `finish` can depend on, given the tensors still to be read (`live`):
   * `key` names where each live tensor's pieces are and which copies of them exist; `timesMs` holds
   * when each processor is free and when each of those pieces and copies is ready. Under one `key`, a
   * state whose times are all no later than another's finishes no later whatever is issued next
   * (every time here only enters later times through max and +), which is what lets a search drop it.
   */
  frontier(live: Iterable<string>): { key: string; timesMs: number[] } {
    const keyParts: string[] = [];
    const timesMs: number[] = [];
    for (const p of this.device.processors) timesMs.push(this.freeAtMs.get(p.id) ?? 0);
    const liveSet = new Set(live);
    for (const name of [...liveSet].sort()) {
      const ps = this.pieces.get(name) ?? [];
      keyParts.push(`${name}:${ps.map((p) => `${p.proc}/${p.axis}/${p.lo}-${p.hi}`).join(',')}`);
      for (const p of ps) timesMs.push(p.readyMs);
    }
    const copies = [...this.delivered].filter(([k]) => liveSet.has(k.slice(0, k.indexOf('|'))));
    copies.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [k, v] of copies) {
      keyParts.push(`${k}@${v.share}`);
      timesMs.push(v.atMs);
    }
    return { key: keyParts.join(';'), timesMs };
  }

  /** Returns results to the app's memory and closes the books: call once (clone first to go on). */
  finish(fallbacks = 0): PlanEvaluation {
    const { graph, device, cost, home, perProcessor } = this;
    let latencyMs = 0;
    for (const name of graph.outputs) {
      const t = graph.tensors.get(name);
      (this.pieces.get(name) ?? []).forEach((piece, i) => {
        latencyMs = Math.max(
          latencyMs,
          t ? this.arrive(t, i, piece, piece.hi - piece.lo, home, 'output') : piece.readyMs,
        );
      });
    }
    for (const endMs of this.freeAtMs.values()) latencyMs = Math.max(latencyMs, endMs);

    // Every processor idles (at idle power) whenever it is not computing during the inference.
    let energyJ = 0;
    for (const p of device.processors) {
      const b = perProcessor[p.id];
      b.idleMs = Math.max(0, latencyMs - b.computeMs);
      b.energyJ += (cost.idlePowerW(p) * b.idleMs) / 1000;
      energyJ += b.energyJ;
    }

    return {
      latencyMs,
      energyJ,
      perProcessor,
      fallbacks,
      crossEdges: this.crossEdges,
      transferBytes: this.transferBytes,
      trace: { events: this.events },
    };
  }
}

/** The context one part runs in: its share of a split node and its compute dtype, if the plan sets one. */
function partContext(ctx: RunContext, part: SplitPart, axis: SplitAxis | undefined): RunContext {
  if (!axis && !part.computeDType) return ctx;
  const out: RunContext = { ...ctx };
  if (axis) out.split = { axis, fraction: part.fraction };
  if (part.computeDType) out.computeDType = part.computeDType;
  return out;
}

/** Plan order when given, else topological order. */
function issueOrder(plan: Plan, graph: Graph): Node[] {
  if (plan.order) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    return plan.order.map((id) => byId.get(id)).filter((n): n is Node => n !== undefined);
  }
  const deps = dependencies(graph);
  return topologicalOrder(graph, deps).map((i) => graph.nodes[i]);
}

/** Re-predicts split parts with the DRAM bandwidth the sibling parts draw while they run. */
function withContention(
  node: Node,
  graph: Graph,
  parts: SplitPart[],
  alone: number[],
  procs: Map<string, Processor>,
  cost: CostModel,
  ctx: RunContext,
  axis: SplitAxis,
): number[] {
  const bandwidthGBps = parts.map((part, k) => {
    const bytes = splitTrafficBytes(node, graph, axis, part.fraction);
    return alone[k] > 0 && Number.isFinite(alone[k]) ? bytes / (alone[k] * 1e6) : 0;
  });
  return parts.map((part, k) => {
    const others = bandwidthGBps.reduce((s, bw, j) => (j === k ? s : s + bw), 0);
    const proc = procs.get(part.proc);
    if (!proc || others === 0) return alone[k];
    const concurrentBandwidthGBps = (ctx.concurrentBandwidthGBps ?? 0) + others;
    return cost.opLatencyMs(node, graph, proc, {
      ...partContext(ctx, part, axis),
      concurrentBandwidthGBps,
    });
  });
}

/**
 * The part of `t` a transfer moves: the same rank (layout conversions depend on it), with the
 * outermost dimension that can absorb the share scaled down. Strategies price moves with it too, so
 * their estimates agree with this judge.
 */
export function shareOf(t: TensorInfo, share: number): TensorInfo {
  if (share >= 1 - 1e-9 || !t.shape) return t;
  const dims = t.shape.map((d) => (typeof d === 'number' ? d : 1));
  const axis = dims.findIndex((d) => d > 1);
  if (axis < 0) return t;
  const scaled = [...dims];
  scaled[axis] = Math.max(1, dims[axis] * share);
  return { ...t, shape: scaled };
}
