// CoDL: F. Jia, D. Zhang, T. Cao, S. Jiang, Y. Liu, J. Ren, Y. Zhang, "CoDL: Efficient CPU-GPU
// Co-execution for Deep Learning Inference on Mobile Devices", MobiSys 2022.
//
// What is reproduced: per operator a choice among CPU only, GPU only, an H (output rows) split and an
// OC (output channels) split between a CPU cluster and the GPU — hybrid-dimension partitioning —
// with the CPU share from the latency predictor (the cost model): the share f that balances
// t_cpu(f) = t_gpu(1 − f), found by bisection. Operator chains: consecutive H-split operators share
// one ratio, so each processor keeps its rows from one operator to the next, and the halo rows a
// windowed operator (k×k conv, pool; stride and dilation respected) reads across the slice edge are
// recomputed on each side from its own rows of the producer — no sync inside the chain, extra compute
// instead (evaluatePlan's recompute model, which the DP prices the same way; halos read from a
// producer that is not H-split are exchanged); a chain is cut where an operator cannot be H-split or
// where switching to another partition is cheaper. The choice per operator is a dynamic programme along the topological order whose step
// cost is the operator's span (slowest part) plus the data-sharing cost — sync and transfer of the
// shares the chosen partition needs from where its producers left them — priced as evaluatePlan
// prices it. The result is checked with evaluatePlan against running everything on the faster of the
// two processors, and the better one is returned.
//
// Simplifications: (1) the latency predictor is the project's cost model, not CoDL's per-kernel
// regression; (2) the DP state is the previous operator's partition; inputs from further back (skip
// connections) take the partition on the DP path behind that state; (3) halo recompute is one level
// per op (each op is charged recomputing its own halo rows of its producer, at the producer part's
// latency per row), not the overlap growing along the chain as in CoDL; chain ratios are balanced on
// compute alone, without the recompute;
// (4) one CPU cluster: CoDL co-executes with the CPU's big cores, which phones split into clusters (a
// prime core `cpu-big`, three performance cores `cpu-mid`); the planner pairs the GPU with the cluster
// the cost model predicts runs the model fastest (splitPairFor), not both clusters at once; CoDL's
// hybrid-type data sharing is the cost model's default per-processor dtypes (fp32 CPU, fp16 GPU) with
// one conversion pass per transfer.
import type { CostModel, RunContext } from '../../cost/types.js';
import { dependencies, nodeInputs, topologicalOrder } from '../../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { homeProcessor, latencyBelow, planLatencyMs } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import { splitProblem, windowHalo, type Halo } from '../split-rules.js';
import type { Placement, Plan, PlanOptions, Strategy } from '../types.js';
import { nodeClasses } from '../node-classes.js';
import { planContext } from './chains.js';
import {
  axisLength,
  balanceShare,
  latencyOn,
  MovePricer,
  overlapShare,
  throughputShare,
  aloneParts,
  concurrentParts,
  splitPairFor,
  type Region,
} from './split-helpers.js';

const CITES =
  'Jia et al., "CoDL: Efficient CPU-GPU Co-execution for Deep Learning Inference on Mobile Devices", ' +
  'MobiSys 2022';

/** Partition of one operator. */
const CPU = 0;
const GPU = 1;
const HSPLIT = 2;
const OCSPLIT = 3;
const MODES = 4;
type Mode = 0 | 1 | 2 | 3;
const MODE_NAMES = ['cpu', 'gpu', 'H', 'OC'] as const;

/** Per input slot: (producer partition + 1) takes MODES + 1 values (a graph input is -1). */
const PRODUCER_SLOTS = MODES + 1;

/** Past this many steps back, a skip connection's producer takes its best partition, not the path's. */
const MAX_WALK_BACK = 256;

interface Option {
  cpuMs: number;
  gpuMs: number;
  /** CPU share (1 for CPU only, 0 for GPU only). */
  fCpu: number;
}

/** Part latencies per CPU share and node class (alone, concurrent), within one plan call. */
interface PartsMemo {
  alone: Map<number, ({ cpuMs: number; gpuMs: number } | undefined)[]>;
  concurrent: Map<number, ({ cpuMs: number; gpuMs: number } | undefined)[]>;
}

/** The memo's per-class slots for CPU share f. */
function partsAt(memo: PartsMemo['alone'], f: number): ({ cpuMs: number; gpuMs: number } | undefined)[] {
  let perClass = memo.get(f);
  if (!perClass) memo.set(f, (perClass = []));
  return perClass;
}

const INFEASIBLE: Option = { cpuMs: Infinity, gpuMs: Infinity, fCpu: 0 };

/** CoDL's co-execution plan from the DP alone, with the DP's own latency estimate (before the check). */
export interface CoExecution {
  plan: Plan;
  estimateMs: number;
  /** Everything on the faster processor of the pair; absent without a usable GPU. */
  single?: { plan: Plan; proc: string };
}

/** The DP's result with what the chain check reuses: per graph node (not position) its whole-op times. */
interface CoExecutionInternals extends CoExecution {
  cpu: Processor;
  gpu: Processor | undefined;
  /**
   * Per graph node index: CPU and GPU whole-op latencies when both processors run it and it can be
   * split by rows (a chain member), else undefined.
   */
  chainable: ({ cpuMs: number; gpuMs: number } | undefined)[];
}

