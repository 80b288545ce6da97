// CoDL: F. Jia, D. Zhang, T. Cao, S. Jiang, Y. Liu, J. Ren, Y. Zhang, "CoDL: Efficient CPU-GPU
// Co-execution for Deep Learning Inference on Mobile Devices", MobiSys 2022.
//
// What is reproduced: per operator a choice among CPU only, GPU only, an H (output rows) split and an
// OC (output channels) split between the CPU big cluster and the GPU — hybrid-dimension partitioning —
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
// (4) one CPU cluster (`cpu-big`, see splitPair); CoDL's hybrid-type data sharing is the cost model's
// default per-processor dtypes (fp32 CPU, fp16 GPU) with one conversion pass per transfer.
import type { CostModel, RunContext } from '../../cost/types.js';
import { dependencies, nodeInputs, topologicalOrder } from '../../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { evaluatePlan, homeProcessor, latencyBelow } from '../evaluate.js';
import { canRun, makePlan, usableProcessors } from '../make-plan.js';
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
  splitPair,
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

/** Past this many steps back, a skip connection's producer takes its best partition, not the path's. */
const MAX_WALK_BACK = 256;

interface Option {
  cpuMs: number;
  gpuMs: number;
  /** CPU share (1 for CPU only, 0 for GPU only). */
  fCpu: number;
}

/** Part latencies per node class and CPU share ("a…" alone, "c…" concurrent), within one plan call. */
type PartsMemo = Map<string, { cpuMs: number; gpuMs: number }>;

const INFEASIBLE: Option = { cpuMs: Infinity, gpuMs: Infinity, fCpu: 0 };

/** CoDL's co-execution plan from the DP alone, with the DP's own latency estimate (before the check). */
export interface CoExecution {
  plan: Plan;
  estimateMs: number;
  /** Everything on the faster processor of the pair; absent without a usable GPU. */
  single?: { plan: Plan; proc: string };
}

