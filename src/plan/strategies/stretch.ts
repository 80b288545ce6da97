// stretch — model branching, after NN-Stretch: J. Wei, T. Cao, S. Cao, S. Jiang, S. Fu, M. Yang,
// Y. Zhang, Y. Liu, "NN-Stretch: Automatic Neural Network Branching for Parallel Inference on
// Heterogeneous Multi-Processors", MobiSys 2023. NN-Stretch changes the model itself: a long, narrow
// sequential model becomes a short, wide one whose front part is split into parallel branches, one
// per processor, each scaled to its processor's speed, converging into the unchanged rest of the
// model; the branched model is retrained to recover (or improve) accuracy. The plan then runs each
// branch on its processor at the same time.
//
// What is reproduced: `rewrite` finds the model's frontend — the chain of convolutions,
// normalisations, activations and pools that starts at the image input with no side exits — and
// replaces a prefix of it by N branches. Every branch reads the full input and repeats the prefix's
// layers with a share of their channels (widths scale with the processor's speed, so the branches
// finish together); a Concat on channels merges them into the tensor the original prefix produced, so
// the tail is untouched and the output shape stays the same. Where the branching ends and which
// processors get a branch are chosen with a latency estimate from the cost model (balanced branch
// times + moving each branch's output to the tail processor + the tail there); `plan` puts each
// branch on its processor and the merge and tail on the best tail processor, falling back to the CPU
// for ops it cannot run.
//
// Simplifications (documented for the reader of the plan):
//  - Branch width: channels are divided between branches (their sum is the original width), rather
//    than NN-Stretch's searched per-branch width and depth scaling; branches keep the prefix's depth.
//    An inner group-1 convolution shrinks in both Cin and Cout, so the branched prefix does less work
//    than the original (the "grouped" effect); depthwise convolutions follow their branch's width.
//  - Where branching ends: at a block boundary (before a Conv, or the end of the chain) of the
//    sequential frontend only; branches never span residual additions or concatenations.
//  - Merge: Concat along channels. NN-Stretch's accuracy constraints (keeping the skeleton and each
//    branch's expressiveness) are not modelled: accuracy must be re-validated after retraining.
//  - New weights are weightless (shape only), like zoo models: the rewritten model can be costed,
//    planned and exported, not run with meaningful outputs until it is retrained.
import type { CostModel, RunContext } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import { dependencies, nodeInputs, topologicalOrder } from '../../graph/dag.js';
import { inferShapes } from '../../graph/shape-inference.js';
import type { AttrValue, Graph, Node, TensorInfo } from '../../graph/types.js';
import { tensorBytes } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { evaluatePlan, homeProcessor } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import type { Placement, Plan, PlanOptions, Strategy } from '../types.js';
import { latencyLookup } from '../node-classes.js';
import { planContext } from './chains.js';

/** Ops that act per channel (or per output channel), so a branch can run them on its share. */
const CHANNELWISE = new Set([
  'Conv',
  'BatchNormalization',
  'Relu',
  'Clip',
  'LeakyRelu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Elu',
  'Selu',
  'Softplus',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
]);

/** Node ids of a branch start with this prefix followed by the processor id and a slash. */
export const STRETCH_BRANCH_PREFIX = 'stretch:';
/** Id of the Concat that merges the branches. */
export const STRETCH_MERGE_ID = 'stretch/merge';
/** Most branches considered (one per processor). */
const MAX_BRANCHES = 4;
/** Smallest share of the channels a branch may get. */
const MIN_SHARE = 0.1;
/**
 * Decisions (by estimate) that are built and evaluated for real before one is chosen; big graphs
 * take the estimate's first choice (each rewrite re-infers shapes and re-costs the whole graph).
 */
const SHORTLIST = 3;
const SHORTLIST_MAX_NODES = 500;
/** Tail processors (by their time alone) whose plans are evaluated. */
const TAIL_CHOICES = 2;

interface Frontend {
  /** The chain, in order; chain[0] is a group-1 Conv reading `input`. */
  chain: Node[];
  input: string;
  /** Prefix lengths the branching may end after (block boundaries). */
  ends: number[];
}

interface Decision {
  end: number;
  procs: Processor[];
  shares: number[];
  tail: Processor;
  estimateMs: number;
}

function groupOf(node: Node): number {
  const g = node.attrs.group;
  return typeof g === 'number' ? g : 1;
}

function channels(graph: Graph, tensor: string): number | undefined {
  const c = graph.tensors.get(tensor)?.shape?.[1];
  return typeof c === 'number' ? c : undefined;
}