export const codl: Strategy = {
  name: 'codl',
  cites: CITES,
  plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
    const base: RunContext = planContext(opts);
    const co = coExecution(graph, device, cost, opts);
    const { plan, single } = co;
    // CoDL never does worse than its own single-processor candidate.
    if (!single) return plan;
    const ctx = { context: base, trace: false };
    const coMs = planLatencyMs(plan, graph, device, cost, ctx);
    // The DP often keeps everything on the single processor: then the two plans are one.
    const singleMs = samePlacements(plan, single.plan)
      ? coMs
      : planLatencyMs(single.plan, graph, device, cost, ctx);
    // CoDL's operator chains share one ratio; the DP looks one op back, so also try the plain chain
    // where every H-splittable op runs at the same CPU share (judged in full, with an early exit).
    const chain = uniformChain(graph, device, cost, co, single.plan, ctx, Math.min(coMs, singleMs));
    if (chain && chain.ms < Math.min(coMs, singleMs)) {
      chain.plan.notes.push(
        `one H chain at CPU share ${chain.share} predicted ${chain.ms.toFixed(2)} ms, ` +
          `per-op DP ${coMs.toFixed(2)} ms, all on ${single.proc} ${singleMs.toFixed(2)} ms`,
      );
      return chain.plan;
    }
    if (singleMs < coMs) {
      single.plan.notes.push(
        `co-execution predicted ${coMs.toFixed(2)} ms, all on ${single.proc} ${singleMs.toFixed(2)} ms: ` +
          `kept ${single.proc}`,
      );
      return single.plan;
    }
    plan.notes.push(`predicted ${coMs.toFixed(2)} ms vs ${singleMs.toFixed(2)} ms all on ${single.proc}`);
    return plan;
  },
};

export function coExecutionPlan(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): CoExecution {
  const { plan, estimateMs, single } = coExecution(graph, device, cost, opts);
  return single ? { plan, estimateMs, single } : { plan, estimateMs };
}

function coExecution(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions = {},
): CoExecutionInternals {
  const { cpu, gpu } = splitPairFor(graph, device, cost, opts);
  const base: RunContext = planContext(opts);
  const layout = graphLayout(graph);
  const order = layout.order;
  const nodes = order.map((i) => graph.nodes[i]);
  const n = nodes.length;
  const home = homeProcessor(device);

  // Latency options per operator and partition, costed once.
  // Nodes the cost model cannot tell apart get the same options (node-classes.ts): cost one per class.
  const { classOf, representative } = nodeClasses(graph);
  const classOptions = representative.map((i) => costOptions(graph.nodes[i], graph, cpu, gpu, cost, base));
  const nodeClass = order.map((i) => classOf[i]);
  const options: Option[][] = nodeClass.map((c) => classOptions[c].slice());
  const memo: PartsMemo = { alone: new Map(), concurrent: new Map() };
  const runLength = chainRatios(nodes, nodeClass, graph, options, cpu, gpu, cost, base, memo);

  // The DP's read-only tables, then the DP itself: top-level functions sharing one fixed-shape
  // context, so no helper is recreated per plan and the engine's optimised code carries over.
  const dp = new DpContext(layout, options, new MovePricer(device, cost), cpu.id, gpu?.id, home.id);
  // DP over the topological order; state = partition of the operator at position k. Flat tables:
  // entry k·MODES + s.
  const value = new Float64Array(n * MODES).fill(Infinity);
  const back = new Int8Array(n * MODES).fill(-1);
  runDp(dp, value, back);

  const placements: Record<string, Placement> = {};
  const counts = [0, 0, 0, 0];
  let unrunnable = 0;
  const last = value.subarray((n - 1) * MODES, n * MODES);
  const estimateMs = n > 0 ? Math.min(...last) : 0;
  if (n > 0 && Number.isFinite(Math.min(...last))) {
    let state = argminAt(value, (n - 1) * MODES);
    const modes = new Array<Mode>(n);
    for (let k = n - 1; k >= 0; k--) {
      modes[k] = state as Mode;
      state = back[k * MODES + state];
    }
    rebalanceChains(nodes, nodeClass, graph, modes, options, runLength, cpu, gpu, cost, base, memo);
    nodes.forEach((node, k) => {
      counts[modes[k]]++;
      placements[node.id] = placementFor(modes[k], options[k][modes[k]], cpu, gpu);
    });
  } else {
    // Some operator runs on neither processor of the pair: place per operator, any usable processor.
    const usable = usableProcessors(device, opts);
    for (const [k, node] of nodes.entries()) {
      const opt = options[k];
      const mode: Mode =
        Number.isFinite(opt[GPU].gpuMs) && opt[GPU].gpuMs < opt[CPU].cpuMs
          ? GPU
          : Number.isFinite(opt[CPU].cpuMs)
            ? CPU
            : GPU;
      if (Number.isFinite(opt[mode].cpuMs) && Number.isFinite(opt[mode].gpuMs)) {
        counts[mode]++;
        placements[node.id] = placementFor(mode, opt[mode], cpu, gpu);
      } else {
        unrunnable++;
        const any = usable.find((p) => Number.isFinite(cost.opLatencyMs(node, graph, p, base)));
        placements[node.id] = { proc: (any ?? cpu).id };
      }
    }
  }

  const chains = countChains(nodes, placements);
  const notes: string[] = [];
  if (!gpu) notes.push(`no usable GPU on ${device.id}: every operator runs on ${cpu.id}`);
  if (gpu) notes.push(`CPU side ${cpu.id} (the CPU cluster predicted fastest on this model)`);
  notes.push(
    `partitions: ${MODE_NAMES.map((name, m) => `${name} ${counts[m]}`).join(', ')}; ` +
      `${chains.count} H chains (longest ${chains.longest} operators)`,
  );
  if (unrunnable > 0) notes.push(`${unrunnable} operators run on neither ${cpu.id} nor the GPU`);
  const plan = makePlan(graph, device, 'codl', placements, { objective: opts.objective ?? 'latency', notes });
  const single = fasterSingle(graph, device, cost, nodes, options, cpu, gpu, opts);
  // Chain members for the uniform-chain check, from the options (no second round of cost-model calls).
  const chainable = new Array<{ cpuMs: number; gpuMs: number } | undefined>(graph.nodes.length);
  order.forEach((i, k) => {
    const o = options[k];
    chainable[i] =
      gpu && o[HSPLIT] !== INFEASIBLE && Number.isFinite(o[CPU].cpuMs) && Number.isFinite(o[GPU].gpuMs)
        ? { cpuMs: o[CPU].cpuMs, gpuMs: o[GPU].gpuMs }
        : undefined;
  });
  const out: CoExecutionInternals = { plan, estimateMs, cpu, gpu, chainable };
  if (single) out.single = single;
  return out;
}

/**
 * What the DP reads, built once per plan. A class whose constructor sets every field, always in the
 * same order, so every plan's context has one shape (the DP's optimised code, compiled during the
 * first plan, keeps working for the next ones).
 */
