// Transformer encoder pieces shared by BERT and ViT: multi-head self-attention written out as ONNX
// MatMul/Reshape/Transpose/Softmax, as exporters emit it, and the two-layer GELU MLP.
import type { GraphBuilder, Sym } from './builder.js';

export interface EncoderDims {
  tokens: number;
  hidden: number;
  heads: number;
  mlp: number;
}

/** Self-attention over [1, tokens, hidden]; `mask` (broadcastable to the scores) is added if given. */
export function selfAttention(b: GraphBuilder, x: Sym, d: EncoderDims, mask?: Sym): Sym {
  const headDim = d.hidden / d.heads;
  const split = (t: Sym, perm: number[]): Sym =>
    b.transpose(b.reshape(t, [1, d.tokens, d.heads, headDim], headDim), perm, headDim);
  const q = split(b.linear(x, d.hidden, 'query'), [0, 2, 1, 3]); // [1, h, T, d]
  const k = split(b.linear(x, d.hidden, 'key'), [0, 2, 3, 1]); // [1, h, d, T]
  const v = split(b.linear(x, d.hidden, 'value'), [0, 2, 1, 3]);
  let scores = b.div(b.matmul(q, k, d.tokens), Math.sqrt(headDim)); // [1, h, T, T]
  if (mask) scores = b.add(scores, mask);
  const context = b.matmul(b.softmax(scores, -1), v, headDim); // [1, h, T, d]
  const merged = b.reshape(b.transpose(context, [0, 2, 1, 3], headDim), [1, d.tokens, d.hidden], d.hidden);
  return b.linear(merged, d.hidden, 'output');
}

export function mlp(b: GraphBuilder, x: Sym, d: EncoderDims): Sym {
  return b.linear(b.gelu(b.linear(x, d.mlp, 'fc1')), d.hidden, 'fc2');
}
