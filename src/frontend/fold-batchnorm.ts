// Deployment rewrite: fold inference-mode BatchNormalization into the Conv before it, as TFLite's and
// ONNX Runtime's converters/optimisers do. Mobile delegates (e.g. the TFLite GPU delegate) have no
// BatchNormalization kernel at all, so planning on the unfolded graph would invent fallbacks that no
// deployed model has. Pure: returns a new Graph; the argument is not changed.
//
//   y = γ·(conv(x, W) + b − μ)/√(σ² + ε) + β  =  conv(x, W·s) + (b − μ)·s + β,  s = γ/√(σ² + ε)
import { nodeInputs, producersAndReaders } from '../graph/dag.js';
import type { Graph, Node, TensorInfo } from '../graph/types.js';

const FOLDABLE_PRODUCERS = new Set(['Conv', 'ConvTranspose']);

export interface FoldResult {
  graph: Graph;
  /** Ids of the BatchNormalization nodes folded away. */
  folded: string[];
}

function float32Values(t: TensorInfo | undefined): Float32Array | undefined {
  if (!t?.data || t.dtype !== 'float32') return undefined;
  const copy = t.data.slice(); // aligned copy: the source may be a view at an odd offset
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

function constant(name: string, shape: number[], values?: Float32Array): TensorInfo {
  const t: TensorInfo = { name, shape, dtype: 'float32', constant: true };
  if (values) t.data = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return t;
}

export function foldBatchNorm(g: Graph): FoldResult {
  const { producer, readers } = producersAndReaders(g);

  const tensors = new Map(g.tensors);
  const replaced = new Map<string, Node>(); // conv id → folded conv
  const folded = new Set<string>();
  for (const bn of g.nodes) {
    if (bn.op !== 'BatchNormalization' || bn.outputs.filter((o) => o !== '').length !== 1) continue;
    const conv = producer.get(bn.inputs[0]);
    if (!conv || !FOLDABLE_PRODUCERS.has(conv.op) || replaced.has(conv.id) || readers.get(bn.inputs[0]) !== 1)
      continue;
    const params = bn.inputs.slice(1, 5).map((name) => tensors.get(name));
    const weight = tensors.get(conv.inputs[1]);
    if (params.some((t) => !t?.constant) || !weight?.constant || !weight.shape) continue;
    const weightShape = weight.shape.filter((d): d is number => typeof d === 'number');
    if (weightShape.length !== weight.shape.length) continue;
    // ConvTranspose weights are [Cin, Cout/group, …]; Conv weights [Cout, Cin/group, …].
    const outChannels = conv.op === 'Conv' ? weightShape[0] : weightShape[1] * Number(conv.attrs.group ?? 1);
    const bias = conv.inputs[2] ? tensors.get(conv.inputs[2]) : undefined;

    const values = foldValues(weight, bias, params, outChannels, Number(bn.attrs.epsilon ?? 1e-5), conv.op);
    const weightName = `${conv.id}/W_bnfolded`;
    const biasName = `${conv.id}/B_bnfolded`;
    tensors.set(weightName, constant(weightName, weightShape, values?.weight));
    tensors.set(biasName, constant(biasName, [outChannels], values?.bias));
    tensors.delete(bn.inputs[0]);
    replaced.set(conv.id, {
      ...conv,
      inputs: [conv.inputs[0], weightName, biasName],
      outputs: [bn.outputs[0]],
    });
    folded.add(bn.id);
  }
  if (folded.size === 0) return { graph: g, folded: [] };
  const nodes = g.nodes.filter((n) => !folded.has(n.id)).map((n) => replaced.get(n.id) ?? n);
  // Drop constants nothing reads any more (the unfolded weights and BN parameters).
  const stillRead = new Set(nodes.flatMap((n) => nodeInputs(n)));
  for (const [name, t] of tensors)
    if (t.constant && !stillRead.has(name) && !g.outputs.includes(name)) tensors.delete(name);
  return { graph: { ...g, nodes, tensors }, folded: [...folded] };
}

/** Folded weight and bias values, or undefined for weightless graphs (shapes are all that matter then). */
function foldValues(
  weight: TensorInfo,
  bias: TensorInfo | undefined,
  params: (TensorInfo | undefined)[],
  outChannels: number,
  epsilon: number,
  op: string,
): { weight: Float32Array; bias: Float32Array } | undefined {
  const w = float32Values(weight);
  const [gamma, beta, mean, variance] = params.map(float32Values);
  if (!w || !gamma || !beta || !mean || !variance) return undefined;
  const b = bias ? float32Values(bias) : new Float32Array(outChannels);
  if (!b) return undefined;
  const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + epsilon));
  const newWeight = new Float32Array(w.length);
  if (op === 'Conv') {
    const perChannel = w.length / outChannels;
    for (let i = 0; i < w.length; i++) newWeight[i] = w[i] * scale[Math.floor(i / perChannel)];
  } else {
    // ConvTranspose [Cin, Cout/g, k…]: the output channel is the second index within each group.
    const shape = weight.shape as number[];
    const perOut = shape.slice(2).reduce((a, d) => a * d, 1);
    const outPerGroup = shape[1];
    const inPerGroup = shape[0] / (outChannels / outPerGroup);
    for (let i = 0; i < w.length; i++) {
      const cin = Math.floor(i / (outPerGroup * perOut));
      const group = Math.floor(cin / inPerGroup);
      const cout = group * outPerGroup + (Math.floor(i / perOut) % outPerGroup);
      newWeight[i] = w[i] * scale[cout];
    }
  }
  const newBias = b.map((v, c) => (v - mean[c]) * scale[c] + beta[c]);
  return { weight: newWeight, bias: newBias };
}
