// Writing hetero's fused activations (graph/fused-activation.ts) back as plain ONNX: the host node
// followed by its Relu or Clip, with Clip bounds as scalar initializers.
import {
  FUSED_ACTIVATION_ATTR,
  FUSED_BOUNDS_ATTR,
  fusedActivation,
  type FusedActivation,
} from '../../graph/fused-activation.js';
import type { Graph, Node, TensorInfo } from '../../graph/types.js';

/** The name of the Relu/Clip node a node's fused activation is written as (ORT's kernel events carry it). */
export function fusedActivationNodeName(nodeId: string, act: FusedActivation): string {
  return `${nodeId}__${act.op.toLowerCase()}`;
}

/** Exported node name → hetero node id, for the activation nodes expandFusedActivations writes. */
export function fusedActivationOwners(g: Graph): Map<string, string> {
  const owners = new Map<string, string>();
  for (const n of g.nodes) {
    const act = fusedActivation(n);
    if (act) owners.set(fusedActivationNodeName(n.id, act), n.id);
  }
  return owners;
}

function scalar(name: string, value: number): TensorInfo {
  const data = new Uint8Array(new Float32Array([value]).buffer);
  return { name, shape: [], dtype: 'float32', constant: true, data, value: [value] };
}

export function expandFusedActivations(g: Graph): Graph {
  if (!g.nodes.some((n) => fusedActivation(n))) return g;
  const tensors = new Map(g.tensors);
  const nodes: Node[] = [];
  const clipHasInputs = (g.opsets?.[''] ?? 17) >= 11;
  for (const n of g.nodes) {
    const act = fusedActivation(n);
    if (!act) {
      nodes.push(n);
      continue;
    }
    const out = n.outputs[0];
    const inner = `${out}__prefused`;
    const attrs = { ...n.attrs };
    delete attrs[FUSED_ACTIVATION_ATTR];
    delete attrs[FUSED_BOUNDS_ATTR];
    const outInfo = tensors.get(out);
    if (outInfo) tensors.set(inner, { ...outInfo, name: inner });
    nodes.push({ ...n, attrs, outputs: [inner] });
    const id = fusedActivationNodeName(n.id, act);
    if (act.op === 'Relu') {
      nodes.push({ id, op: 'Relu', inputs: [inner], outputs: [out], attrs: {} });
    } else if (clipHasInputs) {
      tensors.set(`${id}_min`, scalar(`${id}_min`, act.min));
      tensors.set(`${id}_max`, scalar(`${id}_max`, act.max));
      nodes.push({ id, op: 'Clip', inputs: [inner, `${id}_min`, `${id}_max`], outputs: [out], attrs: {} });
    } else {
      nodes.push({ id, op: 'Clip', inputs: [inner], outputs: [out], attrs: { min: act.min, max: act.max } });
    }
  }
  return { ...g, nodes, tensors };
}
