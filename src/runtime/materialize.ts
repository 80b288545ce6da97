// Weightless graphs (zoo architectures, BatchNorm folded on them) get their stand-in weights written
// into the graph, exactly the values `exportOnnx` would generate for the whole graph. A split op then
// slices real data and every sub-model carries the same weights as the monolithic export it is
// verified against.
import {
  GENERATED_FLOAT_DTYPES,
  generateWeights,
  weightRole,
  type WeightRole,
} from '../formats/onnx/weights.js';
import type { Graph, TensorInfo } from '../graph/types.js';

/** First consumer's role per tensor name, visiting nodes and nested graphs as the exporter does. */
function collectRoles(g: Graph, roles: Map<string, WeightRole>): void {
  for (const n of g.nodes) {
    n.inputs.forEach((name, i) => {
      if (name && !roles.has(name)) roles.set(name, weightRole(n.op, i));
    });
    for (const sub of Object.values(n.subgraphs ?? {})) collectRoles(sub, roles);
  }
}

function fixedShape(t: TensorInfo): number[] | undefined {
  return t.shape && t.shape.every((d): d is number => typeof d === 'number') ? t.shape : undefined;
}

/** The graph with data for every float constant that has neither data nor known values. */
export function materializeWeights(graph: Graph, seed = 0): Graph {
  const roles = new Map<string, WeightRole>();
  collectRoles(graph, roles);
  return fill(graph, roles, seed);
}

function fill(g: Graph, roles: Map<string, WeightRole>, seed: number): Graph {
  let tensors: Map<string, TensorInfo> | undefined;
  for (const t of g.tensors.values()) {
    if (!t.constant || t.data || t.value || !GENERATED_FLOAT_DTYPES.has(t.dtype)) continue;
    const shape = fixedShape(t);
    if (!shape) continue;
    tensors ??= new Map(g.tensors);
    const data = generateWeights(t.name, t.dtype, shape, roles.get(t.name) ?? 'weight', seed);
    tensors.set(t.name, { ...t, data });
  }
  const nodes = g.nodes.map((n) =>
    n.subgraphs
      ? {
          ...n,
          subgraphs: Object.fromEntries(
            Object.entries(n.subgraphs).map(([k, sub]) => [k, fill(sub, roles, seed)]),
          ),
        }
      : n,
  );
  return { ...g, nodes, tensors: tensors ?? g.tensors };
}
