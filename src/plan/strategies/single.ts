// Single-processor strategies with the framework fallback of real delegates / execution providers.
//
// Reproduces how TensorFlow Lite delegates (GPU delegate, NNAPI delegate, Hexagon delegate) and ONNX
// Runtime execution providers (GetCapability) take a model: the nodes the accelerator supports are
// grouped into partitions, each partition becomes one delegated kernel, and everything else runs on
// the CPU kernels. Partitioning follows TFLite's PartitionGraphIntoIndependentNodeSubsets
// (tensorflow/lite/graph_info.cc): walking the graph in dependency order, it alternately collects
// every ready supported node, then every ready unsupported node, so each partition is cycle-free
// with the CPU nodes around it. The delegate then keeps the largest partitions
// (GraphPartitionHelper::GetFirstNLargestPartitions(n, min_nodes_per_partition),
// tensorflow/lite/delegates/utils.h): partitions below the minimum size, and beyond the maximum
// count, go back to the CPU. Defaults per runtime are in DELEGATE_RULES, each with its source.
//
// Simplifications:
// - Support is what the cost model can run (finite latency), i.e. the op-support tables; TFLite's
//   per-op parameter checks (e.g. kernel sizes) are not modelled.
// - The fallback CPU is the home processor (the big cluster, all its cores); its threads are the
//   cost model's default.
// - evaluatePlan may overlap a CPU-fallback node with an independent delegated partition; TFLite's
//   interpreter runs its execution plan one kernel at a time, so this is slightly optimistic.
// - Delegate preparation (graph compilation) is a one-time cost and not part of inference latency.
import type { CostModel } from '../../cost/types.js';
import { HeteroError } from '../../errors.js';
import { dependencies, topologicalOrder, type Dependencies } from '../../graph/dag.js';
import type { Graph } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { homeProcessor } from '../evaluate.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import type { Placement, Plan, PlanOptions, Strategy } from '../types.js';
import { fallbackIndex, IndexHeap, latencyTable, planContext, planObjective } from './chains.js';

/** How a runtime selects the partitions it delegates. */
export interface DelegateRules {
  /** Partitions with fewer nodes stay on the CPU. */
  minNodesPerPartition: number;
  /** At most this many partitions are delegated (largest first); Infinity = no limit. */
  maxPartitions: number;
  source: string;
}

/** Per op-support runtime (Processor.supports.runtime). */
export const DELEGATE_RULES: Readonly<Record<string, DelegateRules>> = {
  'tflite-gpu-delegate': {
    minNodesPerPartition: 1,
    maxPartitions: 1,
    source:
      'TfLiteGpuDelegateOptionsV2Default(): max_delegated_partitions = 1 (tensorflow/lite/delegates/gpu/delegate_options.cc)',
  },
  nnapi: {
    minNodesPerPartition: 1,
    maxPartitions: 3,
    source:
      'StatefulNnApiDelegate::Options: max_number_delegated_partitions = 3 (tensorflow/lite/delegates/nnapi/nnapi_delegate.h)',
  },
  'qnn-htp': {
    minNodesPerPartition: 2,
    maxPartitions: Infinity,
    source:
      'TfLiteHexagonDelegateOptions: min_nodes_per_partition "Defaults to 2", max_delegated_partitions 0 = no limit (tensorflow/lite/delegates/hexagon/hexagon_delegate.h)',
  },
  neuron: {
    minNodesPerPartition: 1,
    maxPartitions: 3,
    source: 'estimated: MediaTek Neuron is reached through NNAPI on Android; NNAPI delegate defaults used',
  },
};

const NO_LIMITS: DelegateRules = {
  minNodesPerPartition: 1,
  maxPartitions: Infinity,
  source: 'no partition limits known for this runtime (ONNX Runtime EPs take every supported partition)',
};

export function delegateRules(proc: Processor): DelegateRules {
  return DELEGATE_RULES[proc.supports.runtime] ?? NO_LIMITS;
}

export interface FrameworkPartitioning {
  /** Delegated partitions (node indices in execution order), in execution order. */
  partitions: number[][];
  /** Supported partitions the rules sent back to the CPU. */
  rejected: { nodes: number[]; reason: 'min-nodes' | 'max-partitions' }[];
  /** Nodes the target cannot run. */
  unsupported: number[];
  /** Execution order: the subsets one after another (node indices). */
  order: number[];
}