class DpContext {
  readonly n: number;
  readonly layout: Layout;
  /** Per position and partition, the CPU and GPU part latencies at (k·MODES + m)·2 and +1. */
  readonly optMs: Float64Array;
  /** Where each operator's output lives, per position and partition. */
  readonly heldOf: Region[][][];
  /** What each operator needs of each input, per position and partition. */
  readonly needsOf: Region[][][];
  /** What each operator needs of its data input (input 0): H parts widened by the window's halo. */
  readonly dataNeedsOf: Region[][][];
  /** A graph input, or what the app's CPU needs of a graph output: the whole tensor on it. */
  readonly homeRegions: Region[];
  /**
   * Numeric ids of the region lists (homeRegions; per position and partition, at k·MODES + m), so
   * an arrival is priced once per (tensor class, held, needed, sides) across operators.
   */
  readonly homeRegionId: number;
  readonly heldIds: Int32Array;
  readonly needsIds: Int32Array;
  readonly dataNeedsIds: Int32Array;
  readonly regionCount: number;
  /**
   * What each operator pays to send its graph outputs back to the app's CPU: entries outStart[k] to
   * outStart[k + 1] of outTensor (the tensor) and outNeeds (what the CPU needs of it). An operator
   * without graph outputs has one entry that needs nothing (0 ms, no move priced): every operator
   * runs the same pricing call, so the optimised DP has type feedback for it before the graph's
   * outputs come (and is not deoptimised there).
   */
  readonly outStart: Int32Array;
  readonly outTensor: TensorInfo[];
  readonly outNeeds: Region[][];
  readonly pricer: MovePricer;
  readonly cpuId: string;
  /** The GPU's id (the CPU's when there is no GPU: `hasGpu` says which). */
  readonly gpuId: string;
  readonly hasGpu: boolean;
  readonly homeId: string;
  /** Arrival times (CPU, GPU) per key, as indices into `arrivals` (its first `arrivalCount` entries). */
  readonly arrivalAt = new Map<number, number>();
  arrivals = new Float64Array(256);
  arrivalCount = 0;
  /**
   * Scratch reused from one operator to the next (dpNode), sized for the operator with the most
   * inputs (and graph outputs): per input slot the priced times and whether they are priced yet.
   */
  readonly table: Float64Array;
  readonly filled: Uint8Array;
  /** Partition of each input's producer on the path behind the current state (-1: graph input). */
  readonly srcModes: Int32Array;
  readonly modeOk = new Uint8Array(MODES);
  /** Per graph output of the operator and partition, its arrival time once priced. */
  readonly outSpan: Float64Array;
  readonly outDone: Uint8Array;

  constructor(
    layout: Layout,
    options: Option[][],
    pricer: MovePricer,
    cpuId: string,
    gpu: string | undefined,
    homeId: string,
  ) {
    const n = options.length;
    const gpuId = gpu ?? cpuId;
    this.n = n;
    this.layout = layout;
    this.pricer = pricer;
    this.cpuId = cpuId;
    this.gpuId = gpuId;
    this.hasGpu = gpu !== undefined;
    this.homeId = homeId;

    // Where each operator's output lives, and what it needs of its inputs, per partition (fixed
    // shares); read-only region lists, shared between operators with the same partition and share.
    const optMs = new Float64Array(n * MODES * 2);
    const heldCache: Map<number, Region[]>[] = [];
    const needsCache: Map<number, Region[]>[] = [];
    for (let m = 0; m < MODES; m++) {
      heldCache.push(new Map());
      needsCache.push(new Map());
    }
    const heldOf: Region[][][] = [];
    const needsOf: Region[][][] = [];
    for (let k = 0; k < n; k++) {
      const held: Region[][] = [];
      const needs: Region[][] = [];
      for (let m = 0; m < MODES; m++) {
        const opt = options[k][m];
        optMs[(k * MODES + m) * 2] = opt.cpuMs;
        optMs[(k * MODES + m) * 2 + 1] = opt.gpuMs;
        held.push(cachedRegions(heldCache, false, m, opt.fCpu, cpuId, gpuId));
      }
      for (let m = 0; m < MODES; m++) {
        needs.push(cachedRegions(needsCache, true, m, options[k][m].fCpu, cpuId, gpuId));
      }
      heldOf.push(held);
      needsOf.push(needs);
    }
    // What an H part needs of its data input (input 0): its rows widened by the window's halo (one
    // widened list per rows and halo).
    const widened = new Map<Region[], Map<number, Map<number, Region[]>>>();
    const dataNeedsOf: Region[][][] = [];
    for (let k = 0; k < n; k++) {
      const needs = needsOf[k];
      const halo = layout.halo[k];
      if (!halo) {
        dataNeedsOf.push(needs);
        continue;
      }
      const rows = needs[HSPLIT];
      let byBefore = widened.get(rows);
      if (!byBefore) widened.set(rows, (byBefore = new Map()));
      let byAfter = byBefore.get(halo.before);
      if (!byAfter) byBefore.set(halo.before, (byAfter = new Map()));
      let wide = byAfter.get(halo.after);
      if (!wide) byAfter.set(halo.after, (wide = widen(rows, halo)));
      const data: Region[][] = [];
      for (let m = 0; m < MODES; m++) data.push(m === HSPLIT ? wide : needs[m]);
      dataNeedsOf.push(data);
    }
    const homeRegions = [wholeOn(homeId)];
    this.optMs = optMs;
    this.heldOf = heldOf;
    this.needsOf = needsOf;
    this.dataNeedsOf = dataNeedsOf;
    this.homeRegions = homeRegions;

    const regionIds = new Map<Region[], number>();
    this.homeRegionId = regionIdOf(regionIds, homeRegions);
    const heldIds = new Int32Array(n * MODES);
    const needsIds = new Int32Array(n * MODES);
    const dataNeedsIds = new Int32Array(n * MODES);
    for (let k = 0; k < n; k++) {
      for (let m = 0; m < MODES; m++) {
        heldIds[k * MODES + m] = regionIdOf(regionIds, heldOf[k][m]);
        needsIds[k * MODES + m] = regionIdOf(regionIds, needsOf[k][m]);
        dataNeedsIds[k * MODES + m] = regionIdOf(regionIds, dataNeedsOf[k][m]);
      }
    }
    this.heldIds = heldIds;
    this.needsIds = needsIds;
    this.dataNeedsIds = dataNeedsIds;
    this.regionCount = regionIds.size;

    const outStart = new Int32Array(n + 1);
    const outTensor: TensorInfo[] = [];
    const outNeeds: Region[][] = [];
    // Needs nothing: a one-region list emptied, so it keeps the storage kind of every other region
    // list (an empty literal would not) and the move pricer's loop over needs sees one array shape.
    const needsNothing = [wholeOn(homeId)];
    needsNothing.pop();
    let maxOutputs = 1;
    let maxInputs = 1;
    for (let k = 0; k < n; k++) {
      const outs = layout.outTensors[k];
      for (const t of outs) {
        outTensor.push(t);
        outNeeds.push(homeRegions);
      }
      // Any tensor of the operator serves as the empty entry's (nothing of it is needed).
      if (outs.length === 0 && layout.inputs[k].length > 0) {
        outTensor.push(layout.inputs[k][0].tensor);
        outNeeds.push(needsNothing);
      }
      outStart[k + 1] = outTensor.length;
      maxOutputs = Math.max(maxOutputs, outs.length);
      maxInputs = Math.max(maxInputs, layout.producerAt[k].length);
    }
    this.outStart = outStart;
    this.outTensor = outTensor;
    this.outNeeds = outNeeds;
    this.table = new Float64Array(maxInputs * PRODUCER_SLOTS * MODES * 4);
    this.filled = new Uint8Array(maxInputs * PRODUCER_SLOTS * MODES);
    this.srcModes = new Int32Array(maxInputs);
    this.outSpan = new Float64Array(maxOutputs * MODES);
    this.outDone = new Uint8Array(maxOutputs * MODES);
  }
}

