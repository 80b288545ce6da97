// evaluatePlan: the predicted timeline of one inference under a plan. Each processor issues its work
// in plan order; a node (or split part) starts when its processor is free and every input it needs
// has arrived — produced on the same processor, or produced elsewhere, synchronised and transferred.
// Graph inputs start, and graph outputs must end, in the memory of the first CPU (the app's).
import type { CostModel, RunContext } from '../cost/types.js';
import { dependencies, nodeInputs, topologicalOrder } from '../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../graph/types.js';
import { numel, tensorBytes } from '../graph/types.js';
import type { Device, Processor } from '../hardware/schema.js';
import type { Plan, PlanEvaluation, ProcessorBreakdown, SplitAxis, TraceEvent } from './types.js';
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
  const procs = new Map(device.processors.map((p) => [p.id, p]));
  const home = homeProcessor(device);
  const ctx = opts.context ?? {};
  const perProcessor: Record<string, ProcessorBreakdown> = {};
  for (const p of device.processors) perProcessor[p.id] = emptyBreakdown();
  const events: TraceEvent[] = [];
  const freeAtMs = new Map<string, number>(device.processors.map((p) => [p.id, 0]));
  const pieces = new Map<string, Piece[]>();
  for (const name of graph.inputs) pieces.set(name, [{ proc: home.id, axis: 'N', lo: 0, hi: 1, readyMs: 0 }]);

  let transferBytes = 0;
  let crossEdges = 0;

  // A tensor moved to a processor stays there for later readers: key "tensor|piece|to".
  const delivered = new Map<string, { share: number; atMs: number }>();

  /** When `share` of tensor `t` held by `piece` is available on `to`, moving it there if needed. */
  const arrive = (
    t: TensorInfo,
    pieceIndex: number,
    piece: Piece,
    share: number,
    to: Processor,
    forNode: string,
  ): number => {
    if (piece.proc === to.id || share <= 0) return piece.readyMs;
    const key = `${t.name}|${pieceIndex}|${to.id}`;
    const before = delivered.get(key);
    if (before && before.share >= share - 1e-9) return before.atMs;
    const from = procs.get(piece.proc) ?? home;
    const elements = Math.max(1, Math.round((numel(t.shape) ?? 0) * share));
    const moved: TensorInfo = { ...t, shape: [elements] };
    const syncMs = cost.syncMs(from, to);
    const transferMs = cost.transferMs(moved, from, to);
    const startMs = piece.readyMs;
    events.push({ proc: to.id, kind: 'sync', node: forNode, startMs, endMs: startMs + syncMs });
    events.push({
      proc: `${from.id}→${to.id}`,
      kind: 'transfer',
      node: forNode,
      startMs: startMs + syncMs,
      endMs: startMs + syncMs + transferMs,
    });
    perProcessor[to.id].syncMs += syncMs;
    perProcessor[to.id].transferMs += transferMs;
    const transferJ = cost.transferEnergyJ(moved, from, to);
    perProcessor[to.id].energyJ += transferJ;
    transferBytes += tensorBytes(moved) ?? 0;
    crossEdges++;
    const atMs = startMs + syncMs + transferMs;
    delivered.set(key, { share, atMs });
    return atMs;
  };

  const order = issueOrder(plan, graph);
  for (const node of order) {
    const placement = plan.placements[node.id];
    const parts = placementParts(placement);
    const axis: SplitAxis | undefined = 'split' in placement ? placement.split.axis : undefined;
    const partLatencies = parts.map((part) => {
      const proc = procs.get(part.proc) ?? home;
      const partCtx: RunContext = axis ? { ...ctx, split: { axis, fraction: part.fraction } } : ctx;
      return cost.opLatencyMs(node, graph, proc, partCtx);
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
        (pieces.get(name) ?? []).forEach((piece, i) => {
          readyMs = Math.max(readyMs, arrive(t, i, piece, overlapShare(piece, need), proc, node.id));
        });
      }
      const startMs = Math.max(readyMs, freeAtMs.get(proc.id) ?? 0);
      const latencyMs = contended[k];
      const endMs = startMs + latencyMs;
      freeAtMs.set(proc.id, endMs);
      events.push({ proc: proc.id, kind: 'compute', node: node.id, startMs, endMs });
      perProcessor[proc.id].computeMs += latencyMs;
      const partCtx: RunContext = axis ? { ...ctx, split: { axis, fraction: part.fraction } } : ctx;
      perProcessor[proc.id].energyJ += cost.opEnergyJ(node, graph, proc, partCtx);
      produced.push({ proc: proc.id, axis: axis ? tensorAxis(axis) : 'N', lo, hi, readyMs: endMs });
      lo = hi;
    });
    for (const out of node.outputs) if (out !== '') pieces.set(out, produced);
  }

  // Results go back to the app's memory.
  let latencyMs = 0;
  for (const name of graph.outputs) {
    const t = graph.tensors.get(name);
    (pieces.get(name) ?? []).forEach((piece, i) => {
      latencyMs = Math.max(
        latencyMs,
        t ? arrive(t, i, piece, piece.hi - piece.lo, home, 'output') : piece.readyMs,
      );
    });
  }
  for (const endMs of freeAtMs.values()) latencyMs = Math.max(latencyMs, endMs);

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
    fallbacks: plan.fallbacks?.length ?? 0,
    crossEdges,
    transferBytes,
    trace: { events },
  };
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
  parts: { proc: string; fraction: number }[],
  alone: number[],
  procs: Map<string, Processor>,
  cost: CostModel,
  ctx: RunContext,
  axis: SplitAxis,
): number[] {
  const totalBytes = trafficBytes(node, graph);
  const bandwidthGBps = parts.map((part, k) => {
    const bytes = totalBytes * (axis === 'OC' ? 1 : part.fraction);
    return alone[k] > 0 && Number.isFinite(alone[k]) ? bytes / (alone[k] * 1e6) : 0;
  });
  return parts.map((part, k) => {
    const others = bandwidthGBps.reduce((s, bw, j) => (j === k ? s : s + bw), 0);
    const proc = procs.get(part.proc);
    if (!proc || others === 0) return alone[k];
    const concurrentBandwidthGBps = (ctx.concurrentBandwidthGBps ?? 0) + others;
    return cost.opLatencyMs(node, graph, proc, {
      ...ctx,
      concurrentBandwidthGBps,
      split: { axis, fraction: part.fraction },
    });
  });
}

function trafficBytes(node: Node, graph: Graph): number {
  let bytes = 0;
  for (const name of [...node.inputs, ...node.outputs]) {
    const t = name ? graph.tensors.get(name) : undefined;
    if (t) bytes += tensorBytes(t) ?? 0;
  }
  return bytes;
}