/**
 * TFLite-style partitioning of the supported nodes, then the minimum-size and maximum-count rules.
 * `supported[i]` says whether node i can run on the target.
 */
export function partitionSupported(
  graph: Graph,
  supported: readonly boolean[],
  rules: Pick<DelegateRules, 'minNodesPerPartition' | 'maxPartitions'>,
  deps: Dependencies = dependencies(graph),
): FrameworkPartitioning {
  const n = graph.nodes.length;
  const topo = topologicalOrder(graph, deps);
  const position = new Int32Array(n);
  topo.forEach((i, k) => (position[i] = k));
  const pending = deps.preds.map((p) => p.length);
  // Ready nodes per type, consumed in topological position order so subsets follow the file's order.
  const byPosition = (i: number): number => position[i];
  const ready: [IndexHeap, IndexHeap] = [new IndexHeap(byPosition), new IndexHeap(byPosition)];
  const typeOf = (i: number): 0 | 1 => (supported[i] ? 1 : 0);
  for (const i of topo) if (pending[i] === 0) ready[typeOf(i)].push(i);

  const subsets: { type: 0 | 1; nodes: number[] }[] = [];
  let type: 0 | 1 = n > 0 ? typeOf(topo[0]) : 1;
  let done = 0;
  while (done < n) {
    const queue = ready[type];
    const nodes: number[] = [];
    // Collect every node of this type that becomes ready while the subset grows.
    for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
      nodes.push(i);
      done++;
      for (const s of deps.succs[i]) if (--pending[s] === 0) ready[typeOf(s)].push(s);
    }
    if (nodes.length > 0) subsets.push({ type, nodes });
    type = type === 1 ? 0 : 1;
  }

  // Keep the largest partitions (stable for equal sizes), as GetFirstNLargestPartitions does.
  const candidates = subsets.filter((s) => s.type === 1).map((s) => s.nodes);
  const bySize = [...candidates].sort((a, b) => b.length - a.length);
  const kept = new Set<number[]>();
  const rejected: FrameworkPartitioning['rejected'] = [];
  for (const nodes of bySize) {
    if (nodes.length < rules.minNodesPerPartition) rejected.push({ nodes, reason: 'min-nodes' });
    else if (kept.size >= rules.maxPartitions) rejected.push({ nodes, reason: 'max-partitions' });
    else kept.add(nodes);
  }
  return {
    partitions: candidates.filter((c) => kept.has(c)),
    rejected,
    unsupported: topo.filter((i) => !supported[i]),
    order: subsets.flatMap((s) => s.nodes),
  };
}

/** The processor the `cpu`, `gpu` or `npu` strategy targets on this device (undefined = none). */
export function targetProcessor(device: Device, kind: 'cpu' | 'gpu' | 'npu'): Processor | undefined {
  if (kind === 'cpu') return homeProcessor(device);
  if (kind === 'gpu') return device.processors.find((p) => p.kind === 'gpu');
  // The NPU strategy uses whichever AI accelerator the SoC has: an NPU, or a DSP (Hexagon).
  return device.processors.find((p) => p.kind === 'npu') ?? device.processors.find((p) => p.kind === 'dsp');
}