export const codl: Strategy = {
  name: 'codl',
  cites: CITES,
  plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
    const base: RunContext = planContext(opts);
    const { plan, single } = coExecutionPlan(graph, device, cost, opts);
    // CoDL never does worse than its own single-processor candidate.
    if (!single) return plan;
    const ctx = { context: base, trace: false };
    const coMs = evaluatePlan(plan, graph, device, cost, ctx).latencyMs;
    const singleMs = evaluatePlan(single.plan, graph, device, cost, ctx).latencyMs;
    // CoDL's operator chains share one ratio; the DP looks one op back, so also try the plain chain
    // where every H-splittable op runs at the same CPU share (a few shares, each judged in full).
    const chain = bestUniformChain(graph, device, cost, opts, single.plan, ctx, Math.min(coMs, singleMs));
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
  const { cpu, gpu } = splitPair(device, opts);
  const base: RunContext = planContext(opts);
  const deps = dependencies(graph);
  const order = topologicalOrder(graph, deps);
  const nodes = order.map((i) => graph.nodes[i]);
  const n = nodes.length;
  const home = homeProcessor(device);
  const outputs = new Set(graph.outputs);

  // Latency options per operator and partition, costed once.
  // Nodes the cost model cannot tell apart get the same options (node-classes.ts): cost one per class.
  const { classOf, representative } = nodeClasses(graph);
  const classOptions = representative.map((i) => costOptions(graph.nodes[i], graph, cpu, gpu, cost, base));
  const nodeClass = order.map((i) => classOf[i]);
  const options: Option[][] = nodeClass.map((c) => classOptions[c].slice());
  const memo: PartsMemo = new Map();
  const runLength = chainRatios(nodes, nodeClass, graph, options, cpu, gpu, cost, base, memo);

  const pricer = new MovePricer(device, cost);
  const positionOf = new Map<number, number>(order.map((i, k) => [i, k]));
  // Where each operator's output lives, and what it needs of its inputs, per partition (fixed shares).
  const gpuId = gpu?.id ?? cpu.id;
  const heldOf = options.map((o) => o.map((opt, m) => heldRegions(m as Mode, opt.fCpu, cpu.id, gpuId)));
  const needsOf = options.map((o) => o.map((opt, m) => neededRegions(m as Mode, opt.fCpu, cpu.id, gpuId)));
  // What an H part needs of its data input (input 0): its rows widened by the window's halo.
  const dataNeedsOf = needsOf.map((needs, k) => {
    const halo = windowHalo(nodes[k], graph, 'H');
    return halo ? needs.map((r, m) => (m === HSPLIT ? widen(r, halo) : r)) : needs;
  });
  const homeRegions = [wholeOn(home.id)];

  // DP over the topological order; state = partition of the operator at position k.
  const value: Float64Array[] = nodes.map(() => new Float64Array(MODES).fill(Infinity));
  const back: Int8Array[] = nodes.map(() => new Int8Array(MODES).fill(-1));
  /** Partition of the operator at position p on the DP path ending in state s at position k. */
  const modeOnPath = (k: number, s: number, p: number): number => {
    if (k - p > MAX_WALK_BACK) return argmin(value[p]);
    let state = s;
    for (let j = k; j > p; j--) state = back[j][state];
    return state;
  };

  for (let k = 0; k < n; k++) {
    const node = nodes[k];
    const inputs = tensorInputs(node, graph);
    // Producer positions (-1: a graph input), and where each input is held behind the state.
    const producerAt = inputs.map(({ producer }) =>
      producer === undefined ? -1 : (positionOf.get(producer) ?? 0),
    );
    const sources = inputs.map(({ tensor }) => ({
      tensor,
      regions: homeRegions,
      data: tensor.name === node.inputs[0],
      // The producer's H option when it is H-split on the path (its parts' latencies), else undefined.
      hProducer: undefined as Option | undefined,
    }));
    const halo = windowHalo(node, graph, 'H');
    for (let prev = k === 0 ? -1 : 0; prev < (k === 0 ? 0 : MODES); prev++) {
      const s = prev;
      if (k > 0 && !Number.isFinite(value[k - 1][s])) continue;
      for (let x = 0; x < sources.length; x++) {
        const p = producerAt[x];
        const mode = p < 0 ? -1 : modeOnPath(k - 1, s, p);
        sources[x].regions = p < 0 ? homeRegions : heldOf[p][mode as Mode];
        sources[x].hProducer = mode === HSPLIT ? options[p][HSPLIT] : undefined;
      }
      const before = k === 0 ? 0 : value[k - 1][s];
      for (let m = 0 as Mode; m < MODES; m = (m + 1) as Mode) {
        const opt = options[k][m];
        if (!Number.isFinite(opt.cpuMs) || !Number.isFinite(opt.gpuMs)) continue;
        let cpuReady = 0;
        let gpuReady = 0;
        let cpuExtra = 0;
        let gpuExtra = 0;
        for (const src of sources) {
          if (src.data && halo && m === HSPLIT && src.hProducer) {
            // Inside an H chain: halo rows recomputed locally, the rest arrives (as evaluatePlan).
            const hp = src.hProducer;
            const core = needsOf[k][m];
            const wide = dataNeedsOf[k][m];
            if (opt.cpuMs > 0) {
              const r = haloArrival(pricer, src.tensor, src.regions, core, wide, cpu.id, hp.cpuMs);
              cpuReady = Math.max(cpuReady, r.readyMs);
              cpuExtra += r.extraMs;
            }
            if (gpu && opt.gpuMs > 0) {
              const r = haloArrival(pricer, src.tensor, src.regions, core, wide, gpu.id, hp.gpuMs);
              gpuReady = Math.max(gpuReady, r.readyMs);
              gpuExtra += r.extraMs;
            }
            continue;
          }
          const needs = src.data ? dataNeedsOf[k][m] : needsOf[k][m];
          if (opt.cpuMs > 0) {
            cpuReady = Math.max(cpuReady, pricer.arrivalMs(src.tensor, src.regions, needs, cpu.id));
          }
          if (gpu && opt.gpuMs > 0) {
            gpuReady = Math.max(gpuReady, pricer.arrivalMs(src.tensor, src.regions, needs, gpu.id));
          }
        }
        let span = Math.max(
          opt.cpuMs > 0 ? cpuReady + opt.cpuMs + cpuExtra : 0,
          opt.gpuMs > 0 ? gpuReady + opt.gpuMs + gpuExtra : 0,
        );
        // Graph outputs go back to the app's CPU.
        for (const out of node.outputs) {
          const t = outputs.has(out) ? graph.tensors.get(out) : undefined;
          if (!t) continue;
          span += pricer.arrivalMs(t, heldOf[k][m], homeRegions, home.id);
        }
        const total = before + span;
        if (total < value[k][m]) {
          value[k][m] = total;
          back[k][m] = s;
        }
      }
    }
  }

  const placements: Record<string, Placement> = {};
  const counts = [0, 0, 0, 0];
  let unrunnable = 0;
  const estimateMs = n > 0 ? Math.min(...value[n - 1]) : 0;
  if (n > 0 && Number.isFinite(Math.min(...value[n - 1]))) {
    let state = argmin(value[n - 1]);
    const modes = new Array<Mode>(n);
    for (let k = n - 1; k >= 0; k--) {
      modes[k] = state as Mode;
      state = back[k][state];
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
  notes.push(
    `partitions: ${MODE_NAMES.map((name, m) => `${name} ${counts[m]}`).join(', ')}; ` +
      `${chains.count} H chains (longest ${chains.longest} operators)`,
  );
  if (unrunnable > 0) notes.push(`${unrunnable} operators run on neither ${cpu.id} nor the GPU`);
  const plan = makePlan(graph, device, 'codl', placements, { objective: opts.objective ?? 'latency', notes });
  const single = fasterSingle(graph, device, cost, nodes, options, cpu, gpu, opts);
  return single ? { plan, estimateMs, single } : { plan, estimateMs };
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
    out[OCSPLIT] = { ...concurrentParts(node, graph, cpu, gpu, cost, base, 'OC', f), fCpu: f };
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
  for (const j of run) {
    const key = `c${nodeClass[j]}|${f}`;
    let t = memo.get(key);
    if (!t) memo.set(key, (t = concurrentParts(nodes[j], graph, cpu, gpu, cost, base, 'H', f)));
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
      for (const k of run) {
        const key = `a${nodeClass[k]}|${f}`;
        let t = memo.get(key);
        if (!t) memo.set(key, (t = aloneParts(nodes[k], graph, cpu, gpu, cost, base, 'H', f)));
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
  const local = held.find((h) => h.proc === proc && h.axis === 'H' && h.hi > h.lo);
  if (!local || !Number.isFinite(localMs))
    return { readyMs: pricer.arrivalMs(t, held, wide, proc), extraMs: 0 };
  let readyMs = 0;
  let extraMs = 0;
  wide.forEach((need, j) => {
    if (need.proc !== proc) return;
    for (const have of held) {
      if (have.proc === proc) continue;
      const share = overlapShare(have, need);
      if (share <= 0) continue;
      if (overlapShare(have, core[j]) <= 0) extraMs += (localMs * share) / (local.hi - local.lo);
      else readyMs = Math.max(readyMs, pricer.moveMs(t, have.proc, proc, share));
    }
  });
  return { readyMs, extraMs };
}

/** An H need widened by a window's halo (shares of the input), clamped to [0, 1]. */
function widen(needs: Region[], halo: Halo): Region[] {
  return needs.map((r) =>
    r.axis === 'H' ? { ...r, lo: Math.max(0, r.lo - halo.before), hi: Math.min(1, r.hi + halo.after) } : r,
  );
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

const producerCache = new WeakMap<Graph, Map<string, number>>();

function producerIndex(graph: Graph, tensor: string): number | undefined {
  let map = producerCache.get(graph);
  if (!map) {
    map = dependencies(graph).producer;
    producerCache.set(graph, map);
  }
  return map.get(tensor);
}

function argmin(values: Float64Array): number {
  let best = 0;
  for (let s = 1; s < values.length; s++) if (values[s] < values[best]) best = s;
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
function bestUniformChain(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions,
  single: Plan,
  ctx: { context: RunContext; trace: boolean },
  limitMs: number,
): { plan: Plan; ms: number; share: number } | undefined {
  const { cpu, gpu } = splitPair(device, opts);
  if (!gpu) return undefined;
  // Per node class (same op, attributes and shapes): whether it joins the chain, and its time per side.
  const { classOf, representative } = nodeClasses(graph);
  const perClass = representative.map((i) => {
    const n = graph.nodes[i];
    const joins =
      canRun(n, graph, cpu, cost) && canRun(n, graph, gpu, cost) && !splitProblem(n, graph, 'H', 2);
    return joins
      ? {
          cpuMs: cost.opLatencyMs(n, graph, cpu, ctx.context),
          gpuMs: cost.opLatencyMs(n, graph, gpu, ctx.context),
        }
      : undefined;
  });
  const splittable = graph.nodes.filter((_, i) => perClass[classOf[i]] !== undefined);
  if (splittable.length === 0) return undefined;
  let cpuMs = 0;
  let gpuMs = 0;
  graph.nodes.forEach((_, i) => {
    const c = perClass[classOf[i]];
    if (c) {
      cpuMs += c.cpuMs;
      gpuMs += c.gpuMs;
    }
  });
  // Equal finish times would give share · cpuMs = (1 − share) · gpuMs; the chain's end transfers and
  // the two sides' DRAM contention make the best share smaller, and half the balanced share is where
  // it lands on the CoDL model set (one evaluation keeps codl within its planning-time budget).
  const share = Math.round((gpuMs / (cpuMs + gpuMs) / 2) * 1000) / 1000;
  if (!(share > 0 && share < 1)) return undefined;
  const placements: Record<string, Placement> = { ...single.placements };
  for (const n of splittable) {
    placements[n.id] = {
      split: {
        axis: 'H',
        parts: [
          { proc: cpu.id, fraction: share },
          { proc: gpu.id, fraction: 1 - share },
        ],
      },
    };
  }
  const plan = makePlan(graph, device, 'codl', placements, { objective: single.objective });
  const ms = latencyBelow(plan, graph, device, cost, limitMs, ctx);
  return ms === undefined ? undefined : { plan, ms, share };
}
