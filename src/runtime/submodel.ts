// One partition → one standalone ONNX model (inputs, outputs, initializers, opset) that
// onnxruntime loads. `splitPlan` is the library entry: a plan's partitions with their model bytes.
import { exportOnnx } from '../formats/onnx/index.js';
import { extractSubgraph } from '../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../graph/types.js';
import type { Plan } from '../plan/types.js';
import { partitionPlan, type Partition, type PartitionedPlan } from './partition.js';

export interface SubModel extends Partition {
  /** ONNX ModelProto bytes of the partition. */
  bytes: Uint8Array;
}

export interface SplitModel extends Omit<PartitionedPlan, 'partitions'> {
  partitions: SubModel[];
}

/** Cuts `graph` as `plan` says and exports every partition as an ONNX model. */
export function splitPlan(graph: Graph, plan: Plan): SplitModel {
  const partitioned = partitionPlan(graph, plan);
  return {
    ...partitioned,
    partitions: partitioned.partitions.map((p) => ({ ...p, bytes: partitionBytes(partitioned.graph, p) })),
  };
}

export function partitionBytes(graph: Graph, partition: Partition): Uint8Array {
  const sub = extractSubgraph(graph, partition.nodes, `${graph.name}:${partition.id}`);
  // extractSubgraph lists inputs in first-read order; keep the partition's own lists authoritative.
  const model = { ...sub, inputs: partition.inputs, outputs: partition.outputs };
  return exportOnnx(sub.nodes.some((n) => n.subgraphs) ? withLooseControlFlowShapes(model) : model);
}

/**
 * A partition holding If/Loop is exported without hetero's inferred shapes inside nested graphs and
 * with symbolic dims at its boundary: hetero's inference also evaluates the untaken branch at the
 * bound input sizes, and ORT's checker rejects such shapes (e.g. silero's 8 kHz branch at 512
 * samples). ORT infers the shapes itself; the data fed are the same.
 */
function withLooseControlFlowShapes(g: Graph): Graph {
  const tensors = new Map<string, TensorInfo>();
  const boundary = new Set([...g.inputs, ...g.outputs]);
  for (const [name, t] of g.tensors) {
    if (t.constant) tensors.set(name, t);
    else if (boundary.has(name))
      tensors.set(name, { ...t, shape: t.shape?.map((_, i) => `${sanitize(name)}_d${i}`) ?? null });
    else tensors.set(name, { ...t, shape: null });
  }
  return { ...g, tensors, nodes: g.nodes.map(looseNode) };
}

function looseNode(n: Node): Node {
  if (!n.subgraphs) return n;
  const subgraphs = Object.fromEntries(Object.entries(n.subgraphs).map(([k, s]) => [k, looseNested(s)]));
  return { ...n, subgraphs };
}

function looseNested(g: Graph): Graph {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, t] of g.tensors) {
    // Types stay (Loop bodies' inputs need one); shapes go.
    tensors.set(name, t.constant ? t : { ...t, shape: null });
  }
  return { ...g, tensors, nodes: g.nodes.map(looseNode) };
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