/** Counts of ops by type, largest first, for notes: "BatchNormalization×52, Div×3". */
function opCounts(graph: Graph, nodes: readonly number[]): string {
  const counts = new Map<string, number>();
  for (const i of nodes) counts.set(graph.nodes[i].op, (counts.get(graph.nodes[i].op) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([op, c]) => `${op}×${c}`)
    .join(', ');
}

/**
 * The plan a framework makes when asked to run `graph` on `target`: delegated partitions on the target,
 * every other node on the fallback CPU, in the framework's execution order.
 */
export function frameworkFallbackPlan(
  graph: Graph,
  device: Device,
  cost: CostModel,
  target: Processor,
  strategy: string,
  opts: PlanOptions = {},
): Plan {
  const home = homeProcessor(device);
  const usable = usableProcessors(device, opts);
  // The framework's own CPU kernels are always there, even when a study restricts processors.
  const procs = [target, ...usable.filter((p) => p.id !== target.id)];
  if (!procs.some((p) => p.id === home.id)) procs.push(home);
  const ctx = planContext(opts);
  const latencyMs = latencyTable(graph, procs, cost, ctx);
  const supported = graph.nodes.map((_, i) => Number.isFinite(latencyMs[0][i]));
  const rules = target.kind === 'cpu' ? NO_LIMITS : delegateRules(target);
  const parts = partitionSupported(graph, supported, rules);

  const placements: Record<string, Placement> = {};
  const cpuProcs = procs.filter((p) => p.kind === 'cpu');
  const fallbackCpu = cpuProcs.find((p) => p.id === home.id) ?? cpuProcs[0] ?? home;
  const fallbackAt = procs.indexOf(fallbackCpu);
  const onTarget = new Set(parts.partitions.flat());
  const fallbacks: string[] = [];
  graph.nodes.forEach((node, i) => {
    if (onTarget.has(i)) {
      placements[node.id] = { proc: target.id };
      return;
    }
    // Unsupported (or rejected) nodes run on the CPU kernels; an op even the CPU lacks goes wherever it can.
    const p = Number.isFinite(latencyMs[fallbackAt][i]) ? fallbackAt : fallbackIndex(i, procs, latencyMs);
    placements[node.id] = { proc: procs[p === -1 ? fallbackAt : p].id };
    fallbacks.push(node.id);
  });

  const notes: string[] = [];
  const sizes = parts.partitions.map((p) => p.length);
  if (target.kind === 'cpu') {
    notes.push(`all ${graph.nodes.length} nodes on ${target.id} (${target.name})`);
  } else {
    notes.push(
      `${target.id} (${target.supports.runtime}) runs ${onTarget.size} of ${graph.nodes.length} nodes in ` +
        `${sizes.length} partition(s) [${sizes.join(', ')} nodes]; rules: min ${rules.minNodesPerPartition} ` +
        `node(s) per partition, max ${rules.maxPartitions === Infinity ? 'unlimited' : rules.maxPartitions} ` +
        `partition(s) (${rules.source})`,
    );
    if (parts.unsupported.length > 0) {
      notes.push(
        `${parts.unsupported.length} unsupported node(s) fall back to ${fallbackCpu.id}: ${opCounts(graph, parts.unsupported)}`,
      );
    }
    const small = parts.rejected.filter((r) => r.reason === 'min-nodes');
    const extra = parts.rejected.filter((r) => r.reason === 'max-partitions');
    if (small.length > 0) {
      notes.push(
        `${small.length} partition(s) below ${rules.minNodesPerPartition} nodes stay on ${fallbackCpu.id} ` +
          `(${small.reduce((s, r) => s + r.nodes.length, 0)} nodes)`,
      );
    }
    if (extra.length > 0) {
      notes.push(
        `${extra.length} partition(s) beyond the ${rules.maxPartitions} largest stay on ${fallbackCpu.id} ` +
          `(${extra.reduce((s, r) => s + r.nodes.length, 0)} nodes)`,
      );
    }
  }
  return makePlan(graph, device, strategy, placements, {
    objective: planObjective(opts),
    order: parts.order.map((i) => graph.nodes[i].id),
    ...(target.kind === 'cpu' ? {} : { fallbacks }),
    notes,
  });
}

function singleStrategy(kind: 'cpu' | 'gpu' | 'npu', cites: string): Strategy {
  return {
    name: kind,
    cites,
    plan(graph, device, cost, opts = {}) {
      const target = targetProcessor(device, kind);
      if (!target) {
        const what = kind === 'npu' ? 'NPU or DSP' : kind.toUpperCase();
        throw new HeteroError(kind, `device ${device.id} has no ${what}`);
      }
      if (opts.processors && !opts.processors.includes(target.id)) {
        throw new HeteroError(
          kind,
          `${target.id} is not among the allowed processors (${opts.processors.join(', ')})`,
        );
      }
      return frameworkFallbackPlan(graph, device, cost, target, kind, opts);
    },
  };
}

export const cpu: Strategy = singleStrategy(
  'cpu',
  'The framework CPU backend (TFLite / ONNX Runtime CPU kernels) on the big cluster with all its cores.',
);

export const gpu: Strategy = singleStrategy(
  'gpu',
  'TensorFlow Lite GPU delegate: supported partitions on the GPU (largest only, max_delegated_partitions=1), the rest on the CPU.',
);

export const npu: Strategy = singleStrategy(
  'npu',
  'NNAPI / QNN (Hexagon) / Neuron delegation to the NPU or DSP with TFLite partition rules; unsupported ops fall back to the CPU.',
);

/** The single-processor strategies, in the order best-single tries them. */
export const SINGLE_STRATEGIES: readonly Strategy[] = [cpu, gpu, npu];
