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
import { splitTrafficBytes, windowHalo } from './split-rules.js';
import { placementParts } from './validate.js';
import { contextKey, nodeClasses, nodeIndex, type NodeClasses } from './node-classes.js';

/** Latency (ms) and energy (J) per node class; NaN = not asked yet. */
interface ClassCosts {
  latencyMs: Float64Array;
  energyJ: Float64Array;
}

// Whole-node costs per (cost model, graph, processor and context): plans that place most nodes whole
// are judged again and again (guards, adaptive's candidates and local search) — the cost model is
// asked once per node class (node-classes.ts). Cost models and graphs are immutable.
const wholeCostCache = new WeakMap<CostModel, WeakMap<Graph, WeakMap<Processor, Map<string, ClassCosts>>>>();

/**
 * Per part of a split (or dtype-pinned) placement: its latency with contention, and its energy
 * (undefined until a timeline that keeps energy asks for it).
 */
interface PartCosts {
  latencyMs: number[];
  energyJ: number[] | undefined;
}

// The same per (cost model, graph, device), by node class, context and the placement's parts.
const partCostCache = new WeakMap<
  CostModel,
  WeakMap<Graph, WeakMap<Device, Map<string, Map<string, PartCosts>>>>
>();

/** One processor's slice of a produced tensor: an interval [lo, hi) of the share along `axis`. */
interface Piece {
  proc: string;
  axis: TensorAxis;
  lo: number;
  hi: number;
  readyMs: number;
  /** The producing part's compute latency and energy (what recomputing its rows elsewhere costs). */
  latencyMs: number;
  energyJ: number;
}

/** An axis of a tensor (a split's OC lies on its output's C). */
export type TensorAxis = 'N' | 'C' | 'H' | 'W';

/** The tensor axis an output split lies on: OC splits divide the output's channels. */
export function tensorAxis(axis: SplitAxis): TensorAxis {
  return axis === 'OC' ? 'C' : axis;
}

/**
 * Share of the tensor that a reader needing [lo, hi) along `axis` (or all of it) takes from a piece
 * [lo, hi) of it along its own axis (the simulator prices its moves with the same rule).
 */
export function overlapShare(
  piece: { axis: TensorAxis; lo: number; hi: number },
  need: { axis: TensorAxis; lo: number; hi: number } | 'all',
): number {
  const width = piece.hi - piece.lo;
  if (need === 'all') return width;
  if (need.axis !== piece.axis) return width * (need.hi - need.lo);
  return Math.max(0, Math.min(piece.hi, need.hi) - Math.max(piece.lo, need.lo));
}

export interface EvaluateOptions {
  /** Conditions the prediction is made under (frequency share, background bandwidth). */
  context?: RunContext;
  /** false: skip recording the trace (searches that only compare latencies). Default true. */
  trace?: boolean;
}

export function homeProcessor(device: Device): Processor {
  return device.processors.find((p) => p.kind === 'cpu') ?? device.processors[0];
}

function emptyBreakdown(): ProcessorBreakdown {
  return { computeMs: 0, transferMs: 0, syncMs: 0, idleMs: 0, energyJ: 0 };
}

/**
 * evaluatePlan's latency when it is below `limitMs`, else undefined — it stops as soon as some
 * processor's timeline passes the limit, so rejecting a losing candidate costs only a prefix.
 */
export function latencyBelow(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  limitMs: number,
  opts: EvaluateOptions = {},
): number | undefined {
  // Only the latency is asked: the timeline skips energy and the transfer totals.
  const timeline = new Timeline(graph, device, cost, { ...opts, trace: false }, false);
  for (const node of issueOrder(plan, graph)) {
    const placement = plan.placements[node.id];
    timeline.issue(node, placement);
    if ('split' in placement) {
      for (const part of placement.split.parts) {
        if (timeline.processorFreeAtMs(part.proc) >= limitMs) return undefined;
      }
    } else if (timeline.processorFreeAtMs(placement.proc) >= limitMs) return undefined;
  }
  const { latencyMs } = timeline.finish(plan.fallbacks?.length ?? 0);
  return latencyMs < limitMs ? latencyMs : undefined;
}

