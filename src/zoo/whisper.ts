// Whisper-tiny's audio encoder (Radford et al., Robust Speech Recognition via Large-Scale Weak
// Supervision, 2022; openai/whisper model.py AudioEncoder): two 1-D convs with GELU over the 80-band
// log-mel spectrogram (the second halves the frame rate), learned-size sinusoidal position embeddings,
// four pre-norm transformer blocks of width 384 with 6 heads (the key projection has no bias) and a
// 1536-wide GELU MLP, and a closing LayerNorm. The released model takes 30 s (3000 frames, 1500
// positions); shorter windows size the position table to match, as ViT's is sized by its input.
import { GraphBuilder } from './builder.js';
import { mlp, selfAttention, type EncoderDims } from './transformer.js';
import type { Graph } from '../graph/types.js';

const MELS = 80;
const WIDTH = 384;
const LN_EPS = 1e-5;

/** Encoder of whisper-tiny over `frames` mel frames (10 ms each; even). */
export function whisperTinyEncoder(frames = 3000): Graph {
  if (frames % 2 !== 0) throw new Error(`whisper-tiny-encoder: ${frames} frames is not even`);
  const tokens = frames / 2;
  const d: EncoderDims = { tokens, hidden: WIDTH, heads: 6, mlp: 4 * WIDTH, keyBias: false };
  const b = new GraphBuilder('whisper-tiny-encoder');
  const mel = b.input('input_features', [1, MELS, frames]);
  let x = b.scope('conv', () => {
    const c1 = b.gelu(b.conv1d(mel, { out: WIDTH, kernel: 3, bias: true }, 'conv1'));
    const c2 = b.gelu(b.conv1d(c1, { out: WIDTH, kernel: 3, stride: 2, bias: true }, 'conv2'));
    const seq = b.transpose(c2, [0, 2, 1], WIDTH);
    return b.add(seq, b.parameter('embed_positions', [1, tokens, WIDTH], WIDTH));
  });
  for (let i = 0; i < 4; i++) {
    x = b.scope(`layers/${i}`, () => {
      const y = b.add(
        x,
        b.scope('self_attn', () => selfAttention(b, b.layerNorm(x, LN_EPS, 'self_attn_layer_norm'), d)),
      );
      return b.add(
        y,
        b.scope('mlp', () => mlp(b, b.layerNorm(y, LN_EPS, 'final_layer_norm'), d)),
      );
    });
  }
  b.output(b.layerNorm(x, LN_EPS, 'layer_norm'));
  return b.build();
}
