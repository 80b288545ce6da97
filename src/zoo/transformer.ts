// Transformer encoder pieces shared by BERT and ViT: multi-head self-attention written out as ONNX
// MatMul/Reshape/Transpose/Softmax, as exporters emit it, and the two-layer GELU MLP.
import type { GraphBuilder, Sym } from './builder.js';

export interface EncoderDims {
  tokens: number;
  hidden: number;
  heads: number;
  mlp: number;
  /** Sequences attended to independently (MobileViT's patch pixels); default 1. */
  batch?: number;
  /** Whether the key projection has a bias (Whisper's has none); default true. */
  keyBias?: boolean;
}

/**
 * Self-attention over [batch, tokens, hidden]; `mask` (broadcastable to the scores) is added if given.
 */
export function selfAttention(b: GraphBuilder, x: Sym, d: EncoderDims, mask?: Sym): Sym {
  const headDim = d.hidden / d.heads;
  const batch = d.batch ?? 1;
  const split = (t: Sym, perm: number[]): Sym =>
    b.transpose(b.reshape(t, [batch, d.tokens, d.heads, headDim], headDim), perm, headDim);
  const q = split(b.linear(x, d.hidden, 'query'), [0, 2, 1, 3]); // [B, h, T, d]
  const k = split(b.linear(x, d.hidden, 'key', d.keyBias ?? true), [0, 2, 3, 1]); // [B, h, d, T]
  const v = split(b.linear(x, d.hidden, 'value'), [0, 2, 1, 3]);
  let scores = b.div(b.matmul(q, k, d.tokens), Math.sqrt(headDim)); // [B, h, T, T]
  if (mask) scores = b.add(scores, mask);
  const context = b.matmul(b.softmax(scores, -1), v, headDim); // [B, h, T, d]
  const merged = b.reshape(
    b.transpose(context, [0, 2, 1, 3], headDim),
    [batch, d.tokens, d.hidden],
    d.hidden,
  );
  return b.linear(merged, d.hidden, 'output');
}

export function mlp(b: GraphBuilder, x: Sym, d: EncoderDims): Sym {
  return b.linear(b.gelu(b.linear(x, d.mlp, 'fc1')), d.hidden, 'fc2');
}