/** evaluatePlan's latency alone (the same timeline without energy, trace or transfer totals). */
export function planLatencyMs(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: EvaluateOptions = {},
): number {
  const timeline = new Timeline(graph, device, cost, { ...opts, trace: false }, false);
  for (const node of issueOrder(plan, graph)) timeline.issue(node, plan.placements[node.id]);
  return timeline.finish(plan.fallbacks?.length ?? 0).latencyMs;
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
  /** false: latency only (latencyBelow) — no energy, transfer bytes or cross-edge counts. */
  private readonly energy: boolean;
  private perProcessor: Record<string, ProcessorBreakdown> = {};
  private events: TraceEvent[] = [];
  private freeAtMs: Map<string, number>;
  private pieces = new Map<string, Piece[]>();
  // A tensor moved to a processor stays there for later readers: key "tensor|piece|to".
  private delivered = new Map<string, { share: number; atMs: number }>();
  private transferBytes = 0;
  private crossEdges = 0;
  /** What the processor issuing the current part spends copying its inputs in (ms; see `arrive`). */
  private copyInMs = 0;
  private readonly classes: NodeClasses;
  private readonly ctxKey: string;
  // Shared by clones: a cache of pure values.
  private readonly wholeByProc = new Map<Processor, ClassCosts>();
  private partCache: Map<string, PartCosts> | undefined;

  constructor(
    readonly graph: Graph,
    readonly device: Device,
    readonly cost: CostModel,
    opts: EvaluateOptions & { trace?: boolean } = {},
    energy = true,
  ) {
    this.procs = new Map(device.processors.map((p) => [p.id, p]));
    this.home = homeProcessor(device);
    this.ctx = opts.context ?? {};
    this.record = opts.trace ?? true;
    this.energy = energy;
    this.classes = nodeClasses(graph);
    this.ctxKey = contextKey(this.ctx);
    for (const p of device.processors) this.perProcessor[p.id] = emptyBreakdown();
    this.freeAtMs = new Map<string, number>(device.processors.map((p) => [p.id, 0]));
    for (const name of graph.inputs) {
      this.pieces.set(name, [
        { proc: this.home.id, axis: 'N', lo: 0, hi: 1, readyMs: 0, latencyMs: 0, energyJ: 0 },
      ]);
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

  /**
   * When `share` of tensor `t` held by `piece` is available on `to`, moving it there if needed. For a
   * node (`forNode` a compute), a move between CPU processors is `to`'s own copy (copyInMs); results
   * moved home are a plain delay, as the simulator has them.
   */
  private arrive(
    t: TensorInfo,
    pieceIndex: number,
    piece: Piece,
    share: number,
    to: Processor,
    forNode: string,
    forCompute = true,
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
    // Between two CPU processors nothing but a core moves the bytes: the consumer's own copy keeps it
    // busy before its node runs (the host's per-core workers copy each crossing tensor in), where a
    // copy engine or a GPU's reads overlap the consumer's other work. Cores that share the tensor in
    // place (a phone's clusters) move nothing.
    const byConsumer = forCompute && from.kind === 'cpu' && to.kind === 'cpu';
    if (byConsumer) this.copyInMs += transferMs;
    const startMs = piece.readyMs;
    if (this.record) {
      this.events.push({ proc: to.id, kind: 'sync', node: forNode, startMs, endMs: startMs + syncMs });
    }
    if (this.record && !byConsumer) {
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
    if (this.energy) {
      b.energyJ += cost.transferEnergyJ(moved, from, to);
      this.transferBytes += tensorBytes(moved) ?? 0;
      this.crossEdges++;
    }
    const atMs = startMs + syncMs + (byConsumer ? 0 : transferMs);
    this.delivered.set(key, { share, atMs });
    return atMs;
  }

  /**
   * When a node on `proc` that may start at `atMs` starts, once the copies of its inputs `arrive`
   * left to `proc` itself (copyInMs) are done; they are traced on `proc`.
   */
  private copyIn(proc: Processor, forNode: string, atMs: number): number {
    const copyMs = this.copyInMs;
    this.copyInMs = 0;
    if (copyMs <= 0) return atMs;
    if (this.record) {
      this.events.push({
        proc: proc.id,
        kind: 'transfer',
        node: forNode,
        startMs: atMs,
        endMs: atMs + copyMs,
      });
    }
    return atMs + copyMs;
  }

  /** Issues `node` (all its inputs must have been issued) as `placement` says. */
  issue(node: Node, placement: Placement): void {
    if (!('split' in placement) && placement.computeDType === undefined) {
      const index = this.indexOf(node);
      if (index >= 0) {
        this.issueWhole(node, index, this.procs.get(placement.proc) ?? this.home);
        return;
      }
    }
    const { graph, procs, home } = this;
    const parts = placementParts(placement);
    const axis: SplitAxis | undefined = 'split' in placement ? placement.split.axis : undefined;
    const costs = this.partCosts(node, parts, axis);
    const contended = costs.latencyMs;
    const energyJ = this.energy ? this.partEnergy(node, parts, axis, costs) : undefined;

    // A windowed op's H/W part also reads the halo rows beyond its slice of the data input (input 0).
    // Two models, as CoDL distinguishes them:
    // - recompute (inside an operator chain): the producer was split along the same axis with a part
    //   on this part's processor, and the halo rows lie only in another processor's piece. Then this
    //   side computes those producer rows itself (overlapping output rows) instead of waiting for
    //   them: extra compute = the local producer part's latency × (halo share / its fraction), and no
    //   sync or transfer. Approximations: one level of recompute per op — in CoDL the overlapping rows
    //   grow along the chain (each op needs its consumer's halo plus its own); here each op is charged
    //   its own halo's recompute of its producer only, which is the leading term for 3×3 chains; the
    //   recomputed rows' inputs are taken as available locally (their own halo is what the producer
    //   was charged) and the weights are already local (the producer part ran here).
    // - exchange (everything else: producer not split, split along another axis, no part here, or
    //   this piece also holds rows of the part's own slice so a transfer happens anyway): the halo
    //   rows are moved from the neighbour that holds them (sync + transfer, `arrive`).
    const halo = axis === 'H' || axis === 'W' ? windowHalo(node, graph, axis) : undefined;
    let lo = 0;
    const produced: Piece[] = [];
    parts.forEach((part, k) => {
      const proc = procs.get(part.proc) ?? home;
      const hi = k === parts.length - 1 ? 1 : lo + part.fraction;
      // An OC part (and an unsplit node) reads all of each input; other parts read their slice.
      const need =
        axis === undefined || axis === 'OC' ? ('all' as const) : { axis: tensorAxis(axis), lo, hi };
      const dataNeed =
        halo && need !== 'all'
          ? { axis: need.axis, lo: Math.max(0, lo - halo.before), hi: Math.min(1, hi + halo.after) }
          : need;
      let readyMs = 0;
      let recomputeMs = 0;
      let recomputeJ = 0;
      this.copyInMs = 0;
      nodeInputs(node).forEach((name, x) => {
        const t = graph.tensors.get(name);
        if (!t || t.constant) return;
        const n = x === 0 ? dataNeed : need;
        const pieces = this.pieces.get(name) ?? [];
        const local =
          x === 0 && n !== need && need !== 'all' ? localPiece(pieces, proc.id, need.axis) : undefined;
        pieces.forEach((piece, i) => {
          let share = overlapShare(piece, n);
          if (local && piece.proc !== proc.id && share > 0 && overlapShare(piece, need) <= 0) {
            // Only halo rows here: recompute them locally (see above) instead of exchanging them.
            const rows = share / (local.hi - local.lo);
            recomputeMs += local.latencyMs * rows;
            recomputeJ += local.energyJ * rows;
            readyMs = Math.max(readyMs, local.readyMs);
            share = 0;
          }
          readyMs = Math.max(readyMs, this.arrive(t, i, piece, share, proc, node.id));
        });
      });
      const startMs = this.copyIn(proc, node.id, Math.max(readyMs, this.freeAtMs.get(proc.id) ?? 0));
      const latencyMs = contended[k] + recomputeMs;
      const endMs = startMs + latencyMs;
      this.freeAtMs.set(proc.id, endMs);
      if (this.record) this.events.push({ proc: proc.id, kind: 'compute', node: node.id, startMs, endMs });
      const b = this.perProcessor[proc.id];
      b.computeMs += latencyMs;
      if (energyJ) b.energyJ += energyJ[k] + recomputeJ;
      // A later recompute of this part's rows costs its own work, not the halo it recomputed itself.
      produced.push({
        proc: proc.id,
        axis: axis ? tensorAxis(axis) : 'N',
        lo,
        hi,
        readyMs: endMs,
        latencyMs: contended[k],
        energyJ: energyJ ? energyJ[k] : NaN,
      });
      lo = hi;
    });
    for (const out of node.outputs) if (out !== '') this.pieces.set(out, produced);
  }

  /**
   * `issue` of a node placed whole on `proc` in its default dtype: the same steps as the general path
   * with one part of fraction 1 reading all of each input, its cost looked up per node class.
   */
  private issueWhole(node: Node, index: number, proc: Processor): void {
    const { graph, cost, ctx } = this;
    const table = this.wholeCosts(proc);
    const cls = this.classes.classOf[index];
    let latencyMs = table.latencyMs[cls];
    if (Number.isNaN(latencyMs)) latencyMs = table.latencyMs[cls] = cost.opLatencyMs(node, graph, proc, ctx);
    let energyJ = table.energyJ[cls];
    if (this.energy && Number.isNaN(energyJ))
      energyJ = table.energyJ[cls] = cost.opEnergyJ(node, graph, proc, ctx);
    let readyMs = 0;
    this.copyInMs = 0;
    for (const name of nodeInputs(node)) {
      const t = graph.tensors.get(name);
      if (!t || t.constant) continue;
      const pieces = this.pieces.get(name);
      if (!pieces) continue;
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i];
        readyMs = Math.max(readyMs, this.arrive(t, i, piece, piece.hi - piece.lo, proc, node.id));
      }
    }
    const freeAt = this.freeAtMs.get(proc.id) ?? 0;
    const startMs = this.copyIn(proc, node.id, Math.max(readyMs, freeAt));
    const endMs = startMs + latencyMs;
    this.freeAtMs.set(proc.id, endMs);
    if (this.record) this.events.push({ proc: proc.id, kind: 'compute', node: node.id, startMs, endMs });
    const b = this.perProcessor[proc.id];
    b.computeMs += latencyMs;
    if (this.energy) b.energyJ += energyJ;
    const produced: Piece[] = [
      { proc: proc.id, axis: 'N', lo: 0, hi: 1, readyMs: endMs, latencyMs, energyJ },
    ];
    for (const out of node.outputs) if (out !== '') this.pieces.set(out, produced);
  }

  /** Latency and energy of whole (unsplit, default-dtype) nodes on `proc` under this context, per class. */
  private wholeCosts(proc: Processor): ClassCosts {
    const mine = this.wholeByProc.get(proc);
    if (mine) return mine;
    let byGraph = wholeCostCache.get(this.cost);
    if (!byGraph) wholeCostCache.set(this.cost, (byGraph = new WeakMap()));
    let byProc = byGraph.get(this.graph);
    if (!byProc) byGraph.set(this.graph, (byProc = new WeakMap()));
    let byCtx = byProc.get(proc);
    if (!byCtx) byProc.set(proc, (byCtx = new Map()));
    let t = byCtx.get(this.ctxKey);
    if (!t) {
      const n = this.classes.representative.length;
      t = { latencyMs: new Float64Array(n).fill(NaN), energyJ: new Float64Array(n).fill(NaN) };
      byCtx.set(this.ctxKey, t);
    }
    this.wholeByProc.set(proc, t);
    return t;
  }

  /**
   * Latency (with the siblings' contention) and energy of each part of `node` placed as `parts`;
   * asked of the cost model once per node class, context and parts (adaptive judges the same split
   * placements in many candidate plans).
   */
  private partCosts(node: Node, parts: SplitPart[], axis: SplitAxis | undefined): PartCosts {
    const { graph, cost, ctx, procs, home } = this;
    const index = this.indexOf(node);
    let cache: Map<string, PartCosts> | undefined;
    let key = '';
    if (index >= 0) {
      cache = this.partCache ?? (this.partCache = this.sharedPartCache());
      key = `${this.classes.classOf[index]}|${axis ?? ''}`;
      for (const part of parts) key += `|${part.proc}:${part.fraction}:${part.computeDType ?? ''}`;
      const known = cache.get(key);
      if (known) return known;
    }
    const partLatencies = parts.map((part) => {
      const proc = procs.get(part.proc) ?? home;
      return cost.opLatencyMs(node, graph, proc, partContext(ctx, part, axis));
    });
    // Parts of one split node run at once and share DRAM: each sees the others' traffic.
    const latencyMs = axis
      ? withContention(node, graph, parts, partLatencies, procs, cost, ctx, axis)
      : partLatencies;
    const out: PartCosts = { latencyMs, energyJ: undefined };
    cache?.set(key, out);
    return out;
  }

  /** The energy of each part of `node` placed as `parts` (computed once into its PartCosts). */
  private partEnergy(
    node: Node,
    parts: SplitPart[],
    axis: SplitAxis | undefined,
    costs: PartCosts,
  ): number[] {
    if (costs.energyJ) return costs.energyJ;
    const { graph, cost, ctx, procs, home } = this;
    const energyJ = parts.map((part) =>
      cost.opEnergyJ(node, graph, procs.get(part.proc) ?? home, partContext(ctx, part, axis)),
    );
    costs.energyJ = energyJ;
    return energyJ;
  }

  private sharedPartCache(): Map<string, PartCosts> {
    let byGraph = partCostCache.get(this.cost);
    if (!byGraph) partCostCache.set(this.cost, (byGraph = new WeakMap()));
    let byDevice = byGraph.get(this.graph);
    if (!byDevice) byGraph.set(this.graph, (byDevice = new WeakMap()));
    let byCtx = byDevice.get(this.device);
    if (!byCtx) byDevice.set(this.device, (byCtx = new Map()));
    let m = byCtx.get(this.ctxKey);
    if (!m) byCtx.set(this.ctxKey, (m = new Map()));
    return m;
  }

  /** The index of `node` in the graph (-1 for a node object the graph does not hold). */
  private indexOf(node: Node): number {
    return nodeIndex(this.graph, node);
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
      // A split piece's own latency enters later times when a chain recomputes its rows: part of the key.
      keyParts.push(
        `${name}:${ps.map((p) => `${p.proc}/${p.axis}/${p.lo}-${p.hi}${p.axis === 'H' || p.axis === 'W' ? `@${p.latencyMs}` : ''}`).join(',')}`,
      );
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
          t ? this.arrive(t, i, piece, piece.hi - piece.lo, home, 'output', false) : piece.readyMs,
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

/**
 * The piece of a tensor split along `axis` that `proc` itself holds (where a chain's recompute of
 * halo rows happens), or undefined when `proc` holds none — then halos are exchanged.
 */
function localPiece(pieces: readonly Piece[], proc: string, axis: Piece['axis']): Piece | undefined {
  if (axis !== 'H' && axis !== 'W') return undefined;
  for (const p of pieces) if (p.proc === proc && p.axis === axis && p.hi > p.lo) return p;
  return undefined;
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
export function issueOrder(plan: Plan, graph: Graph): readonly Node[] {
  if (plan.order) {
    let byId = nodeByIdCache.get(graph);
    if (!byId) nodeByIdCache.set(graph, (byId = new Map(graph.nodes.map((n) => [n.id, n]))));
    const index = byId;
    return plan.order.map((id) => index.get(id)).filter((n): n is Node => n !== undefined);
  }
  let topo = topoCache.get(graph);
  if (!topo) {
    const deps = dependencies(graph);
    topo = topologicalOrder(graph, deps).map((i) => graph.nodes[i]);
    topoCache.set(graph, topo);
  }
  return topo;
}

// Per graph (graphs are immutable): node by id, and nodes in topological order.
const nodeByIdCache = new WeakMap<Graph, Map<string, Node>>();
const topoCache = new WeakMap<Graph, readonly Node[]>();

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