/** The sequential frontend of the model, or undefined when it has none worth branching. */
function findFrontend(graph: Graph): Frontend | undefined {
  const deps = dependencies(graph);
  const order = topologicalOrder(graph, deps);
  const readers = new Map<string, number>();
  for (const n of graph.nodes)
    for (const i of new Set(nodeInputs(n))) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of graph.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  const constantInputs = (n: Node): boolean =>
    n.inputs.slice(1).every((name) => name === '' || graph.tensors.get(name)?.constant === true);

  const first = order
    .map((i) => graph.nodes[i])
    .find(
      (n) =>
        n.op === 'Conv' &&
        groupOf(n) === 1 &&
        graph.inputs.includes(n.inputs[0]) &&
        graph.tensors.get(n.inputs[0])?.shape?.length === 4 &&
        constantInputs(n),
    );
  if (!first) return undefined;
  const chain: Node[] = [first];
  for (;;) {
    const cur = chain[chain.length - 1];
    const out = cur.outputs.filter((o) => o !== '');
    if (out.length !== 1 || graph.outputs.includes(out[0]) || readers.get(out[0]) !== 1) break;
    const succ = deps.succs[graph.nodes.indexOf(cur)];
    if (succ.length !== 1) break;
    const next = graph.nodes[succ[0]];
    if (!CHANNELWISE.has(next.op) || next.inputs[0] !== out[0] || !constantInputs(next)) break;
    if (next.subgraphs) break;
    if (next.op === 'Conv') {
      const g = groupOf(next);
      const cin = channels(graph, out[0]);
      const cout = channels(graph, next.outputs[0]);
      if (g !== 1 && !(g === cin && g === cout)) break;
    }
    chain.push(next);
  }
  const ends: number[] = [];
  chain.forEach((n, k) => {
    const next = chain[k + 1];
    if ((next === undefined || next.op === 'Conv') && channels(graph, n.outputs[0]) !== undefined) {
      ends.push(k + 1);
    }
  });
  return ends.length > 0 ? { chain, input: first.inputs[0], ends } : undefined;
}

/** Integer widths summing to `total`, proportional to `shares`, each at least 1 (total ≥ shares). */
export function branchWidths(total: number, shares: number[]): number[] {
  const raw = shares.map((s) => s * total);
  const widths = raw.map((r) => Math.max(1, Math.floor(r)));
  let left = total - widths.reduce((a, b) => a + b, 0);
  const byFraction = raw.map((r, b) => ({ b, f: r - Math.floor(r) })).sort((x, y) => y.f - x.f);
  for (let k = 0; left > 0; k = (k + 1) % widths.length, left--) widths[byFraction[k].b]++;
  while (left < 0) {
    const widest = widths.indexOf(Math.max(...widths));
    widths[widest]--;
    left++;
  }
  return widths;
}

/**
 * How a chain node's time scales with a branch's share s: an inner group-1 Conv shrinks in input and
 * output channels (s²); the first Conv reads the full input and everything else is per channel (s).
 */
function exponent(node: Node, k: number): 1 | 2 {
  return node.op === 'Conv' && k > 0 && groupOf(node) === 1 ? 2 : 1;
}

/** Branch shares that equalise estimated branch times (a·s + q·s² + d each), by bisection on the time. */
function balance(terms: { a: number; q: number; d: number }[]): { shares: number[]; timeMs: number } {
  const shareAt = (t: { a: number; q: number; d: number }, timeMs: number): number => {
    const c = timeMs - t.d;
    if (c <= 0) return 0;
    if (t.q <= 1e-12) return t.a > 0 ? c / t.a : 1;
    return (-t.a + Math.sqrt(t.a * t.a + 4 * t.q * c)) / (2 * t.q);
  };
  let lo = 0;
  let hi = Math.max(...terms.map((t) => t.a + t.q + t.d));
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const sum = terms.reduce((s, t) => s + shareAt(t, mid), 0);
    if (sum >= 1) hi = mid;
    else lo = mid;
  }
  const raw = terms.map((t) => shareAt(t, hi));
  const sum = raw.reduce((a, b) => a + b, 0) || 1;
  return { shares: raw.map((s) => s / sum), timeMs: hi };
}

/**
 * Where branching may end, which processors branch and their shares: the SHORTLIST best choices by a
 * latency estimate (balanced branch times + moving branch outputs to the tail processor + the tail).
 */
