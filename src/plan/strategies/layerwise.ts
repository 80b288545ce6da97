// layerwise: segment-by-segment placement by dynamic programming, transfers included.
//
// Reproduces MOSAIC (Han et al., "MOSAIC: Heterogeneity-, Communication-, and Constraint-Aware Model
// Slicing and Execution for Accurate and Efficient Inference", PACT 2019) and the partition-point search
// of Neurosurgeon (Kang et al., ASPLOS 2017): the model is a sequence of layers, each slice of
// consecutive layers goes to one processor, and the slicing minimises the sum of per-slice compute and
// the cost of moving the activation across each slice boundary. Here: the graph is cut into a linear
// sequence of blocks at cut points (where only one large tensor is live, so residual and inception
// blocks stay whole), and an exact DP over (block, processor) chooses a processor per block, with the
// sync + transfer of the boundary tensor between consecutive blocks on different processors.
// Objective: latency or energy (energy = op + transfer energy + idle power of every processor for the
// whole inference, which on a sequence is additive, so the DP stays exact).
//
// Simplifications:
// - Blocks run one after another (no overlap between blocks): MOSAIC's model. Branch parallelism is heft's.
// - A block placed on a processor that cannot run some of its ops keeps those ops on the CPU (framework
//   fallback), paying the moves inside the block; the DP prices that exactly for a sequence.
// - Small side tensors (≤ SIDE_TENSOR_MAX_BYTES: masks, shapes) that cross blocks are priced as if they
//   came from the home CPU, like graph inputs.
// - MOSAIC's accuracy/memory constraints are not modelled. The plan returned is never worse under
//   evaluatePlan than the framework single-processor plans (cpu/gpu/npu): if one of them evaluates
//   better (only possible through branch overlap the DP does not see), it is returned with a note.
import type { CostModel, RunContext } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import type { Graph, TensorInfo } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { evaluatePlan, homeProcessor } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import type { Objective, Placement, Plan, PlanOptions, Strategy } from '../types.js';
import { rankSingles } from './best-single.js';
import {
  activationInputs,
  fallbackIndex,
  latencyTable,
  moveEnergyJ,
  moveMs,
  planContext,
  planObjective,
  segmentBlocks,
  withHome,
  type Segmentation,
} from './chains.js';

/** Prices in the objective's unit (ms or J), additive over a sequential schedule. */
interface Pricer {
  compute(i: number, p: number): number;
  move(t: TensorInfo, from: number, to: number): number;
}

function makePricer(
  graph: Graph,
  procs: readonly Processor[],
  cost: CostModel,
  latencyMs: Float64Array[],
  objective: Objective,
  ctx: RunContext | undefined,
): Pricer {
  if (objective !== 'energy') {
    return {
      compute: (i, p) => latencyMs[p][i],
      move: (t, from, to) => moveMs(cost, t, procs[from], procs[to]),
    };
  }
  // Every processor of the device idles whenever it is not computing, so each millisecond of the
  // sequence costs the idle power of all of them, minus the running processor's own idle share.
  const device = cost.device;
  const idleSumW = device.processors.reduce((s, p) => s + cost.idlePowerW(p), 0);
  return {
    compute: (i, p) => {
      const ms = latencyMs[p][i];
      if (!Number.isFinite(ms)) return Infinity;
      const activeJ = cost.opEnergyJ(graph.nodes[i], graph, procs[p], ctx);
      return activeJ + (ms * (idleSumW - cost.idlePowerW(procs[p]))) / 1000;
    },
    move: (t, from, to) =>
      from === to
        ? 0
        : moveEnergyJ(cost, t, procs[from], procs[to]) +
          (moveMs(cost, t, procs[from], procs[to]) * idleSumW) / 1000,
  };
}

/** One block placed on one processor (with fallbacks): its own price and its two boundaries. */
interface BlockChoice {
  /** Processor index per node of the block. */
  assign: Map<number, number>;
  internal: number;
  /** Where each tensor this block produces is. */
  exitProc: Map<string, number>;
  /** Processors that read each of this block's entry tensors. */
  entryProcs: Map<string, Set<number>>;
}

