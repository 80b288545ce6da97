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

/** Query and value heads: [B, T, h, d] → [B, h, T, d]. */
export const HEADS_FIRST = [0, 2, 1, 3];
/** Key heads, transposed for the scores: [B, T, h, d] → [B, h, d, T]. */
export const KEYS_TRANSPOSED = [0, 2, 3, 1];

/** [B, T, hidden] → heads, laid out by `perm` (HEADS_FIRST or KEYS_TRANSPOSED). */
export function splitHeads(b: GraphBuilder, t: Sym, d: EncoderDims, perm: number[]): Sym {
  const headDim = d.hidden / d.heads;
  return b.transpose(b.reshape(t, [d.batch ?? 1, d.tokens, d.heads, headDim], headDim), perm, headDim);
}

/** Heads [B, h, T, d] → [B, T, hidden]. */
export function mergeHeads(b: GraphBuilder, context: Sym, d: EncoderDims): Sym {
  const headDim = d.hidden / d.heads;
  return b.reshape(b.transpose(context, HEADS_FIRST, headDim), [d.batch ?? 1, d.tokens, d.hidden], d.hidden);
}

/**
 * Self-attention over [batch, tokens, hidden]; `mask` (broadcastable to the scores) is added if given.
 */
export function selfAttention(b: GraphBuilder, x: Sym, d: EncoderDims, mask?: Sym): Sym {
  const headDim = d.hidden / d.heads;
  const q = splitHeads(b, b.linear(x, d.hidden, 'query'), d, HEADS_FIRST);
  const k = splitHeads(b, b.linear(x, d.hidden, 'key', d.keyBias ?? true), d, KEYS_TRANSPOSED);
  const v = splitHeads(b, b.linear(x, d.hidden, 'value'), d, HEADS_FIRST);
  let scores = b.div(b.matmul(q, k, d.tokens), Math.sqrt(headDim)); // [B, h, T, T]
  if (mask) scores = b.add(scores, mask);
  const context = b.matmul(b.softmax(scores, -1), v, headDim); // [B, h, T, d]
  return b.linear(mergeHeads(b, context, d), d.hidden, 'output');
}

export function mlp(b: GraphBuilder, x: Sym, d: EncoderDims): Sym {
  return b.linear(b.gelu(b.linear(x, d.mlp, 'fc1')), d.hidden, 'fc2');
}
