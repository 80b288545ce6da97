// ViT-B/16 (Dosovitskiy et al., ICLR 2021) in torchvision's layout: 16×16/16 patch-embedding conv,
// a learned class token and position embeddings, 12 pre-norm encoder layers (LayerNorm eps 1e-6,
// exact GELU), final LayerNorm, and the linear head on the class token.
import { GraphBuilder } from './builder.js';
import { type EncoderDims, mlp, selfAttention } from './transformer.js';
import type { Graph } from '../graph/types.js';

const LN_EPS = 1e-6;

export function vitB16(inputSizePx = 224): Graph {
  const patch = 16;
  const hidden = 768;
  const grid = Math.floor(inputSizePx / patch);
  const tokens = grid * grid + 1;
  const d: EncoderDims = { tokens, hidden, heads: 12, mlp: 3072 };
  const b = new GraphBuilder('vit-b16');
  const img = b.input('input', [1, 3, inputSizePx, inputSizePx]);

  let x = b.scope('embed', () => {
    const patches = b.conv(
      img,
      { out: hidden, kernel: patch, stride: patch, pad: 0, bias: true },
      'conv_proj',
    );
    const seq = b.transpose(b.reshape(patches, [1, hidden, grid * grid], hidden), [0, 2, 1], hidden);
    const cls = b.parameter('class_token', [1, 1, hidden], hidden);
    const pos = b.parameter('pos_embedding', [1, tokens, hidden], hidden);
    return b.add(b.concat([cls, seq], 1, hidden), pos);
  });
  for (let i = 0; i < 12; i++) {
    x = b.scope(`encoder_layer_${i}`, () => {
      const attn = b.scope('self_attention', () => selfAttention(b, b.layerNorm(x, LN_EPS), d));
      const y = b.add(x, attn);
      return b.add(
        y,
        b.scope('mlp', () => mlp(b, b.layerNorm(y, LN_EPS), d)),
      );
    });
  }
  const cls = b.pick(b.layerNorm(x, LN_EPS), 1, 0);
  b.output(b.scope('heads', () => b.linear(cls, 1000, 'head')));
  return b.build();
}