function priceBlock(
  graph: Graph,
  seg: Segmentation,
  b: number,
  choice: number,
  procs: readonly Processor[],
  latencyMs: Float64Array[],
  price: Pricer,
  homeAt: number,
  inputsOf: readonly TensorInfo[][],
  outputs: ReadonlySet<string>,
): BlockChoice | undefined {
  const block = seg.blocks[b];
  const assign = new Map<number, number>();
  for (const i of block.nodes) {
    const p = Number.isFinite(latencyMs[choice][i]) ? choice : fallbackIndex(i, procs, latencyMs);
    if (p === -1) return undefined;
    assign.set(i, p);
  }
  let internal = 0;
  const moved = new Set<string>();
  const entryProcs = new Map<string, Set<number>>();
  for (const i of block.nodes) {
    const p = assign.get(i) as number;
    internal += price.compute(i, p);
    for (const t of inputsOf[i]) {
      if (block.entries.includes(t.name)) {
        const readers = entryProcs.get(t.name) ?? new Set<number>();
        readers.add(p);
        entryProcs.set(t.name, readers);
        continue;
      }
      const producer = seg.deps.producer.get(t.name);
      const from = producer !== undefined && assign.has(producer) ? (assign.get(producer) as number) : homeAt;
      const key = `${t.name}|${p}`;
      if (from === p || moved.has(key)) continue;
      moved.add(key);
      internal += price.move(t, from, p);
    }
  }
  const exitProc = new Map<string, number>();
  for (const i of block.nodes) {
    for (const name of graph.nodes[i].outputs) {
      if (name === '') continue;
      exitProc.set(name, assign.get(i) as number);
      const t = graph.tensors.get(name);
      if (t && outputs.has(name)) internal += price.move(t, assign.get(i) as number, homeAt);
    }
  }
  return { assign, internal, exitProc, entryProcs };
}

export interface LayerwiseResult {
  placements: Record<string, Placement>;
  /** Processor chosen per block. */
  choices: string[];
  /** The DP's own value of the objective (ms or J). */
  predicted: number;
  fallbacks: string[];
  seg: Segmentation;
}

/** The exact DP over the block sequence. */
export function layerwiseDp(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): LayerwiseResult {
  const usable = usableProcessors(device, opts);
  if (usable.length === 0) throw new HeteroError('layerwise', `none of ${device.id}'s processors is allowed`);
  const procs = withHome(device, usable);
  const choicesAt = usable.map((p) => procs.indexOf(p));
  const homeAt = procs.indexOf(homeProcessor(device));
  const ctx = planContext(opts);
  const latencyMs = latencyTable(graph, procs, cost, ctx);
  const price = makePricer(graph, procs, cost, latencyMs, planObjective(opts), ctx);
  const seg = segmentBlocks(graph);
  const B = seg.blocks.length;
  const C = choicesAt.length;

  const inputsOf = graph.nodes.map((_, i) => activationInputs(graph, i));
  const outputs = new Set(graph.outputs);
  const options: (BlockChoice | undefined)[][] = seg.blocks.map((_, b) =>
    choicesAt.map((c) => priceBlock(graph, seg, b, c, procs, latencyMs, price, homeAt, inputsOf, outputs)),
  );
  const best: Float64Array[] = seg.blocks.map(() => new Float64Array(C).fill(Infinity));
  const from: Int32Array[] = seg.blocks.map(() => new Int32Array(C).fill(-1));
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const here = options[b][c];
      if (!here) continue;
      if (b === 0) {
        best[b][c] = here.internal;
        continue;
      }
      for (let c0 = 0; c0 < C; c0++) {
        const before = options[b - 1][c0];
        if (!before || !Number.isFinite(best[b - 1][c0])) continue;
        let boundary = 0;
        for (const [name, readers] of here.entryProcs) {
          const t = graph.tensors.get(name);
          const exit = before.exitProc.get(name) ?? homeAt;
          if (t) for (const q of readers) boundary += price.move(t, exit, q);
        }
        const total = best[b - 1][c0] + boundary + here.internal;
        if (total < best[b][c]) {
          best[b][c] = total;
          from[b][c] = c0;
        }
      }
    }
  }
  let c = -1;
  if (B > 0) for (let k = 0; k < C; k++) if (c === -1 || best[B - 1][k] < best[B - 1][c]) c = k;
  if (B > 0 && (c === -1 || !Number.isFinite(best[B - 1][c]))) {
    throw new HeteroError(
      'layerwise',
      `no allowed processor of ${device.id} can run every node of ${graph.name}`,
    );
  }
  const predicted = B > 0 ? best[B - 1][c] : 0;
  const placements: Record<string, Placement> = {};
  const choices: string[] = new Array<string>(B);
  const fallbacks: string[] = [];
  for (let b = B - 1; b >= 0; b--) {
    const chosen = options[b][c] as BlockChoice;
    choices[b] = procs[choicesAt[c]].id;
    for (const [i, p] of chosen.assign) {
      placements[graph.nodes[i].id] = { proc: procs[p].id };
      if (p !== choicesAt[c]) fallbacks.push(graph.nodes[i].id);
    }
    c = from[b][c];
  }
  return { placements, choices, predicted, fallbacks, seg };
}