/** Read-only region lists per partition, shared between operators with the same CPU share. */
function cachedRegions(
  cache: Map<number, Region[]>[],
  needed: boolean,
  m: number,
  f: number,
  cpuId: string,
  gpuId: string,
): Region[] {
  let r = cache[m].get(f);
  if (!r) {
    r = needed ? neededRegions(m as Mode, f, cpuId, gpuId) : heldRegions(m as Mode, f, cpuId, gpuId);
    cache[m].set(f, r);
  }
  return r;
}

/** Numeric id of a region list, numbered in the order first seen. */
function regionIdOf(ids: Map<Region[], number>, r: Region[]): number {
  let id = ids.get(r);
  if (id === undefined) {
    id = ids.size;
    ids.set(r, id);
  }
  return id;
}

/**
 * The DP along the topological order, filling `value` (best total up to position k in state s, at
 * k·MODES + s) and `back` (the previous operator's state on that path), one operator at a time
 * (dpNode: called once per operator, so the engine optimises it within the first plan and every
 * later plan starts with optimised code).
 */
function runDp(dp: DpContext, value: Float64Array, back: Int8Array): void {
  for (let k = 0; k < dp.n; k++) dpNode(dp, k, value, back);
}

/**
 * One DP step: the best total for each partition of the operator at position k over the previous
 * operator's states. Per operator, what one input costs under (producer partition, own partition)
 * depends on nothing else, so it is priced once per combination (lazily, in the order the DP first
 * asks, so the move pricer sees the same first requests): per slot (input x, producer mode + 1, own
 * mode) the CPU and GPU arrival and extra (halo recompute) times.
 */
function dpNode(dp: DpContext, k: number, value: Float64Array, back: Int8Array): void {
  const optMs = dp.optMs;
  // Producer positions (-1: a graph input).
  const producerAt = dp.layout.producerAt[k];
  const nsrc = producerAt.length;
  const table = dp.table;
  const filled = dp.filled;
  filled.fill(0, 0, nsrc * PRODUCER_SLOTS * MODES);
  const srcModes = dp.srcModes;
  const modeOk = dp.modeOk;
  for (let m = 0; m < MODES; m++) {
    const o = (k * MODES + m) * 2;
    modeOk[m] = Number.isFinite(optMs[o]) && Number.isFinite(optMs[o + 1]) ? 1 : 0;
  }
  // Graph outputs go back to the app's CPU: their arrivals, priced once per output and mode.
  const outFirst = dp.outStart[k];
  const outEnd = dp.outStart[k + 1];
  const outSpan = dp.outSpan;
  const outDone = dp.outDone;
  outDone.fill(0, 0, (outEnd - outFirst) * MODES);
  const heldK = dp.heldOf[k];

  for (let prev = k === 0 ? -1 : 0; prev < (k === 0 ? 0 : MODES); prev++) {
    const s = prev;
    const before = k === 0 ? 0 : value[(k - 1) * MODES + s];
    if (k > 0 && !Number.isFinite(before)) continue;
    for (let x = 0; x < nsrc; x++) {
      const p = producerAt[x];
      srcModes[x] = p < 0 ? -1 : modeOnPath(value, back, k - 1, s, p);
    }
    for (let m = 0; m < MODES; m++) {
      if (modeOk[m] === 0) continue;
      const cpuMs = optMs[(k * MODES + m) * 2];
      const gpuMs = optMs[(k * MODES + m) * 2 + 1];
      let cpuReady = 0;
      let gpuReady = 0;
      let cpuExtra = 0;
      let gpuExtra = 0;
      for (let x = 0; x < nsrc; x++) {
        const pm = srcModes[x];
        const slot = (x * PRODUCER_SLOTS + pm + 1) * MODES + m;
        const at = slot * 4;
        if (filled[slot] === 0) {
          // Priced once per slot.
          filled[slot] = 1;
          priceSlot(dp, table, k, x, pm, m, at);
        }
        cpuReady = Math.max(cpuReady, table[at]);
        gpuReady = Math.max(gpuReady, table[at + 1]);
        cpuExtra += table[at + 2];
        gpuExtra += table[at + 3];
      }
      let span = Math.max(
        cpuMs > 0 ? cpuReady + cpuMs + cpuExtra : 0,
        gpuMs > 0 ? gpuReady + gpuMs + gpuExtra : 0,
      );
      // Added one by one (as evaluatePlan adds them, same rounding); an operator without graph
      // outputs adds its one empty entry's 0 ms, which leaves the span as it is.
      for (let j = outFirst; j < outEnd; j++) {
        const at = (j - outFirst) * MODES + m;
        if (outDone[at] === 0) {
          outDone[at] = 1;
          outSpan[at] = dp.pricer.arrivalMs(dp.outTensor[j], heldK[m], dp.outNeeds[j], dp.homeId);
        }
        span += outSpan[at];
      }
      const total = before + span;
      const at = k * MODES + m;
      if (total < value[at]) {
        value[at] = total;
        back[at] = s;
      }
    }
  }
}