function decide(
  graph: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions,
  front: Frontend,
): Decision[] {
  const procs = usableProcessors(device, opts);
  const home = homeProcessor(device);
  const ctx: RunContext = planContext(opts);
  const lat = latencyLookup(graph, cost, ctx);
  const fixedPartMs = (n: Node, p: Processor): number =>
    cost.opLatencyMs(n, graph, p, { ...ctx, split: { axis: n.op === 'Conv' ? 'OC' : 'C', fraction: 1e-3 } });
  const capable = procs.filter((p) => front.chain.every((n) => Number.isFinite(lat(n, p))));
  if (capable.length < 2) return [];

  // Tail on processor m, every op it cannot run falling back to the home CPU.
  const fallbackMs = (n: Node, m: Processor): number => {
    const ms = lat(n, m);
    return Number.isFinite(ms) ? ms : lat(n, home);
  };
  const tailProcs = procs.includes(home) ? procs : [...procs, home];
  const wholeMs = tailProcs.map((m) => graph.nodes.reduce((s, n) => s + fallbackMs(n, m), 0));
  const input = graph.tensors.get(front.input);

  const found: Decision[] = [];
  for (const end of front.ends) {
    const prefix = front.chain.slice(0, end);
    const endTensor = graph.tensors.get(prefix[prefix.length - 1].outputs[0]);
    const endChannels = channels(graph, prefix[prefix.length - 1].outputs[0]) ?? 0;
    if (!endTensor || endChannels < 2) continue;
    const endBytes = tensorBytes(endTensor) ?? 0;
    // Per processor: the prefix's latency by scaling exponent, and moving the input in.
    const terms = capable.map((p) => {
      let a = 0;
      let q = 0;
      let d = input && p.id !== home.id ? cost.syncMs(home, p) + cost.transferMs(input, home, p) : 0;
      prefix.forEach((n, k) => {
        // What does not shrink with the width (dispatch, fixed costs) stays; the rest scales.
        const fixedMs = Math.min(lat(n, p), fixedPartMs(n, p));
        d += fixedMs;
        if (exponent(n, k) === 2) q += lat(n, p) - fixedMs;
        else a += lat(n, p) - fixedMs;
      });
      return { p, a, q, d };
    });
    // Fastest processors first; try the best 2..MAX_BRANCHES of them.
    terms.sort((x, y) => x.a + x.q + x.d - (y.a + y.q + y.d));
    for (let count = 2; count <= Math.min(MAX_BRANCHES, terms.length, endChannels); count++) {
      const chosen = terms.slice(0, count);
      const { shares, timeMs } = balance(chosen);
      // A sliver of a branch is not worth a processor (NN-Stretch scales branches, never to nothing).
      if (Math.min(...shares) < MIN_SHARE) continue;
      tailProcs.forEach((m, mi) => {
        let tailMs = wholeMs[mi];
        for (const n of prefix) tailMs -= fallbackMs(n, m);
        let mergeMs = 0;
        chosen.forEach((t, b) => {
          if (t.p.id === m.id) return;
          const part: TensorInfo = {
            ...endTensor,
            shape: [Math.max(1, Math.round((endBytes / 4) * shares[b]))],
          };
          mergeMs = Math.max(mergeMs, cost.syncMs(t.p, m) + cost.transferMs(part, t.p, m));
        });
        const estimateMs = timeMs + mergeMs + tailMs;
        found.push({ end, procs: chosen.map((t) => t.p), shares, tail: m, estimateMs });
      });
    }
  }
  // One entry per (end, processors): the tail processor is chosen again when planning.
  found.sort((x, y) => x.estimateMs - y.estimateMs);
  const seen = new Set<string>();
  return found
    .filter((f) => {
      const key = `${f.end}|${f.procs.map((p) => p.id).join(',')}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, graph.nodes.length > SHORTLIST_MAX_NODES ? 1 : SHORTLIST);
}

function branchName(proc: string, name: string): string {
  return `${STRETCH_BRANCH_PREFIX}${proc}/${name}`;
}

/** The branched graph for a decision (shape-inferred). */
function branchGraph(graph: Graph, front: Frontend, d: Decision): Graph {
  const prefix = front.chain.slice(0, d.end);
  const prefixIds = new Set(prefix.map((n) => n.id));
  const endTensor = prefix[prefix.length - 1].outputs[0];
  const tensors = new Map(graph.tensors);
  // The prefix's activations and its own weights go; weights other nodes share stay.
  const stillRead = new Set<string>(graph.outputs);
  for (const n of graph.nodes) if (!prefixIds.has(n.id)) for (const i of nodeInputs(n)) stillRead.add(i);
  for (const n of prefix) {
    for (const name of [...n.inputs.slice(1), ...n.outputs]) {
      if (name !== '' && name !== endTensor && !stillRead.has(name)) tensors.delete(name);
    }
  }
  const inputChannels = channels(graph, front.input) ?? 1;
  const constant = (name: string, like: TensorInfo | undefined, shape: number[]): string => {
    tensors.set(name, { name, shape, dtype: like?.dtype ?? 'float32', constant: true });
    return name;
  };

  const branchNodes: Node[] = [];
  const branchOutputs: string[] = [];
  d.procs.forEach((proc, b) => {
    let cur = front.input;
    let curChannels = inputChannels;
    prefix.forEach((node) => {
      const at = (name: string): string => branchName(proc.id, name);
      const attrs: Record<string, AttrValue> = { ...node.attrs };
      let inputs = node.inputs.slice(1);
      if (node.op === 'Conv') {
        const weight = graph.tensors.get(node.inputs[1]);
        const kernel = (weight?.shape ?? []).slice(2).map((k) => (typeof k === 'number' ? k : 1));
        const depthwise = groupOf(node) !== 1;
        const outChannels = depthwise
          ? curChannels
          : branchWidths(channels(graph, node.outputs[0]) ?? 1, d.shares)[b];
        if (depthwise) attrs.group = curChannels;
        inputs = node.inputs.slice(1).map((name, k) => {
          if (name === '') return name;
          const like = graph.tensors.get(name);
          return k === 0
            ? constant(at(name), like, [outChannels, depthwise ? 1 : curChannels, ...kernel])
            : constant(at(name), like, [outChannels]);
        });
        curChannels = outChannels;
      } else if (node.op === 'BatchNormalization') {
        inputs = node.inputs
          .slice(1)
          .map((name) => (name === '' ? name : constant(at(name), graph.tensors.get(name), [curChannels])));
      }
      const out = at(node.outputs[0]);
      branchNodes.push({ ...node, id: at(node.id), inputs: [cur, ...inputs], outputs: [out], attrs });
      cur = out;
    });
    branchOutputs.push(cur);
  });
  const merge: Node = {
    id: STRETCH_MERGE_ID,
    op: 'Concat',
    inputs: branchOutputs,
    outputs: [endTensor],
    attrs: { axis: 1 },
    attrKinds: { axis: 'int' },
  };
  tensors.delete(endTensor);
  const nodes = [...branchNodes, merge, ...graph.nodes.filter((n) => !prefixIds.has(n.id))];
  const { graph: inferred } = inferShapes({ ...graph, name: `${graph.name}+stretch`, nodes, tensors });
  return inferred;
}

function isStretched(graph: Graph): boolean {
  return graph.nodes.some((n) => n.id === STRETCH_MERGE_ID);
}

/**
 * The branched model: the frontend prefix replaced by parallel width-reduced branches merged by a
 * Concat, tail unchanged. A model with no branchable frontend, or a device with fewer than two
 * processors able to run it, is returned unchanged.
 */
function rewrite(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Graph {
  if (isStretched(graph)) return graph;
  const front = findFrontend(graph);
  if (!front) return graph;
  let best: { graph: Graph; latencyMs: number } | undefined;
  for (const decision of decide(graph, device, cost, opts, front)) {
    const branched = branchGraph(graph, front, decision);
    const { latencyMs } = plannedFor(branched, device, cost, opts);
    if (!best || latencyMs < best.latencyMs) best = { graph: branched, latencyMs };
  }
  if (!best) return graph;
  const out = best.graph;
  const before = graph.outputs.map((o) => JSON.stringify(graph.tensors.get(o)?.shape ?? null));
  const after = out.outputs.map((o) => JSON.stringify(out.tensors.get(o)?.shape ?? null));
  if (before.join() !== after.join()) {
    throw new HeteroError('stretch', `branching ${graph.name} changed its output shapes (a bug)`);
  }
  return out;
}

/** Processor a branch node belongs to (from its id), or undefined for merge and tail nodes. */
function branchProc(node: Node): string | undefined {
  if (!node.id.startsWith(STRETCH_BRANCH_PREFIX)) return undefined;
  const rest = node.id.slice(STRETCH_BRANCH_PREFIX.length);
  return rest.slice(0, rest.indexOf('/'));
}

/** Branches on their processors; merge and tail on the tail processor that evaluates best. */
function planBranched(
  g: Graph,
  device: Device,
  cost: CostModel,
  opts: PlanOptions,
): { plan: Plan; latencyMs: number; tail: string } {
  const procs = usableProcessors(device, opts);
  const home = homeProcessor(device);
  const ctx: RunContext = planContext(opts);
  const lat = latencyLookup(g, cost, ctx);
  const runs = (n: Node, p: Processor): boolean => Number.isFinite(lat(n, p));
  // Evaluate the TAIL_CHOICES processors that run the merge and tail fastest alone (CPU fallback).
  const tailNodes = g.nodes.filter((n) => branchProc(n) === undefined);
  const alone = (n: Node, p: Processor): number => {
    const ms = lat(n, p);
    return Number.isFinite(ms) ? ms : lat(n, home);
  };
  const tailChoices = (procs.includes(home) ? procs : [...procs, home])
    .map((p) => ({ p, ms: tailNodes.reduce((sum, n) => sum + alone(n, p), 0) }))
    .sort((a, b) => a.ms - b.ms)
    .slice(0, TAIL_CHOICES)
    .map((x) => x.p);
  let best: { plan: Plan; latencyMs: number; tail: string } | undefined;
  for (const m of tailChoices) {
    const placements: Record<string, Placement> = {};
    const fallbacks: string[] = [];
    for (const n of g.nodes) {
      const proc = branchProc(n) ?? m.id;
      if (runs(n, procs.find((p) => p.id === proc) ?? m)) placements[n.id] = { proc };
      else {
        placements[n.id] = { proc: home.id };
        if (proc !== home.id) fallbacks.push(n.id);
      }
    }
    const candidate = makePlan(g, device, 'stretch', placements, {
      objective: 'latency',
      ...(fallbacks.length > 0 ? { fallbacks } : {}),
    });
    const latencyMs = evaluatePlan(candidate, g, device, cost, { context: ctx }).latencyMs;
    if (!best || latencyMs < best.latencyMs) best = { plan: candidate, latencyMs, tail: m.id };
  }
  if (!best) throw new HeteroError('stretch', 'no usable processors');
  return best;
}

/** Plans made while rewriting, so that planning the graph rewrite returned does not redo them. */
const planned = new WeakMap<
  Graph,
  { key: string; cost: CostModel; result: ReturnType<typeof planBranched> }
>();

function plannedFor(g: Graph, device: Device, cost: CostModel, opts: PlanOptions) {
  const key = JSON.stringify([device.id, opts.processors ?? null, planContext(opts)]);
  const known = planned.get(g);
  if (known && known.key === key && known.cost === cost) return known.result;
  const result = planBranched(g, device, cost, opts);
  planned.set(g, { key, cost, result });
  return result;
}

function plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
  const g = isStretched(graph) ? graph : rewrite(graph, device, cost, opts);
  const found = plannedFor(g, device, cost, opts);
  // A fresh copy: callers may edit the plan they get.
  const best = { ...found, plan: structuredClone(found.plan) };
  const result = best.plan;
  if (!isStretched(g)) {
    result.changesModel = false;
    result.notes = [
      `no branchable frontend (a Conv on the image input followed by per-channel layers), fewer ` +
        `than two processors able to run it, or no split giving every branch ≥ ${MIN_SHARE * 100}% ` +
        `of the channels: the model is unchanged, all on ${best.tail}`,
    ];
    return result;
  }
  const merge = g.nodes.find((n) => n.id === STRETCH_MERGE_ID);
  const branches = (merge?.inputs ?? []).map((name) => {
    const proc = name.slice(STRETCH_BRANCH_PREFIX.length, name.indexOf('/'));
    return `${proc} ${channels(g, name) ?? '?'} ch`;
  });
  const perBranch = g.nodes.filter((n) => branchProc(n) !== undefined).length / Math.max(1, branches.length);
  result.changesModel = true;
  result.notes = [
    `CHANGES THE MODEL (NN-Stretch): the first ${perBranch} frontend ops are replaced by ` +
      `${branches.length} parallel branches (${branches.join(', ')}) merged by a Concat on channels; ` +
      `the rest runs on ${best.tail}`,
    'the branched model must be retrained and its accuracy re-validated before use; never chosen silently',
    `the plan belongs to the rewritten graph (${g.name}, stretch.rewrite), not to ${graph.name}`,
  ];
  result.notes.push(`predicted latency ${best.latencyMs.toFixed(2)} ms (before retraining)`);
  return result;
}

export const stretch: Strategy = {
  name: 'stretch',
  cites:
    'NN-Stretch: Wei et al., "NN-Stretch: Automatic Neural Network Branching for Parallel Inference ' +
    'on Heterogeneous Multi-Processors", MobiSys 2023. Frontend prefix split into width-reduced ' +
    'branches (channels divided by processor speed, depth kept), merged by Concat at a block ' +
    'boundary chosen by a latency estimate; changes the model, needs retraining.',
  rewrite,
  plan,
};