/** "gpu ×12 blocks (140 nodes) → cpu-big ×1 (3 nodes)": consecutive blocks on one processor. */
function describeSegments(r: LayerwiseResult): string {
  const runs: { proc: string; blocks: number; nodes: number }[] = [];
  r.choices.forEach((proc, b) => {
    const last = runs[runs.length - 1];
    const nodes = r.seg.blocks[b].nodes.length;
    if (last && last.proc === proc) {
      last.blocks++;
      last.nodes += nodes;
    } else runs.push({ proc, blocks: 1, nodes });
  });
  return runs.map((s) => `${s.proc} ×${s.blocks} block(s) (${s.nodes} nodes)`).join(' → ');
}

export const layerwise: Strategy = {
  name: 'layerwise',
  cites:
    'MOSAIC (PACT 2019) / Neurosurgeon (ASPLOS 2017): exact DP over a sequence of blocks cut at single-tensor points, one processor per block, transfers and syncs between blocks.',
  plan(graph, device, cost, opts = {}) {
    const objective = planObjective(opts);
    const r = layerwiseDp(graph, device, cost, opts);
    const unit = objective === 'energy' ? 'J' : 'ms';
    const notes = [
      `${r.seg.blocks.length} block(s) from ${graph.nodes.length} nodes; ${describeSegments(r)}`,
      `DP ${objective}: ${r.predicted.toPrecision(4)} ${unit} (sequential model)`,
    ];
    if (r.fallbacks.length > 0) notes.push(`${r.fallbacks.length} node(s) fall back inside their block`);
    const plan = makePlan(graph, device, 'layerwise', r.placements, {
      objective,
      order: r.seg.order.map((i) => graph.nodes[i].id),
      ...(r.fallbacks.length > 0 ? { fallbacks: r.fallbacks } : {}),
      notes,
    });
    return guardAgainstSingles(plan, graph, device, cost, opts);
  },
};

/** The DP's space contains every single-processor placement; keep that promise under evaluatePlan too. */
function guardAgainstSingles(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions,
): Plan {
  const objective = planObjective(opts);
  const evaluation = evaluatePlan(plan, graph, device, cost, { context: planContext(opts) });
  const score = objective === 'energy' ? evaluation.energyJ : evaluation.latencyMs;
  const single = rankSingles(graph, device, cost, opts)[0];
  if (!single || single.score >= score) return plan;
  return {
    ...single.plan,
    strategy: 'layerwise',
    notes: [
      `the ${single.strategy} plan (${single.score.toPrecision(4)}) evaluates better than the DP's block plan ` +
        `(${score.toPrecision(4)}), so layerwise keeps it`,
      ...plan.notes,
      ...single.plan.notes,
    ],
  };
}