/** Partition of the operator at position p on the DP path ending in state s at position k. */
function modeOnPath(value: Float64Array, back: Int8Array, k: number, s: number, p: number): number {
  if (k - p > MAX_WALK_BACK) return argminAt(value, p * MODES);
  let state = s;
  for (let j = k; j > p; j--) state = back[j * MODES + state];
  return state;
}

/**
 * Prices input x of the operator at position k under (producer partition pm, own partition m) into
 * table[at..at+3] as evaluatePlan prices it: CPU and GPU arrival, and halo recompute per side.
 */
function priceSlot(
  dp: DpContext,
  table: Float64Array,
  k: number,
  x: number,
  pm: number,
  m: number,
  at: number,
): void {
  const layout = dp.layout;
  // Read on every call (not only for graph inputs, the first operators' inputs), so the engine has
  // type feedback for these loads whenever it optimises this function.
  const homeRegions = dp.homeRegions;
  const homeRegionId = dp.homeRegionId;
  const cpuMs = dp.optMs[(k * MODES + m) * 2];
  const gpuMs = dp.optMs[(k * MODES + m) * 2 + 1];
  const p = layout.producerAt[k][x];
  const tensor = layout.inputs[k][x].tensor;
  const isData = layout.isData[k][x] === 1;
  const held = p < 0 ? homeRegions : dp.heldOf[p][pm];
  let cpuAt = 0;
  let gpuAt = 0;
  let cpuMore = 0;
  let gpuMore = 0;
  // pm is HSPLIT only for a produced input (p ≥ 0): a graph input's partition is -1.
  if (isData && layout.halo[k] && m === HSPLIT && pm === HSPLIT) {
    // Inside an H chain: halo rows recomputed locally, the rest arrives (as evaluatePlan).
    const core = dp.needsOf[k][m];
    const wide = dp.dataNeedsOf[k][m];
    const producerH = (p * MODES + HSPLIT) * 2;
    if (cpuMs > 0) {
      const r = haloArrival(dp.pricer, tensor, held, core, wide, dp.cpuId, dp.optMs[producerH]);
      cpuAt = r.readyMs;
      cpuMore = r.extraMs;
    }
    if (dp.hasGpu && gpuMs > 0) {
      const r = haloArrival(dp.pricer, tensor, held, core, wide, dp.gpuId, dp.optMs[producerH + 1]);
      gpuAt = r.readyMs;
      gpuMore = r.extraMs;
    }
  } else {
    const needs = isData ? dp.dataNeedsOf[k][m] : dp.needsOf[k][m];
    const sides = (cpuMs > 0 ? 1 : 0) + (dp.hasGpu && gpuMs > 0 ? 2 : 0);
    const heldId = p < 0 ? homeRegionId : dp.heldIds[p * MODES + pm];
    const needsId = (isData ? dp.dataNeedsIds : dp.needsIds)[k * MODES + m];
    const count = dp.regionCount;
    const key = ((layout.inputClass[k][x] * count + heldId) * count + needsId) * 4 + sides;
    const hit = dp.arrivalAt.get(key);
    if (hit !== undefined) {
      cpuAt = dp.arrivals[hit];
      gpuAt = dp.arrivals[hit + 1];
    } else {
      if (cpuMs > 0) cpuAt = dp.pricer.arrivalMs(tensor, held, needs, dp.cpuId);
      if (dp.hasGpu && gpuMs > 0) gpuAt = dp.pricer.arrivalMs(tensor, held, needs, dp.gpuId);
      addArrival(dp, key, cpuAt, gpuAt);
    }
  }
  table[at] = cpuAt;
  table[at + 1] = gpuAt;
  table[at + 2] = cpuMore;
  table[at + 3] = gpuMore;
}

/** Records the (CPU, GPU) arrival times of `key`, growing the flat store when full. */
function addArrival(dp: DpContext, key: number, cpuAt: number, gpuAt: number): void {
  const i = dp.arrivalCount;
  if (i + 2 > dp.arrivals.length) {
    const grown = new Float64Array(dp.arrivals.length * 2);
    grown.set(dp.arrivals);
    dp.arrivals = grown;
  }
  dp.arrivals[i] = cpuAt;
  dp.arrivals[i + 1] = gpuAt;
  dp.arrivalCount = i + 2;
  dp.arrivalAt.set(key, i);
}

/** Whether two plans of one graph place every node the same way (whole-node placements only). */
function samePlacements(a: Plan, b: Plan): boolean {
  for (const [id, p] of Object.entries(a.placements)) {
    const q = b.placements[id];
    if (!('proc' in p) || !q || !('proc' in q) || p.proc !== q.proc || p.computeDType !== q.computeDType)
      return false;
  }
  return Object.keys(a.placements).length === Object.keys(b.placements).length;
}

