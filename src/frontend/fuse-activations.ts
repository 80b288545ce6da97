// Deployment rewrite: fuse a ReLU / ReLU6-style Clip into the Conv, Gemm or Add that produces its
// input, as TFLite, Paddle Lite, QNN and ONNX Runtime all do, so that a planner does not count a
// kernel launch and a memory pass no deployed runtime performs. The activation is kept on the host
// node (graph/fused-activation.ts) so the exporter can write the original two ONNX nodes back.
import { producersAndReaders } from '../graph/dag.js';
import { FUSED_ACTIVATION_ATTR, FUSED_BOUNDS_ATTR } from '../graph/fused-activation.js';
import type { AttrValue, Graph, Node } from '../graph/types.js';

const HOSTS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'Add']);

/** Clip bounds from its inputs (opset ≥ 11) or attributes (older opsets); undefined if not constant. */
function clipBounds(clip: Node, g: Graph): [number, number] | undefined {
  if (clip.inputs.length <= 1) {
    return [
      Number(clip.attrs.min ?? -3.4028234663852886e38),
      Number(clip.attrs.max ?? 3.4028234663852886e38),
    ];
  }
  const bound = (name: string | undefined, fallback: number): number | undefined => {
    if (!name) return fallback;
    const v = g.tensors.get(name)?.value;
    return v && v.length === 1 ? v[0] : undefined;
  };
  const min = bound(clip.inputs[1], -3.4028234663852886e38);
  const max = bound(clip.inputs[2], 3.4028234663852886e38);
  return min === undefined || max === undefined ? undefined : [min, max];
}

export function fuseActivations(g: Graph): { graph: Graph; fused: string[] } {
  const { producer, readers } = producersAndReaders(g);

  const replaced = new Map<string, Node>();
  const fused = new Set<string>();
  const tensors = new Map(g.tensors);
  for (const act of g.nodes) {
    if (act.op !== 'Relu' && act.op !== 'Clip') continue;
    const host = producer.get(act.inputs[0]);
    if (!host || !HOSTS.has(host.op) || host.outputs.length !== 1 || replaced.has(host.id)) continue;
    if (readers.get(act.inputs[0]) !== 1 || g.outputs.includes(act.inputs[0])) continue;
    const attrs: Record<string, AttrValue> = { ...host.attrs, [FUSED_ACTIVATION_ATTR]: act.op };
    if (act.op === 'Clip') {
      const bounds = clipBounds(act, g);
      if (!bounds) continue;
      attrs[FUSED_BOUNDS_ATTR] = bounds;
    }
    tensors.delete(act.inputs[0]);
    replaced.set(host.id, { ...host, attrs, outputs: [act.outputs[0]] });
    fused.add(act.id);
  }
  if (fused.size === 0) return { graph: g, fused: [] };
  const nodes = g.nodes.filter((n) => !fused.has(n.id)).map((n) => replaced.get(n.id) ?? n);
  return { graph: { ...g, nodes, tensors }, fused: [...fused] };
}