function costOptions(
  node: Node,
  graph: Graph,
  cpu: Processor,
  gpu: Processor | undefined,
  cost: CostModel,
  base: RunContext,
): Option[] {
  const cpuMs = latencyOn(node, graph, cpu, cost, base);
  const gpuMs = latencyOn(node, graph, gpu, cost, base);
  const out: Option[] = [
    Number.isFinite(cpuMs) ? { cpuMs, gpuMs: 0, fCpu: 1 } : INFEASIBLE,
    Number.isFinite(gpuMs) ? { cpuMs: 0, gpuMs, fCpu: 0 } : INFEASIBLE,
    INFEASIBLE,
    INFEASIBLE,
  ];
  if (!gpu || !Number.isFinite(cpuMs) || !Number.isFinite(gpuMs)) return out;
  if (splitProblem(node, graph, 'OC', 2) === undefined) {
    // Balance on the parts alone (cheap), then price them running together.
    const parts = (f: number): { cpuMs: number; gpuMs: number } =>
      aloneParts(node, graph, cpu, gpu, cost, base, 'OC', f);
    const f = balanceShare(parts, axisLength(node, graph, 'OC'), throughputShare(cpuMs, gpuMs));
    const t = concurrentParts(node, graph, cpu, gpu, cost, base, 'OC', f);
    out[OCSPLIT] = { cpuMs: t.cpuMs, gpuMs: t.gpuMs, fCpu: f };
  }
  // H options are filled per chain (chainRatios): a marker that H is possible.
  if (splitProblem(node, graph, 'H', 2) === undefined) out[HSPLIT] = { cpuMs: 0, gpuMs: 0, fCpu: -1 };
  return out;
}

/**
 * H-split latencies (the parts running together) of the operators of a run at CPU share f, priced
 * once per node class.
 */
function assignChainShare(
  run: number[],
  nodes: Node[],
  nodeClass: ArrayLike<number>,
  options: Option[][],
  graph: Graph,
  cpu: Processor,
  gpu: Processor,
  cost: CostModel,
  base: RunContext,
  f: number,
  memo: PartsMemo,
): void {
  const perClass = partsAt(memo.concurrent, f);
  for (const j of run) {
    const c = nodeClass[j];
    let t = perClass[c];
    if (!t) perClass[c] = t = concurrentParts(nodes[j], graph, cpu, gpu, cost, base, 'H', f);
    options[j][HSPLIT] = { cpuMs: t.cpuMs, gpuMs: t.gpuMs, fCpu: f };
  }
}

/** One CPU share for a run of operators: balances the run's summed CPU and GPU times. */
function chainShare(
  run: number[],
  nodes: Node[],
  nodeClass: ArrayLike<number>,
  options: Option[][],
  graph: Graph,
  cpu: Processor,
  gpu: Processor,
  cost: CostModel,
  base: RunContext,
  memo: PartsMemo,
): number {
  const rows = Math.max(...run.map((k) => axisLength(nodes[k], graph, 'H')));
  let cpuWholeMs = 0;
  let gpuWholeMs = 0;
  for (const k of run) {
    cpuWholeMs += options[k][CPU].cpuMs;
    gpuWholeMs += options[k][GPU].gpuMs;
  }
  const guess = throughputShare(cpuWholeMs, gpuWholeMs);
  return balanceShare(
    (f) => {
      // Summed in run order; each class's parts priced once per share.
      let cpuMs = 0;
      let gpuMs = 0;
      const perClass = partsAt(memo.alone, f);
      for (const k of run) {
        const c = nodeClass[k];
        let t = perClass[c];
        if (!t) perClass[c] = t = aloneParts(nodes[k], graph, cpu, gpu, cost, base, 'H', f);
        cpuMs += t.cpuMs;
        gpuMs += t.gpuMs;
      }
      return { cpuMs, gpuMs };
    },
    rows,
    guess,
  );
}

/** Candidate chains: maximal runs of consecutive H-splittable operators, each with one shared ratio. */
function chainRatios(
  nodes: Node[],
  nodeClass: ArrayLike<number>,
  graph: Graph,
  options: Option[][],
  cpu: Processor,
  gpu: Processor | undefined,
  cost: CostModel,
  base: RunContext,
  memo: PartsMemo,
): Int32Array {
  // Length of the candidate run starting at each position (0 elsewhere).
  const runLength = new Int32Array(nodes.length);
  if (!gpu) return runLength;
  let k = 0;
  while (k < nodes.length) {
    if (options[k][HSPLIT].fCpu !== -1) {
      k++;
      continue;
    }
    const run: number[] = [];
    while (k < nodes.length && options[k][HSPLIT].fCpu === -1) run.push(k++);
    runLength[run[0]] = run.length;
    const f = chainShare(run, nodes, nodeClass, options, graph, cpu, gpu, cost, base, memo);
    assignChainShare(run, nodes, nodeClass, options, graph, cpu, gpu, cost, base, f, memo);
  }
  return runLength;
}

/** The chains the DP kept may be shorter than the candidate runs: give each its own balanced ratio. */
function rebalanceChains(
  nodes: Node[],
  nodeClass: ArrayLike<number>,
  graph: Graph,
  modes: Mode[],
  options: Option[][],
  runLength: Int32Array,
  cpu: Processor,
  gpu: Processor | undefined,
  cost: CostModel,
  base: RunContext,
  memo: PartsMemo,
): void {
  if (!gpu) return;
  let k = 0;
  while (k < nodes.length) {
    if (modes[k] !== HSPLIT) {
      k++;
      continue;
    }
    const run: number[] = [];
    while (k < nodes.length && modes[k] === HSPLIT) run.push(k++);
    if (runLength[run[0]] === run.length) continue; // the whole candidate run: already balanced
    const f = chainShare(run, nodes, nodeClass, options, graph, cpu, gpu, cost, base, memo);
    assignChainShare(run, nodes, nodeClass, options, graph, cpu, gpu, cost, base, f, memo);
  }
}

function placementFor(mode: Mode, opt: Option, cpu: Processor, gpu: Processor | undefined): Placement {
  if (mode === CPU || !gpu) return { proc: cpu.id };
  if (mode === GPU) return { proc: gpu.id };
  return {
    split: {
      axis: mode === HSPLIT ? 'H' : 'OC',
      parts: [
        { proc: cpu.id, fraction: opt.fCpu },
        { proc: gpu.id, fraction: 1 - opt.fCpu },
      ],
    },
  };
}

function wholeOn(proc: string): Region {
  return { proc, axis: 'all', lo: 0, hi: 1 };
}

/** Where an operator's output lives under a partition. */
function heldRegions(mode: Mode, f: number, cpu: string, gpu: string): Region[] {
  switch (mode) {
    case CPU:
      return [wholeOn(cpu)];
    case GPU:
      return [wholeOn(gpu)];
    case HSPLIT:
      return [
        { proc: cpu, axis: 'H', lo: 0, hi: f },
        { proc: gpu, axis: 'H', lo: f, hi: 1 },
      ];
    default:
      return [
        { proc: cpu, axis: 'C', lo: 0, hi: f },
        { proc: gpu, axis: 'C', lo: f, hi: 1 },
      ];
  }
}

/** What an operator needs of each input under a partition: an H part its rows, the others all of it. */
function neededRegions(mode: Mode, f: number, cpu: string, gpu: string): Region[] {
  // Where a whole op or an H part reads is where it writes; an OC part needs the whole input.
  return mode === CPU || mode === GPU || mode === HSPLIT
    ? heldRegions(mode, f, cpu, gpu)
    : [wholeOn(cpu), wholeOn(gpu)];
}

/**
 * evaluatePlan's halo rule for an H part on `proc` reading an H-split producer (held as `held`, its
 * part on `proc` taking `localMs`): rows of another processor's piece that lie only in the halo
 * (outside the part's own rows `core`) are recomputed locally — extra compute localMs × share /
 * fraction, no move — while a piece that also holds some of the part's own rows is moved, halo
 * included (`wide`). Without a producer part on `proc`, everything is moved.
 */
function haloArrival(
  pricer: MovePricer,
  t: TensorInfo,
  held: readonly Region[],
  core: readonly Region[],
  wide: readonly Region[],
  proc: string,
  localMs: number,
): { readyMs: number; extraMs: number } {
  let local: Region | undefined;
  for (const h of held) {
    if (h.proc === proc && h.axis === 'H' && h.hi > h.lo) {
      local = h;
      break;
    }
  }
  if (!local || !Number.isFinite(localMs))
    return { readyMs: pricer.arrivalMs(t, held, wide, proc), extraMs: 0 };
  let readyMs = 0;
  let extraMs = 0;
  for (let j = 0; j < wide.length; j++) {
    const need = wide[j];
    if (need.proc !== proc) continue;
    for (const have of held) {
      if (have.proc === proc) continue;
      const share = overlapShare(have, need);
      if (share <= 0) continue;
      if (overlapShare(have, core[j]) <= 0) extraMs += (localMs * share) / (local.hi - local.lo);
      else readyMs = Math.max(readyMs, pricer.moveMs(t, have.proc, proc, share));
    }
  }
  return { readyMs, extraMs };
}

/** An H need widened by a window's halo (shares of the input), clamped to [0, 1]. */
function widen(needs: Region[], halo: Halo): Region[] {
  // Built region by region, property by property in Region's order: the same object and array
  // shapes as the other region lists (heldRegions), so the move pricer's loops see one shape.
  const out: Region[] = [];
  for (const r of needs) {
    out.push(
      r.axis === 'H'
        ? {
            proc: r.proc,
            axis: r.axis,
            lo: Math.max(0, r.lo - halo.before),
            hi: Math.min(1, r.hi + halo.after),
          }
        : r,
    );
  }
  return out;
}

/** Non-constant input tensors of a node with the index of their producer (undefined: graph input). */
function tensorInputs(node: Node, graph: Graph): { tensor: TensorInfo; producer: number | undefined }[] {
  const out: { tensor: TensorInfo; producer: number | undefined }[] = [];
  const seen = new Set<string>();
  for (const name of nodeInputs(node)) {
    const t = name ? graph.tensors.get(name) : undefined;
    if (!t || t.constant || seen.has(name)) continue;
    seen.add(name);
    out.push({ tensor: t, producer: producerIndex(graph, name) });
  }
  return out;
}

/** Per graph (graphs are immutable): the topological order, and per position the inputs and their producers' positions. */
interface Layout {
  order: number[];
  /** Non-constant input tensors of the operator at each position (tensorInputs). */
  inputs: { tensor: TensorInfo; producer: number | undefined }[][];
  /** Position of each input's producer (-1: a graph input). */
  producerAt: Int32Array[];
  /** Per input, 1 when it is the operator's data input (input 0, the one a window reads with halo). */
  isData: Uint8Array[];
  /** Per input, its move class (moveClasses). */
  inputClass: Int32Array[];
  /** The operator's H halo (windowHalo), per position. */
  halo: (Halo | undefined)[];
  /** The operator's outputs that are graph outputs (they go back to the app's CPU), per position. */
  outTensors: TensorInfo[][];
}

const layoutCache = new WeakMap<Graph, Layout>();

function graphLayout(graph: Graph): Layout {
  let layout = layoutCache.get(graph);
  if (!layout) {
    const order = topologicalOrder(graph, dependencies(graph));
    const positionOf = new Map<number, number>(order.map((i, k) => [i, k]));
    const inputs = order.map((i) => tensorInputs(graph.nodes[i], graph));
    const producerAt = inputs.map(
      (ins) =>
        new Int32Array(
          ins.map(({ producer }) => (producer === undefined ? -1 : (positionOf.get(producer) ?? 0))),
        ),
    );
    const moveClass = moveClasses(graph);
    const outputs = new Set(graph.outputs);
    const nodes = order.map((i) => graph.nodes[i]);
    layout = {
      order,
      inputs,
      producerAt,
      isData: inputs.map(
        (ins, k) => new Uint8Array(ins.map(({ tensor }) => (tensor.name === nodes[k].inputs[0] ? 1 : 0))),
      ),
      inputClass: inputs.map((ins) => new Int32Array(ins.map(({ tensor }) => moveClass.of(tensor)))),
      halo: nodes.map((node) => windowHalo(node, graph, 'H')),
      outTensors: nodes.map((node) =>
        node.outputs.flatMap((out) => {
          const t = outputs.has(out) ? graph.tensors.get(out) : undefined;
          return t ? [t] : [];
        }),
      ),
    };
    layoutCache.set(graph, layout);
  }
  return layout;
}

/** Per graph (graphs are immutable): tensors numbered by what a move's price depends on (MovePricer). */
interface MoveClasses {
  of(t: TensorInfo): number;
}

const moveClassCache = new WeakMap<Graph, MoveClasses>();

function moveClasses(graph: Graph): MoveClasses {
  let classes = moveClassCache.get(graph);
  if (!classes) {
    const byKey = new Map<string, number>();
    const byTensor = new Map<TensorInfo, number>();
    classes = {
      of(t: TensorInfo): number {
        let c = byTensor.get(t);
        if (c === undefined) {
          const key = `${t.dtype}|${t.shape?.join(',') ?? '?'}`;
          c = byKey.get(key);
          if (c === undefined) byKey.set(key, (c = byKey.size));
          byTensor.set(t, c);
        }
        return c;
      },
    };
    moveClassCache.set(graph, classes);
  }
  return classes;
}

const nodeIndexCache = new WeakMap<Graph, Map<string, number>>();

/** Index in `graph.nodes` of the node with id `id` (per graph, computed once). */
function nodeIndexById(graph: Graph, id: string): number | undefined {
  let map = nodeIndexCache.get(graph);
  if (!map) {
    map = new Map(graph.nodes.map((node, i) => [node.id, i]));
    nodeIndexCache.set(graph, map);
  }
  return map.get(id);
}

const producerCache = new WeakMap<Graph, Map<string, number>>();

function producerIndex(graph: Graph, tensor: string): number | undefined {
  let map = producerCache.get(graph);
  if (!map) {
    map = dependencies(graph).producer;
    producerCache.set(graph, map);
  }
  return map.get(tensor);
}

/** Index (0..MODES-1) of the smallest of the MODES values from `at` (the first on ties). */
function argminAt(values: Float64Array, at: number): number {
  let best = 0;
  for (let s = 1; s < MODES; s++) if (values[at + s] < values[at + best]) best = s;
  return best;
}

function countChains(
  nodes: Node[],
  placements: Record<string, Placement>,
): { count: number; longest: number } {
  let count = 0;
  let longest = 0;
  let run = 0;
  for (const node of nodes) {
    const p = placements[node.id];
    if ('split' in p && p.split.axis === 'H') {
      if (run === 0) count++;
      run++;
      longest = Math.max(longest, run);
    } else run = 0;
  }
  return { count, longest };
}

/**
 * Everything on the faster processor of the pair (by summed operator latency), with operators it
 * cannot run on the other one.
 */
function fasterSingle(
  graph: Graph,
  device: Device,
  cost: CostModel,
  nodes: Node[],
  options: Option[][],
  cpu: Processor,
  gpu: Processor | undefined,
  opts: PlanOptions,
): { plan: Plan; proc: string } | undefined {
  if (!gpu) return undefined;
  let cpuMs = 0;
  let gpuMs = 0;
  options.forEach((opt) => {
    cpuMs += Number.isFinite(opt[CPU].cpuMs) ? opt[CPU].cpuMs : opt[GPU].gpuMs;
    gpuMs += Number.isFinite(opt[GPU].gpuMs) ? opt[GPU].gpuMs : opt[CPU].cpuMs;
  });
  const main = gpuMs <= cpuMs ? gpu : cpu;
  const other = main === gpu ? cpu : gpu;
  const placements: Record<string, Placement> = {};
  const fallbacks: string[] = [];
  for (const [k, node] of nodes.entries()) {
    const runsOnMain =
      main === gpu ? Number.isFinite(options[k][GPU].gpuMs) : Number.isFinite(options[k][CPU].cpuMs);
    placements[node.id] = { proc: (runsOnMain ? main : other).id };
    if (!runsOnMain) fallbacks.push(node.id);
  }
  const plan = makePlan(graph, device, 'codl', placements, {
    objective: opts.objective ?? 'latency',
    notes: [`all operators on ${main.id}${fallbacks.length ? `, ${fallbacks.length} on ${other.id}` : ''}`],
    ...(fallbacks.length && main === gpu ? { fallbacks } : {}),
  });
  return { plan, proc: main.id };
}

/**
 * Every op that both processors run and that can be split by rows gets the same [CPU share, GPU
 * rest] H split, so consecutive ops keep their rows on their side (one chain, no sync inside); the
 * rest stays where the single-processor plan put it. The share balances the chain's total time on
 * the two sides' predicted chain time (CoDL's ratio from the latency predictor, halved for the chain's
 * end transfers and contention); it is judged by evaluatePlan's rules, and dropped as soon as it
 * cannot beat `limitMs` (the better of the DP's plan and the single processor).
 */
function uniformChain(
  graph: Graph,
  device: Device,
  cost: CostModel,
  co: CoExecutionInternals,
  single: Plan,
  ctx: { context: RunContext; trace: boolean },
  limitMs: number,
): { plan: Plan; ms: number; share: number } | undefined {
  const { cpu, gpu, chainable } = co;
  if (!gpu) return undefined;
  // Chain members (both processors run them, splittable by rows) and their whole-op times per side.
  if (!chainable.some((c) => c !== undefined)) return undefined;
  let cpuMs = 0;
  let gpuMs = 0;
  for (const c of chainable) {
    if (c) {
      cpuMs += c.cpuMs;
      gpuMs += c.gpuMs;
    }
  }
  // Equal finish times would give share · cpuMs = (1 − share) · gpuMs; the chain's end transfers and
  // the two sides' DRAM contention make the best share smaller, and half the balanced share is where
  // it lands on the CoDL model set (one evaluation keeps codl within its planning-time budget).
  const share = Math.round((gpuMs / (cpuMs + gpuMs) / 2) * 1000) / 1000;
  if (!(share > 0 && share < 1)) return undefined;
  // The single plan's placements with the chain members split, built key by key in the single
  // plan's order (the same object as spreading and overwriting it; spreading a 1,000-key object
  // costs far more in a fresh process).
  const placements: Record<string, Placement> = {};
  for (const [id, p] of Object.entries(single.placements)) {
    const i = nodeIndexById(graph, id);
    placements[id] =
      i !== undefined && chainable[i] !== undefined
        ? {
            split: {
              axis: 'H',
              parts: [
                { proc: cpu.id, fraction: share },
                { proc: gpu.id, fraction: 1 - share },
              ],
            },
          }
        : p;
  }
  const plan = makePlan(graph, device, 'codl', placements, { objective: single.objective });
  const ms = latencyBelow(plan, graph, device, cost, limitMs, ctx);
  return ms === undefined ? undefined : { plan, ms, share };
}
